package toymodel

import (
	"slices"

	"saelab/internal/vec"
	"saelab/rng"
)

// denseLanes says whether denseSingles draws in lanes: where that is faster, with the SIMD
// generator. Tests set it both ways; the batch is the same.
var denseLanes = rng.FastLanes

// denseSinglesLanes is denseSingles drawn in eight lanes (rng.Lanes): lane k draws samples
// [k·B/8, (k+1)·B/8), which the sequential loop draws from the 2·F·B/8 draws starting k·2·F·B/8
// into the stream, so each sample gets the same seeds and magnitudes. vec.SelectLanes keeps
// each lane's present features in its own part of the output, sized for every feature of its
// samples (plus the 8 entries it may write past the end), and the parts are then closed up in
// lane order, which is sample order.
func (g *gen) denseSinglesLanes(p []float64, B int, s *rng.Stream, ib *InstBatch) {
	F, per := len(p), B/8
	F8, part := (F+7)&^7, per*F+8
	n0, ns0 := len(g.feat), len(g.sample)
	feat := slices.Grow(g.feat, 8*part)[:n0+8*part]
	val := slices.Grow(g.val, 8*part)[:n0+8*part]
	sample := slices.Grow(g.sample, B)[:ns0+B]
	start := slices.Grow(g.start, B)[:ns0+B]
	lanes := s.Lanes(ib.leapFor(uint64(2 * F * per)))
	buf := slices.Grow(ib.draws[:0], 16*F8)[:16*F8] // one sample of each lane: seed, magnitude per feature
	pp := append(slices.Grow(ib.pPad[:0], F8), p...)[:F8]
	for f := F; f < F8; f++ {
		pp[f] = -1 // never kept
	}
	var n, ns [8]int
	for k := range 8 {
		n[k], ns[k] = n0+k*part, ns0+k*per
	}
	for b := 0; b < per; b++ {
		first := n
		lanes.FillFloat64(buf[:16*F])
		vec.SelectLanes(buf, pp, F, feat, val, &n)
		for k := range 8 {
			sample[ns[k]], start[ns[k]] = int32(k*per+b), int32(first[k])
			if n[k] > first[k] {
				ns[k]++
			}
		}
	}
	w, ws := n[0], ns[0]
	for k := 1; k < 8; k++ {
		lo, slo := n0+k*part, ns0+k*per
		for j := slo; j < ns[k]; j++ {
			start[j] -= int32(lo - w)
		}
		copy(val[w:], val[lo:n[k]])
		w += copy(feat[w:], feat[lo:n[k]])
		copy(sample[ws:], sample[slo:ns[k]])
		ws += copy(start[ws:], start[slo:ns[k]])
	}
	*s = lanes.Lane(7)
	ib.draws, ib.pPad = buf, pp
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
