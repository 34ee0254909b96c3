package sae

import "saelab/internal/vec"

// saeLarge is the scratch of the large-shape kernel (d_in·d_sae beyond the lane kernel's):
//
//	encT [S][D] W_encᵀ, wnT [D][S] W_dec_normalizedᵀ, gEncT [S][D] ∂W_encᵀ (accumulated)
//	pre, da [S];  hc, hrec, dh, dhc, h [D]
//	gj/ga/goff: the latents with ReLU′ = 1 (pre > 0, or NaN as in standardSample), their
//	activations and row offsets; rj/ra/roff: those with pre > 0 (the decoder's terms)
//	wa [D][len(gj)]: the active latents' W_dec_normalized columns, compacted
type saeLarge struct {
	encT, wnT, gEncT []float64
	pre, da          []float64
	hc, hrec, dh     []float64
	dhc, h           []float64
	ga, ra, gd       []float64
	goff, roff       []int32
	gj               []int32
	wa               []float64
	hcs, pres        []float64 // [4][D], [4][S]: a block of samples
}

func newSAELarge(D, S int) *saeLarge {
	return &saeLarge{encT: make([]float64, S*D), wnT: make([]float64, D*S), gEncT: make([]float64, S*D),
		pre: make([]float64, S), da: make([]float64, S), hc: make([]float64, D), hrec: make([]float64, D),
		dh: make([]float64, D), dhc: make([]float64, D), h: make([]float64, D),
		ga: make([]float64, S), ra: make([]float64, S), gd: make([]float64, S),
		goff: make([]int32, S), roff: make([]int32, S), gj: make([]int32, S), wa: make([]float64, D*S),
		hcs: make([]float64, 4*D), pres: make([]float64, 4*S)}
}

// largeBatch runs the nonzero samples with scale 1/B through standardSample's arithmetic, in
// its order, vectorised across the latents or the input dimension (internal/vec): the
// encoder as rows of W_enc, the decoder and its gradient over the active latents only (the
// inactive ones' terms are ±0 and never change these sums, which are never −0), ∂W_enc
// accumulated transposed, and ∂L/∂acts from W_dec_normalizedᵀ. The result is standardSample's
// sequential sum, bit for bit. It adds the batch sums of [loss, L_rec, L_sp] to sums.
func (s *SAE) largeBatch(i int, hb *hiddenBatch, w *work, scale float64, counts []int, sums *[5]float64) {
	D, S := s.Cfg.DIn, s.Cfg.DSAE
	if w.lg == nil {
		w.lg = newSAELarge(D, S)
	}
	lg := w.lg
	enc := s.WEnc[i*D*S : (i+1)*D*S]
	bEnc, bDec := s.BEnc[i*S:(i+1)*S], s.BDec[i*D:(i+1)*D]
	wn := w.wn[:S*D]
	gWEnc, gBEnc, gBDec := w.g[0][:D*S], w.g[len(w.g)-2][:S], w.g[len(w.g)-1][:D]
	for d := 0; d < D; d++ {
		for j := 0; j < S; j++ {
			lg.encT[j*D+d] = enc[d*S+j]
			lg.wnT[d*S+j] = wn[j*D+d]
			lg.gEncT[j*D+d] = gWEnc[d*S+j]
		}
	}
	lambda := s.Cfg.SparsityCoeff
	l1 := scale * lambda
	fD := float64(D)
	h, hc, pre, hrec, dh := lg.h, lg.hc, lg.pre, lg.hrec, lg.dh
	for k := range hb.Sample {
		lg.encode(hb, k, enc, bEnc, bDec)
		ng, nr := 0, 0
		var lsp float64
		for j, p := range pre {
			if p <= 0 {
				continue
			}
			lg.gj[ng], lg.ga[ng], lg.goff[ng] = int32(j), p, int32(j*D)
			ng++
			if p > 0 {
				lsp += p
				lg.ra[nr], lg.roff[nr] = p, int32(j*D)
				nr++
				if p > 1e-8 {
					counts[j]++
				}
			}
		}
		copy(hrec, bDec)
		vec.AddRows(hrec, lg.ra[:nr], wn, lg.roff[:nr])
		var lrec float64
		for d := range hrec {
			e := hrec[d] - h[d]
			lrec += e * e
		}
		lrec /= fD
		sums[0] += lrec + lambda*lsp
		sums[1] += lrec
		sums[2] += lsp
		for d := range dh {
			dh[d] = scale * 2 * (hrec[d] - h[d]) / fD
			gBDec[d] += dh[d]
		}
		if ng > 0 {
			lg.backward(ng, l1, hc, w.gWn, gBEnc, gBDec)
		}
	}
	for d := 0; d < D; d++ {
		for j := 0; j < S; j++ {
			gWEnc[d*S+j] = lg.gEncT[j*D+d]
		}
	}
}

// encode leaves sample k's input in lg.h, h − b_dec in lg.hc and pre = hc·W_enc + b_enc in
// lg.pre, as rows of W_enc. Beyond L1 (D·S > 4096) it computes the pre of four samples at a
// time, reading W_enc once for them, and hands them out one by one.
func (lg *saeLarge) encode(hb *hiddenBatch, k int, enc, bEnc, bDec []float64) {
	D, S := len(bDec), len(bEnc)
	n := len(hb.Sample)
	blocked := D*S > 4096
	if q := k % 4; blocked && q == 0 && k+4 <= n {
		for s := 0; s < 4; s++ {
			hcs := lg.hcs[s*D : (s+1)*D]
			lg.input(hb, k+s)
			for d := range hcs {
				hcs[d] = lg.h[d] - bDec[d]
			}
			copy(lg.pres[s*S:(s+1)*S], bEnc)
		}
		vec.AddRowsStrided4(lg.pres, lg.hcs, enc, S)
	}
	lg.input(hb, k)
	for d := range lg.hc {
		lg.hc[d] = lg.h[d] - bDec[d]
	}
	if q := k % 4; blocked && k-q+4 <= n {
		copy(lg.pre, lg.pres[q*S:(q+1)*S])
	} else {
		copy(lg.pre, bEnc)
		vec.AddRowsStrided(lg.pre, lg.hc, enc, S)
	}
}

// input copies nonzero sample k of hb (either layout) into lg.h.
func (lg *saeLarge) input(hb *hiddenBatch, k int) {
	h := lg.h
	if hb.soa {
		for d := range h {
			h[d] = hb.hd[d*hb.stride+k]
		}
	} else {
		copy(h, hb.H[k*len(h):(k+1)*len(h)])
	}
}

// backward adds one sample's gradient through its ng active latents (lg.gj, lg.ga, lg.goff,
// from the forward) given ∂L/∂h_rec in lg.dh and h_cent hc:
//
//	∂acts_j = l1 + Σ_d dh_d·Ŵ_j,d;  ∂Ŵ_j += acts_j·dh;  ∂b_enc_j += ∂acts_j
//	∂W_encᵀ_j += ∂acts_j·hc;  ∂b_dec −= Σ_j ∂acts_j·W_encᵀ_j
func (lg *saeLarge) backward(ng int, l1 float64, hc, gWn, gBEnc, gBDec []float64) {
	D, S := len(hc), len(lg.pre)
	dh := lg.dh
	// ∂L/∂acts_j for the active latents, d in order: from Ŵᵀ's rows over all latents when
	// many are active, else over the active latents' columns.
	da := lg.gd[:ng]
	if ng*8 >= S {
		all := lg.da
		for j := range all {
			all[j] = l1
		}
		vec.AddRowsStrided(all, dh, lg.wnT, S)
		for t, j := range lg.gj[:ng] {
			da[t] = all[j]
		}
	} else {
		wa := lg.wa[:D*ng]
		for d := 0; d < D; d++ {
			row := lg.wnT[d*S : (d+1)*S]
			for t, j := range lg.gj[:ng] {
				wa[d*ng+t] = row[j]
			}
		}
		for t := range da {
			da[t] = l1
		}
		vec.AddRowsStrided(da, dh, wa, ng)
	}
	vec.AddOuter(gWn, lg.ga[:ng], lg.goff[:ng], dh)
	for t, j := range lg.gj[:ng] {
		gBEnc[j] += da[t]
	}
	vec.AddOuter(lg.gEncT, da, lg.goff[:ng], hc)
	dhc := lg.dhc
	clear(dhc)
	vec.AddRows(dhc, da, lg.encT, lg.goff[:ng])
	for d := range dhc {
		gBDec[d] -= dhc[d]
	}
}
