package vec

import "fmt"

// MulAddRows adds the product of x [m×k] and w [k×n] to c [m×n], all row-major float64 with
// row strides ldc, ldx and ldw. It is this loop, every product rounded before its sum (no
// fused multiply-add, as in the toy model's plain loops):
//
//	for i < m, j < n:  for p in order:  c[i·ldc+j] += x[i·ldx+p] · w[p·ldw+j]
//
// A term whose x is zero may be left out, as the plain twin does; that gives the same bits
// wherever c is not −0 and w is finite (the term is ±0). Each element receives its terms in p
// order whatever the kernel, so both builds give the same bits. It panics if a slice is
// shorter than its shape (a programming error, as for a slice index).
func MulAddRows(c []float64, ldc int, x []float64, ldx int, w []float64, ldw int, m, k, n int) {
	if m <= 0 || k <= 0 || n <= 0 {
		return
	}
	if ldc < n || ldx < k || ldw < n {
		panic(fmt.Sprintf("vec.MulAddRows: strides %d, %d, %d below the shape %d×%d×%d", ldc, ldx, ldw, m, k, n))
	}
	_, _, _ = c[(m-1)*ldc+n-1], x[(m-1)*ldx+k-1], w[(k-1)*ldw+n-1]
	mulAddRows(c, ldc, x, ldx, w, ldw, m, k, n)
}

// mulAddRowsGo is MulAddRows's plain twin: row by row, zero terms skipped.
func mulAddRowsGo(c []float64, ldc int, x []float64, ldx int, w []float64, ldw int, m, k, n int) {
	for i := 0; i < m; i++ {
		ci := c[i*ldc : i*ldc+n : i*ldc+n]
		for p, a := range x[i*ldx : i*ldx+k] {
			if a == 0 {
				continue
			}
			wp := w[p*ldw : p*ldw+n : p*ldw+n]
			for j, b := range wp {
				ci[j] += float64(a * b)
			}
		}
	}
}

// AddOuterPairs adds two interleaved sums of outer products to c [m×n] (row-major float64,
// row strides ldc, lda, ldb): for p in order,
//
//	c[i·ldc+j] += a1[p·lda+i] · b1[p·ldb+j];  then  c[i·ldc+j] += a2[p·lda+i] · b2[p·ldb+j]
//
// for every i < m, j < n, each product rounded before its sum. That is the per-sample order of
// a gradient with two terms per sample, e.g. the toy model's ∂Wᵀ[f] += δ_f·h, then += x_f·(W·δ).
// A term whose a is zero may be left out, as the plain twin does (the same bits wherever c is
// not −0 and b is finite). dense2 says that a2 is mostly nonzero (the toy model's x at a
// feature probability near 0.5): the SIMD twin then adds a2's terms without testing them for
// zero, a test it would mispredict; the bits are the same. It panics if a slice is shorter
// than its shape.
func AddOuterPairs(c []float64, ldc int, a1, a2 []float64, lda int, b1, b2 []float64, ldb int, m, k, n int, dense2 bool) {
	if m <= 0 || k <= 0 || n <= 0 {
		return
	}
	if ldc < n || lda < m || ldb < n {
		panic(fmt.Sprintf("vec.AddOuterPairs: strides %d, %d, %d below the shape %d×%d×%d", ldc, lda, ldb, m, k, n))
	}
	_ = c[(m-1)*ldc+n-1]
	_, _ = a1[(k-1)*lda+m-1], a2[(k-1)*lda+m-1]
	_, _ = b1[(k-1)*ldb+n-1], b2[(k-1)*ldb+n-1]
	addOuterPairs(c, ldc, a1, a2, lda, b1, b2, ldb, m, k, n, dense2)
}

// addOuterPairsGo is AddOuterPairs's plain twin for rows [i0, m): sample by sample, each row's
// two terms in turn, zero terms skipped.
func addOuterPairsGo(c []float64, ldc int, a1, a2 []float64, lda int, b1, b2 []float64, ldb int, i0, m, k, n int) {
	for p := 0; p < k; p++ {
		r1, r2 := b1[p*ldb:p*ldb+n:p*ldb+n], b2[p*ldb:p*ldb+n:p*ldb+n]
		for i := i0; i < m; i++ {
			ci := c[i*ldc : i*ldc+n : i*ldc+n]
			if a := a1[p*lda+i]; a != 0 {
				for j, b := range r1 {
					ci[j] += float64(a * b)
				}
			}
			if a := a2[p*lda+i]; a != 0 {
				for j, b := range r2 {
					ci[j] += float64(a * b)
				}
			}
		}
	}
}
