package toymodel

import (
	"slices"

	"saelab/rng"
)

// denseLanes says whether denseSingles draws in lanes: where that is faster, with the SIMD
// generator. Tests set it both ways; the batch is the same.
var denseLanes = rng.FastLanes

// denseSinglesLanes is denseSingles drawn in eight lanes (rng.Lanes): lane k draws samples
// [k·B/8, (k+1)·B/8), which the sequential loop draws from the 2·F·B/8 draws starting k·2·F·B/8
// into the stream, so each sample gets the same seeds and magnitudes. Each lane writes its
// entries to its own part of the output, sized for every feature of its samples, and the
// parts are then closed up in lane order, which is sample order.
func (g *gen) denseSinglesLanes(p []float64, B int, s *rng.Stream, ib *InstBatch) {
	F, per := len(p), B/8
	n0, ns0 := len(g.feat), len(g.sample)
	feat := slices.Grow(g.feat, B*F)[:n0+B*F]
	val := slices.Grow(g.val, B*F)[:n0+B*F]
	sample := slices.Grow(g.sample, B)[:ns0+B]
	start := slices.Grow(g.start, B)[:ns0+B]
	lanes := s.Lanes(ib.leapFor(uint64(2 * F * per)))
	buf := slices.Grow(ib.draws[:0], 16*F)[:16*F] // one sample of each lane: seed, magnitude per feature
	var n, ns [8]int
	for k := range 8 {
		n[k], ns[k] = n0+k*per*F, ns0+k*per
	}
	for b := 0; b < per; b++ {
		lanes.FillFloat64(buf)
		for k := range 8 {
			nk, first := n[k], n[k]
			for f, pf := range p {
				u, v := buf[16*f+k], buf[16*f+8+k] // draws 2f and 2f+1 of lane k's sample
				feat[nk], val[nk] = int32(f), v
				var in int // a set instruction, not a branch: u ≤ p is a coin toss
				if u <= pf {
					in = 1
				}
				nk += in
			}
			sample[ns[k]], start[ns[k]] = int32(k*per+b), int32(first)
			if nk > first {
				ns[k]++
			}
			n[k] = nk
		}
	}
	w, ws := n[0], ns[0]
	for k := 1; k < 8; k++ {
		lo, slo := n0+k*per*F, ns0+k*per
		for j := slo; j < ns[k]; j++ {
			start[j] -= int32(lo - w)
		}
		w += copy(feat[w:], feat[lo:n[k]])
		copy(val[w-(n[k]-lo):], val[lo:n[k]])
		copy(sample[ws:], sample[slo:ns[k]])
		ws += copy(start[ws:], start[slo:ns[k]])
	}
	*s = lanes.Lane(7)
	ib.draws = buf
	g.feat, g.val, g.sample, g.start = feat[:w], val[:w], sample[:ws], start[:ws]
	if ws > 0 {
		g.last = sample[ws-1]
	}
}

// leapFor returns rng.NewLeap(n), made once per length.
func (ib *InstBatch) leapFor(n uint64) rng.Leap {
	if ib.leapN != n || ib.leap == (rng.Leap{}) {
		ib.leap, ib.leapN = rng.NewLeap(n), n
	}
	return ib.leap
}
