package toymodel

import (
	"slices"

	"saelab/internal/vec"
	"saelab/rng"
)

// The lane kernel runs small toy models (the seed's 5 features, 2 hidden) eight samples at a
// time: sample k of the nonzero samples sits in lane k mod 8, each gradient element is
// accumulated per lane, in sample order within the lane, and the 8 lane sums are added in a
// fixed tree ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7)) at the end of the batch (vec.ToyLanes). Two
// kernels fill the same accumulators with the same arithmetic: with archsimd, vec.ToyLanes over
// the features held feature-major (x [F][stride], zeros where a feature is inactive and in the
// padding lanes, drawn straight into that layout by generateLanes); without, lanesKernel below
// over the sparse batch, skipping the inactive features' zero terms. The result does not depend
// on GOMAXPROCS or the build.

const lanes = 8

// useLanes picks the lane kernel: worth it while a sample's work is a few dozen operations.
func useLanes(H, F int) bool { return F <= 32 && H <= 8 && F*H <= 128 }

// laneBatch is one instance's nonzero samples feature-major.
type laneBatch struct {
	n, stride int
	x         []float64 // [F][stride]
}

// fill lays ib's nonzero samples out feature-major.
func (lb *laneBatch) fill(ib *InstBatch, F int) {
	n := len(ib.Sample)
	lb.n, lb.stride = n, (n+lanes-1)&^(lanes-1)
	if cap(lb.x) < F*lb.stride {
		lb.x = make([]float64, F*lb.stride, 2*F*lb.stride)
	}
	lb.x = lb.x[:F*lb.stride]
	clear(lb.x)
	start := ib.Start[:n+1]
	for k := 0; k < n; k++ {
		for e := start[k]; e < start[k+1]; e++ {
			lb.x[int(ib.Feat[e])*lb.stride+k] = ib.Val[e]
		}
	}
}

// generateLanes draws instance i's batch as GenerateInstance does (the same draws in the same
// order) straight into the lane layout of ls.lb, leaving in ib only the nonzero samples'
// indices (ib.Sample); it reports false, drawing nothing, where that fast path does not apply
// (pairs, normal magnitudes, unequal or dense probabilities).
func (m *Model) generateLanes(i, B int, s *rng.Stream, ls *laneScratch, ib *InstBatch) bool {
	F := m.Cfg.NFeatures
	qmax, uniform := unitsQ(m.units[i])
	if !(qmax > 0 && qmax <= denseThreshold && uniform && m.Cfg.FeatMagDistn != "normal" && m.Cfg.NCorrelatedPairs+m.Cfg.NAnticorrelatedPairs == 0) {
		return false
	}
	total := B * F
	div := newDivider(F, total)
	ib.pos = ib.gapsFor(qmax).AppendPositions(ib.pos[:0], s, total)
	pos := ib.pos
	ib.Val = slices.Grow(ib.Val[:0], len(pos))[:len(pos)]
	vals := ib.Val[:len(pos)]
	s.FillFloat64(vals)
	lb := &ls.lb
	lb.stride = (len(pos) + lanes - 1) &^ (lanes - 1) // ≥ the nonzero samples
	lb.x = sized(lb.x, F*lb.stride)
	ib.Sample = slices.Grow(ib.Sample[:0], len(pos))[:len(pos)]
	sample, x, stride := ib.Sample, lb.x, lb.stride
	last, k := int32(-1), -1
	for e, p := range pos {
		b := div.div(p)
		f := p - b*F
		if int32(b) != last {
			last = int32(b)
			k++
			sample[k] = last
		}
		x[f*stride+k] = vals[e]
	}
	ib.Sample = sample[:k+1]
	ib.Start, ib.Feat, ib.Val = ib.Start[:0], ib.Feat[:0], ib.Val[:0] // not drawn in this layout
	lb.n = k + 1
	ls.ready = true
	return true
}

// laneScratch holds the lane accumulators (tl.Acc: ∂W [H][F], ∂b [F] and the loss, each 8
// lanes) and the plain kernel's h and W·δ [H].
type laneScratch struct {
	tl    *vec.ToyLanes
	h, dh []float64 // [H] (plain kernel)
	xd    []float64 // [F] zeros between samples (plain kernel)
	lb    laneBatch
	ready bool // lb already holds the batch (generateLanes)
}

func newLaneScratch(H, F int) *laneScratch {
	return &laneScratch{tl: vec.NewToyLanes(H, F), h: make([]float64, H), dh: make([]float64, H), xd: make([]float64, F)}
}

// lossGradLanes runs the nonzero samples of ib through the lane kernel and adds their
// gradient to gW [H][F] and gB [F]; it returns L plus their unnormalised loss (computed only
// with wantLoss). With archsimd (vec.SIMD) it is vec.ToyLanes over the feature-major layout;
// otherwise lanesKernel over the sparse batch, sample k updating lane k mod 8, which is the
// same arithmetic.
func lossGradLanes(L float64, W, bias, imp []float64, norm float64, ib *InstBatch, gW, gB []float64, ls *laneScratch, wantLoss bool) float64 {
	H, F := len(W)/len(bias), len(bias)
	if vec.SIMD {
		if !ls.ready {
			ls.lb.fill(ib, F)
		}
		ls.ready = false
		ls.tl.Run(W, bias, imp, norm, ls.lb.x, ls.lb.stride, ls.lb.n, wantLoss)
	} else {
		clear(ls.tl.Acc)
		lanesKernel(W, bias, imp, norm, ib, ls, H, F, wantLoss)
	}
	sW, sB, sL := ls.tl.Sums() // every accumulator's sum of lanes (the lane tree)
	for k, v := range sW {
		gW[k] += v
	}
	for f, v := range sB {
		gB[f] += v
	}
	if wantLoss {
		L += sL
	}
	return L
}

// lanesKernel is the plain-Go lane kernel over the sparse batch, into ls.tl.Acc; for sample k,
// in lane l = k mod 8 (vec.ToyLanes's loop):
//
//	h = W·x;  pre_f = b_f + Σ_h W[h,f]·h_h;  d_f = max(pre_f, 0) − x_f;  L_l += imp_f·d_f²
//	δ_f = 2·imp_f·d_f·norm if pre_f > 0 else 0;  ∂W_l[h,f] += δ_f·h_h;  (W·δ)_h += W[h,f]·δ_f
//	∂b_l[f] += δ_f;  then ∂W_l[h,f] += (W·δ)_h·x_f
//
// Zero terms (inactive features) are skipped: adding ±0 never changes these sums, which are
// never −0, so this equals the vector kernel's dense arithmetic.
func lanesKernel(W, bias, imp []float64, norm float64, ib *InstBatch, ls *laneScratch, H, F int, wantLoss bool) {
	if H == 2 {
		lanesKernelH2(W, bias, imp, norm, ib, ls, wantLoss)
		return
	}
	acc, h, dh := ls.tl.Acc, ls.h[:H], ls.dh[:H]
	bias, imp = bias[:F], imp[:F]
	xd := ls.xd[:F]
	gBAt, lossAt := H*F*lanes, ls.tl.LossAt()
	start := ib.Start[:len(ib.Sample)+1]
	for k := range ib.Sample {
		l := k & (lanes - 1)
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
		for e, f := range feat {
			xd[f] = val[e]
		}
		clear(dh)
		for f, b := range bias {
			pre := b
			for hh, hv := range h {
				pre += W[hh*F+f] * hv
			}
			out := pre
			if out <= 0 {
				out = 0 // max(pre, 0), NaN kept
			}
			d := out - xd[f]
			if wantLoss {
				acc[lossAt+l] += imp[f] * d * d
			}
			g := 2 * imp[f] * d * norm
			if !(pre > 0) {
				g = 0
			}
			for hh, hv := range h {
				acc[(hh*F+f)*lanes+l] += g * hv
				dh[hh] += W[hh*F+f] * g
			}
			acc[gBAt+f*lanes+l] += g
		}
		for e, f := range feat {
			v := val[e]
			for hh, d := range dh {
				acc[(hh*F+int(f))*lanes+l] += d * v
			}
			xd[f] = 0
		}
	}
}

// lanesKernelH2 is lanesKernel for d_hidden = 2 with h and W·δ in registers.
func lanesKernelH2(W, bias, imp []float64, norm float64, ib *InstBatch, ls *laneScratch, wantLoss bool) {
	F := len(bias)
	w0, w1 := W[:F:F], W[F:2*F:2*F]
	imp, xd := imp[:F:F], ls.xd[:F:F]
	acc := ls.tl.Acc
	a0, a1, ab := acc[:F*lanes:F*lanes], acc[F*lanes:2*F*lanes:2*F*lanes], acc[2*F*lanes:3*F*lanes:3*F*lanes]
	aL := acc[ls.tl.LossAt() : ls.tl.LossAt()+lanes]
	start := ib.Start[:len(ib.Sample)+1]
	for k := range ib.Sample {
		l := k & (lanes - 1)
		lo, hi := start[k], start[k+1]
		feat, val := ib.Feat[lo:hi], ib.Val[lo:hi]
		val = val[:len(feat)]
		var h0, h1 float64
		for e, f := range feat {
			h0 += w0[f] * val[e]
		}
		for e, f := range feat {
			h1 += w1[f] * val[e]
			xd[f] = val[e]
		}
		var dh0, dh1 float64
		for f, b := range bias {
			pre := b
			pre += w0[f] * h0
			pre += w1[f] * h1
			out := pre
			if out <= 0 {
				out = 0
			}
			d := out - xd[f]
			if wantLoss {
				aL[l] += imp[f] * d * d
			}
			g := 2 * imp[f] * d * norm
			if !(pre > 0) {
				g = 0
			}
			a0[f*lanes+l] += g * h0
			a1[f*lanes+l] += g * h1
			dh0 += w0[f] * g
			dh1 += w1[f] * g
			ab[f*lanes+l] += g
		}
		for e, f := range feat {
			a0[int(f)*lanes+l] += dh0 * val[e]
			a1[int(f)*lanes+l] += dh1 * val[e]
			xd[f] = 0
		}
	}
}
