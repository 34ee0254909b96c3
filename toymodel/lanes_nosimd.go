//go:build !goexperiment.simd || !amd64

package toymodel

// laneSIMD is false without GOEXPERIMENT=simd: the plain-Go lane kernel runs.
var laneSIMD = false

func lanesKernelSIMD(W, bias, imp []float64, norm float64, lb *laneBatch, ls *laneScratch, H, F int, wantLoss bool) {
	panic("toymodel: archsimd kernels need GOEXPERIMENT=simd on amd64")
}

func projectSIMD(F, total int) bool { return false }

func projectD2SIMD(pos []int, vals []float64, F int, P, h []float64, stride int, sample []int32) []int32 {
	panic("toymodel: archsimd kernels need GOEXPERIMENT=simd on amd64")
}
