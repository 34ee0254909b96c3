//go:build goexperiment.simd && amd64

package vec

import (
	"simd/archsimd"
	"unsafe"
)

// addRowsSIMD is addRowsGo with 8-lane vectors over the outputs (up to four vectors per pass
// over the rows); the last len(dst) mod 8 outputs by addRowsGo.
func addRowsSIMD(dst, c, m []float64, off []int32) {
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
		addRowsGo(dst[k:], c, m[k:], off)
	}
}

// addRowsStridedSIMD is addRowsStridedGo with 8-lane vectors over the outputs; the last
// len(dst) mod 8 outputs by addRowsStridedGo.
func addRowsStridedSIMD(dst, c, m []float64, stride int) {
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
		addRowsStridedGo(dst[k:], c, m[k:], stride)
	}
}

// axpySIMD is axpyGo with 8-lane vectors; the last len(dst) mod 8 elements by axpyGo.
func axpySIMD(dst []float64, a float64, x []float64) {
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
		axpyGo(dst[k:], a, x[k:])
	}
}

// addOuterSIMD is addOuterGo with 8-lane vectors along each row; the last len(x) mod 8
// columns by addOuterGo.
func addOuterSIMD(m, c []float64, off []int32, x []float64) {
	n := len(x)
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
		addOuterGo(m[k:], c, off, x[k:])
	}
}

// addRowsStrided4SIMD is addRowsStrided4Go with the four destinations' 16-output blocks in
// registers, each row read once for the four; the remaining outputs by addRowsStrided.
func addRowsStrided4SIMD(dst, c, m []float64, stride, n, r int) {
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
