//go:build goexperiment.simd && amd64

package vec

import (
	"simd/archsimd"
	"unsafe"
)

// SIMD reports whether the archsimd kernels are in use (AVX-512 present at run time).
var SIMD = archsimd.X86.AVX512()

// The exported wrappers have checked every index, so the loops address rows through unsafe
// pointers (the bounds checks of slice expressions would otherwise dominate the loop).

func ld(p unsafe.Pointer, k int) archsimd.Float64x8 {
	return archsimd.LoadFloat64x8((*[8]float64)(unsafe.Add(p, k*8)))
}

func st(v archsimd.Float64x8, p unsafe.Pointer, k int) {
	v.Store((*[8]float64)(unsafe.Add(p, k*8)))
}

func bc(x float64) archsimd.Float64x8 { return archsimd.BroadcastFloat64x8(x) }

func addRows(dst, c, m []float64, off []int32) {
	if !SIMD {
		addRowsGeneric(dst, c, m, off)
		return
	}
	off = off[:len(c)]
	n := len(dst)
	pd, pm := unsafe.Pointer(unsafe.SliceData(dst)), unsafe.Pointer(unsafe.SliceData(m))
	k := 0
	for ; k+32 <= n; k += 32 {
		a0, a1, a2, a3 := ld(pd, k), ld(pd, k+8), ld(pd, k+16), ld(pd, k+24)
		for t, ct := range c {
			b := bc(ct)
			r := unsafe.Add(pm, (int(off[t])+k)*8)
			a0 = a0.Add(b.Mul(ld(r, 0)))
			a1 = a1.Add(b.Mul(ld(r, 8)))
			a2 = a2.Add(b.Mul(ld(r, 16)))
			a3 = a3.Add(b.Mul(ld(r, 24)))
		}
		st(a0, pd, k)
		st(a1, pd, k+8)
		st(a2, pd, k+16)
		st(a3, pd, k+24)
	}
	switch (n - k) / 8 { // the remaining whole vectors in one pass over the rows
	case 3:
		a0, a1, a2 := ld(pd, k), ld(pd, k+8), ld(pd, k+16)
		for t, ct := range c {
			b := bc(ct)
			r := unsafe.Add(pm, (int(off[t])+k)*8)
			a0 = a0.Add(b.Mul(ld(r, 0)))
			a1 = a1.Add(b.Mul(ld(r, 8)))
			a2 = a2.Add(b.Mul(ld(r, 16)))
		}
		st(a0, pd, k)
		st(a1, pd, k+8)
		st(a2, pd, k+16)
		k += 24
	case 2:
		a0, a1 := ld(pd, k), ld(pd, k+8)
		for t, ct := range c {
			b := bc(ct)
			r := unsafe.Add(pm, (int(off[t])+k)*8)
			a0 = a0.Add(b.Mul(ld(r, 0)))
			a1 = a1.Add(b.Mul(ld(r, 8)))
		}
		st(a0, pd, k)
		st(a1, pd, k+8)
		k += 16
	case 1:
		a := ld(pd, k)
		for t, ct := range c {
			a = a.Add(bc(ct).Mul(ld(pm, int(off[t])+k)))
		}
		st(a, pd, k)
		k += 8
	}
	// The last n mod 8 elements: the plain loop (a partial vector would straddle allocations),
	// after clearing the vector registers' upper halves (see ClearUpper).
	archsimd.ClearAVXUpperBits()
	if k < n {
		addRowsGeneric(dst[k:], c, m[k:], off)
	}
}

func addRowsStrided(dst, c, m []float64, stride int) {
	if !SIMD {
		addRowsStridedGeneric(dst, c, m, stride)
		return
	}
	n := len(dst)
	pd, pm := unsafe.Pointer(unsafe.SliceData(dst)), unsafe.Pointer(unsafe.SliceData(m))
	k := 0
	for ; k+32 <= n; k += 32 {
		a0, a1, a2, a3 := ld(pd, k), ld(pd, k+8), ld(pd, k+16), ld(pd, k+24)
		for t, ct := range c { // rows addressed from the base: no pointer past the last row
			b := bc(ct)
			r := unsafe.Add(pm, (t*stride+k)*8)
			a0 = a0.Add(b.Mul(ld(r, 0)))
			a1 = a1.Add(b.Mul(ld(r, 8)))
			a2 = a2.Add(b.Mul(ld(r, 16)))
			a3 = a3.Add(b.Mul(ld(r, 24)))
		}
		st(a0, pd, k)
		st(a1, pd, k+8)
		st(a2, pd, k+16)
		st(a3, pd, k+24)
	}
	switch (n - k) / 8 { // the remaining whole vectors in one pass over the rows
	case 3:
		a0, a1, a2 := ld(pd, k), ld(pd, k+8), ld(pd, k+16)
		for t, ct := range c {
			b := bc(ct)
			r := unsafe.Add(pm, (t*stride+k)*8)
			a0 = a0.Add(b.Mul(ld(r, 0)))
			a1 = a1.Add(b.Mul(ld(r, 8)))
			a2 = a2.Add(b.Mul(ld(r, 16)))
		}
		st(a0, pd, k)
		st(a1, pd, k+8)
		st(a2, pd, k+16)
		k += 24
	case 2:
		a0, a1 := ld(pd, k), ld(pd, k+8)
		for t, ct := range c {
			b := bc(ct)
			r := unsafe.Add(pm, (t*stride+k)*8)
			a0 = a0.Add(b.Mul(ld(r, 0)))
			a1 = a1.Add(b.Mul(ld(r, 8)))
		}
		st(a0, pd, k)
		st(a1, pd, k+8)
		k += 16
	case 1:
		a := ld(pd, k)
		for t, ct := range c {
			a = a.Add(bc(ct).Mul(ld(pm, t*stride+k)))
		}
		st(a, pd, k)
		k += 8
	}
	archsimd.ClearAVXUpperBits() // scalar code follows: see ClearUpper
	if k < n {
		addRowsStridedGeneric(dst[k:], c, m[k:], stride)
	}
}

func axpy(dst []float64, a float64, x []float64) {
	if !SIMD {
		axpyGeneric(dst, a, x)
		return
	}
	n := len(dst)
	pd, px := unsafe.Pointer(unsafe.SliceData(dst)), unsafe.Pointer(unsafe.SliceData(x))
	b := bc(a)
	k := 0
	for ; k+16 <= n; k += 16 {
		st(ld(pd, k).Add(b.Mul(ld(px, k))), pd, k)
		st(ld(pd, k+8).Add(b.Mul(ld(px, k+8))), pd, k+8)
	}
	for ; k+8 <= n; k += 8 {
		st(ld(pd, k).Add(b.Mul(ld(px, k))), pd, k)
	}
	archsimd.ClearAVXUpperBits() // scalar code follows: see ClearUpper
	if k < n {
		axpyGeneric(dst[k:], a, x[k:])
	}
}

func addOuter(m, c []float64, off []int32, x []float64) {
	n := len(x)
	if !SIMD || n < 8 {
		addOuterGeneric(m, c, off, x)
		return
	}
	off = off[:len(c)]
	pm, px := unsafe.Pointer(unsafe.SliceData(m)), unsafe.Pointer(unsafe.SliceData(x))
	k := 0
	for ; k+32 <= n; k += 32 {
		x0, x1, x2, x3 := ld(px, k), ld(px, k+8), ld(px, k+16), ld(px, k+24)
		for t, ct := range c {
			b := bc(ct)
			r := unsafe.Add(pm, (int(off[t])+k)*8)
			st(ld(r, 0).Add(b.Mul(x0)), r, 0)
			st(ld(r, 8).Add(b.Mul(x1)), r, 8)
			st(ld(r, 16).Add(b.Mul(x2)), r, 16)
			st(ld(r, 24).Add(b.Mul(x3)), r, 24)
		}
	}
	switch (n - k) / 8 { // the remaining whole vectors in one pass over the rows
	case 3:
		x0, x1, x2 := ld(px, k), ld(px, k+8), ld(px, k+16)
		for t, ct := range c {
			b := bc(ct)
			r := unsafe.Add(pm, (int(off[t])+k)*8)
			st(ld(r, 0).Add(b.Mul(x0)), r, 0)
			st(ld(r, 8).Add(b.Mul(x1)), r, 8)
			st(ld(r, 16).Add(b.Mul(x2)), r, 16)
		}
		k += 24
	case 2:
		x0, x1 := ld(px, k), ld(px, k+8)
		for t, ct := range c {
			b := bc(ct)
			r := unsafe.Add(pm, (int(off[t])+k)*8)
			st(ld(r, 0).Add(b.Mul(x0)), r, 0)
			st(ld(r, 8).Add(b.Mul(x1)), r, 8)
		}
		k += 16
	case 1:
		x0 := ld(px, k)
		for t, ct := range c {
			r := unsafe.Add(pm, (int(off[t])+k)*8)
			st(ld(r, 0).Add(bc(ct).Mul(x0)), r, 0)
		}
		k += 8
	}
	archsimd.ClearAVXUpperBits() // scalar code follows: see ClearUpper
	if k < n {
		addOuterGeneric(m[k:], c, off, x[k:])
	}
}

func addRowsStrided4(dst, c, m []float64, stride, n, r int) {
	if !SIMD {
		addRowsStrided4Generic(dst, c, m, stride, n, r)
		return
	}
	pd, pc, pm := unsafe.Pointer(unsafe.SliceData(dst)), unsafe.Pointer(unsafe.SliceData(c)), unsafe.Pointer(unsafe.SliceData(m))
	n8, r8 := n*8, r*8
	k := 0
	for ; k+16 <= n; k += 16 {
		d0, d1, d2, d3 := unsafe.Add(pd, k*8), unsafe.Add(pd, n8+k*8), unsafe.Add(pd, 2*n8+k*8), unsafe.Add(pd, 3*n8+k*8)
		a0, b0 := ld(d0, 0), ld(d0, 8)
		a1, b1 := ld(d1, 0), ld(d1, 8)
		a2, b2 := ld(d2, 0), ld(d2, 8)
		a3, b3 := ld(d3, 0), ld(d3, 8)
		for t := 0; t < r; t++ { // rows addressed from the base: no pointer past the last row
			row := unsafe.Add(pm, (t*stride+k)*8)
			ct := unsafe.Add(pc, t*8)
			w0, w1 := ld(row, 0), ld(row, 8)
			c0 := bc(*(*float64)(ct))
			c1 := bc(*(*float64)(unsafe.Add(ct, r8)))
			c2 := bc(*(*float64)(unsafe.Add(ct, 2*r8)))
			c3 := bc(*(*float64)(unsafe.Add(ct, 3*r8)))
			a0, b0 = a0.Add(c0.Mul(w0)), b0.Add(c0.Mul(w1))
			a1, b1 = a1.Add(c1.Mul(w0)), b1.Add(c1.Mul(w1))
			a2, b2 = a2.Add(c2.Mul(w0)), b2.Add(c2.Mul(w1))
			a3, b3 = a3.Add(c3.Mul(w0)), b3.Add(c3.Mul(w1))
		}
		st(a0, d0, 0)
		st(b0, d0, 8)
		st(a1, d1, 0)
		st(b1, d1, 8)
		st(a2, d2, 0)
		st(b2, d2, 8)
		st(a3, d3, 0)
		st(b3, d3, 8)
	}
	archsimd.ClearAVXUpperBits() // see ClearUpper (addRowsStrided clears its own)
	if k < n {
		for s := 0; s < 4; s++ {
			addRowsStrided(dst[s*n+k:(s+1)*n], c[s*r:(s+1)*r], m[k:], stride)
		}
	}
}

func adam(theta, grad, m, v []float64, b1, b2, stepSize, sqrtBC2, eps float64, stuck uint64) {
	n := len(theta)
	if !SIMD || n < 8 {
		adamGeneric(theta, grad, m, v, b1, b2, stepSize, sqrtBC2, eps, stuck)
		return
	}
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
		adamGeneric(theta[k:], grad[k:], m[k:], v[k:], b1, b2, stepSize, sqrtBC2, eps, stuck)
	}
}

// ClearUpper clears the upper halves of the vector registers (VZEROUPPER). Scalar floating
// point runs as SSE instructions, which on this hardware run at about half speed while any
// register's upper half is dirty (as it is after an archsimd kernel, and after some of the
// runtime's own vector code); call it where scalar floating-point work begins.
func ClearUpper() {
	if SIMD {
		archsimd.ClearAVXUpperBits()
	}
}

// laneSums reduces eight accumulators at a time with three rounds of two-source permutes and
// adds, pairing the lanes as the tree does: l0+l4 … l3+l7, then (l0+l4)+(l2+l6) and
// (l1+l5)+(l3+l7), then their sum.
func laneSums(dst, acc []float64) {
	n := len(dst)
	if !SIMD || n < 8 {
		laneSumsGeneric(dst, acc)
		return
	}
	lo4 := archsimd.LoadUint64x8(&[8]uint64{0, 1, 2, 3, 8, 9, 10, 11})
	hi4 := archsimd.LoadUint64x8(&[8]uint64{4, 5, 6, 7, 12, 13, 14, 15})
	lo2 := archsimd.LoadUint64x8(&[8]uint64{0, 1, 4, 5, 8, 9, 12, 13})
	hi2 := archsimd.LoadUint64x8(&[8]uint64{2, 3, 6, 7, 10, 11, 14, 15})
	ev := archsimd.LoadUint64x8(&[8]uint64{0, 2, 4, 6, 8, 10, 12, 14})
	od := archsimd.LoadUint64x8(&[8]uint64{1, 3, 5, 7, 9, 11, 13, 15})
	pa, pd := unsafe.Pointer(unsafe.SliceData(acc)), unsafe.Pointer(unsafe.SliceData(dst))
	k := 0
	for ; k+8 <= n; k += 8 {
		var s1 [4]archsimd.Float64x8
		for q := 0; q < 4; q++ {
			a, b := ld(pa, (k+2*q)*8), ld(pa, (k+2*q+1)*8)
			s1[q] = a.ConcatPermute(b, lo4).Add(a.ConcatPermute(b, hi4))
		}
		s2a := s1[0].ConcatPermute(s1[1], lo2).Add(s1[0].ConcatPermute(s1[1], hi2))
		s2b := s1[2].ConcatPermute(s1[3], lo2).Add(s1[2].ConcatPermute(s1[3], hi2))
		st(s2a.ConcatPermute(s2b, ev).Add(s2a.ConcatPermute(s2b, od)), pd, k)
	}
	archsimd.ClearAVXUpperBits() // scalar code follows: see ClearUpper
	if k < n {
		laneSumsGeneric(dst[k:], acc[8*k:])
	}
}
