package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// sameBits reports the first element where got and want differ in bits (NaNs match NaNs).
func sameBits(got, want []float64) error {
	if len(got) != len(want) {
		return fmt.Errorf("length %d, want %d", len(got), len(want))
	}
	for k := range got {
		if math.Float64bits(got[k]) != math.Float64bits(want[k]) && !(math.IsNaN(got[k]) && math.IsNaN(want[k])) {
			return fmt.Errorf("[%d] = %v (%#x), want %v (%#x)", k, got[k], math.Float64bits(got[k]), want[k], math.Float64bits(want[k]))
		}
	}
	return nil
}

// laneCase draws a kernel test case: values of either sign with exact (signed) zeros mixed
// in, so that the paths which keep or drop a −0 are taken.
type laneCase struct{ r *rand.Rand }

func (c laneCase) vals(n int, sd float64) []float64 {
	v := make([]float64, n)
	for k := range v {
		switch c.r.IntN(12) {
		case 0:
			v[k] = 0
		case 1:
			v[k] = math.Copysign(0, -1)
		default:
			v[k] = c.r.NormFloat64() * sd
		}
	}
	return v
}

// inputs is x [2][stride] with n samples (zero padding), each with a zero coordinate now and
// then, as a sparse toy batch's h often has.
func (c laneCase) inputs(n int) ([]float64, int) {
	stride := (n + 7) &^ 7
	x := make([]float64, 2*stride)
	for k := 0; k < n; k++ {
		for d := 0; d < 2; d++ {
			if c.r.IntN(5) != 0 {
				x[d*stride+k] = c.r.NormFloat64()
			}
		}
	}
	return x, stride
}

// gatedRef is GatedLanes.Run's documented loop, written independently of both twins.
func gatedRef(S int, p GatedParams, g GatedGrads, x []float64, stride, n int, lambda, scale float64) {
	const D = 2
	dec := func(j, d int) *float64 {
		if g.Dec == nil {
			return &g.WGate[d*S+j]
		}
		return &g.Dec[j*D+d]
	}
	for k := 0; k < n; k++ {
		h, hc := []float64{x[k], x[stride+k]}, make([]float64, D)
		u, pg, pm, a := make([]float64, S), make([]float64, S), make([]float64, S), make([]float64, S)
		open, on := make([]bool, S), make([]bool, S)
		for d := range hc {
			hc[d] = h[d] - p.BDec[d]
		}
		for j := 0; j < S; j++ {
			for d := 0; d < D; d++ {
				u[j] += hc[d] * p.WGate[d*S+j]
			}
			pg[j], pm[j] = u[j]+p.BGate[j], p.EMag[j]*u[j]+p.BMag[j]
			open[j] = !(pg[j] <= 0)
			on[j] = open[j] && pm[j] > 0
			if on[j] {
				a[j] = pm[j]
			}
		}
		via, hrec := append([]float64(nil), p.BDec...), append([]float64(nil), p.BDec...)
		var lsp, lrec, laux float64
		for j := 0; j < S; j++ {
			for d := 0; d < D && open[j]; d++ {
				via[d] += pg[j] * p.Dec[j*D+d]
				if on[j] {
					hrec[d] += pm[j] * p.Dec[j*D+d]
				}
			}
			if open[j] {
				lsp += pg[j]
			}
		}
		for d := 0; d < D; d++ {
			lrec += (hrec[d] - h[d]) * (hrec[d] - h[d])
			laux += (via[d] - h[d]) * (via[d] - h[d])
		}
		lrec /= D
		g.Sums[0] += lrec + lambda*lsp + laux
		g.Sums[1] += lrec
		g.Sums[2] += lsp
		g.Sums[3] += laux
		dh, dv, dhc := make([]float64, D), make([]float64, D), make([]float64, D)
		for d := 0; d < D; d++ {
			dh[d] = 2 * scale * (hrec[d] - h[d]) / D
			dv[d] = 2 * scale * (via[d] - h[d])
			g.BDec[d] += dh[d]
		}
		for j := 0; j < S; j++ {
			if math.Abs(a[j]) > 1e-8 {
				g.Counts[j]++
			}
			if !open[j] {
				continue
			}
			dpg, dpm := scale*lambda, 0.0
			for d := 0; d < D; d++ {
				dpg += dv[d] * p.Dec[j*D+d]
			}
			g.BGate[j] += dpg
			for d := 0; d < D && on[j]; d++ {
				dpm += dh[d] * p.Dec[j*D+d]
				*dec(j, d) += a[j] * dh[d]
			}
			g.BMag[j] += dpm
			g.RMag[j] += dpm * p.EMag[j] * u[j]
			du := dpg + p.EMag[j]*dpm
			for d := 0; d < D; d++ {
				g.WGate[d*S+j] += hc[d] * du
				dhc[d] += p.WGate[d*S+j] * du
			}
		}
		for d := 0; d < D; d++ {
			g.BDec[d] -= dhc[d]
		}
	}
}

// zeroCase makes the inputs h = 0 (samples the training batch never holds, whose terms are
// the signed zeros a −0 accumulator tells apart), b_dec = (−0, +0) and the accumulators −0.
func zeroCase(x, bDec []float64, accs ...[]float64) {
	clear(x)
	bDec[0], bDec[1] = math.Copysign(0, -1), 0
	for _, a := range accs {
		for k := range a {
			a[k] = math.Copysign(0, -1)
		}
	}
}

func (c laneCase) gatedGrads(S int, tied bool) GatedGrads {
	g := GatedGrads{WGate: c.vals(2*S, 0.1), BGate: c.vals(S, 0.1), RMag: c.vals(S, 0.1), BMag: c.vals(S, 0.1),
		BDec: c.vals(2, 0.1), Sums: c.vals(4, 1), Counts: make([]int, S)}
	if !tied {
		g.Dec = c.vals(2*S, 0.1)
	}
	return g
}

func (g GatedGrads) clone() GatedGrads {
	cp := func(v []float64) []float64 { return append([]float64(nil), v...) }
	h := GatedGrads{WGate: cp(g.WGate), BGate: cp(g.BGate), RMag: cp(g.RMag), BMag: cp(g.BMag), BDec: cp(g.BDec),
		Sums: cp(g.Sums), Counts: append([]int(nil), g.Counts...)}
	if g.Dec != nil {
		h.Dec = cp(g.Dec)
	}
	return h
}

func (g GatedGrads) diff(want GatedGrads) error {
	for _, c := range []struct {
		name      string
		got, want []float64
	}{{"WGate", g.WGate, want.WGate}, {"Dec", g.Dec, want.Dec}, {"BGate", g.BGate, want.BGate}, {"RMag", g.RMag, want.RMag},
		{"BMag", g.BMag, want.BMag}, {"BDec", g.BDec, want.BDec}, {"Sums", g.Sums, want.Sums}} {
		if err := sameBits(c.got, c.want); err != nil {
			return fmt.Errorf("%s%v", c.name, err)
		}
	}
	for j := range g.Counts {
		if g.Counts[j] != want.Counts[j] {
			return fmt.Errorf("Counts = %v, want %v", g.Counts, want.Counts)
		}
	}
	return nil
}

// GatedLanes (the build's twin and the plain twin) equals its documented loop bit for bit:
// untied and tied, partial blocks, accumulators that start at −0, signed zeros in the inputs
// and parameters, λ = 0, and one run with non-finite parameters.
func TestGatedLanesTwins(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	c := laneCase{r}
	t.Logf("SIMD kernels: %v", SIMD)
	for it := 0; it < 200; it++ {
		S := 1 + r.IntN(9)
		if it%10 == 0 {
			S = 5
		}
		n := 1 + r.IntN(70)
		tied := it%2 == 1
		x, stride := c.inputs(n)
		p := GatedParams{WGate: c.vals(2*S, 1), Dec: c.vals(2*S, 1), BGate: c.vals(S, 0.3), EMag: c.vals(S, 1), BMag: c.vals(S, 0.3), BDec: c.vals(2, 0.2)}
		for j := range p.EMag {
			p.EMag[j] = math.Exp(p.EMag[j])
		}
		lambda, scale := []float64{0, 0.01, 0.3, 1}[it%4], 1/float64(n+r.IntN(1000))
		if it == 7 {
			p.WGate[0], p.BMag[S-1], p.EMag[0] = math.Inf(1), math.NaN(), math.Inf(1)
		}
		g0 := c.gatedGrads(S, tied)
		if it%20 == 3 || it%20 == 8 {
			zeroCase(x, p.BDec, g0.WGate, g0.Dec, g0.BGate, g0.RMag, g0.BMag, g0.BDec, g0.Sums)
		}
		want := g0.clone()
		gatedRef(S, p, want, x, stride, n, lambda, scale)
		for _, simd := range []bool{SIMD, false} {
			withSIMD(simd, func() {
				l := NewGatedLanes(S)
				for rep := 0; rep < 2; rep++ { // a second run reuses the scratch
					got := g0.clone()
					l.Run(p, got, x, stride, n, lambda, scale)
					if err := got.diff(want); err != nil {
						t.Fatalf("case %d (S %d, n %d, tied %v, SIMD %v, run %d): %v", it, S, n, tied, simd, rep, err)
					}
				}
			})
		}
	}
}

// BenchmarkGatedLanes is one seed-shape instance batch (d_sae 5, 122 nonzero samples, as at
// p = 0.025 with B = 1024), per twin.
func BenchmarkGatedLanes(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	c := laneCase{r}
	const S, n = 5, 122
	x, stride := c.inputs(n)
	p := GatedParams{WGate: c.vals(2*S, 1), Dec: c.vals(2*S, 1), BGate: c.vals(S, 0.3), EMag: c.vals(S, 1), BMag: c.vals(S, 0.3), BDec: c.vals(2, 0.2)}
	for _, simd := range []bool{SIMD, false} {
		b.Run(fmt.Sprintf("SIMD=%v", simd), func(b *testing.B) {
			withSIMD(simd, func() {
				l, g := NewGatedLanes(S), c.gatedGrads(S, false)
				for b.Loop() {
					l.Run(p, g, x, stride, n, 0.3, 1.0/1024)
				}
			})
		})
	}
}
