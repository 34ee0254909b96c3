package sae

import (
	"math"

	"saelab/internal/vec"
	"saelab/rng"
)

// JumpReLU toy SAE (spec §4), forward and hand-derived backward with the straight-through
// estimators side by side. Shapes for one sample of instance i (D = DIn, S = DSAE):
//
//	h, h_cent, h_rec [D];  W_enc [D][S];  W_dec [S][D] raw (aw.dec);  b_enc, log_theta, θ, pre, z, acts [S]
//
// θ = exp(log_theta); the decoder is used raw (spec §10), so a tied JumpReLU SAE has no norm
// constraint at all, while an untied one is still renormalised by the training loop.
type jumpReLUArch struct {
	base
	logTheta int // position of log_theta in Params
}

// thetaInit is JumpReLU's initial threshold (the reference's THETA_INIT).
const thetaInit = 0.1

func (jumpReLUArch) name() string            { return "jumprelu" }
func (jumpReLUArch) animationRows() []string { return []string{"W_enc", "h", "h_r"} }
func (jumpReLUArch) animatesBestOnly() bool  { return true }

// bind allocates b_enc = 0 and log_theta = log 0.1.
func (a jumpReLUArch) bind(s *SAE) arch {
	a.initBEnc(s)
	s.LogTheta = make([]float64, s.Cfg.NInst*s.Cfg.DSAE)
	for k := range s.LogTheta {
		s.LogTheta[k] = math.Log(thetaInit)
	}
	a.logTheta = s.slotOf(s.LogTheta)
	return a
}

// params: W_enc, _W_dec, b_enc, b_dec, log_theta.
func (a jumpReLUArch) params(s *SAE) []Param {
	return append(a.base.params(s), Param{"log_theta", s.LogTheta, []int{s.Cfg.NInst, s.Cfg.DSAE}})
}

// saelens is SAELens's jumprelu SAE with θ = exp(log_theta) and the raw decoder: its
// ReLU(pre)·1[pre > θ] equals JumpReLU(ReLU(pre), θ) for θ > 0 (spec §11).
func (jumpReLUArch) saelens(s *SAE, i int) saelensExport {
	S := s.Cfg.DSAE
	theta := make([]float32, S)
	for j := range theta {
		theta[j] = float32(math.Exp(s.LogTheta[i*S+j]))
	}
	return withThreshold(s.standardExport(i, false), theta)
}

// prep derives θ = exp(log_theta) and the raw decoder rows, and makes the lane kernel (in
// aw.ext) when batch will use it.
func (jumpReLUArch) prep(s *SAE, i int, aw *archWork) {
	S := s.Cfg.DSAE
	for j := range aw.theta {
		aw.theta[j] = math.Exp(s.LogTheta[i*S+j])
	}
	s.rawDecoder(i, aw.dec)
	if _, ok := aw.ext.(*vec.JumpReLULanes); !ok && s.lanes2() {
		aw.ext = vec.NewJumpReLULanes(S)
	}
}

// resetLatent: b_enc ← 0, log θ ← log 0.1.
func (jumpReLUArch) resetLatent(s *SAE, i, j int) {
	k := i*s.Cfg.DSAE + j
	s.BEnc[k] = 0
	s.LogTheta[k] = math.Log(thetaInit)
}

// resampleLatent: simple as the standard SAE (encoder, decoder, resets); advanced in the
// JumpReLU reference's order (spec §2.11): b_enc, log θ, decoder, then encoder, so a tied
// column ends v̂·a·scale as the standard SAE's does.
func (a jumpReLUArch) resampleLatent(s *SAE, i, j int, enc, dec []float64, advanced bool) {
	if !advanced {
		a.base.resampleLatent(s, i, j, enc, dec, false)
		return
	}
	a.resetLatent(s, i, j)
	s.setDecoder(i, j, dec)
	s.setEncoder(i, j, enc)
}

// rectangle is the STE kernel K(u) = 1[|u| < ½] (strict on both sides, as the reference).
func rectangle(u float64) float64 {
	if u > -0.5 && u < 0.5 {
		return 1
	}
	return 0
}

// heaviside is Heaviside(z, θ, ε) = 1[z > θ]; its ∂z is 0.
func heaviside(z, theta float64) float64 {
	if z > theta {
		return 1
	}
	return 0
}

// heavisideGradTheta is Heaviside's STE ∂θ for upstream g: −(1/ε)·K((z−θ)/ε)·g (summed over
// the batch by the caller).
func heavisideGradTheta(z, theta, eps, g float64) float64 {
	return -(1 / eps) * rectangle((z-theta)/eps) * g
}

// jumpReLU is JumpReLU(z, θ, ε) = z·1[z > θ]; its ∂z is 1[z > θ]·g (no STE to z).
func jumpReLU(z, theta float64) float64 {
	if z > theta {
		return z
	}
	return 0
}

// jumpReLUGradTheta is JumpReLU's STE ∂θ for upstream g: −(θ/ε)·K((z−θ)/ε)·g.
func jumpReLUGradTheta(z, theta, eps, g float64) float64 {
	return -(theta / eps) * rectangle((z-theta)/eps) * g
}

// draw draws the lane kernel's layout when batch will use it.
func (jumpReLUArch) draw(s *SAE, i, B int, r *rng.Stream, hb *hiddenBatch) {
	drawLanes2(s, i, B, r, hb)
}

// batch is perSampleBatch, bit for bit: the all-zero samples once through sample, weighted,
// then, when lanes2, the nonzero samples through vec.JumpReLULanes, which runs sample and
// backward's arithmetic eight samples at a time and accumulates in sample order. (The
// per-sample path adds L_aux = 0 and the unused fourth term, +0, to sums that are never −0:
// no change, so the kernel leaves them.)
func (ja jumpReLUArch) batch(s *SAE, i int, hb *hiddenBatch, B int, w *work, aw *archWork, counts []int) (sums [5]float64) {
	if !s.lanes2() {
		return s.perSampleBatch(i, hb, B, w, aw, counts)
	}
	const D = 2
	S := s.Cfg.DSAE
	invB := 1 / float64(B)
	if hb.NZero > 0 {
		s.addSample(&sums, counts, w, ja.sample(s, i, w.zero, float64(hb.NZero)*invB, w, aw, true), hb.NZero)
	}
	if len(hb.Sample) == 0 {
		return sums
	}
	jl := aw.ext.(*vec.JumpReLULanes) // made by prep
	hb.toSoA(D)
	var gDec []float64 // tied: the decoder's gradient goes to W_enc's
	if s.WDec != nil {
		gDec = w.g[s.ix.wDec]
	}
	jl.Run(vec.JumpReLUParams{WEnc: s.WEnc[i*D*S : (i+1)*D*S], Dec: aw.dec, BEnc: s.BEnc[i*S : (i+1)*S], Theta: aw.theta,
		BDec: s.BDec[i*D : (i+1)*D]},
		vec.JumpReLUGrads{WEnc: w.g[s.ix.wEnc], Dec: gDec, BEnc: w.g[s.ix.bEnc], LogTheta: w.g[ja.logTheta], BDec: w.g[s.ix.bDec],
			Sums: sums[:3], Counts: counts},
		hb.hd, hb.stride, len(hb.Sample), s.Cfg.SparsityCoeff, s.Cfg.STEEpsilon, invB)
	return sums
}

// sample runs one sample through the JumpReLU SAE, leaving acts in w.acts and h_rec in w.hrec,
// and returns (L_reconstruction, L_sparsity). With grad it adds scale·∂loss/∂θ.
func (ja jumpReLUArch) sample(s *SAE, i int, h []float64, scale float64, w *work, aw *archWork, grad bool) termVec {
	D, S := s.Cfg.DIn, s.Cfg.DSAE
	enc := s.WEnc[i*D*S : (i+1)*D*S]
	bEnc, bDec := s.BEnc[i*S:(i+1)*S], s.BDec[i*D:(i+1)*D]
	hc, pre, z, acts, hrec, theta := w.hc, w.pre, aw.u, w.acts, w.hrec, aw.theta

	// z = ReLU((h − b_dec)·W_enc + b_enc)
	for d := 0; d < D; d++ {
		hc[d] = h[d] - bDec[d]
	}
	copy(pre, bEnc)
	for d := 0; d < D; d++ {
		row, x := enc[d*S:(d+1)*S], hc[d]
		for j := range pre {
			pre[j] += x * row[j]
		}
	}
	// acts = JumpReLU(z, θ);  L_sparsity = Σ_j Heaviside(z_j, θ_j);  h_rec = acts·W_dec + b_dec
	copy(hrec, bDec)
	var lsp float64
	for j := range pre {
		z[j] = max(pre[j], 0)
		acts[j] = jumpReLU(z[j], theta[j])
		lsp += heaviside(z[j], theta[j])
		if a := acts[j]; a != 0 {
			row := aw.dec[j*D : (j+1)*D]
			for d := range hrec {
				hrec[d] += a * row[d]
			}
		}
	}
	// L_reconstruction = mean_d (h_rec − h)²
	var lrec float64
	for d := range hrec {
		e := hrec[d] - h[d]
		lrec += e * e
	}
	lrec /= float64(D)
	if grad {
		ja.backward(s, i, h, scale, w, aw)
	}
	return termVec{lrec, lsp}
}

// backward adds scale·∂loss/∂θ for the sample sample just ran (its values in w and aw).
func (ja jumpReLUArch) backward(s *SAE, i int, h []float64, scale float64, w *work, aw *archWork) {
	D, S := s.Cfg.DIn, s.Cfg.DSAE
	enc := s.WEnc[i*D*S : (i+1)*D*S]
	hc, pre, z, acts, hrec, theta := w.hc, w.pre, aw.u, w.acts, w.hrec, aw.theta
	// ∂/∂h_rec = scale·2(h_rec − h)/D;  ∂acts_j = dh·W_dec_j;  ∂W_dec_j += acts_j·dh
	// ∂θ_j = JumpReLU STE(∂acts_j) + Heaviside STE(λ·scale)  (the L0 term reaches only θ);
	// ∂log θ_j = θ_j·∂θ_j;  ∂z_j = 1[z_j > θ_j]·∂acts_j;  ∂pre_j = 1[pre_j > 0]·∂z_j
	gWEnc, gBEnc, gBDec, gLT := w.g[s.ix.wEnc], w.g[s.ix.bEnc], w.g[s.ix.bDec], w.g[ja.logTheta]
	eps, lam := s.Cfg.STEEpsilon, scale*s.Cfg.SparsityCoeff
	dh, dhc := w.dh, w.dhc
	for d := range dh {
		dh[d] = scale * 2 * (hrec[d] - h[d]) / float64(D)
		gBDec[d] += dh[d]
		dhc[d] = 0
	}
	for j := 0; j < S; j++ {
		inWindow := rectangle((z[j]-theta[j])/eps) != 0
		if acts[j] == 0 && !inWindow {
			continue
		}
		row := aw.dec[j*D : (j+1)*D]
		var da float64
		for d := range dh {
			da += dh[d] * row[d]
		}
		if inWindow {
			dth := jumpReLUGradTheta(z[j], theta[j], eps, da) + heavisideGradTheta(z[j], theta[j], eps, lam)
			gLT[j] += theta[j] * dth
		}
		a := acts[j]
		if a == 0 || !(z[j] > theta[j]) || !(pre[j] > 0) {
			continue
		}
		for d := range dh {
			s.addDecoderGrad(w, j, d, a*dh[d])
		}
		gBEnc[j] += da
		for d := 0; d < D; d++ {
			gWEnc[d*S+j] += hc[d] * da
			dhc[d] += enc[d*S+j] * da
		}
	}
	for d := range dhc {
		gBDec[d] -= dhc[d]
	}
}
