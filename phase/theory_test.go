package phase

import (
	"math"
	"testing"
)

// The tabulated boundary of phase-diagrams §2.1, to 1e-4.
func TestSStarTable(t *testing.T) {
	for _, c := range []struct{ r, s float64 }{
		{0.1, 0.1600}, {0.2, 0.2667}, {0.5, 0.4444}, {1, 0.5714}, {2, 0.4444}, {5, 0.2667}, {10, 0.1600},
	} {
		if got := SStar(c.r); math.Abs(got-c.s) > 1e-4 {
			t.Errorf("s*(%v) = %.6f, want %.4f", c.r, got, c.s)
		}
	}
	if math.Abs(SStar(1)-4.0/7) > 1e-15 || TripleS != 4.0/7 {
		t.Error("triple point is not at s = 4/7")
	}
	for _, r := range []float64{0.01, 0.13, 0.5, 0.9, 3, 77} {
		if d := math.Abs(SStar(r) - SStar(1/r)); d > 1e-15 {
			t.Errorf("s*(%v) − s*(1/%v) = %g: the boundary must be symmetric under r ↔ 1/r", r, r, d)
		}
	}
	if r := 1e-6; math.Abs(SStar(r)/(2*r)-1) > 1e-5 {
		t.Errorf("s*(r)/2r = %v as r → 0, want 1", SStar(r)/(2*r))
	}
	if r := 1e6; math.Abs(SStar(r)/(2/r)-1) > 1e-5 {
		t.Errorf("s*(r)/(2/r) = %v as r → ∞, want 1", SStar(r)/(2/r))
	}
}

// The hand check of §2.1: r = 0.5, s = 0.3.
func TestTheoryHandCheck(t *testing.T) {
	best, losses := Theory(Exp1, 0.5, 0.3)
	for k, want := range []float64{0.03875, 0.0775, 0.0225} {
		if math.Abs(losses[k]-want) > 1e-12 {
			t.Errorf("loss of %s = %v, want %v", Configurations(Exp1)[k].Name, losses[k], want)
		}
	}
	if l, name := TheoryLabel(Exp1, 0.5, 0.3); best != 2 || l != Superposition || name != "antipodal" {
		t.Errorf("r = 0.5, s = 0.3: %s (%s), want superposition (antipodal)", l, name)
	}
}

// byBoundary is the theory derived from the boundaries instead of the loss table: the two
// must agree in every cell that is not on a boundary.
func byBoundary(e Experiment, r, s float64) (Label, string) {
	if e == Exp1 {
		switch {
		case s < SStar(r):
			return Superposition, "antipodal"
		case r < 1:
			return NotRepresented, "ignore_extra"
		default:
			return Dedicated, "ignore_first"
		}
	}
	switch {
	case r < 1 && s < SStar(r):
		return Superposition, "pair_23"
	case r < 1:
		return NotRepresented, "drop_extra"
	case s < TripleS:
		return Dedicated, "pair_12"
	default:
		return Dedicated, "drop_first"
	}
}

// Cell by cell on MW's 200 × 200 grid (log r from −2 to 2, log s from −3 to 0) and on the
// default 40 × 40 grid: the argmin of the loss formulas equals the boundary description.
func TestTheoryCellByCell(t *testing.T) {
	type grid struct{ rLo, rHi, sLo, sHi float64 }
	for _, e := range []Experiment{Exp1, Exp2} {
		for _, g := range []grid{{-2, 2, -3, 0}, {-1, 1, -2, 0}} {
			n := 200
			if g.rLo == -1 {
				n = 40
			}
			r, s := logspace(g.rLo, g.rHi, n), logspace(g.sLo, g.sHi, n)
			counts := map[string]int{}
			for _, rv := range r {
				for _, sv := range s {
					if nearTie(e, rv, sv) {
						continue
					}
					gl, gn := TheoryLabel(e, rv, sv)
					wl, wn := byBoundary(e, rv, sv)
					if gl != wl || gn != wn {
						t.Fatalf("exp %d, r = %v, s = %v: argmin %s (%s), boundaries say %s (%s)", e, rv, sv, gl, gn, wl, wn)
					}
					counts[gn]++
				}
			}
			if len(counts) != len(Configurations(e)) {
				t.Errorf("exp %d: only %v occur on the grid", e, counts)
			}
		}
	}
}

// nearTie reports whether the two lowest losses at (r, s) are within 1e-12 (a boundary cell).
func nearTie(e Experiment, r, s float64) bool {
	_, l := Theory(e, r, s)
	lo1, lo2 := math.Inf(1), math.Inf(1)
	for _, v := range l {
		if v < lo1 {
			lo1, lo2 = v, lo1
		} else if v < lo2 {
			lo2 = v
		}
	}
	return lo2-lo1 < 1e-12
}

// Ties resolve to the earlier row of the tables (§4.5): on r = 1 above the triple point the
// extra feature is not represented.
func TestTheoryTies(t *testing.T) {
	if l, n := TheoryLabel(Exp1, 1, 0.8); l != NotRepresented || n != "ignore_extra" {
		t.Errorf("exp 1 at r = 1, s = 0.8: %s (%s)", l, n)
	}
	if l, n := TheoryLabel(Exp2, 1, 0.8); l != NotRepresented || n != "drop_extra" {
		t.Errorf("exp 2 at r = 1, s = 0.8: %s (%s)", l, n)
	}
	_, losses := Theory(Exp2, TripleR, TripleS)
	for k := range losses {
		if math.Abs(losses[k]-losses[0]) > 1e-15 {
			t.Errorf("exp 2 triple point: losses %v must all tie", losses)
		}
	}
}

func TestBoundaries(t *testing.T) {
	for _, e := range []Experiment{Exp1, Exp2} {
		for _, c := range Boundaries(e, 0.1, 10, 0.01, 50) {
			if len(c.R) < 2 || len(c.R) != len(c.P) {
				t.Fatalf("exp %d, %s: %d r and %d p values", e, c.Name, len(c.R), len(c.P))
			}
			for k := range c.R {
				if c.R[k] < 0.1-1e-12 || c.R[k] > 10+1e-12 || c.P[k] < 0.01 || c.P[k] > 1 {
					t.Errorf("exp %d, %s: point (%v, %v) outside the diagram", e, c.Name, c.R[k], c.P[k])
				}
			}
		}
	}
	if c := Boundaries(Exp2, 0.1, 10, 0.01, 50)[0]; c.R[len(c.R)-1] != 1 {
		t.Errorf("exp 2: s*(r) must stop at r = 1, ends at %v", c.R[len(c.R)-1])
	}
}

func logspace(lo, hi float64, n int) []float64 {
	out := make([]float64, n)
	for k := range out {
		out[k] = math.Pow(10, lo+(hi-lo)*float64(k)/float64(n-1))
	}
	return out
}
