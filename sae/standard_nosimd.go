//go:build !goexperiment.simd || !amd64

package sae

// laneSIMD is false without GOEXPERIMENT=simd: the plain-Go lane kernel runs.
var laneSIMD = false

func (s *SAE) lanesKernelSIMD(i int, ln *saeLanes, w *work, x []float64, stride, n int, scale float64) {
	panic("sae: archsimd kernels need GOEXPERIMENT=simd on amd64")
}
