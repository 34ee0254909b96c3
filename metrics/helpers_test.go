package metrics

import (
	"math"
	"testing"
)

func near(a, b, tol float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= tol
}

func assertNear(t *testing.T, name string, got, want, tol float64) {
	t.Helper()
	if !near(got, want, tol) {
		t.Errorf("%s = %.12g, want %.12g (tol %g)", name, got, want, tol)
	}
}

func assertSlice(t *testing.T, name string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s has %d values, want %d: %v", name, len(got), len(want), got)
	}
	for k := range got {
		if !near(got[k], want[k], tol) {
			t.Errorf("%s[%d] = %.12g, want %.12g (tol %g)", name, k, got[k], want[k], tol)
		}
	}
}

// pentagon returns the unit pentagon as W [2][5] (column k at angle 72k°).
func pentagon() []float64 {
	W := make([]float64, 2*5)
	for k := range 5 {
		a := 2 * math.Pi * float64(k) / 5
		W[k] = math.Cos(a)
		W[5+k] = math.Sin(a)
	}
	return W
}

// rowsOf returns the columns of W [D][F] as rows [F][D], listed in order.
func rowsOf(W []float64, D, F int, order ...int) []float64 {
	out := make([]float64, 0, len(order)*D)
	for _, f := range order {
		for d := range D {
			out = append(out, W[d*F+f])
		}
	}
	return out
}
