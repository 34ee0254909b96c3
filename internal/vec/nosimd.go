//go:build !goexperiment.simd || !amd64

package vec

// SIMD reports whether the archsimd twins run: never in this build (GOEXPERIMENT=simd on amd64
// builds them). It is a variable only so that tests written for both builds can set it.
var SIMD = false

// ClearUpper clears the vector registers' upper halves after archsimd code: nothing to do here.
func ClearUpper() {}
