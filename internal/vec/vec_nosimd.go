//go:build !goexperiment.simd || !amd64

package vec

// SIMD reports whether the archsimd kernels are in use.
const SIMD = false

func addRows(dst, c, m []float64, off []int32)          { addRowsGeneric(dst, c, m, off) }
func addRowsStrided(dst, c, m []float64, stride int)    { addRowsStridedGeneric(dst, c, m, stride) }
func axpy(dst []float64, a float64, x []float64)        { axpyGeneric(dst, a, x) }
func addOuter(m, c []float64, off []int32, x []float64) { addOuterGeneric(m, c, off, x) }
func addRowsStrided4(dst, c, m []float64, stride, n, r int) {
	addRowsStrided4Generic(dst, c, m, stride, n, r)
}

func adam(theta, grad, m, v []float64, b1, b2, stepSize, sqrtBC2, eps float64, stuck uint64) {
	adamGeneric(theta, grad, m, v, b1, b2, stepSize, sqrtBC2, eps, stuck)
}

// ClearUpper is a no-op without the archsimd kernels.
func ClearUpper() {}

func laneSums(dst, acc []float64) { laneSumsGeneric(dst, acc) }
