package phase

import (
	"fmt"
	"math"
)

// Outcome is one expected outcome of phase-diagrams §4.8 checked on a result.
type Outcome struct {
	Item   string `json:"item"` // "1".."4"
	Text   string `json:"text"`
	Pass   bool   `json:"pass"`
	Detail string `json:"detail"`
}

// Edge is the upper edge of the superposition region in column ir: with k cells of the column
// labelled superposition, the edge lies between rows k−1 and k (in log p), as if they were the
// bottom k. It is 10^−2 / step^½ below the grid for k = 0 and 1 for a full column.
func (r *Result) Edge(ir int) float64 {
	N := r.Config.Grid
	k := 0
	for ip := 0; ip < N; ip++ {
		if c := r.At(ir, ip); c != nil && c.Aggregate.Label == Superposition {
			k++
		}
	}
	if k == N {
		return 1
	}
	return math.Pow(10, -2+2*(float64(k)-0.5)/float64(N-1))
}

// nearestColumns returns the column(s) nearest to r in log r (two on a tie).
func (r *Result) nearestColumns(rv float64) []int {
	N := r.Config.Grid
	x := (math.Log10(rv) + 1) / 2 * float64(N-1)
	lo := int(math.Floor(x + 1e-9))
	if math.Abs(x-float64(lo)-0.5) < 1e-9 && lo+1 < N {
		return []int{lo, lo + 1}
	}
	return []int{min(max(int(math.Round(x)), 0), N-1)}
}

// Outcomes checks the complete result against the expected outcomes of §4.8: items 1–4 for
// experiment 1, items 1–2 for experiment 2 (item 3 of experiment 2 is "no check").
func (r *Result) Outcomes() ([]Outcome, error) {
	if !r.Complete() {
		return nil, fmt.Errorf("outcomes: the result holds %d of the grid's %d cells", len(r.Cells), r.Config.Cells())
	}
	N := r.Config.Grid
	var out []Outcome
	// Item 1: at p = 1, r ≤ 0.5 not represented and r ≥ 2 dedicated (≥ 95% each).
	var lo, loOK, hi, hiOK int
	for ir := 0; ir < N; ir++ {
		c := r.At(ir, N-1)
		switch {
		case c.R <= 0.5+1e-12:
			lo++
			if c.Aggregate.Label == NotRepresented {
				loOK++
			}
		case c.R >= 2-1e-12:
			hi++
			if c.Aggregate.Label == Dedicated {
				hiOK++
			}
		}
	}
	out = append(out, Outcome{Item: "1", Text: "at p = 1: ≥ 95% of r ≤ 0.5 not represented, ≥ 95% of r ≥ 2 dedicated",
		Pass:   share(loOK, lo) >= 0.95 && share(hiOK, hi) >= 0.95,
		Detail: fmt.Sprintf("not represented %d/%d, dedicated %d/%d", loOK, lo, hiOK, hi)})
	if r.Config.Exp() == Exp2 {
		// Item 2 (n = 3): for r ≤ 0.5, the edge within a factor 2 of 4r/(2+5r).
		pass, worst := true, 1.0
		for ir := 0; ir < N; ir++ {
			if rv := r.R[ir]; rv <= 0.5+1e-12 {
				f := ratio(r.Edge(ir), SStar(rv))
				worst = math.Max(worst, f)
				pass = pass && f <= 2
			}
		}
		out = append(out, Outcome{Item: "2", Text: "for r ≤ 0.5 the superposition edge is within a factor 2 of 4r/(2+5r)",
			Pass: pass, Detail: fmt.Sprintf("worst factor %.2f", worst)})
		return out, nil
	}
	// Item 2: at p = 0.01, ≥ 95% superposition.
	sup := 0
	for ir := 0; ir < N; ir++ {
		if r.At(ir, 0).Aggregate.Label == Superposition {
			sup++
		}
	}
	out = append(out, Outcome{Item: "2", Text: "at p = 0.01: ≥ 95% of the cells are superposition",
		Pass: share(sup, N) >= 0.95, Detail: fmt.Sprintf("superposition %d/%d", sup, N)})
	// Item 3: the edge within a factor 2 of s*(r) at r ∈ {0.1, 0.2, 5, 10} and 1.6 at r = 1.
	pass := true
	detail := ""
	for _, t := range []struct{ r, f float64 }{{0.1, 2}, {0.2, 2}, {1, 1.6}, {5, 2}, {10, 2}} {
		for _, ir := range r.nearestColumns(t.r) {
			f := ratio(r.Edge(ir), SStar(r.R[ir]))
			pass = pass && f <= t.f
			detail += fmt.Sprintf("r=%.3g: edge %.3g vs s* %.3g (×%.2f); ", r.R[ir], r.Edge(ir), SStar(r.R[ir]), f)
		}
	}
	out = append(out, Outcome{Item: "3", Text: "the superposition edge is within ×2 of s*(r) at r = 0.1, 0.2, 5, 10 and ×1.6 at r = 1",
		Pass: pass, Detail: detail[:len(detail)-2]})
	// Item 4: the edge is symmetric under r ↔ 1/r within one grid step in log p.
	step := 2 / float64(N-1)
	worst, at := 0.0, 0
	for ir := 0; ir < N/2; ir++ {
		if d := math.Abs(math.Log10(r.Edge(ir)) - math.Log10(r.Edge(N-1-ir))); d > worst {
			worst, at = d, ir
		}
	}
	out = append(out, Outcome{Item: "4", Text: "the superposition edge is symmetric under r ↔ 1/r within one grid step in log p",
		Pass: worst <= step+1e-9, Detail: fmt.Sprintf("largest difference %.2f grid steps (r = %.3g vs %.3g)", worst/step, r.R[at], r.R[N-1-at])})
	return out, nil
}

func share(k, n int) float64 {
	if n == 0 {
		return 1
	}
	return float64(k) / float64(n)
}

// ratio is max(a/b, b/a): how far apart two positive numbers are as a factor.
func ratio(a, b float64) float64 { return math.Max(a/b, b/a) }
