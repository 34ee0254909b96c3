package rng

// Lanes are eight stretches of one stream drawn side by side: lane k starts k·n draws after
// the stream it was made from (n the Leap's length) and goes on from there, so that the
// lanes' first n draws are, lane after lane, exactly the stream's next 8·n. One SIMD register
// holds the same state word of all eight lanes, and one vector update advances them all.
type Lanes struct{ s0, s1, s2, s3 [8]uint64 }

// Lanes returns the eight stretches of x that start 0, n, …, 7·n draws ahead (l leaps n).
func (x Stream) Lanes(l Leap) Lanes {
	var ls Lanes
	for k := range 8 {
		ls.s0[k], ls.s1[k], ls.s2[k], ls.s3[k] = x.s0, x.s1, x.s2, x.s3
		if k < 7 {
			x = x.Leap(l)
		}
	}
	return ls
}

// Lane returns lane k as a stream, at its current position.
func (ls *Lanes) Lane(k int) Stream { return Stream{ls.s0[k], ls.s1[k], ls.s2[k], ls.s3[k]} }

// FillFloat64 fills dst (whose length is a multiple of 8) lane-interleaved: dst[8t+k] is
// lane k's next Float64 for t = 0, 1, …; that is, it equals the plain loop
//
//	for k := range 8 {
//		st := ls.Lane(k)
//		for t := 0; t < len(dst)/8; t++ {
//			dst[8*t+k], st = st.NextFloat64()
//		}
//	}
//
// (fillLanesGo), which the SIMD build runs with one vector update per t (fillLanesSIMD).
func (ls *Lanes) FillFloat64(dst []float64) {
	dst = dst[:len(dst)&^7]
	fillLanes(ls, dst)
}

// fillLanesGo is FillFloat64's plain twin.
func fillLanesGo(ls *Lanes, dst []float64) {
	for k := range 8 {
		st := ls.Lane(k)
		for t := k; t < len(dst); t += 8 {
			dst[t], st = st.NextFloat64()
		}
		ls.s0[k], ls.s1[k], ls.s2[k], ls.s3[k] = st.s0, st.s1, st.s2, st.s3
	}
}
