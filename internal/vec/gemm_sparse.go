package vec

import (
	"fmt"
	"math"
	"runtime"
	"sync"
)

// GemmSparse adds the product of a sparse matrix A [m×k], stored by rows (row i holds the
// entries e in [off[i], off[i+1]) at columns idx[e] with values val[e]), and w [k×n] to
// c [m×n], all float32 row-major. It is this loop, each step one fused multiply-add:
//
//	for i := 0; i < m; i++ {
//		for e := off[i]; e < off[i+1]; e++ {
//			for j := 0; j < n; j++ {
//				c[i*n+j] = FMA32(val[e], w[int(idx[e])*n+j], c[i*n+j])
//			}
//		}
//	}
//
// It is x = a·V for sparse activations a, or an SAE decoder over its active latents: the
// cost follows the nonzeros, not k. As with Gemm, each c element receives its terms in e
// order whatever the SIMD width or the goroutines, so the result is bit-identical in both
// builds and for any GOMAXPROCS.
//
// It panics if a slice is too short or an index lies outside [0, k) (programming errors).
func GemmSparse(c []float32, off []int, idx []int32, val []float32, w []float32, m, k, n int) {
	if m < 0 || k < 0 || n < 0 || len(off) < m+1 || len(c) < m*n || len(w) < k*n {
		panic(fmt.Sprintf("vec.GemmSparse: shapes m=%d k=%d n=%d do not fit the slices", m, k, n))
	}
	if m == 0 || n == 0 {
		return
	}
	if off[0] < 0 || off[m] > min(len(idx), len(val)) {
		panic(fmt.Sprintf("vec.GemmSparse: entries [%d, %d) do not fit %d indices and %d values", off[0], off[m], len(idx), len(val)))
	}
	nnz := off[m] - off[0]
	for e := off[0]; e < off[m]; e++ {
		if uint32(idx[e]) >= uint32(k) {
			panic(fmt.Sprintf("vec.GemmSparse: entry %d: column %d outside [0, %d)", e, idx[e], k))
		}
	}
	workers := 1
	if nnz*n >= gemmParallelMACs {
		workers = min(runtime.GOMAXPROCS(0), m)
	}
	if workers <= 1 {
		gemmSparseRows(c, off, idx, val, w, n, 0, m)
		return
	}
	var wg sync.WaitGroup
	for t := 0; t < workers; t++ {
		i0, i1 := t*m/workers, (t+1)*m/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			gemmSparseRows(c, off, idx, val, w, n, i0, i1)
		}()
	}
	wg.Wait()
}

// gemmSparseGo is GemmSparse's loop for rows [i0, i1) and columns [j0, j1): the plain twin.
func gemmSparseGo(c []float32, off []int, idx []int32, val []float32, w []float32, n, i0, i1, j0, j1 int) {
	for i := i0; i < i1; i++ {
		ci := c[i*n+j0 : i*n+j1]
		for e := off[i]; e < off[i+1]; e++ {
			a := val[e]
			r := int(idx[e]) * n
			for j, b := range w[r+j0 : r+j1] { // FMA32, inlined by hand as in gemmGo
				pp := float64(a) * float64(b)
				s := pp + float64(ci[j])
				if u := math.Float64bits(s); u&(1<<29-1) != 1<<28 && u&(1<<63-1) >= 0x3810000000000000 {
					ci[j] = float32(s)
				} else {
					ci[j] = fma32Slow(pp, float64(ci[j]), s)
				}
			}
		}
	}
}
