package phase

import (
	"cmp"
	"slices"
)

// rank returns the instance indices ordered by eval loss, ties by the lower index (§4.4).
func rank(losses []float64) []int {
	idx := make([]int, len(losses))
	for k := range idx {
		idx[k] = k
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(losses[a], losses[b]) })
	return idx
}

// aggregateWeights returns each instance's weight in the cell aggregate (§4.4), summing to 1:
//
//	paper: 1/(K−1) for all but the highest-loss instance (the last in rank order); 1 if K = 1
//	best:  1 for the lowest-loss instance
//	zf:    ∝ 1/L_k² (ZF); instances with L_k = 0 share the weight equally if there are any
//	all:   1/K
func aggregateWeights(mode string, losses []float64) []float64 {
	K := len(losses)
	w := make([]float64, K)
	order := rank(losses)
	switch mode {
	case AggBest:
		w[order[0]] = 1
	case AggPaper:
		if K == 1 {
			w[0] = 1
			break
		}
		for _, k := range order[:K-1] {
			w[k] = 1 / float64(K-1)
		}
	case AggZF:
		zeros := 0
		for _, L := range losses {
			if L == 0 {
				zeros++
			}
		}
		var sum float64
		for k, L := range losses {
			switch {
			case zeros > 0 && L == 0:
				w[k] = 1
			case zeros == 0:
				w[k] = 1 / (L * L)
			}
			sum += w[k]
		}
		for k := range w {
			w[k] /= sum
		}
	default: // all
		for k := range w {
			w[k] = 1 / float64(K)
		}
	}
	return w
}

// Thresholds are the classification thresholds τ_n and τ_s (§4.5).
type Thresholds struct{ TauN, TauS float64 }

// classify is the rule of §4.5, in order: n̄ < τ_n → not represented; σ̄ < τ_s → dedicated;
// a majority (weight share > ½) of same-sign overlap → confused; otherwise superposition.
func (t Thresholds) classify(nbar, sigmabar, sameSignShare float64) Label {
	switch {
	case nbar < t.TauN:
		return NotRepresented
	case sigmabar < t.TauS:
		return Dedicated
	case sameSignShare > 0.5:
		return Confused
	}
	return Superposition
}

// majority is the most frequent label, ties going to the earlier label of the rule order.
func majority(labels []Label) Label {
	best, bestN := Labels()[0], -1
	for _, l := range Labels() {
		n := 0
		for _, x := range labels {
			if x == l {
				n++
			}
		}
		if n > bestN {
			best, bestN = l, n
		}
	}
	return best
}

// configName names the weight configuration that an empirical label corresponds to, as the
// theory names its configurations (§2), for the map's colours. For n = 3 a dedicated extra
// feature comes with feature 1 or 2 dropped (drop_first) or with features 1 and 2 antipodal
// (pair_12): the first if the smaller of their weighted mean norms is below τ_n.
func configName(e Experiment, l Label, minOtherNorm, tauN float64) string {
	if l == Confused {
		return "confused"
	}
	if e == Exp1 {
		return map[Label]string{NotRepresented: "ignore_extra", Dedicated: "ignore_first", Superposition: "antipodal"}[l]
	}
	switch l {
	case NotRepresented:
		return "drop_extra"
	case Superposition:
		return "pair_23"
	}
	if minOtherNorm < tauN {
		return "drop_first"
	}
	return "pair_12"
}
