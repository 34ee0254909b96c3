package toymodel

import (
	"math"

	"saelab/internal/vec"
)

// Scratch is per-worker workspace for LossGradInstance.
//
//	h, dh [H];  dOut, pre [F];  wt, gwt [F][H]: Wᵀ and ∂Wᵀ (large shapes only)
//	coef, off, foff: the terms of a row combination (values and row offsets)
type Scratch struct {
	h, dh, dOut, pre []float64
	wt               []float64
	gwt              []float64
	coef             []float64
	off, foff        []int32
	xd               []float64 // [F] zeros between uses
	hs, pres         []float64 // [4][H], [4][F]: a block of samples (large shapes)
	ls               *laneScratch
}

// NewScratch sizes a workspace for the model.
func (m *Model) NewScratch() *Scratch {
	H, F := m.Cfg.DHidden, m.Cfg.NFeatures
	sc := &Scratch{h: make([]float64, H), dh: make([]float64, H), dOut: make([]float64, F), pre: make([]float64, F),
		coef: make([]float64, F), off: make([]int32, F), foff: make([]int32, F), xd: make([]float64, F)}
	if large(H, F) {
		Hp := padded(H)
		sc.wt, sc.gwt = make([]float64, F*Hp), make([]float64, F*Hp)
		sc.h, sc.dh = make([]float64, Hp), make([]float64, Hp)
		sc.hs, sc.pres = make([]float64, 4*H), make([]float64, 4*F)
	}
	if useLanes(H, F) {
		sc.ls = newLaneScratch(H, F)
	}
	return sc
}

// padded rounds n up to whole 8-lane vectors: the large kernels keep their rows of length H
// that long (zero padding), so that every row is whole vectors.
func padded(n int) int { return (n + 7) &^ 7 }

// large picks the row-combination kernels (internal/vec) over plain scalar loops: they pay
// off once rows are a few vectors long.
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
//	nonzero      large shape (F ≥ 16, H ≥ 8)                        toymodel.Model.lossGradLarge  toymodel.TestLossGradMatchesReferenceBits
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
	case large(H, F):
		L = m.lossGradLarge(L, W, bias, imp, norm, ib, gW, gB, sc, wantLoss)
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

// lossGradLarge runs the nonzero samples with the row kernels of internal/vec on Wᵀ [F][H]:
// h from the rows of the active features, pre from the rows of W, W·δ from the rows of the
// features with δ ≠ 0 (skipping a zero term leaves an accumulated sum unchanged: it is never
// −0). ∂W is accumulated transposed, ∂Wᵀ[f] += δ_f·h then += x_f·(W·δ), which keeps each
// element's additions in the plain loop's order.
func (m *Model) lossGradLarge(L float64, W, bias, imp []float64, norm float64, ib *InstBatch, gW, gB []float64, sc *Scratch, wantLoss bool) float64 {
	H, F := m.Cfg.DHidden, m.Cfg.NFeatures
	Hp := padded(H)
	h, dh, dOut, pre, wt := sc.h[:Hp], sc.dh[:Hp], sc.dOut[:F], sc.pre[:F], sc.wt[:F*Hp]
	bias, imp = bias[:F], imp[:F]
	grad := gW != nil
	transposePad(wt, W, H, F, Hp)
	var gWT []float64
	if grad {
		gWT = sc.gwt[:F*Hp]
		transposePad(gWT, gW, H, F, Hp)
	}
	start := ib.Start[:len(ib.Sample)+1]
	blocked := H*F > 4096 // W beyond L1: read it once per four samples
	for k := range ib.Sample {
		lo, hi := start[k], start[k+1]
		feat, val := ib.Feat[lo:hi], ib.Val[lo:hi]
		val = val[:len(feat)]
		foff := sc.foff[:len(feat)]
		sc.encodeLarge(ib, k, W, bias, H, F, Hp, blocked)
		// Branch-free over the features: x from a dense scratch row, δ zeroed by a mask where
		// pre ≤ 0 (or NaN), the active features appended unconditionally and counted.
		xd := sc.xd[:F]
		for e, f := range feat {
			xd[f] = val[e]
		}
		na := 0
		coef, off := sc.coef[:F], sc.off[:F]
		imp, dOut := imp[:len(pre)], dOut[:len(pre)]
		for f, p := range pre {
			d := max(p, 0) - xd[f] // max as math.Max: NaN kept, max(−0, 0) = 0
			if wantLoss {
				L += imp[f] * d * d
			}
			g := 2 * imp[f] * d * norm
			var keep uint64
			if p > 0 {
				keep = ^uint64(0)
			}
			g = math.Float64frombits(math.Float64bits(g) & keep)
			dOut[f] = g
			coef[na], off[na] = g, int32(f*Hp)
			na += int(keep & 1)
		}
		for _, f := range feat {
			xd[f] = 0
		}
		if !grad {
			continue
		}
		vec.AddOuter(gWT, coef[:na], off[:na], h)
		clear(dh)
		vec.AddRows(dh, coef[:na], wt, off[:na])
		vec.AddOuter(gWT, val, foff, dh)
		for f, d := range dOut {
			gB[f] += d
		}
	}
	if grad {
		for f := 0; f < F; f++ {
			for hh := 0; hh < H; hh++ {
				gW[hh*F+f] = gWT[f*Hp+hh]
			}
		}
	}
	return L
}

// encodeLarge leaves sample k's h = W·x in sc.h and pre = b + Wᵀh in sc.pre, with sc.foff
// holding its features' row offsets in Wᵀ (wt, rows padded to Hp); blocked computes the pre of
// four samples at once, reading W once for them (sc.hs, sc.pres), and hands them out in turn.
func (sc *Scratch) encodeLarge(ib *InstBatch, k int, W, bias []float64, H, F, Hp int, blocked bool) {
	start := ib.Start[:len(ib.Sample)+1]
	n := len(ib.Sample)
	h, pre, wt := sc.h[:Hp], sc.pre[:F], sc.wt[:F*Hp]
	hs, pres := sc.hs[:4*H], sc.pres[:4*F] // a block of four samples' h (unpadded) and pre
	if q := k % 4; blocked && q == 0 && k+4 <= n {
		for s := 0; s < 4; s++ {
			clear(h)
			lo, hi := start[k+s], start[k+s+1]
			fo := sc.foff[:hi-lo]
			for e, f := range ib.Feat[lo:hi] {
				fo[e] = f * int32(Hp)
			}
			vec.AddRows(h, ib.Val[lo:hi], wt, fo)
			copy(hs[s*H:(s+1)*H], h)
			copy(pres[s*F:(s+1)*F], bias)
		}
		vec.AddRowsStrided4(pres, hs, W, F)
	}
	lo, hi := start[k], start[k+1]
	foff := sc.foff[:hi-lo]
	for e, f := range ib.Feat[lo:hi] {
		foff[e] = f * int32(Hp)
	}
	if q := k % 4; blocked && k-q+4 <= n {
		copy(h, hs[q*H:(q+1)*H])
		copy(pre, pres[q*F:(q+1)*F])
	} else {
		clear(h)
		vec.AddRows(h, ib.Val[lo:hi], wt, foff)
		copy(pre, bias)
		vec.AddRowsStrided(pre, h[:H], W, F)
	}
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
