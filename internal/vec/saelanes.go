package vec

// SAELanes is the standard SAE's lane kernel (spec §2.5, §2.6) for one instance's nonzero
// samples, eight at a time: sample k sits in lane k mod 8, every per-sample quantity is an
// 8-lane vector, and each gradient element, loss sum and activity count is accumulated per lane
// in sample order. The caller adds the lanes in LaneSums's fixed tree (Sums), which makes the
// result independent of how the lanes were computed.
//
// Acc holds the accumulators, eight lanes each, in this order (D = d_in, S = d_sae):
//
//	∂W_enc [D][S], ∂W_dec_normalized [S][D], ∂b_enc [S], ∂b_dec [D],
//	Σ loss, Σ L_reconstruction, Σ L_sparsity, then the activity counts [S] (acts > 1e-8).
type SAELanes struct {
	D, S int       // d_in, d_sae
	Acc  []float64 // the accumulators, in the order above

	aWn, aBEnc, aBDec, aSum, aN int       // offsets in Acc, in vectors
	red                         []float64 // Acc's lane sums
	h, hc, pre, hrec, dh, dhc   []float64 // plain twin: one sample's vectors
	v                           []float64 // SIMD twin: a block's vectors hc, dh, dhc [D], pre, acts [S]
	blk                         []float64 // SIMD twin, d_in 2: a chunk of saeChunk blocks
}

// saeChunk is the number of 8-sample blocks the d_in = 2 SIMD twin keeps in blk at once.
const saeChunk = 32

// NewSAELanes sizes the kernel for d_in = D and d_sae = S.
func NewSAELanes(D, S int) *SAELanes {
	l := &SAELanes{D: D, S: S, aWn: D * S, aBEnc: 2 * D * S, aBDec: 2*D*S + S, aSum: 2*D*S + S + D}
	l.aN = l.aSum + 3
	l.Acc = make([]float64, (l.aN+S)*8)
	l.red = make([]float64, l.aN+S)
	l.h, l.hc, l.hrec, l.dh, l.dhc = make([]float64, D), make([]float64, D), make([]float64, D), make([]float64, D), make([]float64, D)
	l.pre = make([]float64, S)
	l.v = make([]float64, (3*D+2*S)*8)
	return l
}

// Run sets Acc to the lane sums of the n nonzero samples x [D][stride] (sample k at x[d·stride+k],
// stride ≥ n a multiple of 8, padding zero) with scale = 1/B, for the parameters enc = W_enc
// [D][S], bEnc [S], bDec [D], wn = W_dec_normalized [S][D] and λ = lambda. Per sample, into
// its lane l, it must equal this plain loop (standardSample's arithmetic in its order):
//
//	hc = h − b_dec;  pre_j = b_enc_j + Σ_d hc_d·W_enc[d,j];  a_j = max(pre_j, 0)
//	h_rec = b_dec + Σ_{j: pre_j > 0} a_j·Ŵ_j;  L_rec = Σ_d (h_rec − h)²/D;  L_sp = Σ_{pre_j > 0} a_j
//	Σloss_l += L_rec + λ·L_sp;  ΣL_rec_l += L_rec;  ΣL_sp_l += L_sp
//	dh_d = scale·2·(h_rec_d − h_d)/D;  ∂b_dec_l += dh;  dhc = 0
//	for j with a_j > 0 (pre_j > 0, or NaN): count_l[j] += 1 if a_j > 1e-8;
//	    da = scale·λ + Σ_d dh_d·Ŵ_j,d  (accumulated in d order, with ∂Ŵ_l[j,d] += a_j·dh_d)
//	    ∂b_enc_l[j] += da;  for d: ∂W_enc_l[d,j] += hc_d·da, dhc_d += W_enc[d,j]·da
//	∂b_dec_l −= dhc
//
// Skipping the inactive latents is exact: their terms are ±0 and never change these sums,
// which are never −0.
func (l *SAELanes) Run(enc, bEnc, bDec, wn, x []float64, stride, n int, lambda, scale float64) {
	D, S := l.D, l.S
	clear(l.Acc)
	if n == 0 {
		return
	}
	_, _, _, _ = enc[D*S-1], bEnc[S-1], bDec[D-1], wn[S*D-1]
	_ = x[(D-1)*stride+n-1]
	if stride%8 != 0 || stride < n || len(x) < D*stride {
		panic("vec: SAELanes.Run needs x [D][stride] with stride a multiple of 8, ≥ n")
	}
	saeLanes(l, enc, bEnc, bDec, wn, x, stride, n, lambda, scale)
}

// SAELaneSums are SAELanes's accumulators with their lanes added (LaneSums's tree), by
// quantity: WEnc [D][S], Wn [S][D], BEnc [S], BDec [D], Loss [3] (loss, L_rec, L_sp), Count [S].
type SAELaneSums struct {
	WEnc, Wn, BEnc, BDec []float64 // the gradients' parts: W_enc, W_dec_normalized, b_enc, b_dec
	Loss, Count          []float64 // [Σ loss, Σ L_rec, Σ L_sp] and the activity counts [S]
}

// Sums adds the lanes of every accumulator; the slices are the kernel's, valid until the next Run.
func (l *SAELanes) Sums() SAELaneSums {
	D, S := l.D, l.S
	LaneSums(l.red, l.Acc)
	r := l.red
	return SAELaneSums{WEnc: r[:D*S], Wn: r[l.aWn : l.aWn+S*D], BEnc: r[l.aBEnc : l.aBEnc+S], BDec: r[l.aBDec : l.aBDec+D],
		Loss: r[l.aSum : l.aSum+3], Count: r[l.aN : l.aN+S]}
}

// saeLanesGo is SAELanes.Run's plain twin for any d_in: the samples one by one, sample k
// updating lane k mod 8.
func saeLanesGo(l *SAELanes, enc, bEnc, bDec, wn, x []float64, stride, n int, lambda, scale float64) {
	D, S := l.D, l.S
	acc := l.Acc
	wn = wn[:S*D]
	h, hc, pre, hrec, dh, dhc := l.h[:D], l.hc[:D], l.pre[:S], l.hrec[:D], l.dh[:D], l.dhc[:D]
	l1 := scale * lambda
	fD := float64(D)
	for k := 0; k < n; k++ {
		ln := k & 7
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
		acc[(l.aSum)*8+ln] += lrec + lambda*lsp
		acc[(l.aSum+1)*8+ln] += lrec
		acc[(l.aSum+2)*8+ln] += lsp
		for d := range dh {
			dh[d] = scale * 2 * (hrec[d] - h[d]) / fD
			acc[(l.aBDec+d)*8+ln] += dh[d]
			dhc[d] = 0
		}
		for j, a := range pre { // a = max(pre, 0) where it is used: here pre > 0 or NaN
			if a <= 0 {
				continue // ReLU′(0) = 0: inactive latents get no gradient
			}
			if a > 1e-8 {
				acc[(l.aN+j)*8+ln]++
			}
			r := wn[j*D : (j+1)*D]
			r = r[:len(dh)]
			da := l1
			for d, g := range dh {
				da += g * r[d]
				acc[(l.aWn+j*D+d)*8+ln] += a * g
			}
			acc[(l.aBEnc+j)*8+ln] += da
			for d, x := range hc {
				acc[(d*S+j)*8+ln] += x * da
				dhc[d] += enc[d*S+j] * da
			}
		}
		for d := range dhc {
			acc[(l.aBDec+d)*8+ln] -= dhc[d]
		}
	}
}

// saeLanes2Go is saeLanesGo for d_in = 2 (the seed's SAE), with the input dimension unrolled.
func saeLanes2Go(l *SAELanes, enc, bEnc, bDec, wn, x []float64, stride, n int, lambda, scale float64) {
	const D = 2
	S := l.S
	acc := l.Acc
	e0, e1 := enc[:S:S], enc[S:2*S:2*S]
	bEnc = bEnc[:S:S]
	bd0, bd1 := bDec[0], bDec[1]
	wn = wn[: S*D : S*D]
	pre := l.pre[:S:S]
	l1 := scale * lambda
	const fD = float64(D)
	aWEnc0, aWEnc1 := acc[:S*8:S*8], acc[S*8:2*S*8:2*S*8]
	aWn := acc[l.aWn*8 : (l.aWn+S*D)*8]
	aBEnc := acc[l.aBEnc*8 : (l.aBEnc+S)*8]
	aBDec := acc[l.aBDec*8 : (l.aBDec+D)*8]
	aSum := acc[l.aSum*8 : (l.aSum+3)*8]
	aN := acc[l.aN*8 : (l.aN+S)*8]
	x0s, x1s := x[:stride:stride], x[stride:2*stride:2*stride]
	for k := 0; k < n; k++ {
		ln := k & 7
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
		aSum[ln] += lrec + lambda*lsp
		aSum[8+ln] += lrec
		aSum[2*8+ln] += lsp
		dh0 := scale * 2 * d0 / fD
		dh1 := scale * 2 * d1 / fD
		aBDec[ln] += dh0
		aBDec[8+ln] += dh1
		var dhc0, dhc1 float64
		for j, a := range pre { // a = max(pre, 0) where it is used: here pre > 0 or NaN
			if a <= 0 {
				continue
			}
			if a > 1e-8 {
				aN[j*8+ln]++
			}
			w0, w1 := wn[2*j], wn[2*j+1]
			da := l1
			da += dh0 * w0
			aWn[(2*j)*8+ln] += a * dh0
			da += dh1 * w1
			aWn[(2*j+1)*8+ln] += a * dh1
			aBEnc[j*8+ln] += da
			aWEnc0[j*8+ln] += hc0 * da
			dhc0 += e0[j] * da
			aWEnc1[j*8+ln] += hc1 * da
			dhc1 += e1[j] * da
		}
		aBDec[ln] -= dhc0
		aBDec[8+ln] -= dhc1
	}
}
