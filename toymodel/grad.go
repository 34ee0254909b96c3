package toymodel

import "saelab/internal/vec"

// Scratch is per-worker workspace for LossGradInstance.
//
//	h, dh [H] (large shapes: [Hp]);  dOut, pre, coef [F];  off, foff [F]: row offsets;  xd [F]: zeros between uses
//	large shapes (Hp: H padded to whole vectors, Fp = rowStride(F); C = toyChunk samples):
//	  wt, gwt [F][Hp]: Wᵀ and ∂Wᵀ;  wp [H][Fp]: W
//	  chunks (lossGradLarge):  hc, dhc [C][Hp]: h and W·δ;  pc [C][Fp]: pre, then δ;  xc [C][Fp]: x dense
//	  rows (lossGradRows):  hs, pres [4][H], [4][F]: a block of four samples
type Scratch struct {
	h, dh, dOut, pre, coef, xd []float64
	off, foff                  []int32
	wt, gwt, wp                []float64
	hc, dhc, pc, xc            []float64
	hs, pres                   []float64
	ls                         *laneScratch
}

// NewScratch sizes a workspace for the model.
func (m *Model) NewScratch() *Scratch {
	H, F := m.Cfg.DHidden, m.Cfg.NFeatures
	sc := &Scratch{h: make([]float64, H), dh: make([]float64, H), dOut: make([]float64, F), pre: make([]float64, F),
		coef: make([]float64, F), off: make([]int32, F), foff: make([]int32, F), xd: make([]float64, F)}
	if large(H, F) {
		Hp, Fp := padded(H), rowStride(F)
		sc.h, sc.dh = make([]float64, Hp), make([]float64, Hp)
		sc.wt, sc.gwt, sc.wp = make([]float64, F*Hp), make([]float64, F*Hp), make([]float64, H*Fp)
		sc.hc, sc.dhc = make([]float64, toyChunk*Hp), make([]float64, toyChunk*Hp)
		sc.pc, sc.xc = make([]float64, toyChunk*Fp), make([]float64, toyChunk*Fp)
		sc.hs, sc.pres = make([]float64, 4*H), make([]float64, 4*F)
	}
	if useLanes(H, F) {
		sc.ls = newLaneScratch(H, F)
	}
	return sc
}

// padded rounds n up to whole 8-lane vectors: the large kernels keep their rows of length H
// or F that long (zero padding), so that every row is whole vectors.
func padded(n int) int { return (n + 7) &^ 7 }

// rowStride is padded(n), moved off multiples of 64 elements: rows 512·2^k bytes apart share
// their L1 sets, and the blocked kernels read down columns of such rows.
func rowStride(n int) int {
	s := padded(n)
	if s%64 == 0 {
		s += 8
	}
	return s
}

// large picks the blocked kernels (internal/vec) over plain scalar loops: they pay off once
// rows are a few vectors long.
func large(H, F int) bool { return F >= 16 && H >= 8 }

// LossGradInstance returns instance i's loss term (1/(B·F)) Σ_b Σ_f imp·(x − x')² on a sparse
// batch, and if gW [H][F] and gB [F] (instance i's slices) are non-nil adds its gradient.
//
// Forward:  h = W·x;  x' = ReLU(Wᵀh + b).
// Backward: δ_f = 2·imp_f·(x'_f − x_f)/(B·F)·1[pre_f > 0];  ∂b += δ;  ∂W[:,f] += δ_f·h (decoder
// use of W) + x_f·(W·δ) (encoder use of W, only where x_f ≠ 0).
//
// All-zero samples have h = 0 and x' = ReLU(b): they add count·(their one term) to the loss
// and to ∂b, and nothing to ∂W.
//
// Every sum is accumulated in the order of the plain per-sample loop (samples ascending, then
// the loop's own index), so the large-shape kernels give the same bits as the small ones.
func (m *Model) LossGradInstance(i int, ib *InstBatch, B int, gW, gB []float64, sc *Scratch) float64 {
	return m.lossGrad(i, ib, B, gW, gB, sc, true)
}

// lossGrad is LossGradInstance; without wantLoss the returned loss is 0 and its (serial)
// accumulation is skipped, which changes nothing else. It is the one place that picks the
// toy model's kernel (H = d_hidden, F = n_features; the first matching row wins; every row
// gives the plain per-sample loop's bits, internal/vec/dispatch.go lists the builds' twins):
//
//	samples      when                                               runs                          pinned by
//	all-zero     any shape: one shared forward, weighted            toymodel.Model.lossGrad       toymodel.TestLossGradMatchesReferenceBits
//	nonzero      lanes shape (useLanes), gradient, vec.SIMD         vec.ToyLanes.Run              toymodel.TestLossGradMatchesReferenceBits, toymodel.TestTrainSameBitsWithPlainKernels
//	nonzero      lanes shape, gradient, H = 2                       toymodel.lanesKernelH2        toymodel.TestLossGradMatchesReferenceBits
//	nonzero      lanes shape, gradient                              toymodel.lanesKernel          toymodel.TestLossGradMatchesReferenceBits
//	nonzero      large shape (F ≥ 16, H ≥ 8), vec.SIMD              toymodel.Model.lossGradLarge  toymodel.TestLossGradMatchesReferenceBits, toymodel.TestTrainSameBitsWithPlainKernels
//	nonzero      large shape                                        toymodel.Model.lossGradRows   toymodel.TestLossGradMatchesReferenceBits
//	nonzero      H = 2, gradient                                    toymodel.lossGradH2           toymodel.TestLossGradMatchesReferenceBits
//	nonzero      otherwise                                          toymodel.Model.lossGradSmall  toymodel.TestLossGradMatchesReferenceBits
func (m *Model) lossGrad(i int, ib *InstBatch, B int, gW, gB []float64, sc *Scratch, wantLoss bool) float64 {
	H, F := m.Cfg.DHidden, m.Cfg.NFeatures
	W := m.W[i*H*F : (i+1)*H*F]
	bias := m.BFinal[i*F : (i+1)*F]
	imp := m.Importance[i*F : (i+1)*F]
	norm := 1 / float64(B*F)
	grad := gW != nil
	if grad {
		gW, gB = gW[:H*F], gB[:F]
	} else {
		wantLoss = true
	}
	var L float64

	// All-zero samples: one shared forward.
	if nz := float64(ib.Zeros(B)); nz > 0 {
		for f := 0; f < F; f++ {
			if bias[f] > 0 {
				L += nz * imp[f] * bias[f] * bias[f]
				if grad {
					gB[f] += nz * 2 * imp[f] * bias[f] * norm
				}
			}
		}
	}
	if len(ib.Sample) == 0 {
		return L * norm
	}
	switch {
	case useLanes(H, F) && grad:
		L = lossGradLanes(L, W, bias, imp, norm, ib, gW, gB, sc.ls, wantLoss)
	case large(H, F) && vec.SIMD:
		L = m.lossGradLarge(L, W, bias, imp, norm, ib, gW, gB, sc, wantLoss)
	case large(H, F):
		L = m.lossGradRows(L, W, bias, imp, norm, ib, gW, gB, sc, wantLoss)
	case H == 2 && grad:
		L = lossGradH2(L, W, bias, imp, norm, ib, gW, gB, sc.xd, wantLoss)
	default:
		L = m.lossGradSmall(L, W, bias, imp, norm, ib, gW, gB, sc)
	}
	return L * norm
}

// lossGradH2 is lossGradSmall for d_hidden = 2 (the seed's toy model) with h, W·δ and the
// rows of W and ∂W held in registers and the f loops fused; every element still receives its
// terms in the plain loop's order.
func lossGradH2(L float64, W, bias, imp []float64, norm float64, ib *InstBatch, gW, gB, xd []float64, wantLoss bool) float64 {
	F := len(bias)
	xd = xd[:F:F]
	w0, w1 := W[:F:F], W[F:2*F:2*F]
	g0, g1 := gW[:F:F], gW[F:2*F:2*F]
	imp, gB = imp[:F:F], gB[:F:F]
	start := ib.Start[:len(ib.Sample)+1]
	for k := range ib.Sample {
		lo, hi := start[k], start[k+1]
		feat, val := ib.Feat[lo:hi], ib.Val[lo:hi]
		val = val[:len(feat)]
		var h0, h1 float64
		for e, f := range feat {
			h0 += w0[f] * val[e]
		}
		for e, f := range feat {
			h1 += w1[f] * val[e]
		}
		for e, f := range feat {
			xd[f] = val[e] // x dense over the features, reset below
		}
		var dh0, dh1 float64
		for f := range bias {
			pre := bias[f]
			pre += w0[f] * h0
			pre += w1[f] * h1
			d := max(pre, 0) - xd[f] // max as math.Max: NaN kept, max(−0, 0) = 0
			if wantLoss {
				L += imp[f] * d * d
			}
			g := 2 * imp[f] * d * norm
			if !(pre > 0) {
				g = 0
			}
			g0[f] += g * h0
			g1[f] += g * h1
			dh0 += w0[f] * g
			dh1 += w1[f] * g
			gB[f] += g
		}
		for e, f := range feat {
			g0[f] += dh0 * val[e]
			g1[f] += dh1 * val[e]
			xd[f] = 0
		}
	}
	return L
}

// lossGradSmall runs the nonzero samples with scalar loops (small H and F); it adds their
// unnormalised loss to L and returns it.
func (m *Model) lossGradSmall(L float64, W, bias, imp []float64, norm float64, ib *InstBatch, gW, gB []float64, sc *Scratch) float64 {
	H, F := m.Cfg.DHidden, m.Cfg.NFeatures
	h, dh, dOut := sc.h[:H], sc.dh[:H], sc.dOut[:F]
	bias, imp = bias[:F], imp[:F]
	grad := gW != nil
	start := ib.Start[:len(ib.Sample)+1]
	for k := range ib.Sample {
		lo, hi := start[k], start[k+1]
		feat, val := ib.Feat[lo:hi], ib.Val[lo:hi]
		val = val[:len(feat)]
		for hh := range h {
			row := W[hh*F : (hh+1)*F]
			var s float64
			for e, f := range feat {
				s += row[f] * val[e]
			}
			h[hh] = s
		}
		// Residual over all features; x_f is nonzero only at the listed entries.
		e := 0
		for f := range dOut {
			pre := bias[f]
			for hh, hv := range h {
				pre += W[hh*F+f] * hv
			}
			out := pre
			if out <= 0 {
				out = 0 // max(pre, 0), NaN kept
			}
			x := 0.0
			if e < len(feat) && int(feat[e]) == f {
				x = val[e]
				e++
			}
			d := out - x
			L += imp[f] * d * d
			if pre > 0 {
				dOut[f] = 2 * imp[f] * d * norm
			} else {
				dOut[f] = 0
			}
		}
		if !grad {
			continue
		}
		for hh, hv := range h {
			row, grow := W[hh*F:(hh+1)*F], gW[hh*F:(hh+1)*F]
			row, grow = row[:len(dOut)], grow[:len(dOut)]
			var s float64
			for f, d := range dOut {
				grow[f] += d * hv
				s += row[f] * d
			}
			dh[hh] = s
		}
		for e, f := range feat {
			v := val[e]
			for hh, d := range dh {
				gW[hh*F+int(f)] += d * v
			}
		}
		for f, d := range dOut {
			gB[f] += d
		}
	}
	return L
}

// transposePad writes dst [c][cp] = src [r][c]ᵀ with each row zero-padded from r to cp.
func transposePad(dst, src []float64, r, c, cp int) {
	for j := 0; j < c; j++ {
		clear(dst[j*cp+r : (j+1)*cp])
	}
	for i := 0; i < r; i++ {
		row := src[i*c : (i+1)*c]
		for j, v := range row {
			dst[j*cp+i] = v
		}
	}
}
