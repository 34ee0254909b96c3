package vec

import (
	"math"
	"math/big"
	"math/rand/v2"
	"runtime"
	"testing"
)

// exactFMA32 is a·b + c computed exactly and rounded once to float32.
func exactFMA32(a, b, c float32) float32 {
	x := new(big.Float).SetPrec(400).SetFloat64(float64(a))
	x.Mul(x, new(big.Float).SetPrec(400).SetFloat64(float64(b)))
	x.Add(x, new(big.Float).SetPrec(400).SetFloat64(float64(c)))
	f, _ := x.Float32()
	if f == 0 { // big.Float has no signed zero for a zero sum: IEEE gives +0 unless both are −0
		p := float64(a) * float64(b)
		if math.Signbit(p) && math.Signbit(float64(c)) {
			return float32(math.Copysign(0, -1))
		}
		if x.Sign() == 0 {
			return 0
		}
		if x.Signbit() {
			return float32(math.Copysign(0, -1))
		}
	}
	return f
}

func TestFMA32MatchesExactRounding(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	check := func(a, b, c float32) {
		t.Helper()
		got, want := FMA32(a, b, c), exactFMA32(a, b, c)
		if math.Float32bits(got) != math.Float32bits(want) {
			t.Fatalf("FMA32(%g, %g, %g) = %g (%#x), want %g (%#x)", a, b, c, got, math.Float32bits(got), want, math.Float32bits(want))
		}
	}
	for range 200000 {
		a := float32(r.NormFloat64())
		b := float32(r.NormFloat64())
		c := float32(r.NormFloat64())
		check(a, b, c)
		check(a, b, -a*b) // cancellation
	}
	// Half-way cases: a·b = ±ulp(c)/2·(1 − 2⁻³⁰), so the float64 sum rounds to exactly
	// half-way between two float32 values while the exact sum lies a sliver to one side (the
	// four sign combinations put it on either side); c's parity decides where ties-to-even
	// alone would go.
	halfway := 0
	for range 20000 {
		c := float32(math.Ldexp(1+r.Float64(), r.IntN(40)-20))
		ulp := math.Nextafter32(c, float32(math.Inf(1))) - c
		a := ulp / 2 * (1 + 0x1p-15)
		b := float32(1 - 0x1p-15)
		for _, sa := range []float32{1, -1} {
			for _, sc := range []float32{1, -1} {
				if math.Float64bits(float64(sa*a)*float64(b)+float64(sc*c))&(1<<29-1) == 1<<28 {
					halfway++
				}
				check(sa*a, b, sc*c)
			}
		}
	}
	if halfway < 20000 {
		t.Fatalf("only %d half-way sums: the construction is wrong", halfway)
	}
	// Subnormal results, including cancellation to zero and ties on the 2⁻¹⁴⁹ grid.
	for range 50000 {
		a := float32(math.Ldexp(1+r.Float64(), -70-r.IntN(20)))
		b := float32(math.Ldexp(1+r.Float64(), -50-r.IntN(20)))
		c := float32(math.Ldexp(r.Float64()-0.5, -126-r.IntN(20)))
		check(a, b, c)
		check(-a, b, c)
		check(a, b, -c)
	}
	check(0x1p-75, 0x1p-75, 0)     // exactly half of the smallest subnormal: ties to 0
	check(-0x1p-75, 0x1p-75, 0)    // −0
	check(0x1p-75*1.5, 0x1p-75, 0) // rounds up to the smallest subnormal
	check(float32(math.Copysign(0, -1)), 1, float32(math.Copysign(0, -1)))
	check(1, 1, -1)
	check(math.MaxFloat32, 2, 0)
	check(math.MaxFloat32, 1, math.MaxFloat32)
}

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

// TestGemmEqualsPlainLoop checks Gemm bit for bit against the documented loop itself (not
// gemmGo), over shapes that cross every blocking edge: odd rows, k across gemmKC, n across
// 16-column strips, 64-column panels and gemmNC, and sizes that split over goroutines.
func TestGemmEqualsPlainLoop(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	shapes := [][3]int{{1, 1, 1}, {1, 1, 16}, {2, 3, 17}, {3, 5, 48}, {4, 7, 50}, {5, 129, 33},
		{7, 130, 64}, {6, 257, 96}, {3, 3, 1100}, {10, 20, 1090}, {64, 130, 130}, {97, 40, 300}}
	for _, procs := range []int{1, 2, 3} {
		old := runtime.GOMAXPROCS(procs)
		for _, s := range shapes {
			m, k, n := s[0], s[1], s[2]
			x, w, c0 := randSlice(r, m*k), randSlice(r, k*n), randSlice(r, m*n)
			got := append([]float32(nil), c0...)
			Gemm(got, x, w, m, k, n)
			want := append([]float32(nil), c0...)
			for i := 0; i < m; i++ {
				for j := 0; j < n; j++ {
					s := want[i*n+j]
					for p := 0; p < k; p++ {
						s = FMA32(x[i*k+p], w[p*n+j], s)
					}
					want[i*n+j] = s
				}
			}
			for e := range got {
				if math.Float32bits(got[e]) != math.Float32bits(want[e]) {
					runtime.GOMAXPROCS(old)
					t.Fatalf("GOMAXPROCS %d, %d×%d×%d: element %d = %g, plain loop %g", procs, m, k, n, e, got[e], want[e])
				}
			}
			plain := append([]float32(nil), c0...)
			GemmGo(plain, x, w, m, k, n)
			for e := range plain {
				if math.Float32bits(plain[e]) != math.Float32bits(want[e]) {
					runtime.GOMAXPROCS(old)
					t.Fatalf("GemmGo %d×%d×%d: element %d differs from the plain loop", m, k, n, e)
				}
			}
		}
		runtime.GOMAXPROCS(old)
	}
}

// TestGemmFloat64Bound checks Gemm against a float64 product within the error bound of k
// fused multiply-adds: |ĉ − c| ≤ γ_{k}·(|c₀| + Σ_p |x_p·w_p|) with γ_k = k·u/(1 − k·u) and
// u = 2⁻²⁴ (each step rounds once).
func TestGemmFloat64Bound(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	m, k, n := 9, 300, 70
	x, w, c := randSlice(r, m*k), randSlice(r, k*n), randSlice(r, m*n)
	c0 := append([]float32(nil), c...)
	Gemm(c, x, w, m, k, n)
	u := 0x1p-24
	gamma := float64(k) * u / (1 - float64(k)*u)
	worst := 0.0
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			ref, mag := float64(c0[i*n+j]), math.Abs(float64(c0[i*n+j]))
			for p := 0; p < k; p++ {
				v := float64(x[i*k+p]) * float64(w[p*n+j])
				ref += v
				mag += math.Abs(v)
			}
			err := math.Abs(float64(c[i*n+j]) - ref)
			if err > gamma*mag {
				t.Fatalf("c[%d][%d] = %g, float64 %g: error %g above the bound %g", i, j, c[i*n+j], ref, err, gamma*mag)
			}
			worst = max(worst, err/(u*mag))
		}
	}
	if worst == 0 {
		t.Fatal("no rounding error at all: the test does not exercise float32 arithmetic")
	}
}

func TestGemmEmptyAndShortSlices(t *testing.T) {
	c := []float32{1, 2}
	Gemm(c, nil, nil, 1, 0, 2) // k = 0 leaves c unchanged
	if c[0] != 1 || c[1] != 2 {
		t.Fatal("k = 0 changed c")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("a short slice did not panic")
		}
	}()
	Gemm(make([]float32, 3), make([]float32, 4), make([]float32, 4), 2, 2, 2)
}

// TestGemmHardCasesMatchFMA32 feeds the kernel (k = 1, so each element is one FMA) the
// half-way and subnormal cases of TestFMA32MatchesExactRounding: with AVX-512 this compares
// the hardware's fused multiply-add with FMA32 where double rounding would show.
func TestGemmHardCasesMatchFMA32(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	const m, n = 3, 4096
	x := make([]float32, m)
	w := make([]float32, n)
	c := make([]float32, m*n)
	x[0], x[1], x[2] = 1-0x1p-15, -(1 - 0x1p-15), 0x1p-60 // row 2 makes case 1 subnormal
	for j := 0; j < n; j++ {
		switch j % 3 {
		case 0: // half-way (rows 0, 1): x·w = ±ulp(c)/2·(1 − 2⁻³⁰)
			cv := float32(math.Ldexp(1+r.Float64(), r.IntN(40)-20))
			ulp := math.Nextafter32(cv, float32(math.Inf(1))) - cv
			w[j] = ulp / 2 * (1 + 0x1p-15)
			for i := 0; i < m; i++ {
				c[i*n+j] = cv
			}
		case 1: // subnormal results
			w[j] = float32(math.Ldexp(1+r.Float64(), -70-r.IntN(20)))
			for i := 0; i < m; i++ {
				c[i*n+j] = float32(math.Ldexp(r.Float64()-0.5, -126-r.IntN(20)))
			}
		default:
			w[j] = float32(r.NormFloat64())
			for i := 0; i < m; i++ {
				c[i*n+j] = float32(r.NormFloat64())
			}
		}
	}
	want := make([]float32, m*n)
	naiveWrong := 0 // cases where rounding the float64 sum twice is wrong
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			want[i*n+j] = FMA32(x[i], w[j], c[i*n+j])
			if float32(float64(x[i])*float64(w[j])+float64(c[i*n+j])) != want[i*n+j] {
				naiveWrong++
			}
		}
	}
	if naiveWrong < 100 {
		t.Fatalf("only %d cases where double rounding errs: the inputs are not hard", naiveWrong)
	}
	Gemm(c, x, w, m, 1, n)
	for e := range c {
		if math.Float32bits(c[e]) != math.Float32bits(want[e]) {
			t.Fatalf("element %d: kernel %g (%#x), FMA32 %g (%#x)", e, c[e], math.Float32bits(c[e]), want[e], math.Float32bits(want[e]))
		}
	}
}

// TestGemmSparseEqualsPlainLoop checks GemmSparse bit for bit against its documented loop,
// for widths across the 64- and 16-column steps, rows with no entries and repeated columns,
// and GOMAXPROCS 1 and 2 (with a size that splits over goroutines).
func TestGemmSparseEqualsPlainLoop(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, procs := range []int{1, 2} {
		old := runtime.GOMAXPROCS(procs)
		for _, s := range [][3]int{{1, 5, 1}, {3, 7, 16}, {5, 40, 70}, {9, 100, 129}, {300, 50, 256}, {64, 300, 1000}} {
			m, k, n := s[0], s[1], s[2]
			off := []int{0}
			var idx []int32
			var val []float32
			for i := 0; i < m; i++ {
				for e := r.IntN(40); e > 0; e-- {
					idx = append(idx, int32(r.IntN(k)))
					val = append(val, float32(r.NormFloat64()))
				}
				off = append(off, len(idx))
			}
			w, c0 := randSlice(r, k*n), randSlice(r, m*n)
			got := append([]float32(nil), c0...)
			GemmSparse(got, off, idx, val, w, m, k, n)
			want := append([]float32(nil), c0...)
			for i := 0; i < m; i++ {
				for e := off[i]; e < off[i+1]; e++ {
					for j := 0; j < n; j++ {
						want[i*n+j] = FMA32(val[e], w[int(idx[e])*n+j], want[i*n+j])
					}
				}
			}
			for q := range got {
				if math.Float32bits(got[q]) != math.Float32bits(want[q]) {
					runtime.GOMAXPROCS(old)
					t.Fatalf("GOMAXPROCS %d, %d×%d×%d: element %d = %g, plain loop %g", procs, m, k, n, q, got[q], want[q])
				}
			}
		}
		runtime.GOMAXPROCS(old)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("an index outside [0, k) did not panic")
		}
	}()
	GemmSparse(make([]float32, 2), []int{0, 1}, []int32{3}, []float32{1}, make([]float32, 6), 1, 3, 2)
}
