package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// tree adds eight lanes in LaneSums's order.
func tree(v []float64) float64 {
	return ((v[0] + v[4]) + (v[2] + v[6])) + ((v[1] + v[5]) + (v[3] + v[7]))
}

// withSIMD runs f with SIMD set to on, restoring it after.
func withSIMD(on bool, f func()) {
	defer func(old bool) { SIMD = old }(SIMD)
	SIMD = on
	f()
}

// saeLanesRef is SAELanes.Run's documented plain loop, written independently: per sample, the
// standard SAE's forward and backward into its lane's accumulators.
func saeLanesRef(D, S int, enc, bEnc, bDec, wn, x []float64, stride, n int, lambda, scale float64) []float64 {
	l := NewSAELanes(D, S)
	acc := l.Acc
	put := func(slot, lane int, v float64) { acc[slot*8+lane] += v }
	for k := 0; k < n; k++ {
		ln := k % 8
		h, hc, pre := make([]float64, D), make([]float64, D), make([]float64, S)
		for d := 0; d < D; d++ {
			h[d] = x[d*stride+k]
			hc[d] = h[d] - bDec[d]
		}
		for j := 0; j < S; j++ {
			pre[j] = bEnc[j]
			for d := 0; d < D; d++ {
				pre[j] += hc[d] * enc[d*S+j]
			}
		}
		hrec := append([]float64(nil), bDec...)
		var lsp, lrec float64
		for j := 0; j < S; j++ {
			if pre[j] > 0 {
				lsp += pre[j]
				for d := 0; d < D; d++ {
					hrec[d] += pre[j] * wn[j*D+d]
				}
			}
		}
		for d := 0; d < D; d++ {
			lrec += (hrec[d] - h[d]) * (hrec[d] - h[d])
		}
		lrec /= float64(D)
		put(l.aSum, ln, lrec+lambda*lsp)
		put(l.aSum+1, ln, lrec)
		put(l.aSum+2, ln, lsp)
		dh, dhc := make([]float64, D), make([]float64, D)
		for d := 0; d < D; d++ {
			dh[d] = scale * 2 * (hrec[d] - h[d]) / float64(D)
			put(l.aBDec+d, ln, dh[d])
		}
		for j := 0; j < S; j++ {
			a := pre[j]
			if a <= 0 {
				continue
			}
			if a > 1e-8 {
				put(l.aN+j, ln, 1)
			}
			da := scale * lambda
			for d := 0; d < D; d++ {
				da += dh[d] * wn[j*D+d]
				put(l.aWn+j*D+d, ln, a*dh[d])
			}
			put(l.aBEnc+j, ln, da)
			for d := 0; d < D; d++ {
				put(d*S+j, ln, hc[d]*da)
				dhc[d] += enc[d*S+j] * da
			}
		}
		for d := 0; d < D; d++ {
			put(l.aBDec+d, ln, -dhc[d])
		}
	}
	return acc
}

// SAELanes (the build's twin and the plain twin) equals its documented loop bit for bit, for
// d_in 2 (the unrolled twins) and others, partial blocks, several d_in = 2 chunks, latents
// dead on every sample and inputs with zeros.
func TestSAELanesTwins(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	t.Logf("SIMD kernels: %v", SIMD)
	for _, tc := range []struct{ D, S, n int }{{2, 5, 1}, {2, 5, 13}, {2, 7, 2100}, {2, 1, 9}, {3, 7, 61}, {4, 16, 203}, {1, 3, 8}, {8, 8, 40}} {
		D, S, n := tc.D, tc.S, tc.n
		stride := (n + 7) &^ 7
		enc, bEnc, bDec, wn := make([]float64, D*S), make([]float64, S), make([]float64, D), make([]float64, S*D)
		for _, v := range [][]float64{enc, bEnc, bDec, wn} {
			for k := range v {
				v[k] = r.NormFloat64() * 0.5
			}
		}
		bEnc[0] = -50 // a latent that never fires
		x := make([]float64, D*stride)
		for d := 0; d < D; d++ {
			for k := 0; k < n; k++ {
				if r.IntN(4) != 0 {
					x[d*stride+k] = r.Float64()
				}
			}
		}
		lambda, scale := 0.2, 1/float64(n+3)
		want := saeLanesRef(D, S, enc, bEnc, bDec, wn, x, stride, n, lambda, scale)
		for _, simd := range []bool{SIMD, false} {
			withSIMD(simd, func() {
				l := NewSAELanes(D, S)
				l.Acc[0] = 99 // Run overwrites Acc
				l.Run(enc, bEnc, bDec, wn, x, stride, n, lambda, scale)
				same(t, "SAELanes", n, S, l.Acc, want)
				sums := l.Sums()
				for k := range sums.WEnc {
					if math.Float64bits(sums.WEnc[k]) != math.Float64bits(tree(want[8*k:])) {
						t.Fatalf("Sums().WEnc[%d] = %v, want %v", k, sums.WEnc[k], tree(want[8*k:]))
					}
				}
			})
		}
	}
}

// toyLanesRef is ToyLanes.Run's documented plain loop, written independently.
func toyLanesRef(H, F int, W, bias, imp []float64, norm float64, x []float64, stride, n int, wantLoss bool) []float64 {
	acc := make([]float64, (H*F+F+1)*8)
	for k := 0; k < n; k++ {
		ln := k % 8
		h, dh := make([]float64, H), make([]float64, H)
		for hh := 0; hh < H; hh++ {
			for f := 0; f < F; f++ {
				h[hh] += W[hh*F+f] * x[f*stride+k]
			}
		}
		for f := 0; f < F; f++ {
			pre := bias[f]
			for hh := 0; hh < H; hh++ {
				pre += W[hh*F+f] * h[hh]
			}
			d := math.Max(pre, 0) - x[f*stride+k]
			if wantLoss {
				acc[(H*F+F)*8+ln] += imp[f] * d * d
			}
			g := 0.0
			if pre > 0 {
				g = 2 * imp[f] * d * norm
			}
			for hh := 0; hh < H; hh++ {
				acc[(hh*F+f)*8+ln] += g * h[hh]
				dh[hh] += W[hh*F+f] * g
			}
			acc[(H*F+f)*8+ln] += g
		}
		for f := 0; f < F; f++ {
			for hh := 0; hh < H; hh++ {
				acc[(hh*F+f)*8+ln] += dh[hh] * x[f*stride+k]
			}
		}
	}
	return acc
}

// ToyLanes (the build's twin and the plain twin) equals its documented loop bit for bit.
func TestToyLanesTwins(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, tc := range []struct{ H, F, n int }{{2, 5, 1}, {2, 5, 300}, {2, 8, 17}, {3, 6, 61}, {8, 16, 40}, {1, 1, 9}} {
		H, F, n := tc.H, tc.F, tc.n
		stride := (n + 7) &^ 7
		W, bias, imp := make([]float64, H*F), make([]float64, F), make([]float64, F)
		for k := range W {
			W[k] = r.NormFloat64()
		}
		for f := range bias {
			bias[f], imp[f] = 0.3*r.NormFloat64(), math.Pow(0.9, float64(f))
		}
		x := make([]float64, F*stride)
		for f := 0; f < F; f++ {
			for k := 0; k < n; k++ {
				if r.IntN(3) == 0 {
					x[f*stride+k] = r.Float64()
				}
			}
		}
		for _, wantLoss := range []bool{true, false} {
			want := toyLanesRef(H, F, W, bias, imp, 1/float64(n*F), x, stride, n, wantLoss)
			for _, simd := range []bool{SIMD, false} {
				withSIMD(simd, func() {
					l := NewToyLanes(H, F)
					l.Run(W, bias, imp, 1/float64(n*F), x, stride, n, wantLoss)
					same(t, "ToyLanes", n, F, l.Acc, want)
					_, _, loss := l.Sums()
					if w := tree(want[(H*F+F)*8:]); math.Float64bits(loss) != math.Float64bits(w) {
						t.Fatalf("Sums loss %v, want %v", loss, w)
					}
				})
			}
		}
	}
}

// ProjectD2 (the build's twin and the plain twin) equals its documented loop bit for bit (h,
// padding included, and the samples), for every F the SIMD twin takes and beyond, batches of
// every length, and samples with one to F entries, whatever h held before.
func TestProjectD2Twins(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for F := 1; F <= 10; F++ {
		P := make([]float64, 2*F)
		for k := range P {
			P[k] = r.NormFloat64()
		}
		for trial := 0; trial < 150; trial++ {
			B := 1 + r.IntN(200)
			p := []float64{0.02, 0.3, 0.9}[trial%3]
			var pos []int
			for q := 0; q < B*F; q++ {
				if r.Float64() < p {
					pos = append(pos, q)
				}
			}
			vals := make([]float64, len(pos))
			for k := range vals {
				vals[k] = r.Float64()
				if r.IntN(50) == 0 {
					vals[k] = 0 // −0 products: 0 + (−0) = +0 must come out as the loop's
				}
			}
			stride := (len(pos) + 7) / 8 * 8
			// The plain loop.
			want := make([]float64, 2*stride)
			var ws []int32
			k := -1
			for e, q := range pos {
				if b := int32(q / F); len(ws) == 0 || ws[len(ws)-1] != b {
					ws = append(ws, b)
					k++
				}
				f := q % F
				want[k] += P[f] * vals[e]
				want[stride+k] += P[F+f] * vals[e]
			}
			pos, vals = append(pos, make([]int, 8)...)[:len(pos)], append(vals, make([]float64, 8)...)[:len(vals)]
			for _, simd := range []bool{SIMD, false} {
				withSIMD(simd, func() {
					got := make([]float64, 2*stride, 2*stride+8)
					for k := range got {
						got[k] = math.NaN()
					}
					gs := ProjectD2(pos, vals, F, P, got, stride, make([]int32, 3))
					if len(gs) != len(ws) {
						t.Fatalf("F %d trial %d SIMD %v: %d samples, want %d", F, trial, simd, len(gs), len(ws))
					}
					for k := range ws {
						if gs[k] != ws[k] {
							t.Fatalf("F %d trial %d: sample[%d] = %d, want %d", F, trial, k, gs[k], ws[k])
						}
					}
					same(t, "ProjectD2", len(pos), F, got, want)
				})
			}
		}
	}
}
