package sae

import "math"

// Output is forward's result (spec §2.5) for a dense batch. Shapes:
//
//	LReconstruction, LSparsity, Loss [B][I];  Acts [B][I][S];  HRec [B][I][D]
//	Terms maps each loss-term name to its [B][I] slice (L_aux too where the arch has it).
type Output struct {
	LReconstruction, LSparsity, Loss []float64
	Acts, HRec                       []float64
	Terms                            map[string][]float64
}

// sample dispatches one sample to its architecture's forward(+backward) and returns the
// loss terms in TermNames order.
func (s *SAE) sample(i int, h []float64, scale float64, w *work, grad bool) (terms [3]float64) {
	lrec, lsp := s.standardSample(i, h, scale, w, grad)
	return [3]float64{lrec, lsp}
}

// TermNames lists the architecture's loss-term names, as in the reference's loss_dict.
func (s *SAE) TermNames() []string { return []string{"L_reconstruction", "L_sparsity"} }

// lossOf combines the terms into the per-sample loss.
func (s *SAE) lossOf(t [3]float64) float64 {
	return t[0] + s.Cfg.SparsityCoeff*t[1]
}

// Forward runs the SAE on a dense batch h [B][I][D] without changing anything.
func (s *SAE) Forward(h []float64, B int) Output {
	I, D, S := s.Cfg.NInst, s.Cfg.DIn, s.Cfg.DSAE
	names := s.TermNames()
	out := Output{Loss: make([]float64, B*I), Acts: make([]float64, B*I*S), HRec: make([]float64, B*I*D), Terms: map[string][]float64{}}
	for _, n := range names {
		out.Terms[n] = make([]float64, B*I)
	}
	w := s.newWork()
	for i := 0; i < I; i++ {
		s.prepare(i, w)
		for b := 0; b < B; b++ {
			t := s.sample(i, h[(b*I+i)*D:(b*I+i+1)*D], 0, w, false)
			for k, n := range names {
				out.Terms[n][b*I+i] = t[k]
			}
			out.Loss[b*I+i] = s.lossOf(t)
			copy(out.Acts[(b*I+i)*S:], w.acts)
			copy(out.HRec[(b*I+i)*D:], w.hrec)
		}
	}
	out.LReconstruction, out.LSparsity = out.Terms["L_reconstruction"], out.Terms["L_sparsity"]
	return out
}

// Gradients returns sum_i mean_b loss on a dense batch h [B][I][D] and its gradient with
// respect to each parameter, by name (the quantity the reference backpropagates).
func (s *SAE) Gradients(h []float64, B int) (float64, map[string][]float64) {
	I, D := s.Cfg.NInst, s.Cfg.DIn
	params := s.Params()
	grads := map[string][]float64{}
	for _, p := range params {
		grads[p.Name] = make([]float64, len(p.Data))
	}
	w := s.newWork()
	var total float64
	for i := 0; i < I; i++ {
		s.prepare(i, w)
		for b := 0; b < B; b++ {
			total += s.lossOf(s.sample(i, h[(b*I+i)*D:(b*I+i+1)*D], 1/float64(B), w, true)) / float64(B)
		}
		s.finishDecoderGrad(i, w)
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
// their count. Architectures whose forward couples samples (BatchTopK) replace this.
func (s *SAE) lossGradBatch(i int, hb *hiddenBatch, B int, w *work, counts []int) (sums [4]float64) {
	D := s.Cfg.DIn
	invB := 1 / float64(B)
	clear(counts)
	add := func(h []float64, mult int) {
		t := s.sample(i, h, float64(mult)*invB, w, true)
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
	if hb.NZero > 0 {
		add(w.zero, hb.NZero)
	}
	for k := range hb.Sample {
		add(hb.H[k*D:(k+1)*D], 1)
	}
	s.finishDecoderGrad(i, w)
	return sums
}

// afterStep runs after instance i's Adam update: the untied decoder's hard projection back
// to unit rows (spec §2.7 step 5; Adam's moments are untouched).
func (s *SAE) afterStep(i int, w *work) {
	if s.WDec != nil {
		D, S := s.Cfg.DIn, s.Cfg.DSAE
		dec := s.WDec[i*S*D : (i+1)*S*D]
		normalizeRows(dec, dec, nil, S, D, s.Cfg.WeightNormalizeEps)
	}
}
