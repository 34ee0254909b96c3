package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The kernels must equal the plain double loop bit for bit, whichever twin is built.
func TestKernelsMatchPlainLoops(t *testing.T) {
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
			t.Fatalf("%s n=%d rows=%d: [%d] = %v, want %v", name, n, rows, k, got[k], want[k])
		}
	}
}

// Adam must equal optim.Adam.Update's loop bit for bit, denormal first moments included.
func TestAdamMatchesLoop(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 7, 8, 27, 80, 1000} {
		theta, g, m, v := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
		for k := range theta {
			theta[k], g[k], m[k], v[k] = r.NormFloat64(), r.NormFloat64()*1e-3, r.NormFloat64()*1e-4, r.Float64()*1e-6
			switch k % 5 {
			case 0:
				g[k], m[k] = 0, 5e-324*float64(1+r.IntN(5)) // a dead latent: m stuck at a denormal
			case 1:
				g[k] = 0
			}
		}
		want := [4][]float64{append([]float64(nil), theta...), append([]float64(nil), g...), append([]float64(nil), m...), append([]float64(nil), v...)}
		b1, b2, lr, bc1, bc2, eps := 0.9, 0.999, 1e-3, 0.5, 0.01, 1e-8
		stepSize, sqrtBC2 := lr/bc1, math.Sqrt(bc2)
		for j := range want[0] {
			gj := want[1][j]
			want[2][j] = b1*want[2][j] + (1-b1)*gj
			want[3][j] = b2*want[3][j] + (1-b2)*gj*gj
			want[0][j] -= stepSize * want[2][j] / (math.Sqrt(want[3][j])/sqrtBC2 + eps)
		}
		Adam(theta, g, m, v, b1, b2, stepSize, sqrtBC2, eps)
		same(t, "theta", n, 1, theta, want[0])
		same(t, "m", n, 1, m, want[2])
		same(t, "v", n, 1, v, want[3])
	}
}
