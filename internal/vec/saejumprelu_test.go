package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// jumpReLURef is JumpReLULanes.Run's documented loop, written independently of both twins.
func jumpReLURef(S int, p JumpReLUParams, g JumpReLUGrads, x []float64, stride, n int, lambda, eps, scale float64) {
	const D = 2
	dec := func(j, d int) *float64 {
		if g.Dec == nil {
			return &g.WEnc[d*S+j]
		}
		return &g.Dec[j*D+d]
	}
	for k := 0; k < n; k++ {
		h, hc := []float64{x[k], x[stride+k]}, make([]float64, D)
		pre, z, a := make([]float64, S), make([]float64, S), make([]float64, S)
		for d := range hc {
			hc[d] = h[d] - p.BDec[d]
		}
		hrec := append([]float64(nil), p.BDec...)
		var lsp, lrec float64
		for j := 0; j < S; j++ {
			pre[j] = p.BEnc[j]
			for d := 0; d < D; d++ {
				pre[j] += hc[d] * p.WEnc[d*S+j]
			}
			z[j] = max(pre[j], 0)
			if z[j] > p.Theta[j] {
				a[j] = z[j]
				lsp++
			}
			for d := 0; d < D && a[j] != 0; d++ {
				hrec[d] += a[j] * p.Dec[j*D+d]
			}
		}
		for d := 0; d < D; d++ {
			lrec += (hrec[d] - h[d]) * (hrec[d] - h[d])
		}
		lrec /= D
		g.Sums[0] += lrec + lambda*lsp
		g.Sums[1] += lrec
		g.Sums[2] += lsp
		dh, dhc := make([]float64, D), make([]float64, D)
		for d := 0; d < D; d++ {
			dh[d] = 2 * scale * (hrec[d] - h[d]) / D
			g.BDec[d] += dh[d]
		}
		for j := 0; j < S; j++ {
			if math.Abs(a[j]) > 1e-8 {
				g.Counts[j]++
			}
			u := (z[j] - p.Theta[j]) / eps
			win := -0.5 < u && u < 0.5
			if a[j] == 0 && !win {
				continue
			}
			var da float64
			for d := 0; d < D; d++ {
				da += dh[d] * p.Dec[j*D+d]
			}
			if win {
				g.LogTheta[j] += p.Theta[j] * (-(p.Theta[j]/eps)*da + -(1/eps)*(scale*lambda))
			}
			if a[j] == 0 || !(z[j] > p.Theta[j]) || !(pre[j] > 0) {
				continue
			}
			for d := 0; d < D; d++ {
				*dec(j, d) += a[j] * dh[d]
			}
			g.BEnc[j] += da
			for d := 0; d < D; d++ {
				g.WEnc[d*S+j] += hc[d] * da
				dhc[d] += p.WEnc[d*S+j] * da
			}
		}
		for d := 0; d < D; d++ {
			g.BDec[d] -= dhc[d]
		}
	}
}

func (c laneCase) jumpReLUGrads(S int, tied bool) JumpReLUGrads {
	g := JumpReLUGrads{WEnc: c.vals(2*S, 0.1), BEnc: c.vals(S, 0.1), LogTheta: c.vals(S, 0.1), BDec: c.vals(2, 0.1),
		Sums: c.vals(3, 1), Counts: make([]int, S)}
	if !tied {
		g.Dec = c.vals(2*S, 0.1)
	}
	return g
}

func (g JumpReLUGrads) clone() JumpReLUGrads {
	cp := func(v []float64) []float64 { return append([]float64(nil), v...) }
	h := JumpReLUGrads{WEnc: cp(g.WEnc), BEnc: cp(g.BEnc), LogTheta: cp(g.LogTheta), BDec: cp(g.BDec), Sums: cp(g.Sums),
		Counts: append([]int(nil), g.Counts...)}
	if g.Dec != nil {
		h.Dec = cp(g.Dec)
	}
	return h
}

func (g JumpReLUGrads) diff(want JumpReLUGrads) error {
	for _, c := range []struct {
		name      string
		got, want []float64
	}{{"WEnc", g.WEnc, want.WEnc}, {"Dec", g.Dec, want.Dec}, {"BEnc", g.BEnc, want.BEnc}, {"LogTheta", g.LogTheta, want.LogTheta},
		{"BDec", g.BDec, want.BDec}, {"Sums", g.Sums, want.Sums}} {
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

// JumpReLULanes (the build's twin and the plain twin) equals its documented loop bit for bit:
// untied and tied, partial blocks, accumulators that start at −0, signed zeros, thresholds
// near the activations (so that the STE windows are hit), λ = 0, and non-finite parameters.
func TestJumpReLULanesTwins(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
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
		p := JumpReLUParams{WEnc: c.vals(2*S, 1), Dec: c.vals(2*S, 1), BEnc: c.vals(S, 0.3), Theta: c.vals(S, 1), BDec: c.vals(2, 0.2)}
		for j := range p.Theta {
			p.Theta[j] = math.Exp(p.Theta[j] - 1)
		}
		eps := []float64{0.01, 0.3, 1}[it%3]
		lambda, scale := []float64{0, 0.01, 0.3, 1}[it%4], 1/float64(n+r.IntN(1000))
		if it == 7 {
			p.WEnc[0], p.BEnc[S-1], p.Theta[0] = math.Inf(1), math.NaN(), math.Inf(1)
		}
		if it == 9 {
			p.Theta[0] = -0.5 // z = 0 > θ: fires with a zero activation
		}
		g0 := c.jumpReLUGrads(S, tied)
		if it%20 == 3 || it%20 == 8 {
			zeroCase(x, p.BDec, g0.WEnc, g0.Dec, g0.BEnc, g0.LogTheta, g0.BDec, g0.Sums)
		}
		if it%20 == 8 && S >= 2 {
			// h = 0, so z = b_enc: (z − θ)/ε = ∓½ exactly, the STE window's open ends.
			eps, p.BEnc[0], p.BEnc[1], p.Theta[0], p.Theta[1] = 1, 0.25, 1.25, 0.75, 0.75
		}
		want := g0.clone()
		jumpReLURef(S, p, want, x, stride, n, lambda, eps, scale)
		for _, simd := range []bool{SIMD, false} {
			withSIMD(simd, func() {
				l := NewJumpReLULanes(S)
				for rep := 0; rep < 2; rep++ {
					got := g0.clone()
					l.Run(p, got, x, stride, n, lambda, eps, scale)
					if err := got.diff(want); err != nil {
						t.Fatalf("case %d (S %d, n %d, tied %v, SIMD %v, run %d): %v", it, S, n, tied, simd, rep, err)
					}
				}
			})
		}
	}
}

// BenchmarkJumpReLULanes is one seed-shape instance batch (d_sae 5, 122 nonzero samples), per twin.
func BenchmarkJumpReLULanes(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	c := laneCase{r}
	const S, n = 5, 122
	x, stride := c.inputs(n)
	p := JumpReLUParams{WEnc: c.vals(2*S, 1), Dec: c.vals(2*S, 1), BEnc: c.vals(S, 0.3), Theta: c.vals(S, 0.1), BDec: c.vals(2, 0.2)}
	for j := range p.Theta {
		p.Theta[j] = math.Abs(p.Theta[j])
	}
	for _, simd := range []bool{SIMD, false} {
		b.Run(fmt.Sprintf("SIMD=%v", simd), func(b *testing.B) {
			withSIMD(simd, func() {
				l, g := NewJumpReLULanes(S), c.jumpReLUGrads(S, false)
				for b.Loop() {
					l.Run(p, g, x, stride, n, 0.3, 0.01, 1.0/1024)
				}
			})
		})
	}
}
