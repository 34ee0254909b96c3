package sae

import (
	"math"

	"saelab/internal/vec"
	"saelab/rng"
)

// The standard toy SAE (spec §2): ReLU encoder, decoder with unit-normalised rows, L1
// sparsity. Its per-sample forward and backward is standardSample; the training batch runs
// through the kernels chosen by standardBatch (standard_batch.go).
type standardArch struct{ base }

func (standardArch) name() string { return "standard" }

func (a standardArch) bind(s *SAE) arch {
	a.initBEnc(s)
	return a
}

func (standardArch) sample(s *SAE, i int, h []float64, scale float64, w *work, _ *archWork, grad bool) termVec {
	lrec, lsp := s.standardSample(i, h, scale, w, grad)
	return termVec{lrec, lsp}
}

func (standardArch) batch(s *SAE, i int, hb *hiddenBatch, B int, w *work, _ *archWork, counts []int) [5]float64 {
	return s.standardBatch(i, hb, B, w, counts)
}

func (standardArch) normalizedDecoder() bool { return true }

// draw draws the lane kernel's layout directly when standardBatch will use it.
func (standardArch) draw(s *SAE, i, B int, r *rng.Stream, hb *hiddenBatch) {
	if s.useLanes() {
		s.drawHiddenSoA(i, B, r, hb)
	} else {
		s.drawHidden(i, B, r, hb)
	}
}

// work is one worker's scratch while it trains one instance.
//
//	wn [S][D] W_dec_normalized of the instance, norm [S] its rows' norms before normalising
//	hc, hrec, dh, dhc [D];  pre, acts [S]
//	g: gradients of the instance's slice of each parameter, in Params order;  gWn [S][D]
type work struct {
	wn, norm          []float64
	hc, hrec, dh, dhc []float64
	pre, acts         []float64
	g                 [][]float64
	gWn               []float64
	zero              []float64     // [D] zeros: the input of every all-zero sample
	ln                *vec.SAELanes // the standard lane kernel, made on first use
	lg                *saeLarge     // the standard large-shape kernel's scratch, made on first use
}

func (s *SAE) newWork() *work {
	D, S, I := s.Cfg.DIn, s.Cfg.DSAE, s.Cfg.NInst
	w := &work{wn: make([]float64, S*D), norm: make([]float64, S), hc: make([]float64, D), hrec: make([]float64, D),
		dh: make([]float64, D), dhc: make([]float64, D), pre: make([]float64, S), acts: make([]float64, S), gWn: make([]float64, S*D), zero: make([]float64, D)}
	for _, p := range s.Params() {
		w.g = append(w.g, make([]float64, len(p.Data)/I))
	}
	return w
}

// prepare computes instance i's W_dec_normalized for this step and zeroes the gradients.
func (s *SAE) prepare(i int, w *work) {
	D, S := s.Cfg.DIn, s.Cfg.DSAE
	if s.WDec != nil {
		normalizeRows(w.wn, s.WDec[i*S*D:(i+1)*S*D], w.norm, S, D, s.Cfg.WeightNormalizeEps)
	} else {
		enc := s.WEnc[i*D*S : (i+1)*D*S]
		for j := 0; j < S; j++ {
			for d := 0; d < D; d++ {
				w.wn[j*D+d] = enc[d*S+j]
			}
		}
		normalizeRows(w.wn, w.wn, w.norm, S, D, s.Cfg.WeightNormalizeEps)
	}
	for _, g := range w.g {
		clear(g)
	}
	clear(w.gWn)
}

// standardSample runs one sample h [D] of instance i through the standard SAE (spec §2.5),
// leaving acts in w.acts and h_rec in w.hrec, and returns (L_reconstruction, L_sparsity).
// With grad, it adds scale·∂loss/∂θ to w.g (scale = multiplicity/B, spec §2.6).
//
//	h_cent = h − b_dec;  pre = h_cent·W_enc + b_enc;  acts = ReLU(pre)
//	h_rec = acts·W_dec_normalized + b_dec;  L_rec = mean_d (h_rec − h)²;  L_sp = Σ_j |acts_j|
func (s *SAE) standardSample(i int, h []float64, scale float64, w *work, grad bool) (lrec, lsp float64) {
	D, S := s.Cfg.DIn, s.Cfg.DSAE
	enc := s.WEnc[i*D*S : (i+1)*D*S]
	bEnc, bDec := s.BEnc[i*S:(i+1)*S], s.BDec[i*D:(i+1)*D]
	hc, pre, acts, hrec := w.hc, w.pre, w.acts, w.hrec
	for d := 0; d < D; d++ {
		hc[d] = h[d] - bDec[d]
	}
	copy(pre, bEnc)
	for d := 0; d < D; d++ {
		row := enc[d*S : (d+1)*S]
		x := hc[d]
		for j := range pre {
			pre[j] += x * row[j]
		}
	}
	copy(hrec, bDec)
	for j, p := range pre {
		a := math.Max(p, 0)
		acts[j] = a
		if a > 0 {
			lsp += a
			wn := w.wn[j*D : (j+1)*D]
			for d := range hrec {
				hrec[d] += a * wn[d]
			}
		}
	}
	for d := range hrec {
		e := hrec[d] - h[d]
		lrec += e * e
	}
	lrec /= float64(D)
	if !grad {
		return lrec, lsp
	}
	// ∂/∂h_rec = 2(h_rec − h)/D; b_dec gets it through the output and −∂/∂h_cent through the input.
	gWEnc, gBEnc, gBDec := w.g[0], w.g[len(w.g)-2], w.g[len(w.g)-1]
	dh, dhc := w.dh, w.dhc
	for d := range dh {
		dh[d] = scale * 2 * (hrec[d] - h[d]) / float64(D)
		gBDec[d] += dh[d]
		dhc[d] = 0
	}
	l1 := scale * s.Cfg.SparsityCoeff
	for j, a := range acts {
		if a <= 0 {
			continue // ReLU′(0) = 0: inactive latents get no gradient
		}
		// ∂/∂acts_j = dh·Ŵ_j + λ·sign(acts_j);  ∂/∂Ŵ_j = acts_j·dh
		wn, gwn := w.wn[j*D:(j+1)*D], w.gWn[j*D:(j+1)*D]
		da := l1
		for d := range dh {
			da += dh[d] * wn[d]
			gwn[d] += a * dh[d]
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
	return lrec, lsp
}

// finishDecoderGrad takes ∂/∂W_dec_normalized back to the raw decoder (spec §2.6):
//
//	∂L/∂w = g/(n+ε) − w·(w·g)/(n·(n+ε)²)
//
// into _W_dec's gradient, or, when tied, into W_enc's (W_dec = W_encᵀ).
func (s *SAE) finishDecoderGrad(i int, w *work) {
	D, S := s.Cfg.DIn, s.Cfg.DSAE
	eps := s.Cfg.WeightNormalizeEps
	if s.WDec != nil {
		raw, gDec := s.WDec[i*S*D:(i+1)*S*D], w.g[s.ix.wDec][:S*D]
		for j := 0; j < S; j++ {
			g, r, gd := w.gWn[j*D:(j+1)*D], raw[j*D:(j+1)*D], gDec[j*D:(j+1)*D]
			r, gd = r[:len(g)], gd[:len(g)]
			var wg float64
			for d, x := range g {
				wg += r[d] * x
			}
			c1, c2 := decoderGradCoef(w.norm[j], eps, wg)
			for d, x := range g {
				gd[d] += x*c1 - r[d]*c2
			}
		}
		return
	}
	enc, gEnc := s.WEnc[i*D*S:(i+1)*D*S], w.g[0][:D*S]
	for j := 0; j < S; j++ {
		g := w.gWn[j*D : (j+1)*D]
		var wg float64
		for d, x := range g {
			wg += enc[d*S+j] * x
		}
		c1, c2 := decoderGradCoef(w.norm[j], eps, wg)
		for d, x := range g {
			gEnc[d*S+j] += x*c1 - enc[d*S+j]*c2
		}
	}
}

// decoderGradCoef returns 1/(n+ε) and (w·g)/(n·(n+ε)²), the latter 0 at n = 0 (the norm's
// subgradient there, as in torch).
func decoderGradCoef(n, eps, wg float64) (c1, c2 float64) {
	c1 = 1 / (n + eps)
	if n > 0 {
		c2 = wg / (n * (n + eps) * (n + eps))
	}
	return c1, c2
}
