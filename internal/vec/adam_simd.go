//go:build goexperiment.simd && amd64

package vec

import (
	"simd/archsimd"
	"unsafe"
)

// adamSIMD is adamGo eight parameters at a time (each lane the loop's operations, the stuck
// shortcut lane by lane by mask), the last n mod 8 by adamGo.
func adamSIMD(theta, grad, m, v []float64, b1, b2, stepSize, sqrtBC2, eps float64, stuck uint64) {
	n := len(theta)
	pt, pg := unsafe.Pointer(unsafe.SliceData(theta)), unsafe.Pointer(unsafe.SliceData(grad))
	pm, pv := unsafe.Pointer(unsafe.SliceData(m)), unsafe.Pointer(unsafe.SliceData(v))
	vb1, vb2, c1, c2 := bc(b1), bc(b2), bc(1-b1), bc(1-b2)
	vs, vq, ve, zero := bc(stepSize), bc(sqrtBC2), bc(eps), bc(0)
	sign, one, vstuck := archsimd.BroadcastUint64x8(1<<63), archsimd.BroadcastUint64x8(1), archsimd.BroadcastUint64x8(stuck)
	k := 0
	for ; k+8 <= n; k += 8 {
		t, g, mk, vk := ld(pt, k), ld(pg, k), ld(pm, k), ld(pv, k)
		vk = vb2.Mul(vk).Add(c2.Mul(g).Mul(g))
		den := vk.Sqrt().Div(vq).Add(ve)
		var num archsimd.Float64x8
		mb := mk.AsUint64x8()
		sk := mb.AndNot(sign).Sub(one).Less(vstuck).And(g.Equal(zero)) // isStuck, lane by lane
		if stuck > 0 && sk.ToBits() != 0 {
			// Stuck lanes keep m and take stepSize·m = ±0; both multiplications see 0 there.
			mk = mk.Merge(vb1.Mul(zero.Merge(mk, sk)).Add(c1.Mul(g)), sk)
			num = mb.And(sign).AsFloat64x8().Merge(vs.Mul(zero.Merge(mk, sk)), sk)
		} else {
			mk = vb1.Mul(mk).Add(c1.Mul(g))
			num = vs.Mul(mk)
		}
		st(mk, pm, k)
		st(vk, pv, k)
		st(t.Sub(num.Div(den)), pt, k)
	}
	// The last n mod 8 elements: plain Go (a partial vector would straddle allocations), after
	// clearing the vector registers' upper halves (see ClearUpper).
	archsimd.ClearAVXUpperBits()
	if k < n {
		adamGo(theta[k:], grad[k:], m[k:], v[k:], b1, b2, stepSize, sqrtBC2, eps, stuck)
	}
}
