package toymodel

import (
	"math"

	"saelab/internal/vec"
)

// toyChunk is how many samples the large-shape path takes through each phase at once: enough
// for the blocked kernels to reuse every row they load, few enough that the chunk's matrices
// (chunk × (n_features + d_hidden) values each) stay in the fast caches.
const toyChunk = 32

// lossGradLarge runs the nonzero samples chunk by chunk, each phase over the whole chunk with
// the blocked kernels of internal/vec (Wᵀ and ∂Wᵀ [F][Hp], W [H][Fp], rows padded as NewScratch says):
//
//	h   = W·x          vec.AddRows over the rows of the active features, per sample
//	pre = b + Wᵀh      vec.MulAddRows (chunk × H × Fp)
//	δ, ∂b              vec.ToyDelta; with the loss, a scalar loop in the plain loop's order
//	W·δ                vec.MulAddRows (chunk × F × Hp)
//	∂Wᵀ[f] += δ_f·h, then += x_f·(W·δ)   vec.AddOuterPairs, sample by sample
//
// A chunk whose δ is mostly zero takes the last two steps over row lists instead
// (backwardRows), whose work follows the nonzero δ.
//
// Every element receives the plain per-sample loop's terms in its order (samples ascending,
// then the loop's own index), so the bits are the small paths'. The kernels leave out some
// zero terms (an inactive feature's x, a zero δ, an all-zero h) and may add others; for finite
// parameters that changes nothing, since each such term is ±0 and no accumulator is −0 (the
// sums start from +0 or from b, and the only −0 a pre-activation can end on is unobservable:
// it enters only as max(pre, 0) and pre > 0).
func (m *Model) lossGradLarge(L float64, W, bias, imp []float64, norm float64, ib *InstBatch, gW, gB []float64, sc *Scratch, wantLoss bool) float64 {
	H, F := m.Cfg.DHidden, m.Cfg.NFeatures
	Hp, Fp := padded(H), rowStride(F)
	bias, imp = bias[:F], imp[:F]
	wt, wp := sc.wt[:F*Hp], sc.wp[:H*Fp]
	transposePad(wt, W, H, F, Hp)
	for hh := 0; hh < H; hh++ { // wp's padding columns stay zero from the allocation
		copy(wp[hh*Fp:hh*Fp+F], W[hh*F:(hh+1)*F])
	}
	grad := gW != nil
	var gWT []float64
	if grad {
		gWT = sc.gwt[:F*Hp]
		transposePad(gWT, gW, H, F, Hp)
		gB = gB[:F]
	}
	start := ib.Start[:len(ib.Sample)+1]
	for s0 := 0; s0 < len(ib.Sample); s0 += toyChunk {
		nb := min(toyChunk, len(ib.Sample)-s0)
		hc, dhc, pc, xc := sc.hc[:nb*Hp], sc.dhc[:nb*Hp], sc.pc[:nb*Fp], sc.xc[:nb*Fp]
		for r := 0; r < nb; r++ {
			lo, hi := start[s0+r], start[s0+r+1]
			feat, val := ib.Feat[lo:hi], ib.Val[lo:hi]
			val = val[:len(feat)]
			foff := sc.foff[:len(feat)]
			x := xc[r*Fp : r*Fp+F]
			clear(x)
			for e, f := range feat {
				foff[e] = f * int32(Hp)
				x[f] = val[e]
			}
			h := hc[r*Hp : (r+1)*Hp]
			clear(h)
			vec.AddRows(h, val, wt, foff)
			copy(pc[r*Fp:r*Fp+F], bias)
			clear(pc[r*Fp+F : (r+1)*Fp])
		}
		vec.MulAddRows(pc, Fp, hc, Hp, wp, Fp, nb, H, Fp)
		for r := 0; r < nb; r++ {
			pre, x := pc[r*Fp:r*Fp+F], xc[r*Fp:r*Fp+F]
			if !wantLoss { // grad is set: without it wantLoss is
				vec.ToyDelta(pre, pre, x, imp, gB, norm) // pc's row now holds δ
				continue
			}
			x, im := x[:len(pre)], imp[:len(pre)]
			for f, p := range pre {
				d := max(p, 0) - x[f] // max as math.Max: NaN kept, max(−0, 0) = 0
				L += im[f] * d * d
				g := 2 * im[f] * d * norm
				var keep uint64 // branch-free: pre > 0 is a coin toss early in training
				if p > 0 {
					keep = ^uint64(0)
				}
				pre[f] = math.Float64frombits(math.Float64bits(g) & keep) // pc's row now holds δ
			}
			if grad {
				for f, g := range pre {
					gB[f] += g
				}
			}
		}
		if !grad {
			continue
		}
		if sparseDelta(pc, Fp, F, nb) {
			sc.backwardRows(ib, s0, nb, gWT, wt, Hp, Fp, F)
			continue
		}
		clear(dhc)
		vec.MulAddRows(dhc, Hp, pc, Fp, wt, Hp, nb, F, Hp)
		// x is dense when more than about a third of the chunk's features are active (a
		// feature probability near 0.5): its zero terms are then not worth a branch.
		active := int(start[s0+nb] - start[s0])
		vec.AddOuterPairs(gWT, Hp, pc, xc, Fp, hc, dhc, Hp, F, nb, Hp, 10*active > 3*nb*F)
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

// sparseDelta reports whether fewer than a quarter of the chunk's δ [nb][F] (row stride Fp)
// are nonzero, as once most outputs sit below their ReLU: then the row lists of backwardRows,
// whose work follows the nonzero δ, beat the dense products. It looks at every fourth sample:
// an estimate is enough, since both backward forms give the same bits.
func sparseDelta(pc []float64, Fp, F, nb int) bool {
	nz, rows := 0, 0
	for r := 0; r < nb; r += 4 {
		for _, g := range pc[r*Fp : r*Fp+F] {
			nz += nonzero(g)
		}
		rows++
	}
	return 4*nz < rows*F
}

// nonzero is 1 unless v is ±0, without a branch.
func nonzero(v float64) int {
	u := math.Float64bits(v) << 1
	return int((u | -u) >> 63)
}

// backwardRows is the chunk's backward pass sample by sample over row lists, as lossGradRows
// does it: ∂Wᵀ[f] += δ_f·h for the features with δ ≠ 0, W·δ from their rows of Wᵀ, then
// ∂Wᵀ[f] += x_f·(W·δ) for the active features. The terms it leaves out are ±0, so the bits are
// the dense products'.
func (sc *Scratch) backwardRows(ib *InstBatch, s0, nb int, gWT, wt []float64, Hp, Fp, F int) {
	start := ib.Start[:len(ib.Sample)+1]
	coef, off := sc.coef[:F], sc.off[:F]
	for r := 0; r < nb; r++ {
		na := 0
		for f, g := range sc.pc[r*Fp : r*Fp+F] {
			coef[na], off[na] = g, int32(f*Hp)
			na += nonzero(g)
		}
		h, dh := sc.hc[r*Hp:(r+1)*Hp], sc.dhc[r*Hp:(r+1)*Hp]
		vec.AddOuter(gWT, coef[:na], off[:na], h)
		clear(dh)
		vec.AddRows(dh, coef[:na], wt, off[:na])
		lo, hi := start[s0+r], start[s0+r+1]
		feat, val := ib.Feat[lo:hi], ib.Val[lo:hi]
		foff := sc.foff[:len(feat)]
		for e, f := range feat {
			foff[e] = f * int32(Hp)
		}
		vec.AddOuter(gWT, val[:len(feat)], foff, dh)
	}
}
