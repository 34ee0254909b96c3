package sae

import "saelab/internal/vec"

// The standard SAE's training batch runs eight samples at a time, as the toy model's does
// (toymodel/lanes.go): nonzero sample k sits in lane k mod 8, every per-sample quantity is an
// 8-lane vector, each gradient element (and loss sum and activity count) is accumulated per
// lane in sample order, and the lanes are added in the fixed tree
// ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7)) after the batch, on top of the all-zero group's one
// contribution. The archsimd twin (standard_simd.go) performs the same operations in the same
// order; the plain-Go twin walks the samples one by one, sample k updating lane k mod 8.

const lanes = 8

// useLanes picks the lane kernel for small SAEs (the seed's d_in 2, d_sae 5); larger ones
// vectorise over the latents instead.
func (s *SAE) useLanes() bool { return s.Cfg.DIn*s.Cfg.DSAE <= 64 }

// saeLanes is the lane kernel's scratch. Accumulators, 8 lanes each:
//
//	gWEnc [D][S] at 0, gWn [S][D] at D·S, gBEnc [S] at 2·D·S, gBDec [D] at 2·D·S+S,
//	then the loss, L_reconstruction, L_sparsity sums, then the activity counts [S].
type saeLanes struct {
	acc                         []float64
	aWn, aBEnc, aBDec, aSum, aN int       // offsets (in vectors)
	v                           []float64 // SIMD: per-block vectors hc, dh, dhc [D], pre, acts [S]
	blk                         []float64 // SIMD, d_in 2: per-block vectors of a chunk of laneChunk blocks
	red                         []float64 // the accumulators' lane sums
}

// laneChunk is the number of 8-sample blocks the d_in = 2 SIMD kernel keeps in ln.blk at once.
const laneChunk = 32

func newSAELanes(D, S int) *saeLanes {
	l := &saeLanes{aWn: D * S, aBEnc: 2 * D * S, aBDec: 2*D*S + S, aSum: 2*D*S + S + D}
	l.aN = l.aSum + 3
	l.acc = make([]float64, (l.aN+S)*lanes)
	l.red = make([]float64, l.aN+S)
	l.v = make([]float64, (3*D+2*S)*lanes)
	return l
}

// standardBatch is batchLoss for the standard SAE: the all-zero group through standardSample,
// the nonzero samples through the lane kernel. It adds the gradient of mean_b loss to w.g
// (w.gWn for the normalised decoder; finishDecoderGrad completes it), counts each latent's
// active samples (|acts| > 1e-8) into counts and returns the batch sums of [loss, L_rec, L_sp].
// w must hold prepare(i).
func (s *SAE) standardBatch(i int, hb *hiddenBatch, B int, w *work, counts []int) (sums [5]float64) {
	D, S := s.Cfg.DIn, s.Cfg.DSAE
	invB := 1 / float64(B)
	if hb.NZero > 0 {
		fm := float64(hb.NZero)
		lrec, lsp := s.standardSample(i, w.zero, fm*invB, w, true)
		sums[0] += fm * (lrec + s.Cfg.SparsityCoeff*lsp)
		sums[1] += fm * lrec
		sums[2] += fm * lsp
		for j, a := range w.acts {
			if a > 1e-8 {
				counts[j] += hb.NZero
			}
		}
	}
	if len(hb.Sample) == 0 {
		return sums
	}
	if !s.useLanes() {
		s.largeBatch(i, hb, w, invB, counts, &sums)
		return sums
	}
	if w.ln == nil {
		w.ln = newSAELanes(D, S)
	}
	ln := w.ln
	clear(ln.acc)
	hb.toSoA(D)
	if laneSIMD {
		s.lanesKernelSIMD(i, ln, w, hb.hd, hb.stride, len(hb.Sample), invB)
	} else {
		s.lanesKernel(i, hb, w, invB)
	}
	gWEnc, gBEnc, gBDec := w.g[0], w.g[len(w.g)-2], w.g[len(w.g)-1]
	red := ln.red // every accumulator's sum of lanes (the lane tree), in acc's order
	vec.LaneSums(red, ln.acc)
	for k := range gWEnc[:D*S] {
		gWEnc[k] += red[k]
	}
	for k := range w.gWn[:S*D] {
		w.gWn[k] += red[ln.aWn+k]
	}
	for j := range gBEnc[:S] {
		gBEnc[j] += red[ln.aBEnc+j]
	}
	for d := range gBDec[:D] {
		gBDec[d] += red[ln.aBDec+d]
	}
	for k := 0; k < 3; k++ {
		sums[k] += red[ln.aSum+k]
	}
	for j := range counts[:S] {
		counts[j] += int(red[ln.aN+j])
	}
	return sums
}

// lanesKernel is the plain-Go lane kernel: standardSample's arithmetic (scale = 1/B) for each
// nonzero sample k into lane k mod 8 of the accumulators. Inactive latents' terms are skipped:
// they are ±0 and never change these sums (which are never −0), as in standardSample.
func (s *SAE) lanesKernel(i int, hb *hiddenBatch, w *work, scale float64) {
	D, S := s.Cfg.DIn, s.Cfg.DSAE
	if D == 2 {
		s.lanesKernel2(i, hb, w, scale)
		return
	}
	ln := w.ln
	acc := ln.acc
	enc := s.WEnc[i*D*S : (i+1)*D*S]
	bEnc, bDec := s.BEnc[i*S:(i+1)*S], s.BDec[i*D:(i+1)*D]
	wn := w.wn[:S*D]
	hc, pre, hrec, dh, dhc := w.hc[:D], w.pre[:S], w.hrec[:D], w.dh[:D], w.dhc[:D]
	lambda := s.Cfg.SparsityCoeff
	l1 := scale * lambda
	fD := float64(D)
	h, x, stride := w.dhc2[:D], hb.hd, hb.stride // h: sample k's input, gathered from hd
	for k := range hb.Sample {
		l := k & (lanes - 1)
		for d := range h {
			h[d] = x[d*stride+k]
		}
		for d := range hc {
			hc[d] = h[d] - bDec[d]
		}
		copy(pre, bEnc)
		for d, x := range hc {
			row := enc[d*S : (d+1)*S]
			row = row[:len(pre)]
			for j := range pre {
				pre[j] += x * row[j]
			}
		}
		copy(hrec, bDec)
		var lsp float64
		for j, p := range pre {
			if p > 0 {
				lsp += p
				r := wn[j*D : (j+1)*D]
				r = r[:len(hrec)]
				for d := range hrec {
					hrec[d] += p * r[d]
				}
			}
		}
		var lrec float64
		for d := range hrec {
			e := hrec[d] - h[d]
			lrec += e * e
		}
		lrec /= fD
		acc[(ln.aSum)*lanes+l] += lrec + lambda*lsp
		acc[(ln.aSum+1)*lanes+l] += lrec
		acc[(ln.aSum+2)*lanes+l] += lsp
		for d := range dh {
			dh[d] = scale * 2 * (hrec[d] - h[d]) / fD
			acc[(ln.aBDec+d)*lanes+l] += dh[d]
			dhc[d] = 0
		}
		for j, a := range pre { // a = max(pre, 0) where it is used: here pre > 0 or NaN
			if a <= 0 {
				continue // ReLU′(0) = 0: inactive latents get no gradient
			}
			if a > 1e-8 {
				acc[(ln.aN+j)*lanes+l]++
			}
			r := wn[j*D : (j+1)*D]
			r = r[:len(dh)]
			da := l1
			for d, g := range dh {
				da += g * r[d]
				acc[(ln.aWn+j*D+d)*lanes+l] += a * g
			}
			acc[(ln.aBEnc+j)*lanes+l] += da
			for d, x := range hc {
				acc[(d*S+j)*lanes+l] += x * da
				dhc[d] += enc[d*S+j] * da
			}
		}
		for d := range dhc {
			acc[(ln.aBDec+d)*lanes+l] -= dhc[d]
		}
	}
}

// lanesKernel2 is lanesKernel for d_in = 2 (the seed's SAE), with the input dimension unrolled.
func (s *SAE) lanesKernel2(i int, hb *hiddenBatch, w *work, scale float64) {
	const D = 2
	S := s.Cfg.DSAE
	ln := w.ln
	acc := ln.acc
	enc := s.WEnc[i*D*S : (i+1)*D*S]
	e0, e1 := enc[:S:S], enc[S:2*S:2*S]
	bEnc := s.BEnc[i*S : (i+1)*S : (i+1)*S]
	bd0, bd1 := s.BDec[i*D], s.BDec[i*D+1]
	wn := w.wn[: S*D : S*D]
	pre := w.pre[:S:S]
	lambda := s.Cfg.SparsityCoeff
	l1 := scale * lambda
	const fD = float64(D)
	aWEnc0, aWEnc1 := acc[:S*lanes:S*lanes], acc[S*lanes:2*S*lanes:2*S*lanes]
	aWn := acc[ln.aWn*lanes : (ln.aWn+S*D)*lanes]
	aBEnc := acc[ln.aBEnc*lanes : (ln.aBEnc+S)*lanes]
	aBDec := acc[ln.aBDec*lanes : (ln.aBDec+D)*lanes]
	aSum := acc[ln.aSum*lanes : (ln.aSum+3)*lanes]
	aN := acc[ln.aN*lanes : (ln.aN+S)*lanes]
	x, stride := hb.hd, hb.stride
	x0s, x1s := x[:stride:stride], x[stride:2*stride:2*stride]
	for k := range hb.Sample {
		l := k & (lanes - 1)
		x0, x1 := x0s[k], x1s[k]
		hc0, hc1 := x0-bd0, x1-bd1
		var lsp float64
		hr0, hr1 := bd0, bd1
		for j, b := range bEnc {
			p := b
			p += hc0 * e0[j]
			p += hc1 * e1[j]
			pre[j] = p
			if p > 0 {
				lsp += p
				hr0 += p * wn[2*j]
				hr1 += p * wn[2*j+1]
			}
		}
		d0, d1 := hr0-x0, hr1-x1
		var lrec float64
		lrec += d0 * d0
		lrec += d1 * d1
		lrec /= fD
		aSum[l] += lrec + lambda*lsp
		aSum[lanes+l] += lrec
		aSum[2*lanes+l] += lsp
		dh0 := scale * 2 * d0 / fD
		dh1 := scale * 2 * d1 / fD
		aBDec[l] += dh0
		aBDec[lanes+l] += dh1
		var dhc0, dhc1 float64
		for j, a := range pre { // a = max(pre, 0) where it is used: here pre > 0 or NaN
			if a <= 0 {
				continue
			}
			if a > 1e-8 {
				aN[j*lanes+l]++
			}
			w0, w1 := wn[2*j], wn[2*j+1]
			da := l1
			da += dh0 * w0
			aWn[(2*j)*lanes+l] += a * dh0
			da += dh1 * w1
			aWn[(2*j+1)*lanes+l] += a * dh1
			aBEnc[j*lanes+l] += da
			aWEnc0[j*lanes+l] += hc0 * da
			dhc0 += e0[j] * da
			aWEnc1[j*lanes+l] += hc1 * da
			dhc1 += e1[j] * da
		}
		aBDec[l] -= dhc0
		aBDec[lanes+l] -= dhc1
	}
}
