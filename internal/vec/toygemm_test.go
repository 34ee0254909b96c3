package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// toyRand draws values over many magnitudes with a share of exact zeros (the skipped terms).
func toyRand(r *rand.Rand, n int, zeros float64) []float64 {
	v := make([]float64, n)
	for k := range v {
		if r.Float64() >= zeros {
			v[k] = r.NormFloat64() * math.Exp(3*r.NormFloat64())
		}
	}
	return v
}

var toyShapes = struct{ m, k, n []int }{
	m: []int{1, 3, 4, 5, 8, 13},
	k: []int{1, 2, 7, 20},
	n: []int{1, 7, 8, 9, 16, 24, 31, 32, 40, 64, 100, 104},
}

// TestMulAddRowsEqualsPlainLoop compares both twins with the documented loop (every term, in
// p order), with zeros in x, whole zero columns of four rows, and strides past the shape.
func TestMulAddRowsEqualsPlainLoop(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, simd := range []bool{SIMD, false} {
		withSIMD(simd, func() {
			for _, m := range toyShapes.m {
				for _, k := range toyShapes.k {
					for _, n := range toyShapes.n {
						ldc, ldx, ldw := n+r.IntN(3), k+r.IntN(3), n+r.IntN(3)
						c := toyRand(r, (m-1)*ldc+n, 0)
						x := toyRand(r, (m-1)*ldx+k, 0.4)
						if k > 1 { // a p with all four x zero: the skipped tile step
							for i := 0; i < m; i++ {
								x[i*ldx+1] = 0
							}
						}
						w := toyRand(r, (k-1)*ldw+n, 0.1)
						want := append([]float64(nil), c...)
						for i := 0; i < m; i++ {
							for j := 0; j < n; j++ {
								s := want[i*ldc+j]
								for p := 0; p < k; p++ {
									s += x[i*ldx+p] * w[p*ldw+j]
								}
								want[i*ldc+j] = s
							}
						}
						got := append([]float64(nil), c...)
						MulAddRows(got, ldc, x, ldx, w, ldw, m, k, n)
						if err := sameBits(got, want); err != nil {
							t.Fatalf("SIMD %v, m %d k %d n %d: %v", SIMD, m, k, n, err)
						}
					}
				}
			}
		})
	}
}

// TestAddOuterPairsEqualsPlainLoop compares both twins with the documented loop: per p, every
// element's first term, then its second.
func TestAddOuterPairsEqualsPlainLoop(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, simd := range []bool{SIMD, false} {
		withSIMD(simd, func() {
			for _, m := range toyShapes.m {
				for _, k := range toyShapes.k {
					for _, n := range toyShapes.n {
						ldc, lda, ldb := n+r.IntN(3), m+r.IntN(3), n+r.IntN(3)
						c := toyRand(r, (m-1)*ldc+n, 0)
						a1, a2 := toyRand(r, (k-1)*lda+m, 0.3), toyRand(r, (k-1)*lda+m, 0.8)
						for i := 0; i < m; i++ { // sample 0 has no second terms at all
							a2[i] = 0
						}
						b1, b2 := toyRand(r, (k-1)*ldb+n, 0), toyRand(r, (k-1)*ldb+n, 0)
						want := append([]float64(nil), c...)
						for p := 0; p < k; p++ {
							for i := 0; i < m; i++ {
								for j := 0; j < n; j++ {
									want[i*ldc+j] += a1[p*lda+i] * b1[p*ldb+j]
									want[i*ldc+j] += a2[p*lda+i] * b2[p*ldb+j]
								}
							}
						}
						for _, dense2 := range []bool{false, true} {
							got := append([]float64(nil), c...)
							AddOuterPairs(got, ldc, a1, a2, lda, b1, b2, ldb, m, k, n, dense2)
							if err := sameBits(got, want); err != nil {
								t.Fatalf("SIMD %v, dense2 %v, m %d k %d n %d: %v", SIMD, dense2, m, k, n, err)
							}
						}
					}
				}
			}
		})
	}
}

// TestToyGemmShapeErrors: strides below the shape are a programming error.
func TestToyGemmShapeErrors(t *testing.T) {
	buf := make([]float64, 64)
	mustPanic(t, "MulAddRows ldc", func() { MulAddRows(buf, 3, buf, 4, buf, 4, 2, 2, 4) })
	mustPanic(t, "MulAddRows short", func() { MulAddRows(buf[:10], 4, buf, 4, buf, 4, 4, 4, 4) })
	mustPanic(t, "AddOuterPairs lda", func() { AddOuterPairs(buf, 4, buf, buf, 1, buf, buf, 4, 2, 2, 4, false) })
	MulAddRows(nil, 0, nil, 0, nil, 0, 0, 3, 3) // empty shapes leave everything alone
	AddOuterPairs(nil, 0, nil, nil, 0, nil, nil, 0, 3, 0, 3, false)
}

// TestToyDeltaEqualsPlainLoop compares both twins with the reference's masked δ, written with
// max(pre, 0) as the reference has it, on pre values that include −0, +0, NaN and negatives.
func TestToyDeltaEqualsPlainLoop(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	special := []float64{math.Copysign(0, -1), 0, math.NaN(), -1.5, 1e-300}
	for _, simd := range []bool{SIMD, false} {
		withSIMD(simd, func() {
			for _, n := range toyShapes.n {
				pre, x, imp := toyRand(r, n, 0.1), toyRand(r, n, 0.5), toyRand(r, n, 0)
				for k := range pre {
					if r.IntN(4) == 0 {
						pre[k] = special[r.IntN(len(special))]
					}
					imp[k] = math.Abs(imp[k])
				}
				gB := toyRand(r, n, 0)
				norm := 1 / float64(1024*n)
				want, wantB := make([]float64, n), append([]float64(nil), gB...)
				for f, p := range pre {
					d := max(p, 0) - x[f]
					g := 2 * imp[f] * d * norm
					if !(p > 0) {
						g = 0
					}
					want[f] = g
					wantB[f] += g
				}
				got := append([]float64(nil), pre...) // in place, as the toy model calls it
				ToyDelta(got, got, x, imp, gB, norm)
				if err := sameBits(got, want); err != nil {
					t.Fatalf("SIMD %v, n %d: delta %v", SIMD, n, err)
				}
				if err := sameBits(gB, wantB); err != nil {
					t.Fatalf("SIMD %v, n %d: gB %v", SIMD, n, err)
				}
			}
		})
	}
}

// mustPanic reports an error unless f panics: a shape a kernel cannot take is a programming
// error.
func mustPanic(t *testing.T, name string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s: no panic", name)
		}
	}()
	f()
}
