//go:build !goexperiment.simd || !amd64

package phase

// laneSIMD is false without GOEXPERIMENT=simd: gradPlain runs.
const laneSIMD = false

// gradSIMD is never called in this build (laneSIMD is false); it runs nothing.
func gradSIMD(bl *block, B int) bool { return false }
