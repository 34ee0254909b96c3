//go:build goexperiment.simd && amd64

package vec

import (
	"simd/archsimd"
	"unsafe"
)

// mulAddRowsSIMD is mulAddRowsGo on tiles of two rows of c by 24, 16 or 8 columns, held in
// registers over the whole p loop; it adds every term, zero or not. A leftover row goes through
// addRowsStrided and the last n mod 8 columns through the plain twin, both in p order.
func mulAddRowsSIMD(c []float64, ldc int, x []float64, ldx int, w []float64, ldw int, m, k, n int) {
	pc, px, pw := unsafe.Pointer(unsafe.SliceData(c)), unsafe.Pointer(unsafe.SliceData(x)), unsafe.Pointer(unsafe.SliceData(w))
	n8, m2 := n&^7, m&^1
	// Column strips outside, row pairs inside: a strip of w (k × 24) stays in L1 for every row.
	j := 0
	for ; j+24 <= n8; j += 24 {
		for i := 0; i < m2; i += 2 {
			mulAdd2x3(unsafe.Add(pc, (i*ldc+j)*8), ldc, unsafe.Add(px, i*ldx*8), ldx, unsafe.Add(pw, j*8), ldw, k)
		}
	}
	for ; j+16 <= n8; j += 16 {
		for i := 0; i < m2; i += 2 {
			mulAdd2x2(unsafe.Add(pc, (i*ldc+j)*8), ldc, unsafe.Add(px, i*ldx*8), ldx, unsafe.Add(pw, j*8), ldw, k)
		}
	}
	for ; j < n8; j += 8 {
		for i := 0; i < m2; i += 2 {
			mulAdd2x1(unsafe.Add(pc, (i*ldc+j)*8), ldc, unsafe.Add(px, i*ldx*8), ldx, unsafe.Add(pw, j*8), ldw, k)
		}
	}
	i := m2
	archsimd.ClearAVXUpperBits() // scalar code follows: see ClearUpper
	for ; i < m; i++ {
		addRowsStrided(c[i*ldc:i*ldc+n], x[i*ldx:i*ldx+k], w, ldw)
	}
	if n8 < n && m2 > 0 {
		mulAddRowsGo(c[n8:], ldc, x, ldx, w[n8:], ldw, m2, k, n-n8)
	}
}

// The tile kernels: c rows at c0 and c0 + ldc, x rows at x0 and x0 + ldx, w rows at pw + p·ldw.
// Two rows by up to three vectors keep every value in the 15 vector registers the allocator
// uses; larger tiles spill.

func mulAdd2x3(c0 unsafe.Pointer, ldc int, x0 unsafe.Pointer, ldx int, pw unsafe.Pointer, ldw, k int) {
	c1, x1 := unsafe.Add(c0, ldc*8), unsafe.Add(x0, ldx*8)
	a00, a01, a02 := ld(c0, 0), ld(c0, 8), ld(c0, 16)
	a10, a11, a12 := ld(c1, 0), ld(c1, 8), ld(c1, 16)
	for p := 0; p < k; p++ {
		r := unsafe.Add(pw, p*ldw*8)
		w0, w1, w2 := ld(r, 0), ld(r, 8), ld(r, 16)
		b := bcu(atu(x0, p))
		a00, a01, a02 = a00.Add(b.Mul(w0)), a01.Add(b.Mul(w1)), a02.Add(b.Mul(w2))
		b = bcu(atu(x1, p))
		a10, a11, a12 = a10.Add(b.Mul(w0)), a11.Add(b.Mul(w1)), a12.Add(b.Mul(w2))
	}
	st(a00, c0, 0)
	st(a01, c0, 8)
	st(a02, c0, 16)
	st(a10, c1, 0)
	st(a11, c1, 8)
	st(a12, c1, 16)
}

func mulAdd2x2(c0 unsafe.Pointer, ldc int, x0 unsafe.Pointer, ldx int, pw unsafe.Pointer, ldw, k int) {
	c1, x1 := unsafe.Add(c0, ldc*8), unsafe.Add(x0, ldx*8)
	a00, a01 := ld(c0, 0), ld(c0, 8)
	a10, a11 := ld(c1, 0), ld(c1, 8)
	for p := 0; p < k; p++ {
		r := unsafe.Add(pw, p*ldw*8)
		w0, w1 := ld(r, 0), ld(r, 8)
		b := bcu(atu(x0, p))
		a00, a01 = a00.Add(b.Mul(w0)), a01.Add(b.Mul(w1))
		b = bcu(atu(x1, p))
		a10, a11 = a10.Add(b.Mul(w0)), a11.Add(b.Mul(w1))
	}
	st(a00, c0, 0)
	st(a01, c0, 8)
	st(a10, c1, 0)
	st(a11, c1, 8)
}

func mulAdd2x1(c0 unsafe.Pointer, ldc int, x0 unsafe.Pointer, ldx int, pw unsafe.Pointer, ldw, k int) {
	c1, x1 := unsafe.Add(c0, ldc*8), unsafe.Add(x0, ldx*8)
	a0, a1 := ld(c0, 0), ld(c1, 0)
	for p := 0; p < k; p++ {
		w := ld(pw, p*ldw)
		a0, a1 = a0.Add(bcu(atu(x0, p)).Mul(w)), a1.Add(bcu(atu(x1, p)).Mul(w))
	}
	st(a0, c0, 0)
	st(a1, c1, 0)
}
