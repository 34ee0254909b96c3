package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// The kernels must equal the plain double loop bit for bit: the build's twin, then the plain
// twin.
func TestKernelsMatchPlainLoops(t *testing.T) {
	for _, simd := range []bool{SIMD, false} {
		withSIMD(simd, func() { testKernels(t) })
	}
}

func testKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	rnd := func(n int) []float64 {
		v := make([]float64, n)
		for k := range v {
			v[k] = r.NormFloat64() * math.Exp(4*r.NormFloat64())
		}
		return v
	}
	t.Logf("SIMD kernels: %v", SIMD)
	for _, n := range []int{0, 1, 3, 5, 7, 8, 9, 15, 16, 20, 24, 31, 32, 33, 40, 48, 56, 64, 100, 200, 515, 1024} {
		for _, rows := range []int{0, 1, 2, 5, 13} {
			stride := n + r.IntN(5)
			m := rnd(rows*stride + n)
			c := rnd(rows)
			off := make([]int32, rows)
			for t := range off {
				off[t] = int32(r.IntN(rows*stride + 1))
			}
			dst := rnd(n)
			want := append([]float64(nil), dst...)
			for t := range c {
				for k := range want {
					want[k] += c[t] * m[int(off[t])+k]
				}
			}
			got := append([]float64(nil), dst...)
			AddRows(got, c, m, off)
			same(t, "AddRows", n, rows, got, want)

			want = append(want[:0], dst...)
			for t := range c {
				for k := range want {
					want[k] += c[t] * m[t*stride+k]
				}
			}
			got = append(got[:0], dst...)
			AddRowsStrided(got, c, m, stride)
			same(t, "AddRowsStrided", n, rows, got, want)

			d4, c4 := rnd(4*n), rnd(4*rows)
			want4 := append([]float64(nil), d4...)
			for s := 0; s < 4; s++ {
				for t := 0; t < rows; t++ {
					for k := 0; k < n; k++ {
						want4[s*n+k] += c4[s*rows+t] * m[t*stride+k]
					}
				}
			}
			AddRowsStrided4(d4, c4, m, stride)
			same(t, "AddRowsStrided4", n, rows, d4, want4)
		}
		if n > 0 {
			rows := 1 + r.IntN(6)
			stride := n + r.IntN(3)
			m := rnd(rows * stride)
			c := rnd(rows)
			off := make([]int32, rows)
			for t, p := range r.Perm(rows) {
				off[t] = int32(p * stride)
			}
			want := append([]float64(nil), m...)
			x := rnd(n)
			for t := range c {
				for k := range x {
					want[int(off[t])+k] += c[t] * x[k]
				}
			}
			AddOuter(m, c, off, x)
			same(t, "AddOuter", n, rows, m, want)
		}
		x, dst := rnd(n), rnd(n)
		a := r.NormFloat64()
		want := append([]float64(nil), dst...)
		for k := range want {
			want[k] += a * x[k]
		}
		Axpy(dst, a, x)
		same(t, "Axpy", n, 1, dst, want)
	}
}

func same(t *testing.T, name string, n, rows int, got, want []float64) {
	t.Helper()
	for k := range want {
		if math.Float64bits(got[k]) != math.Float64bits(want[k]) {
			t.Fatalf("%s n=%d rows=%d: [%d] = %v (%#x), want %v (%#x)", name, n, rows, k, got[k], math.Float64bits(got[k]), want[k], math.Float64bits(want[k]))
		}
	}
}

// sameOrNaN is same with every NaN equal to every other: which operand's NaN an operation
// passes on (or whether it makes its own) depends on the operand order the compiler picks for
// commutative operations, which neither twin promises; every other value must match bitwise.
func sameOrNaN(t *testing.T, name string, n int, got, want []float64) {
	t.Helper()
	for k := range want {
		if math.IsNaN(got[k]) && math.IsNaN(want[k]) {
			continue
		}
		if math.Float64bits(got[k]) != math.Float64bits(want[k]) {
			t.Fatalf("%s n=%d: [%d] = %v (%#x), want %v (%#x)", name, n, k, got[k], math.Float64bits(got[k]), want[k], math.Float64bits(want[k]))
		}
	}
}

// adamLoop is optim.Adam.Update's plain loop, without any shortcut.
func adamLoop(theta, g, m, v []float64, b1, b2, stepSize, sqrtBC2, eps float64) {
	for j := range theta {
		gj := g[j]
		m[j] = b1*m[j] + (1-b1)*gj
		v[j] = b2*v[j] + (1-b2)*gj*gj
		theta[j] -= stepSize * m[j] / (math.Sqrt(v[j])/sqrtBC2 + eps)
	}
}

// Adam must equal the plain loop bit for bit, denormal first moments included, with and
// without the stuck-moment shortcut, over many steps (the twins: plain Go and archsimd with
// its masked tail).
func TestAdamMatchesLoop(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	den := func(k int) float64 { return math.Float64frombits(uint64(k)) }
	special := []float64{0, math.Copysign(0, -1), den(1), -den(1), den(3), -den(5), den(6), -den(7), den(1000), 1e-310,
		math.Inf(1), math.Inf(-1), math.NaN(), 1, -1, 1e-300, 2.2250738585072014e-308}
	pick := func(normal float64) float64 {
		if r.IntN(3) == 0 {
			return special[r.IntN(len(special))]
		}
		return normal
	}
	for _, b1 := range []float64{0.9, 0.5, 0, 0.99} {
		stuck := StuckBound(b1)
		for _, n := range []int{1, 2, 5, 7, 8, 9, 10, 15, 16, 27, 80, 1000, 1, 2, 5, 7, 8, 9, 10, 15, 16, 27} {
			theta, g, m, v := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
			for k := range theta {
				theta[k], m[k], v[k] = pick(r.NormFloat64()), pick(r.NormFloat64()*1e-4), math.Abs(pick(r.Float64()*1e-6))
				switch k % 5 {
				case 0:
					m[k] = math.Float64frombits(uint64(1+r.IntN(7))) * float64(1-2*r.IntN(2)) // a dead latent: m stuck at a denormal
					if r.IntN(2) == 0 {
						theta[k] = math.Copysign(0, float64(1-2*r.IntN(2))) // −0 − (−0) = +0: the shortcut must keep m's sign
					}
				case 1:
					theta[k] = math.Copysign(0, float64(1-2*r.IntN(2)))
				}
			}
			want := [4][]float64{append([]float64(nil), theta...), nil, append([]float64(nil), m...), append([]float64(nil), v...)}
			plain := [4][]float64{append([]float64(nil), theta...), nil, append([]float64(nil), m...), append([]float64(nil), v...)}
			b2, eps := 0.999, 1e-8
			for step := 1; step <= 20; step++ {
				for k := range g {
					g[k] = r.NormFloat64() * 1e-3
					if k%5 == 0 || r.IntN(4) == 0 {
						g[k] = math.Copysign(0, float64(1-2*r.IntN(2))) // dead: ±0 gradients
					} else if r.IntN(20) == 0 {
						g[k] = special[r.IntN(len(special))]
					}
				}
				lr := []float64{1e-3, 0.1, 10}[(step-1)%3]
				bc1, bc2 := 1-math.Pow(b1, float64(step)), 1-math.Pow(b2, float64(step))
				if bc1 == 0 {
					bc1 = 1
				}
				stepSize, sqrtBC2 := lr/bc1, math.Sqrt(bc2)
				s := stuck
				if lim := 0.49 / stepSize; lim < float64(s) {
					s = uint64(lim)
				}
				adamLoop(want[0], g, want[2], want[3], b1, b2, stepSize, sqrtBC2, eps)
				Adam(theta, g, m, v, b1, b2, stepSize, sqrtBC2, eps, s)
				adamGo(plain[0], g, plain[2], plain[3], b1, b2, stepSize, sqrtBC2, eps, s)
				for _, c := range []struct {
					name string
					got  [4][]float64
				}{{"Adam", [4][]float64{theta, nil, m, v}}, {"adamGo", plain}} {
					for q, name := range []string{"theta", "", "m", "v"} {
						if name != "" {
							sameOrNaN(t, fmt.Sprintf("%s %s b1=%v step %d", c.name, name, b1, step), n, c.got[q], want[q])
						}
					}
				}
			}
		}
	}
}

// The shortcut's premise: β1 = 0.9 leaves the first moments ±k·2⁻¹⁰⁷⁴, k ≤ 5, unchanged, and
// the next one moves.
func TestStuckBound(t *testing.T) {
	if got := StuckBound(0.9); got != 5 {
		t.Errorf("StuckBound(0.9) = %d, want 5", got)
	}
	if got := StuckBound(0); got != 0 {
		t.Errorf("StuckBound(0) = %d, want 0", got)
	}
	for k := uint64(1); k <= StuckBound(0.999); k++ {
		x := math.Float64frombits(k)
		if 0.999*x != x {
			t.Fatalf("0.999·%d·2⁻¹⁰⁷⁴ moved", k)
		}
	}
}

// LaneSums equals the lane tree bit for bit, in both twins.
func TestLaneSums(t *testing.T) {
	for _, simd := range []bool{SIMD, false} {
		withSIMD(simd, func() { testLaneSums(t) })
	}
}

func testLaneSums(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, n := range []int{0, 1, 7, 8, 9, 16, 35, 64} {
		acc := make([]float64, 8*n)
		for k := range acc {
			acc[k] = r.NormFloat64() * math.Exp(8*r.NormFloat64())
		}
		got := make([]float64, n)
		LaneSums(got, acc)
		for k := 0; k < n; k++ {
			v := acc[8*k:]
			want := ((v[0] + v[4]) + (v[2] + v[6])) + ((v[1] + v[5]) + (v[3] + v[7]))
			if math.Float64bits(got[k]) != math.Float64bits(want) {
				t.Fatalf("n=%d: [%d] = %v, want %v", n, k, got[k], want)
			}
		}
	}
}
