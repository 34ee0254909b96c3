package vec

import (
	"fmt"
	"math"
	"runtime"
	"sync"
)

// Gemm adds the product of x [m×k] and w [k×n] to c [m×n], all row-major float32. It is
// this loop, whose every step is one float32 fused multiply-add (a single rounding):
//
//	for i := 0; i < m; i++ {
//		for j := 0; j < n; j++ {
//			s := c[i*n+j]
//			for p := 0; p < k; p++ {
//				s = FMA32(x[i*k+p], w[p*n+j], s)
//			}
//			c[i*n+j] = s
//		}
//	}
//
// Each c[i][j] receives its k terms in p order whatever the blocking, the SIMD width or the
// number of goroutines, so the result is bit-identical for any GOMAXPROCS and in both builds
// (for finite values; the payload of a NaN is not part of the contract). Rows are split into
// contiguous blocks over up to GOMAXPROCS goroutines when the product is large enough.
//
// It panics if a slice is shorter than its shape (a programming error, as for a slice index);
// m, k or n = 0 leaves c unchanged.
func Gemm(c, x, w []float32, m, k, n int) {
	if m < 0 || k < 0 || n < 0 {
		panic(fmt.Sprintf("vec.Gemm: negative shape %d×%d×%d", m, k, n))
	}
	if m == 0 || n == 0 || k == 0 {
		return
	}
	_, _, _ = c[m*n-1], x[m*k-1], w[k*n-1]
	gemm(c[:m*n], x[:m*k], w[:k*n], m, k, n)
}

// gemmParallelMACs is the size (m·k·n) from which Gemm splits its rows over goroutines: below
// it, starting them costs more than the product.
const gemmParallelMACs = 1 << 20

// gemmBufs holds packing buffers for reuse across calls.
var gemmBufs = sync.Pool{New: func() any { return new([]float32) }}

// gemm splits the rows into one contiguous block per worker (a multiple of the kernel's
// height, so only the last block has leftover rows) and runs gemmRows on each. The split
// changes which goroutine computes an element, never how, so any split gives the same bits.
func gemm(c, x, w []float32, m, k, n int) {
	units := (m + gemmMR - 1) / gemmMR
	workers := 1
	if m*k*n >= gemmParallelMACs {
		workers = min(runtime.GOMAXPROCS(0), units)
	}
	run := func(u0, u1 int) {
		bp := gemmBufs.Get().(*[]float32)
		if len(*bp) < gemmKC*gemmNC {
			*bp = make([]float32, gemmKC*gemmNC)
		}
		gemmRows(c, x, w, m, k, n, u0*gemmMR, min(u1*gemmMR, m), *bp)
		gemmBufs.Put(bp)
	}
	if workers <= 1 {
		run(0, units)
		return
	}
	var wg sync.WaitGroup
	for t := 0; t < workers; t++ {
		u0, u1 := t*units/workers, (t+1)*units/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			run(u0, u1)
		}()
	}
	wg.Wait()
}

// GemmGo is Gemm's plain loop on one goroutine, whatever the build: the twin the SIMD kernel
// is tested against, exported for benchmarks and tests elsewhere.
func GemmGo(c, x, w []float32, m, k, n int) {
	if m <= 0 || n <= 0 || k <= 0 {
		return
	}
	_, _, _ = c[m*n-1], x[m*k-1], w[k*n-1]
	gemmGo(c, x, w, m, k, n, 0, m, 0, n)
}

// gemmGo is Gemm's loop restricted to rows [i0, i1) and columns [j0, j1). The p loop sits
// outside the j loop so that w is read row by row; each c[i][j] still receives its terms in p
// order, so the result is the documented loop's.
func gemmGo(c, x, w []float32, m, k, n, i0, i1, j0, j1 int) {
	_ = m
	for i := i0; i < i1; i++ {
		ci := c[i*n+j0 : i*n+j1]
		xi := x[i*k : i*k+k]
		for p, a := range xi {
			wp := w[p*n+j0 : p*n+j1]
			for j, b := range wp { // FMA32, inlined by hand
				pp := float64(a) * float64(b)
				s := pp + float64(ci[j])
				if u := math.Float64bits(s); u&(1<<29-1) != 1<<28 && u&(1<<63-1) >= 0x3810000000000000 {
					ci[j] = float32(s)
				} else {
					ci[j] = fma32Slow(pp, float64(ci[j]), s)
				}
			}
		}
	}
}

// FMA32 returns a·b + c rounded once to float32 (round to nearest, ties to even), as the
// hardware's fused multiply-add does.
//
// The product of two float32 is exact in float64, so the only rounding before the final one
// is that of the float64 sum s. Rounding s to float32 gives the correctly rounded result
// unless s lies exactly half-way between two float32 values (then the sum's own rounding
// error decides the direction) or the result is subnormal in float32 (where more than the 29
// low bits are dropped); both rare cases take fma32Slow.
func FMA32(a, b, c float32) float32 {
	p := float64(a) * float64(b)
	s := p + float64(c)
	if math.Float64bits(s)&(1<<29-1) != 1<<28 && math.Abs(s) >= 0x1p-126 {
		return float32(s)
	}
	return fma32Slow(p, float64(c), s)
}

// fma32Slow rounds the exact p + c (p = a·b exactly, s = fl(p + c)) to float32.
func fma32Slow(p, c, s float64) float32 {
	if math.IsNaN(s) || math.IsInf(s, 0) {
		return float32(s)
	}
	if math.Abs(s) < 0x1p-126 {
		return fmaSubnormal(p, c)
	}
	// s is exactly half-way between two float32 values: the error e of the float64 sum
	// (TwoSum, exact) says on which side the exact result lies.
	bb := s - p
	e := (p - (s - bb)) + (c - bb)
	r := float32(s)
	if e == 0 {
		return r
	}
	lo, hi := float64(r), float64(r)
	if lo > s {
		lo = float64(math.Nextafter32(r, float32(math.Inf(-1))))
	} else {
		hi = float64(math.Nextafter32(r, float32(math.Inf(1))))
	}
	if e > 0 {
		return float32(hi)
	}
	return float32(lo)
}

// fmaSubnormal rounds p + c to the float32 grid of 2⁻¹⁴⁹ when the result is below 2⁻¹²⁶.
// Then |p| and |c| are below 2⁻⁷⁸ (their lowest set bits must reach below 2⁻¹²⁶), so
// P = p·2¹⁴⁹ and C = c·2¹⁴⁹ are exact, C is an integer, and P's integer and fractional
// parts are exact; the integer sum is small, hence exact too.
func fmaSubnormal(p, c float64) float32 {
	P, C := p*0x1p149, c*0x1p149
	f := math.Floor(P)
	frac := P - f
	n0 := C + f // the exact sum is n0 + frac, frac in [0, 1)
	n := n0
	switch {
	case frac > 0.5:
		n++
	case frac == 0.5 && math.Mod(n, 2) != 0:
		n++
	}
	if n == 0 && n0 < 0 { // a negative sum rounded to zero is −0
		return float32(math.Copysign(0, -1))
	}
	return float32(n * 0x1p-149) // exact zeros keep IEEE's sign through n0's own addition
}
