package vec

import (
	"math/rand/v2"
	"testing"
)

// benchGemm reports GFLOP/s (2·m·k·n per call) of Gemm, or of the plain loop when plain is set.
func benchGemm(b *testing.B, m, k, n int, plain bool) {
	r := rand.New(rand.NewPCG(1, 1))
	x, w, c := randSlice(r, m*k), randSlice(r, k*n), make([]float32, m*n)
	for b.Loop() {
		if plain {
			GemmGo(c, x, w, m, k, n)
		} else {
			Gemm(c, x, w, m, k, n)
		}
	}
	b.ReportMetric(2*float64(m)*float64(k)*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// The SAE encoder's dense forward at the SynthSAEBench-16k shape (batch 1024, d_in 768,
// width 4096) and at the mini shape (d_in 256, width 1024).
func BenchmarkGemm1024x768x4096(b *testing.B) { benchGemm(b, 1024, 768, 4096, false) }
func BenchmarkGemm1024x256x1024(b *testing.B) { benchGemm(b, 1024, 256, 1024, false) }

// BenchmarkGemmGo1024x256x1024 is the plain twin at the mini shape (the non-SIMD build's speed).
func BenchmarkGemmGo1024x256x1024(b *testing.B) { benchGemm(b, 1024, 256, 1024, true) }

// benchGemmSparse reports GFLOP/s (2·nnz·n per call) of GemmSparse for m rows of nnz random
// entries each over k rows of w [k×n]: x = a·V for a batch of sparse activations.
func benchGemmSparse(b *testing.B, m, nnz, k, n int) {
	r := rand.New(rand.NewPCG(2, 2))
	off := make([]int, m+1)
	idx := make([]int32, m*nnz)
	val := randSlice(r, m*nnz)
	for i := 0; i < m; i++ {
		off[i+1] = (i + 1) * nnz
		for e := 0; e < nnz; e++ {
			idx[i*nnz+e] = int32(r.IntN(k))
		}
	}
	w, c := randSlice(r, k*n), make([]float32, m*n)
	for b.Loop() {
		GemmSparse(c, off, idx, val, w, m, k, n)
	}
	b.ReportMetric(2*float64(m*nnz*n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// Hidden activations of a batch of 1024: SynthSAEBench-16k (34 active of 16384, 768-D) and
// the mini preset (16 of 4096, 256-D).
func BenchmarkGemmSparse16k(b *testing.B)  { benchGemmSparse(b, 1024, 34, 16384, 768) }
func BenchmarkGemmSparseMini(b *testing.B) { benchGemmSparse(b, 1024, 16, 4096, 256) }
