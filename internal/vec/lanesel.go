package vec

import "fmt"

// SelectLanes keeps, for each of eight lanes, the draws whose seed falls under its feature's
// probability: for k < 8 and f < F in order, with u = draws[16f+k] and v = draws[16f+8+k],
//
//	if u ≤ p[f] { feat[n[k]], val[n[k]] = f, v; n[k]++ }
//
// That is the toy model's dense batch rule (spec §1.5: a feature is present when its seed is
// at most its probability, with the magnitude drawn next) for one sample of each lane, the
// draws laid out as rng.Lanes.FillFloat64 writes them. p must hold ⌈F/8⌉·8 values, those past F
// negative (never kept), and draws 16·⌈F/8⌉. Both twins may write up to 8 entries past each
// lane's last kept one, so each lane's output needs that much room. It panics if a slice is
// too short.
func SelectLanes(draws, p []float64, F int, feat []int32, val []float64, n *[8]int) {
	F8 := (F + 7) &^ 7
	if F <= 0 {
		return
	}
	if len(draws) < 16*F8 || len(p) < F8 {
		panic(fmt.Sprintf("vec.SelectLanes: %d draws and %d probabilities for %d features: want %d and %d", len(draws), len(p), F, 16*F8, F8))
	}
	for k := range n {
		if n[k] < 0 || n[k]+F+8 > len(feat) || n[k]+F+8 > len(val) {
			panic(fmt.Sprintf("vec.SelectLanes: lane %d writes from %d, past the %d entries of its output", k, n[k], min(len(feat), len(val))))
		}
	}
	selectLanes(draws, p, F, feat, val, n)
}

// selectLanesGo is SelectLanes's plain twin: the documented loop, branch-free (a seed under
// its probability is a coin toss).
func selectLanesGo(draws, p []float64, F int, feat []int32, val []float64, n *[8]int) {
	for k := range 8 {
		nk := n[k]
		for f, pf := range p[:F] {
			feat[nk], val[nk] = int32(f), draws[16*f+8+k]
			var in int
			if draws[16*f+k] <= pf {
				in = 1
			}
			nk += in
		}
		n[k] = nk
	}
}
