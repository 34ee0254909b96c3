package metrics

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestQuantileMatchesSorting(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 3, 10, 101, 1000} {
		v := make([]float64, n)
		for k := range v {
			v[k] = math.Round(r.NormFloat64() * 10) // ties included
		}
		s := slices.Clone(v)
		slices.Sort(s)
		for _, q := range []float64{0, 0.25, 0.5, 0.999, 1} {
			pos := q * float64(n-1)
			lo := int(math.Floor(pos))
			want := s[lo]
			if lo+1 < n {
				want += (s[lo+1] - s[lo]) * (pos - float64(lo))
			}
			if got := Quantile(slices.Clone(v), q); math.Abs(got-want) > 1e-12 {
				t.Errorf("n=%d q=%v: %v, want %v", n, q, got, want)
			}
		}
	}
	if !math.IsNaN(Quantile([]float32{}, 0.5)) {
		t.Error("the quantile of nothing is NaN")
	}
}
