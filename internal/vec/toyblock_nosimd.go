//go:build !goexperiment.simd || !amd64

package vec

// toyBlockSIMD is never called in this build (SIMD is false); it runs nothing.
func toyBlockSIMD(bl *ToyBlock, B int) bool { return false }
