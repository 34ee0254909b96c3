package vec

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkMulAddRows runs the toy model's chunk products (32 samples): pre = b + Wᵀh and W·δ
// for the dense (F 100, H 20) and wide (F 512, H 64) benchmark shapes, padded as the toy model
// pads them.
func BenchmarkMulAddRows(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, s := range []struct{ m, k, n int }{{32, 20, 104}, {32, 100, 24}, {32, 64, 512}, {32, 512, 64}} {
		b.Run(fmt.Sprintf("%dx%dx%d", s.m, s.k, s.n), func(b *testing.B) {
			ldw := s.n + 8 // off the 4 KiB aliasing stride, as the toy model pads it
			c, x, w := toyRand(r, s.m*s.n, 0), toyRand(r, s.m*s.k, 0), toyRand(r, s.k*ldw, 0)
			for b.Loop() {
				MulAddRows(c, s.n, x, s.k, w, ldw, s.m, s.k, s.n)
			}
			b.ReportMetric(float64(2*s.m*s.k*s.n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkAddOuterPairs runs the toy model's chunk gradient (32 samples, ∂Wᵀ [F][Hp]) at the
// dense and wide shapes, with the second coefficients (x) as sparse as the benchmark's inputs.
func BenchmarkAddOuterPairs(b *testing.B) {
	r := rand.New(rand.NewPCG(2, 2))
	for _, s := range []struct {
		m, k, n int
		p       float64
	}{{100, 32, 24, 0.5}, {512, 32, 64, 0.01}} {
		b.Run(fmt.Sprintf("%dx%dx%d", s.m, s.k, s.n), func(b *testing.B) {
			lda := s.m + 8 // off the 4 KiB aliasing stride, as the toy model pads it
			c := toyRand(r, s.m*s.n, 0)
			a1, a2 := toyRand(r, s.k*lda, 0.5), toyRand(r, s.k*lda, 1-s.p)
			b1, b2 := toyRand(r, s.k*s.n, 0), toyRand(r, s.k*s.n, 0)
			for b.Loop() {
				AddOuterPairs(c, s.n, a1, a2, lda, b1, b2, s.n, s.m, s.k, s.n, s.p > 0.3)
			}
			b.ReportMetric(float64(2*s.m*s.k*s.n)*(1+s.p)*float64(b.N)/b.Elapsed().Seconds()/1e9, "useful-GFLOP/s")
		})
	}
}
