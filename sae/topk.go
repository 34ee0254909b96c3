package sae

import (
	"fmt"
	"math"
	"slices"
)

// TopK family (spec §5, after SAELens 6): TopK, BatchTopK and the AuxK loss; Matryoshka's extra
// terms are in matryoshka.go. Forward and hand-derived backward side by side. Shapes for one
// sample of instance i (D = DIn, S = DSAE):
//
//	h, h_cent, h_rec [D];  W_enc [D][S];  Ŵ = W_dec_normalized [S][D] (w.wn);  n = ‖W_dec,j‖ [S] (w.norm)
//	pre, sel, keep, acts, dpre [S]
//
// pre = (h − b_dec)·W_enc + b_enc; sel = pre·n with rescale_acts_by_decoder_norm, else pre.
// Latents are selected on sel and acts_j = ReLU(sel_j)/n_j (= ReLU(pre_j)) for kept ones; the
// decode is the standard SAE's, acts·Ŵ + b_dec (spec §5: "decode as in the standard SAE"), and
// the training loop renormalises an untied decoder. With rescaling the n_j in the activation
// cancels exactly (ReLU(pre·n)/n = ReLU(pre) for n > 0), so its gradient through n is 0.

// topKArch is TopK(k): the k largest per sample. The TopK family shares this file's forward,
// backward and AuxK loss; BatchTopK (batchtopk.go) and Matryoshka (matryoshka.go) build on it.
// The family's non-trained state is StepsSinceFired (AuxK's dead mask); its resampling is the
// standard SAE's (no reference resamples it).
type topKArch struct{ base }

func (topKArch) name() string { return "topk" }

func (topKArch) validate(c Config) error {
	if !(c.K >= 1 && c.K <= float64(c.DSAE)) || c.K != math.Trunc(c.K) {
		return fmt.Errorf("k = %v: topk needs an integer in [1, d_sae = %d]", c.K, c.DSAE)
	}
	return nil
}

func (topKArch) describe(c Config) []string { return describeTopK(c) }

// saelens is SAELens's topk SAE with k and the decoder norms folded (topkExport).
func (topKArch) saelens(s *SAE, i int) saelensExport {
	e := s.topkExport(i)
	e.arch = "topk"
	e.extra = map[string]any{"k": int(s.Cfg.K), "rescale_acts_by_decoder_norm": false}
	return e
}

// describeTopK is the TopK family's Describe part: k, extra (e.g. Matryoshka's widths), and
// the AuxK coefficient.
func describeTopK(c Config, extra ...string) []string {
	parts := append([]string{"k " + num(c.K)}, extra...)
	if c.AuxKCoeff > 0 {
		return append(parts, "aux-k "+num(c.AuxKCoeff))
	}
	return append(parts, "no aux-k")
}

// bind allocates b_enc and the fired counters, all 0.
func (a topKArch) bind(s *SAE) arch {
	a.bindTopK(s)
	return a
}

func (topKArch) bindTopK(s *SAE) {
	s.BEnc = make([]float64, s.Cfg.NInst*s.Cfg.DSAE)
	s.StepsSinceFired = make([]int, s.Cfg.NInst*s.Cfg.DSAE)
}

func (topKArch) termNames() []string { return []string{"L_reconstruction", "L_sparsity", "L_auxk"} }

// loss is reconstruction + AuxK (+ Matryoshka's prefixes): L0 is reported, not penalised.
func (topKArch) loss(_ *Config, t termVec) float64 { return t[0] + t[2] + t[3] }

func (topKArch) normalizedDecoder() bool { return true }

// prep derives AuxK's dead mask: steps since fired > dead_feature_window.
func (topKArch) prep(s *SAE, i int, aw *archWork) {
	S := s.Cfg.DSAE
	aw.nDead = 0
	for j := range aw.dead {
		aw.dead[j] = s.StepsSinceFired[i*S+j] > s.Cfg.DeadFeatureWindow
		if aw.dead[j] {
			aw.nDead++
		}
	}
}

func (topKArch) sample(s *SAE, i int, h []float64, scale float64, w *work, aw *archWork, grad bool) termVec {
	return s.topkSample(i, h, scale, w, aw, grad, selectTopK, nil)
}

// afterStep counts the steps since each latent fired on a training batch (SAELens: +1, 0 on
// firing).
func (topKArch) afterStep(s *SAE, i int, aw *archWork) {
	S := s.Cfg.DSAE
	for j, f := range aw.fired {
		if f {
			s.StepsSinceFired[i*S+j] = 0
		} else {
			s.StepsSinceFired[i*S+j]++
		}
	}
}

// selMode is how topkSample picks the latents of a sample.
type selMode int

const (
	selectTopK      selMode = iota // the k largest sel (ties → lower index)
	selectThreshold                // sel_j > τ: BatchTopK's inference forward, JumpReLU with θ = τ
	selectGiven                    // aw.keep as set by the caller (BatchTopK's batch selection)
)

// keepLargest sets keep to the k largest values of v among the candidates (cand nil = all),
// ties going to the lower index, and returns how many it kept (fewer when there are fewer
// candidates). order is scratch of len(v).
func keepLargest(v []float64, cand, keep []bool, k int, order []int) int {
	clear(keep)
	n := 0
	for j := range v {
		if cand == nil || cand[j] {
			order[n] = j
			n++
		}
	}
	if k >= n {
		for _, j := range order[:n] {
			keep[j] = true
		}
		return n
	}
	if k <= 0 {
		return 0
	}
	idx := order[:n]
	if k <= 4 {
		for r := 0; r < k; r++ { // k passes: the first maximum wins, so ties go to the lower index
			best := -1
			for _, j := range idx {
				if !keep[j] && (best < 0 || v[j] > v[best]) {
					best = j
				}
			}
			keep[best] = true
		}
		return k
	}
	slices.SortStableFunc(idx, func(a, b int) int { return descending(v[a], v[b]) })
	for _, j := range idx[:k] {
		keep[j] = true
	}
	return k
}

// descending orders larger values first (the package cannot import cmp: a test declares cmp).
func descending(a, b float64) int {
	switch {
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return 0
}

// topkEncode computes h_cent (w.hc), pre (w.pre) and the selection values sel (aw.sel).
func (s *SAE) topkEncode(i int, h []float64, w *work, aw *archWork) {
	D, S := s.Cfg.DIn, s.Cfg.DSAE
	enc := s.WEnc[i*D*S : (i+1)*D*S]
	bEnc, bDec := s.BEnc[i*S:(i+1)*S], s.BDec[i*D:(i+1)*D]
	hc, pre := w.hc, w.pre
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
	for j, p := range pre {
		if s.Cfg.RescaleActsByDecoderNorm {
			aw.sel[j] = p * w.norm[j]
		} else {
			aw.sel[j] = p
		}
	}
}

// topkSample runs one sample through the TopK family: selection by mode, decode, the terms
// (L_reconstruction, L_sparsity = L0, L_auxk, and L_matryoshka over the nested prefix widths
// when there are any) and, with grad, scale·∂loss/∂θ (the decoder part in w.gWn, finished by
// finishDecoderGrad). acts are left in w.acts, h_rec in w.hrec and the selection in aw.keep.
func (s *SAE) topkSample(i int, h []float64, scale float64, w *work, aw *archWork, grad bool, mode selMode, nested []int) termVec {
	D := s.Cfg.DIn
	bDec := s.BDec[i*D : (i+1)*D]
	s.topkEncode(i, h, w, aw)
	sel, keep, acts, hrec := aw.sel, aw.keep, w.acts, w.hrec
	switch mode {
	case selectTopK: // keep the k largest sel per sample (ties → lower index)
		keepLargest(sel, nil, keep, int(s.Cfg.K), aw.order)
	case selectThreshold: // JumpReLU with θ = τ: ReLU(sel)·1[sel > τ]
		for j, v := range sel {
			keep[j] = v > aw.tau
		}
	}
	// acts_j = keep_j·ReLU(sel_j)/n_j;  h_rec = acts·Ŵ + b_dec;  L0 = #{acts_j > 0}
	copy(hrec, bDec)
	var l0 float64
	for j := range acts {
		acts[j] = 0
		if !keep[j] || !(sel[j] > 0) {
			continue
		}
		if s.Cfg.RescaleActsByDecoderNorm {
			acts[j] = sel[j] / w.norm[j]
		} else {
			acts[j] = sel[j]
		}
		l0++
		wn := w.wn[j*D : (j+1)*D]
		for d := range hrec {
			hrec[d] += acts[j] * wn[d]
		}
	}
	// L_reconstruction = mean_d (h_rec − h)²
	var lrec float64
	for d := range hrec {
		e := hrec[d] - h[d]
		lrec += e * e
	}
	lrec /= float64(D)
	t := termVec{lrec, l0}
	if len(nested) > 0 {
		t[3] = s.matryoshkaTerms(i, h, w, aw, nested)
	}
	if !grad {
		t[2] = s.auxK(i, h, 0, w, aw, false)
		return t
	}

	// ∂/∂h_rec = scale·2(h_rec − h)/D (to b_dec directly);  for kept active j:
	// ∂acts_j = dh·Ŵ_j, ∂Ŵ_j += acts_j·dh, ∂pre_j = ∂acts_j (ReLU′ = 1; n's path cancels)
	gBDec := w.g[s.ix.bDec]
	dh, dpre := w.dh, aw.dpre
	clear(dpre)
	for d := range dh {
		dh[d] = scale * 2 * (hrec[d] - h[d]) / float64(D)
		gBDec[d] += dh[d]
	}
	for j, a := range acts {
		if a <= 0 {
			continue
		}
		wn, gwn := w.wn[j*D:(j+1)*D], w.gWn[j*D:(j+1)*D]
		for d := range dh {
			dpre[j] += dh[d] * wn[d]
			gwn[d] += a * dh[d]
		}
	}
	if len(nested) > 0 {
		s.matryoshkaGrad(i, scale, w, aw, nested)
	}
	t[2] = s.auxK(i, h, scale, w, aw, true)
	s.topkEncoderGrad(i, w, aw)
	return t
}

// topkEncoderGrad takes ∂pre (aw.dpre) back through pre = (h − b_dec)·W_enc + b_enc:
// ∂b_enc_j += ∂pre_j;  ∂W_enc[d,j] += h_cent_d·∂pre_j;  ∂b_dec_d −= Σ_j W_enc[d,j]·∂pre_j.
func (s *SAE) topkEncoderGrad(i int, w *work, aw *archWork) {
	D, S := s.Cfg.DIn, s.Cfg.DSAE
	enc := s.WEnc[i*D*S : (i+1)*D*S]
	gWEnc, gBEnc, gBDec := w.g[s.ix.wEnc], w.g[s.ix.bEnc], w.g[s.ix.bDec]
	hc, dhc := w.hc, w.dhc
	clear(dhc)
	for j, g := range aw.dpre {
		if g == 0 {
			continue
		}
		gBEnc[j] += g
		for d := 0; d < D; d++ {
			gWEnc[d*S+j] += hc[d] * g
			dhc[d] += enc[d*S+j] * g
		}
	}
	for d := range dhc {
		gBDec[d] -= dhc[d]
	}
}

// auxK is the AuxK loss of one sample (spec §5), after the main decode (w.hrec) and, with grad,
// adds its gradient (∂pre into aw.dpre, the decoder part into w.gWn, b_dec directly):
//
//	k_aux = d_in/2;  sc = min(n_dead/k_aux, 1);  k_aux = min(k_aux, n_dead)
//	A = the k_aux largest sel among dead latents (ties → lower index); aux_j = sel_j raw (no ReLU)
//	e = Σ_{j∈A} (aux_j/n_j)·Ŵ_j + b_dec  (= Σ pre_j·Ŵ_j + b_dec);  r = stopgrad(h − h_rec)
//	L_auxk = coeff·sc·Σ_d (e − r)²
//	∂e = scale·coeff·sc·2(e − r):  ∂b_dec += ∂e;  ∂Ŵ_j += pre_j·∂e;  ∂pre_j += ∂e·Ŵ_j
//
// It is 0 with no dead latent, a zero coefficient, or d_in = 1 (k_aux = 0).
func (s *SAE) auxK(i int, h []float64, scale float64, w *work, aw *archWork, grad bool) float64 {
	D := s.Cfg.DIn
	kAux := D / 2
	if aw.nDead == 0 || kAux == 0 || s.Cfg.AuxKCoeff == 0 {
		return 0
	}
	sc := min(float64(aw.nDead)/float64(kAux), 1)
	kAux = min(kAux, aw.nDead)
	aux, chosen := aw.aux, aw.auxKeep // aux_j/n_j for the chosen latents A, 0 elsewhere
	keepLargest(aw.sel, aw.dead, chosen, kAux, aw.order)
	bDec := s.BDec[i*D : (i+1)*D]
	e := aw.v1
	copy(e, bDec)
	for j := range aux {
		aux[j] = 0
		if !chosen[j] {
			continue
		}
		if s.Cfg.RescaleActsByDecoderNorm {
			if w.norm[j] > 0 {
				aux[j] = aw.sel[j] / w.norm[j]
			}
		} else {
			aux[j] = aw.sel[j]
		}
		wn := w.wn[j*D : (j+1)*D]
		for d := range e {
			e[d] += aux[j] * wn[d]
		}
	}
	c := s.Cfg.AuxKCoeff * sc
	var l float64
	for d := range e {
		e[d] -= h[d] - w.hrec[d] // e − r
		l += e[d] * e[d]
	}
	if !grad {
		return c * l
	}
	gBDec := w.g[s.ix.bDec]
	for d := range e {
		e[d] *= scale * c * 2 // ∂e
		gBDec[d] += e[d]
	}
	for j, a := range aux {
		if !chosen[j] {
			continue
		}
		wn, gwn := w.wn[j*D:(j+1)*D], w.gWn[j*D:(j+1)*D]
		for d := range e {
			aw.dpre[j] += e[d] * wn[d]
			gwn[d] += a * e[d]
		}
	}
	return c * l
}
