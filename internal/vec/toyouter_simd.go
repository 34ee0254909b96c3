//go:build goexperiment.simd && amd64

package vec

import (
	"simd/archsimd"
	"unsafe"
)

// addOuterPairsSIMD is addOuterPairsGo on tiles of two rows of c by 24, 16 or 8 columns, held in
// registers over the whole p loop (row pairs outside, so that their coefficients are read once).
// Per p, a tile adds its two rows' first terms, then their second terms, each pair skipped when
// both a are zero. Leftover rows and the last n mod 8 columns go through the plain twin, in the
// same order.
func addOuterPairsSIMD(c []float64, ldc int, a1, a2 []float64, lda int, b1, b2 []float64, ldb int, m, k, n int, dense2 bool) {
	pc := unsafe.Pointer(unsafe.SliceData(c))
	pa1, pa2 := unsafe.Pointer(unsafe.SliceData(a1)), unsafe.Pointer(unsafe.SliceData(a2))
	pb1, pb2 := unsafe.Pointer(unsafe.SliceData(b1)), unsafe.Pointer(unsafe.SliceData(b2))
	n8, m2 := n&^7, m&^1
	for i := 0; i < m2; i += 2 {
		j := 0
		for ; j+24 <= n8; j += 24 {
			outerPairs2x3(unsafe.Add(pc, (i*ldc+j)*8), ldc, unsafe.Add(pa1, i*8), unsafe.Add(pa2, i*8), lda, unsafe.Add(pb1, j*8), unsafe.Add(pb2, j*8), ldb, k, dense2)
		}
		for ; j+16 <= n8; j += 16 {
			outerPairs2x2(unsafe.Add(pc, (i*ldc+j)*8), ldc, unsafe.Add(pa1, i*8), unsafe.Add(pa2, i*8), lda, unsafe.Add(pb1, j*8), unsafe.Add(pb2, j*8), ldb, k, dense2)
		}
		for ; j < n8; j += 8 {
			outerPairs2x1(unsafe.Add(pc, (i*ldc+j)*8), ldc, unsafe.Add(pa1, i*8), unsafe.Add(pa2, i*8), lda, unsafe.Add(pb1, j*8), unsafe.Add(pb2, j*8), ldb, k, dense2)
		}
	}
	archsimd.ClearAVXUpperBits() // scalar code follows: see ClearUpper
	if n8 < n && m2 > 0 {
		addOuterPairsGo(c[n8:], ldc, a1, a2, lda, b1[n8:], b2[n8:], ldb, 0, m2, k, n-n8)
	}
	if m2 < m {
		addOuterPairsGo(c, ldc, a1, a2, lda, b1, b2, ldb, m2, m, k, n)
	}
}

// The tile kernels: c rows at c0 and c0 + ldc; sample p's coefficients at s1, s2 + p·lda
// (two in a row), its vectors at q1, q2 + p·ldb. Two rows by up to three vectors keep every
// value in the 15 vector registers the allocator uses; larger tiles spill.

func outerPairs2x3(c0 unsafe.Pointer, ldc int, s1, s2 unsafe.Pointer, lda int, q1, q2 unsafe.Pointer, ldb, k int, dense2 bool) {
	c1 := unsafe.Add(c0, ldc*8)
	a00, a01, a02 := ld(c0, 0), ld(c0, 8), ld(c0, 16)
	a10, a11, a12 := ld(c1, 0), ld(c1, 8), ld(c1, 16)
	for p := 0; p < k; p++ {
		if u0, u1 := atu(s1, p*lda), atu(s1, p*lda+1); (u0|u1)<<1 != 0 {
			r := unsafe.Add(q1, p*ldb*8)
			w0, w1, w2 := ld(r, 0), ld(r, 8), ld(r, 16)
			b := bcu(u0)
			a00, a01, a02 = a00.Add(b.Mul(w0)), a01.Add(b.Mul(w1)), a02.Add(b.Mul(w2))
			b = bcu(u1)
			a10, a11, a12 = a10.Add(b.Mul(w0)), a11.Add(b.Mul(w1)), a12.Add(b.Mul(w2))
		}
		if u0, u1 := atu(s2, p*lda), atu(s2, p*lda+1); dense2 || (u0|u1)<<1 != 0 {
			r := unsafe.Add(q2, p*ldb*8)
			w0, w1, w2 := ld(r, 0), ld(r, 8), ld(r, 16)
			b := bcu(u0)
			a00, a01, a02 = a00.Add(b.Mul(w0)), a01.Add(b.Mul(w1)), a02.Add(b.Mul(w2))
			b = bcu(u1)
			a10, a11, a12 = a10.Add(b.Mul(w0)), a11.Add(b.Mul(w1)), a12.Add(b.Mul(w2))
		}
	}
	st(a00, c0, 0)
	st(a01, c0, 8)
	st(a02, c0, 16)
	st(a10, c1, 0)
	st(a11, c1, 8)
	st(a12, c1, 16)
}

func outerPairs2x2(c0 unsafe.Pointer, ldc int, s1, s2 unsafe.Pointer, lda int, q1, q2 unsafe.Pointer, ldb, k int, dense2 bool) {
	c1 := unsafe.Add(c0, ldc*8)
	a00, a01 := ld(c0, 0), ld(c0, 8)
	a10, a11 := ld(c1, 0), ld(c1, 8)
	for p := 0; p < k; p++ {
		if u0, u1 := atu(s1, p*lda), atu(s1, p*lda+1); (u0|u1)<<1 != 0 { // ±0 terms change nothing
			r := unsafe.Add(q1, p*ldb*8)
			w0, w1 := ld(r, 0), ld(r, 8)
			b := bcu(u0)
			a00, a01 = a00.Add(b.Mul(w0)), a01.Add(b.Mul(w1))
			b = bcu(u1)
			a10, a11 = a10.Add(b.Mul(w0)), a11.Add(b.Mul(w1))
		}
		if u0, u1 := atu(s2, p*lda), atu(s2, p*lda+1); dense2 || (u0|u1)<<1 != 0 {
			r := unsafe.Add(q2, p*ldb*8)
			w0, w1 := ld(r, 0), ld(r, 8)
			b := bcu(u0)
			a00, a01 = a00.Add(b.Mul(w0)), a01.Add(b.Mul(w1))
			b = bcu(u1)
			a10, a11 = a10.Add(b.Mul(w0)), a11.Add(b.Mul(w1))
		}
	}
	st(a00, c0, 0)
	st(a01, c0, 8)
	st(a10, c1, 0)
	st(a11, c1, 8)
}

func outerPairs2x1(c0 unsafe.Pointer, ldc int, s1, s2 unsafe.Pointer, lda int, q1, q2 unsafe.Pointer, ldb, k int, dense2 bool) {
	c1 := unsafe.Add(c0, ldc*8)
	a0, a1 := ld(c0, 0), ld(c1, 0)
	for p := 0; p < k; p++ {
		if u0, u1 := atu(s1, p*lda), atu(s1, p*lda+1); (u0|u1)<<1 != 0 {
			w := ld(q1, p*ldb)
			a0, a1 = a0.Add(bcu(u0).Mul(w)), a1.Add(bcu(u1).Mul(w))
		}
		if u0, u1 := atu(s2, p*lda), atu(s2, p*lda+1); dense2 || (u0|u1)<<1 != 0 {
			w := ld(q2, p*ldb)
			a0, a1 = a0.Add(bcu(u0).Mul(w)), a1.Add(bcu(u1).Mul(w))
		}
	}
	st(a0, c0, 0)
	st(a1, c1, 0)
}

// atu reads element k of p as bits (an integer load: no scalar floating point between the
// vector instructions).
func atu(p unsafe.Pointer, k int) uint64 { return *(*uint64)(unsafe.Add(p, k*8)) }

// bcu broadcasts the float64 with bits u to every lane.
func bcu(u uint64) f8 { return archsimd.BroadcastUint64x8(u).AsFloat64x8() }
