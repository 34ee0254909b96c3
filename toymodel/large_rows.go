package toymodel

import (
	"math"

	"saelab/internal/vec"
)

// lossGradRows runs the nonzero samples one by one with the row kernels of internal/vec on
// Wᵀ [F][Hp]: h from the rows of the active features, pre from the rows of W, W·δ from the
// rows of the features with δ ≠ 0 (skipping a zero term leaves an accumulated sum unchanged:
// it is never −0). ∂W is accumulated transposed, ∂Wᵀ[f] += δ_f·h then += x_f·(W·δ), which
// keeps each element's additions in the plain loop's order. It is the large-shape path without
// the SIMD kernels: in scalar code its sparse row lists beat lossGradLarge's chunks.
func (m *Model) lossGradRows(L float64, W, bias, imp []float64, norm float64, ib *InstBatch, gW, gB []float64, sc *Scratch, wantLoss bool) float64 {
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
