//go:build goexperiment.simd && amd64

package vec

import (
	"simd/archsimd"
	"unsafe"
)

// toyDeltaSIMD is toyDeltaGo with 8-lane vectors; the last len(pre) mod 8 by toyDeltaGo.
func toyDeltaSIMD(delta, pre, x, imp, gB []float64, norm float64) {
	n := len(pre)
	pd, pp, px := unsafe.Pointer(unsafe.SliceData(delta)), unsafe.Pointer(unsafe.SliceData(pre)), unsafe.Pointer(unsafe.SliceData(x))
	pi, pg := unsafe.Pointer(unsafe.SliceData(imp)), unsafe.Pointer(unsafe.SliceData(gB))
	two, vnorm := bc(2), bc(norm)
	var zero f8
	k := 0
	for ; k+8 <= n; k += 8 {
		p := ld(pp, k)
		g := two.Mul(ld(pi, k)).Mul(p.Sub(ld(px, k))).Mul(vnorm).Masked(p.Greater(zero))
		st(g, pd, k)
		st(ld(pg, k).Add(g), pg, k)
	}
	archsimd.ClearAVXUpperBits() // scalar code follows: see ClearUpper
	if k < n {
		toyDeltaGo(delta[k:], pre[k:], x[k:], imp[k:], gB[k:], norm)
	}
}
