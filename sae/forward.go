package sae

import "math"

// Output is forward's result (spec §2.5) for a dense batch. Shapes:
//
//	LReconstruction, LSparsity, Loss [B][I];  Acts [B][I][S];  HRec [B][I][D]
//	Terms maps each loss-term name to its [B][I] slice (L_aux, L_auxk, L_matryoshka too where
//	the arch has them).
type Output struct {
	LReconstruction, LSparsity, Loss []float64            // [B][I]: Terms' first two, and the per-sample loss
	Acts, HRec                       []float64            // [B][I][S] activations, [B][I][D] reconstructions
	Terms                            map[string][]float64 // [B][I] per loss term, by TermNames
}

// termVec holds one sample's loss terms in TermNames order (at most four).
type termVec [4]float64

// TermNames lists the architecture's loss-term names, as in the reference's loss_dict. The
// first two are always L_reconstruction and L_sparsity (the training loop's scalars rely on it).
//
//	standard, jumprelu:  L_reconstruction, L_sparsity
//	gated:               L_reconstruction, L_sparsity, L_aux
//	topk, batchtopk:     L_reconstruction, L_sparsity, L_auxk
//	matryoshka:          L_reconstruction, L_sparsity, L_auxk, L_matryoshka
//	matching_pursuit:    L_reconstruction, L_sparsity
//
// For the TopK family and matching pursuit L_sparsity is the L0 (count of nonzero activations): it is reported but
// not penalised, since the selection (the step count) bounds the sparsity; L_matryoshka is the sum of the
// prefix-width reconstruction terms.
func (s *SAE) TermNames() []string { return s.arch.termNames() }

// lossOf combines the terms into the per-sample loss.
func (s *SAE) lossOf(t termVec) float64 { return s.arch.loss(&s.Cfg, t) }

// kernel runs one sample h [D] of instance i through the architecture's inference forward,
// leaving the activations in w.acts and the reconstruction in w.hrec, and returns its loss
// terms. With grad it adds scale·∂loss/∂θ to w.g (scale = multiplicity/B); the
// decoder-normalisation gradient of a normalised decoder is completed by finishDecoderGrad
// once per batch. aw must hold prepArch(i) of the current parameters.
func (s *SAE) kernel(i int, h []float64, scale float64, w *work, aw *archWork, grad bool) termVec {
	return s.arch.sample(s, i, h, scale, w, aw, grad)
}

// sample is kernel for callers outside the training step (the data log, resampling): it
// derives the architecture's per-instance values from the current parameters first. It uses
// instance i's scratch, so it must run on instance i's worker (as the training loop does).
func (s *SAE) sample(i int, h []float64, scale float64, w *work, grad bool) termVec {
	aw := &s.tw[i]
	s.prepArch(i, aw)
	return s.kernel(i, h, scale, w, aw, grad)
}

// Forward runs the SAE's inference forward on a dense batch h [B][I][D] without changing
// anything. BatchTopK and Matryoshka use the threshold path (JumpReLU with θ = τ, as SAELens
// exports them); ForwardTraining gives their batch-coupled training forward.
func (s *SAE) Forward(h []float64, B int) Output {
	I, D, S := s.Cfg.NInst, s.Cfg.DIn, s.Cfg.DSAE
	out := s.newOutput(B)
	names := s.TermNames()
	w, aw := s.newWork(), &archWork{}
	for i := 0; i < I; i++ {
		s.prepare(i, w)
		s.prepArch(i, aw)
		for b := 0; b < B; b++ {
			t := s.kernel(i, h[(b*I+i)*D:(b*I+i+1)*D], 0, w, aw, false)
			for k, n := range names {
				out.Terms[n][b*I+i] = t[k]
			}
			out.Loss[b*I+i] = s.lossOf(t)
			copy(out.Acts[(b*I+i)*S:], w.acts)
			copy(out.HRec[(b*I+i)*D:], w.hrec)
		}
	}
	return out
}

// ForwardTraining runs the training forward on a dense batch h [B][I][D] (each instance's B
// samples are one training batch) without changing anything. It differs from Forward only for
// BatchTopK and Matryoshka, whose training forward keeps the int(k·B) largest activations of
// the whole batch.
func (s *SAE) ForwardTraining(h []float64, B int) Output {
	out, _ := s.forwardTraining(h, B)
	return out
}

// forwardTraining is ForwardTraining plus, for the batch-coupled archs, the selection mask
// kept [B][I][S] (zeros may be kept when fewer than int(k·B) values are positive).
func (s *SAE) forwardTraining(h []float64, B int) (Output, []bool) {
	return s.arch.forwardTraining(s, h, B)
}

func (s *SAE) newOutput(B int) Output {
	I, D, S := s.Cfg.NInst, s.Cfg.DIn, s.Cfg.DSAE
	out := Output{Loss: make([]float64, B*I), Acts: make([]float64, B*I*S), HRec: make([]float64, B*I*D), Terms: map[string][]float64{}}
	for _, n := range s.TermNames() {
		out.Terms[n] = make([]float64, B*I)
	}
	out.LReconstruction, out.LSparsity = out.Terms["L_reconstruction"], out.Terms["L_sparsity"]
	return out
}

// Gradients returns sum_i mean_b loss on a dense batch h [B][I][D] (each instance's B samples
// being one training batch) and its gradient with respect to each parameter, by name (the
// quantity the reference backpropagates). It runs the training step's own path, with all-zero
// samples grouped, and changes nothing.
func (s *SAE) Gradients(h []float64, B int) (float64, map[string][]float64) {
	I, D, S := s.Cfg.NInst, s.Cfg.DIn, s.Cfg.DSAE
	params := s.Params()
	grads := map[string][]float64{}
	for _, p := range params {
		grads[p.Name] = make([]float64, len(p.Data))
	}
	w, aw := s.newWork(), &archWork{}
	counts := make([]int, S)
	var total float64
	for i := 0; i < I; i++ {
		s.prepare(i, w)
		sums := s.batchLoss(i, denseHidden(h, B, I, D, i), B, w, aw, counts)
		total += sums[0] / float64(B)
		for k, p := range params {
			per := len(p.Data) / I
			copy(grads[p.Name][i*per:(i+1)*per], w.g[k])
		}
	}
	return total, grads
}

// lossGradBatch runs instance i's training batch forward and backward: it adds the
// gradient of mean_b loss to w.g, counts each latent's active samples into counts, and
// returns the batch sums of [loss, terms...]. All-zero samples go through once, weighted by
// their count. It leaves in instance i's scratch what afterStep needs (which latents fired,
// BatchTopK's smallest kept activation).
func (s *SAE) lossGradBatch(i int, hb *hiddenBatch, B int, w *work, counts []int) (sums [5]float64) {
	aw := &s.tw[i]
	sums = s.batchLoss(i, hb, B, w, aw, counts)
	aw.pending = true
	return sums
}

// batchLoss is lossGradBatch with explicit scratch. w must hold prepare(i).
func (s *SAE) batchLoss(i int, hb *hiddenBatch, B int, w *work, aw *archWork, counts []int) (sums [5]float64) {
	clear(counts)
	s.prepArch(i, aw)
	sums = s.arch.batch(s, i, hb, B, w, aw, counts)
	if s.arch.normalizedDecoder() {
		s.finishDecoderGrad(i, w)
	}
	for j, c := range counts {
		aw.fired[j] = c > 0
	}
	return sums
}

// perSampleBatch is the training batch one sample at a time through kernel: the all-zero
// samples once, weighted by their count, then the nonzero samples in order.
func (s *SAE) perSampleBatch(i int, hb *hiddenBatch, B int, w *work, aw *archWork, counts []int) (sums [5]float64) {
	D := s.Cfg.DIn
	invB := 1 / float64(B)
	if hb.NZero > 0 {
		s.addSample(&sums, counts, w, s.kernel(i, w.zero, float64(hb.NZero)*invB, w, aw, true), hb.NZero)
	}
	for k := range hb.Sample {
		s.addSample(&sums, counts, w, s.kernel(i, hb.H[k*D:(k+1)*D], invB, w, aw, true), 1)
	}
	return sums
}

// addSample adds mult copies of one sample's loss and terms to the batch sums and counts its
// active latents (|acts| > 1e-8, w.acts as the sample left them).
func (s *SAE) addSample(sums *[5]float64, counts []int, w *work, t termVec, mult int) {
	fm := float64(mult)
	sums[0] += fm * s.lossOf(t)
	for k := range t {
		sums[k+1] += fm * t[k]
	}
	for j, a := range w.acts {
		if math.Abs(a) > 1e-8 {
			counts[j] += mult
		}
	}
}

// afterStep runs after instance i's Adam update: the untied decoder's hard projection back
// to unit rows (spec §2.7 step 5; Adam's moments are untouched; every architecture, as the
// reference's loop does for Gated and JumpReLU too), then the architecture's non-trained
// state from this step's batch (the TopK family's fired counters and BatchTopK's τ).
func (s *SAE) afterStep(i int, w *work) {
	if s.WDec != nil {
		D, S := s.Cfg.DIn, s.Cfg.DSAE
		dec := s.WDec[i*S*D : (i+1)*S*D]
		normalizeRows(dec, dec, nil, S, D, s.Cfg.WeightNormalizeEps)
	}
	aw := &s.tw[i]
	if !aw.pending {
		return
	}
	aw.pending = false
	s.arch.afterStep(s, i, aw)
}

// denseHidden is instance i's training batch for a dense h [B][I][D], with all-zero rows
// grouped exactly as drawHidden groups them.
func denseHidden(h []float64, B, I, D, i int) *hiddenBatch {
	hb := &hiddenBatch{}
	for b := 0; b < B; b++ {
		row := h[(b*I+i)*D : (b*I+i+1)*D]
		zero := true
		for _, v := range row {
			zero = zero && v == 0
		}
		if zero {
			hb.NZero++
			continue
		}
		hb.Sample = append(hb.Sample, int32(b))
		hb.H = append(hb.H, row...)
	}
	return hb
}

// zeroPositions lists the all-zero samples' positions: the complement of Sample in [0, B).
func (hb *hiddenBatch) zeroPositions(B int) []int {
	out := make([]int, 0, hb.NZero)
	k := 0
	for b := 0; b < B; b++ {
		if k < len(hb.Sample) && int(hb.Sample[k]) == b {
			k++
			continue
		}
		out = append(out, b)
	}
	return out
}
