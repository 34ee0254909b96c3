package toymodel

import (
	"math"
	"math/rand/v2"
	"testing"
)

// projectD2SIMD must equal projectD2 bit for bit (h, padding included, and the samples), for
// every F it takes, batches of every length, and samples with one to F entries, whatever h
// held before.
func TestProjectD2Twins(t *testing.T) {
	if !projectSIMD(5, 1000) {
		t.Skip("no archsimd projection in this build")
	}
	r := rand.New(rand.NewPCG(7, 8))
	for F := 1; F <= 8; F++ {
		P := make([]float64, 2*F)
		for k := range P {
			P[k] = r.NormFloat64()
		}
		for trial := 0; trial < 300; trial++ {
			B := 1 + r.IntN(200)
			p := []float64{0.02, 0.3, 0.9}[trial%3]
			var pos []int
			for q := 0; q < B*F; q++ {
				if r.Float64() < p {
					pos = append(pos, q)
				}
			}
			vals := make([]float64, len(pos))
			for k := range vals {
				vals[k] = r.Float64()
				if r.IntN(50) == 0 {
					vals[k] = 0 // −0 products: 0 + (−0) = +0 must come out as projectD2's
				}
			}
			stride := (len(pos) + 7) / 8 * 8
			want := make([]float64, 2*stride)
			ws := projectD2(pos, vals, newDivider(F, B*F), F, P, want, stride, nil)
			pos, vals = append(pos, make([]int, 8)...)[:len(pos)], append(vals, make([]float64, 8)...)[:len(vals)]
			got := make([]float64, 2*stride, 2*stride+8)
			for k := range got {
				got[k] = math.NaN()
			}
			gs := projectD2SIMD(pos, vals, F, P, got, stride, make([]int32, 3))
			if len(gs) != len(ws) {
				t.Fatalf("F %d trial %d: %d samples, want %d", F, trial, len(gs), len(ws))
			}
			for k := range ws {
				if gs[k] != ws[k] {
					t.Fatalf("F %d trial %d: sample[%d] = %d, want %d", F, trial, k, gs[k], ws[k])
				}
			}
			for k := range want {
				if math.Float64bits(got[k]) != math.Float64bits(want[k]) {
					t.Fatalf("F %d trial %d: h[%d] = %v, want %v", F, trial, k, got[k], want[k])
				}
			}
		}
	}
}
