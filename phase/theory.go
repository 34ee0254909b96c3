package phase

import "math"

// Experiment selects one of the two phase-diagram setups (phase-diagrams §1).
type Experiment int

const (
	// Exp1 has n = 2 features in m = 1 dimension; importance [1, r].
	Exp1 Experiment = 1
	// Exp2 has n = 3 features in m = 2 dimensions; importance [1, 1, r].
	Exp2 Experiment = 2
)

// Features is n, the number of features (the extra one is the last).
func (e Experiment) Features() int {
	if e == Exp2 {
		return 3
	}
	return 2
}

// Hidden is m, the number of hidden dimensions.
func (e Experiment) Hidden() int { return e.Features() - 1 }

// Label is what the extra feature is in a cell or an instance (phase-diagrams §4.5).
type Label string

// The labels, in the classifier's rule order (§4.5).
const (
	NotRepresented Label = "not_represented"
	Dedicated      Label = "dedicated"
	Superposition  Label = "superposition"
	Confused       Label = "confused"
)

// Labels lists every label in rule order.
func Labels() []Label { return []Label{NotRepresented, Dedicated, Superposition, Confused} }

// Configuration is one candidate weight configuration of the closed-form theory
// (phase-diagrams §2): a name, what the extra feature is under it, and its exact expected loss
// as a function of the extra feature's importance r and the density s.
type Configuration struct {
	Name  string // e.g. "antipodal"; a sub-phase name for the report's colours
	Title string // for people, e.g. "antipodal [1, −1]"
	Label Label
	Loss  func(r, s float64) float64
}

// dropLoss is the loss of a feature that a configuration discards, per unit importance: its
// bias sits at the mean s/2, so (1−s)(s/2)² + s∫₀¹(x − s/2)²dx = s/3 − s²/4 (§2).
func dropLoss(s float64) float64 { return s/3 - s*s/4 }

// pairLoss is the loss of an antipodal pair of total importance ia+ib: it errs only when both
// features are present (probability s²), by (ia+ib)·min(xa, xb)² with E[min(U,U')²] = 1/6 (§2).
func pairLoss(iab, s float64) float64 { return iab * s * s / 6 }

// Configurations lists the candidates of an experiment in the order of the spec's tables
// (§2.1, §2.2), which is also the tie order.
func Configurations(e Experiment) []Configuration {
	if e == Exp2 {
		return []Configuration{
			{"drop_extra", "W ⊥ [0,0,1]: drop the extra feature", NotRepresented, func(r, s float64) float64 { return r * dropLoss(s) }},
			{"drop_first", "W ⊥ [1,0,0]: drop feature 1", Dedicated, func(r, s float64) float64 { return dropLoss(s) }},
			{"pair_12", "W ⊥ [1,1,0]: features 1 and 2 antipodal", Dedicated, func(r, s float64) float64 { return pairLoss(2, s) }},
			{"pair_23", "W ⊥ [0,1,1]: the extra feature antipodal with feature 2", Superposition, func(r, s float64) float64 { return pairLoss(1+r, s) }},
		}
	}
	return []Configuration{
		{"ignore_extra", "W = [1, 0]: ignore the extra feature", NotRepresented, func(r, s float64) float64 { return r * dropLoss(s) }},
		{"ignore_first", "W = [0, 1]: ignore feature 1", Dedicated, func(r, s float64) float64 { return dropLoss(s) }},
		{"antipodal", "W = [1, −1]: antipodal pair", Superposition, func(r, s float64) float64 { return pairLoss(1+r, s) }},
	}
}

// Theory returns the index (into Configurations(e)) of the configuration with the lowest
// expected loss at (r, s), ties going to the earlier one, and every configuration's loss.
func Theory(e Experiment, r, s float64) (best int, losses []float64) {
	cs := Configurations(e)
	losses = make([]float64, len(cs))
	for k, c := range cs {
		losses[k] = c.Loss(r, s)
		if losses[k] < losses[best] {
			best = k
		}
	}
	return best, losses
}

// TheoryLabel is the closed-form label of the extra feature at (r, s) and the name of the
// winning configuration.
func TheoryLabel(e Experiment, r, s float64) (Label, string) {
	k, _ := Theory(e, r, s)
	c := Configurations(e)[k]
	return c.Label, c.Name
}

// SStar is the superposition boundary s*(r) of §2.1 (and of §2.2 for r < 1): below it the
// antipodal pair beats dropping a feature.
//
//	s*(r) = 4r/(2 + 5r) for r ≤ 1,  4/(5 + 2r) for r ≥ 1
//
// It is symmetric under r ↔ 1/r and peaks at the triple point s*(1) = 4/7.
func SStar(r float64) float64 {
	if r <= 1 {
		return 4 * r / (2 + 5*r)
	}
	return 4 / (5 + 2*r)
}

// TripleR and TripleS are the triple point (1, 4/7) where the three phases of §2.1 meet (for
// n = 3, m = 2 all four configurations of §2.2 tie there).
const (
	TripleR = 1.0
	TripleS = 4.0 / 7
)

// Curve is a polyline in (r, p) for drawing a phase boundary.
type Curve struct {
	Name string
	R, P []float64
}

// Boundaries returns the theory's phase boundaries inside r ∈ [rMin, rMax], p ∈ [pMin, 1]
// (§2.1, §2.2), sampled at n points per curve, for the report's dashed overlay.
func Boundaries(e Experiment, rMin, rMax, pMin float64, n int) []Curve {
	n = max(n, 2)
	logR := func(k int, lo, hi float64) float64 {
		return math.Pow(10, math.Log10(lo)+(math.Log10(hi)-math.Log10(lo))*float64(k)/float64(n-1))
	}
	var sstar Curve
	sstar.Name = "s*(r)"
	hi := rMax
	if e == Exp2 {
		hi = math.Min(rMax, TripleR) // for r > 1 the extra feature is always dedicated (§2.2)
	}
	for k := 0; k < n; k++ {
		r := logR(k, rMin, hi)
		if s := SStar(r); s >= pMin {
			sstar.R, sstar.P = append(sstar.R, r), append(sstar.P, s)
		}
	}
	out := []Curve{sstar}
	if e == Exp1 {
		// Not represented ↔ dedicated: r = 1 above the triple point.
		out = append(out, Curve{Name: "r = 1", R: []float64{TripleR, TripleR}, P: []float64{TripleS, 1}})
	} else {
		out = append(out,
			Curve{Name: "r = 1", R: []float64{TripleR, TripleR}, P: []float64{pMin, 1}},
			Curve{Name: "s = 4/7", R: []float64{TripleR, rMax}, P: []float64{TripleS, TripleS}})
	}
	return out
}
