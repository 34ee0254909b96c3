package sae

import "saelab/internal/vec"

// useLanes picks the lane kernel for small SAEs (the seed's d_in 2, d_sae 5); larger ones
// vectorise over the latents instead (largeBatch).
func (s *SAE) useLanes() bool { return s.Cfg.DIn*s.Cfg.DSAE <= 64 }

// lanes is the lane kernel's block: samples k and k+8 share a lane.
const lanes = 8

// standardBatch is the one place that picks the standard SAE's training kernel, by shape
// (D = d_in, S = d_sae; the first matching row wins). Every row gives standardSample's
// per-sample results in a fixed order of additions, bit for bit, in both builds and at any
// GOMAXPROCS; internal/vec/dispatch.go lists the twins vec.SAELanes runs in each build.
//
//	samples             when                           runs                     pinned by
//	all-zero group      any shape: once, weighted      sae.SAE.standardSample   sae.TestStandardLanesMatchReferenceBits, sae.TestStandardLargeMatchesSequentialBits
//	nonzero             D·S ≤ 64 (useLanes)            vec.SAELanes.Run         sae.TestStandardLanesMatchReferenceBits, sae.TestStandardLanesChunksAndDeadLatents
//	nonzero             D·S > 64                       sae.SAE.largeBatch       sae.TestStandardLargeMatchesSequentialBits
//	inference/logging   any shape, per sample          sae.SAE.standardSample   sae.TestWorkedExample, sae.TestGoldenStandardSAE
//
// The lane kernel sums each lane in sample order and adds the lanes in vec.LaneSums's tree;
// the large-shape kernel keeps standardSample's sequential order over the samples. The shape
// alone fixes which order a run gets, so results do not depend on the build.
//
// It adds the gradient of mean_b loss to w.g (w.gWn for the normalised decoder;
// finishDecoderGrad completes it), counts each latent's active samples (|acts| > 1e-8) into
// counts and returns the batch sums of [loss, L_rec, L_sp]. w must hold prepare(i).
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
		w.ln = vec.NewSAELanes(D, S)
	}
	hb.toSoA(D)
	w.ln.Run(s.WEnc[i*D*S:(i+1)*D*S], s.BEnc[i*S:(i+1)*S], s.BDec[i*D:(i+1)*D], w.wn[:S*D], hb.hd, hb.stride, len(hb.Sample), s.Cfg.SparsityCoeff, invB)
	red := w.ln.Sums() // every accumulator's sum of lanes (the lane tree)
	gWEnc, gBEnc, gBDec := w.g[0], w.g[len(w.g)-2], w.g[len(w.g)-1]
	for k, v := range red.WEnc {
		gWEnc[k] += v
	}
	for k, v := range red.Wn {
		w.gWn[k] += v
	}
	for j, v := range red.BEnc {
		gBEnc[j] += v
	}
	for d, v := range red.BDec {
		gBDec[d] += v
	}
	for k, v := range red.Loss {
		sums[k] += v
	}
	for j, v := range red.Count {
		counts[j] += int(v)
	}
	return sums
}
