//go:build !goexperiment.simd || !amd64

package vec

// gemmMR is the number of rows a worker block is rounded to.
const gemmMR = 1

const (
	gemmKC = 0 // no packing without the SIMD kernel
	gemmNC = 0
)

// gemmRows computes rows [i0, i1) of Gemm with the plain loop.
func gemmRows(c, x, w []float32, m, k, n, i0, i1 int, _ []float32) {
	gemmGo(c, x, w, m, k, n, i0, i1, 0, n)
}

// gemmSparseRows computes rows [i0, i1) of GemmSparse with the plain loop.
func gemmSparseRows(c []float32, off []int, idx []int32, val []float32, w []float32, n, i0, i1 int) {
	gemmSparseGo(c, off, idx, val, w, n, i0, i1, 0, n)
}
