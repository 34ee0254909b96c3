package vec

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSelectLanesTwins checks both twins against the documented loop, written out here with
// a branch, for feature counts around the vector width and lanes that start at different
// places, probabilities from never to always.
func TestSelectLanesTwins(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, F := range []int{1, 5, 8, 9, 16, 100} {
		F8 := (F + 7) &^ 7
		draws := make([]float64, 16*F8)
		for i := range draws {
			draws[i] = r.Float64()
		}
		p := make([]float64, F8)
		for f := range p {
			switch {
			case f >= F:
				p[f] = -1
			case f%7 == 0:
				p[f] = 1 // always kept
			case f%5 == 0:
				p[f] = 0 // kept only for a seed of exactly 0
			default:
				p[f] = r.Float64()
			}
		}
		var start [8]int
		for k := range start {
			start[k] = k*(F+8) + r.IntN(3)
		}
		size := 8*(F+8) + 8
		wantF, wantV := make([]int32, size), make([]float64, size)
		want := start
		for k := range 8 {
			for f := 0; f < F; f++ {
				if draws[16*f+k] <= p[f] {
					wantF[want[k]], wantV[want[k]] = int32(f), draws[16*f+8+k]
					want[k]++
				}
			}
		}
		for _, simd := range []bool{SIMD, false} {
			withSIMD(simd, func() {
				feat, val := make([]int32, size), make([]float64, size)
				n := start
				SelectLanes(draws, p, F, feat, val, &n)
				if n != want {
					t.Fatalf("F %d, SIMD %v: ends %v, want %v", F, simd, n, want)
				}
				for k := range 8 {
					if !slices.Equal(feat[start[k]:n[k]], wantF[start[k]:want[k]]) || !slices.Equal(val[start[k]:n[k]], wantV[start[k]:want[k]]) {
						t.Fatalf("F %d, SIMD %v, lane %d: kept entries differ", F, simd, k)
					}
				}
			})
		}
	}
	mustPanic(t, "SelectLanes short draws", func() {
		SelectLanes(make([]float64, 15), make([]float64, 8), 1, make([]int32, 99), make([]float64, 99), &[8]int{})
	})
	mustPanic(t, "SelectLanes no room", func() {
		SelectLanes(make([]float64, 16), make([]float64, 8), 1, make([]int32, 9), make([]float64, 9), &[8]int{0, 0, 0, 0, 0, 0, 0, 1})
	})
}
