package vec

// JumpReLULanes is the JumpReLU SAE's training kernel (spec §4) for d_in = 2: one instance's
// nonzero samples, forward and backward with the straight-through estimators, each gradient
// element, loss sum and activity count accumulated in sample order, as the per-sample path
// (sae's jumpReLUArch.sample) accumulates them. Its SIMD twin computes eight samples at once
// and adds their terms sample by sample (seqLanes), as GatedLanes's does.
type JumpReLULanes struct {
	S int // d_sae

	pre, z, acts []float64 // plain twin: one sample's pre-activations, z and activations [S]
	seq          seqLanes  // SIMD twin: accumulators and one block's terms
	pb, v        []float64 // SIMD twin: broadcast parameters [7S][8]; per latent z, acts [2S][8]
	bits         []uint8   // SIMD twin: per latent the lanes that fire, and that reach the encoder [2S]
}

// JumpReLUParams is one instance's JumpReLU SAE as JumpReLULanes reads it (S = d_sae, d_in = 2):
// WEnc [2][S], Dec [S][2] the raw decoder rows, BEnc, Theta = exp(log_theta) [S], BDec [2].
type JumpReLUParams struct {
	WEnc, Dec, BEnc, Theta, BDec []float64
}

// JumpReLUGrads are the accumulators JumpReLULanes adds to: the gradients WEnc [2][S], Dec
// [S][2] (nil when tied: ∂W_dec[j,d] then goes to WEnc[d·S+j]), BEnc, LogTheta [S], BDec [2];
// Sums [3] = Σ loss, Σ L_reconstruction, Σ L_sparsity; Counts [S] the activity counts.
type JumpReLUGrads struct {
	WEnc, Dec, BEnc, LogTheta, BDec []float64
	Sums                            []float64
	Counts                          []int
}

// NewJumpReLULanes sizes the kernel for d_sae = S (1 ≤ S ≤ 1024).
func NewJumpReLULanes(S int) *JumpReLULanes {
	if S < 1 || S > 1024 {
		panic("vec: NewJumpReLULanes needs 1 ≤ S ≤ 1024")
	}
	return &JumpReLULanes{S: S, pre: make([]float64, S), z: make([]float64, S), acts: make([]float64, S)}
}

// Run adds the n nonzero samples x [2][stride] (sample k at x[d·stride+k]) to g, with
// scale = 1/B, λ = lambda and the STE bandwidth ε = eps. Per sample, in order, it must equal
// this plain loop (sae's jumpReLUArch.sample and backward, and perSampleBatch's sums):
//
//	hc = h − b_dec;  pre_j = (b_enc_j + hc_0·W[0,j]) + hc_1·W[1,j];  z_j = max(pre_j, 0) (NaN kept)
//	fire_j = z_j > θ_j;  a_j = fire_j ? z_j : 0;  L_sp = Σ_j (fire_j ? 1 : 0)  (from 0, every j)
//	h_rec = b_dec + Σ_{a_j ≠ 0} a_j·Dec_j;  L_rec = ((0 + e_0²) + e_1²)/2 with e = h_rec − h
//	Sums += [L_rec + λ·L_sp, L_rec, L_sp];  Counts_j += 1 if |a_j| > 1e-8
//	dh = ((2·scale)·e)/2;  ∂b_dec += dh
//	for each j in order:
//	    win_j = −½ < (z_j − θ_j)/ε < ½;  skip j if a_j = 0 and not win_j
//	    da = (0 + dh_0·Dec_j,0) + dh_1·Dec_j,1
//	    if win_j: ∂log θ_j += θ_j·((−(θ_j/ε))·da + (−(1/ε))·(scale·λ))
//	    if a_j ≠ 0 and fire_j and pre_j > 0:
//	        ∂Dec[j,d] += a_j·dh_d (d in order);  ∂b_enc_j += da
//	        for d: ∂W[d,j] += hc_d·da;  dhc_d += W[d,j]·da  (dhc from 0)
//	∂b_dec −= dhc
//
// Tied, ∂Dec[j,d] is ∂W[d,j], which so receives a_j·dh_d and then hc_d·da.
func (l *JumpReLULanes) Run(p JumpReLUParams, g JumpReLUGrads, x []float64, stride, n int, lambda, eps, scale float64) {
	S := l.S
	if n == 0 {
		return
	}
	_, _, _, _, _ = p.WEnc[2*S-1], p.Dec[2*S-1], p.BEnc[S-1], p.Theta[S-1], p.BDec[1]
	_, _, _, _, _ = g.WEnc[2*S-1], g.BEnc[S-1], g.LogTheta[S-1], g.BDec[1], g.Counts[S-1]
	_ = g.Sums[2]
	if g.Dec != nil {
		_ = g.Dec[2*S-1]
	}
	if stride%8 != 0 || stride < n || len(x) < 2*stride {
		panic("vec: JumpReLULanes.Run needs x [2][stride] with stride a multiple of 8, ≥ n")
	}
	jumpReLULanes(l, &p, &g, x, stride, n, lambda, eps, scale)
}

// jumpReLULanesGo is JumpReLULanes.Run's plain twin: the documented loop, sample by sample.
func jumpReLULanesGo(l *JumpReLULanes, p *JumpReLUParams, g *JumpReLUGrads, x []float64, stride, n int, lambda, eps, scale float64) {
	S := l.S
	w0, w1, dec := p.WEnc[:S:S], p.WEnc[S:2*S:2*S], p.Dec[:2*S:2*S]
	bE, theta := p.BEnc[:S:S], p.Theta[:S:S]
	bd0, bd1 := p.BDec[0], p.BDec[1]
	gw0, gw1 := g.WEnc[:S:S], g.WEnc[S:2*S:2*S]
	gBE, gLT, gBD := g.BEnc[:S:S], g.LogTheta[:S:S], g.BDec[:2:2]
	js, ds := decIndex(g.Dec, S)
	gDec := g.Dec
	if gDec == nil {
		gDec = g.WEnc
	}
	gDec = gDec[: 2*S : 2*S]
	sums, counts := g.Sums[:3:3], g.Counts[:S:S]
	pre, z, acts := l.pre[:S:S], l.z[:S:S], l.acts[:S:S]
	x0s, x1s := x[:n:n], x[stride:stride+n:stride+n]
	s2 := scale * 2
	hg := -(1 / eps) * (scale * lambda) // the Heaviside STE's ∂θ of the L0 term, per latent in its window
	for k := 0; k < n; k++ {
		h0, h1 := x0s[k], x1s[k]
		hc0, hc1 := h0-bd0, h1-bd1
		hr0, hr1 := bd0, bd1
		var lsp float64
		for j := range pre {
			pj := bE[j]
			pj += hc0 * w0[j]
			pj += hc1 * w1[j]
			zj := max(pj, 0)
			pre[j], z[j], acts[j] = pj, zj, 0
			if zj > theta[j] {
				acts[j] = zj
				lsp++ // L_sp counts, exactly, whatever the order
			}
			if a := acts[j]; a != 0 {
				hr0 += a * dec[2*j]
				hr1 += a * dec[2*j+1]
			}
		}
		e0, e1 := hr0-h0, hr1-h1
		var lrec float64
		lrec += e0 * e0
		lrec += e1 * e1
		lrec /= 2
		sums[0] += lrec + lambda*lsp
		sums[1] += lrec
		sums[2] += lsp
		for j, a := range acts {
			if a > 1e-8 || a < -1e-8 {
				counts[j]++
			}
		}
		dh0, dh1 := s2*e0/2, s2*e1/2
		gBD[0] += dh0
		gBD[1] += dh1
		var dhc0, dhc1 float64
		for j, a := range acts {
			zj, th := z[j], theta[j]
			uw := (zj - th) / eps
			win := uw > -0.5 && uw < 0.5
			if a == 0 && !win {
				continue
			}
			r0, r1 := dec[2*j], dec[2*j+1]
			var da float64
			da += dh0 * r0
			da += dh1 * r1
			if win {
				gLT[j] += th * (-(th/eps)*da + hg)
			}
			if a == 0 || !(zj > th) || !(pre[j] > 0) {
				continue
			}
			gDec[j*js] += a * dh0
			gDec[j*js+ds] += a * dh1
			gBE[j] += da
			gw0[j] += hc0 * da
			dhc0 += w0[j] * da
			gw1[j] += hc1 * da
			dhc1 += w1[j] * da
		}
		gBD[0] -= dhc0
		gBD[1] -= dhc1
	}
}
