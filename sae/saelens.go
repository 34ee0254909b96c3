package sae

import (
	"fmt"
	"math"

	"saelab/internal/version"
)

// SAELens export (reference-semantics.md §11): one instance of a trained SAE as the tensors
// and cfg.json of SAELens's inference SAE, with the same encode and decode. Each architecture
// names its SAELens architecture and tensors in its own file (the arch method saelens); the
// helpers below hold what they share. The result is plain data: writing it is the store's job.

// SAELensTensor is one tensor of an SAELens SAE: its plain name (W_enc, b_enc, …), shape and
// row-major float32 values (SAELens's default dtype).
type SAELensTensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// SAELensVersion is the SAELens version whose inference format the export follows.
const SAELensVersion = "6.18.0"

// saelensExport is one instance in SAELens's layout: its architecture, its tensors, and the
// cfg.json fields only that architecture has.
type saelensExport struct {
	arch    string
	tensors []SAELensTensor
	extra   map[string]any
}

// SAELensTensors returns instance i as SAELens tensors: the standard SAE with
// W_dec = W_dec_normalized (what its forward uses); Gated with W_gate as W_enc; JumpReLU with
// threshold = exp(log_theta); TopK with the decoder norms folded into the encoder when it
// rescales by them; BatchTopK and Matryoshka as JumpReLU with threshold = τ·ones.
func (s *SAE) SAELensTensors(i int) ([]SAELensTensor, error) {
	if i < 0 || i >= s.Cfg.NInst {
		return nil, fmt.Errorf("instance %d: must be from 0 to %d", i, s.Cfg.NInst-1)
	}
	return s.arch.saelens(s, i).tensors, nil
}

// SAELensConfig returns instance i's cfg.json (SAELens 6's inference form): d_in, d_sae,
// dtype float32, device cpu, apply_b_dec_to_input (every toy SAE subtracts b_dec from its
// input), no activation normalisation or reshaping, the SAELens architecture and its fields
// (topk: k and rescale_acts_by_decoder_norm = false, as the norms are folded), and metadata
// with SAELens's null model and hook names plus saelab_version, saelab_arch and
// saelab_instance.
func (s *SAE) SAELensConfig(i int) (map[string]any, error) {
	if i < 0 || i >= s.Cfg.NInst {
		return nil, fmt.Errorf("instance %d: must be from 0 to %d", i, s.Cfg.NInst-1)
	}
	e := s.arch.saelens(s, i)
	cfg := map[string]any{
		"d_in": s.Cfg.DIn, "d_sae": s.Cfg.DSAE, "dtype": "float32", "device": "cpu",
		"apply_b_dec_to_input": true, "normalize_activations": "none", "reshape_activations": "none",
		"architecture": e.arch,
		"metadata": map[string]any{
			"sae_lens_version": SAELensVersion, "sae_lens_training_version": SAELensVersion,
			"model_name": nil, "hook_name": nil,
			"saelab_version": version.Version, "saelab_arch": s.Cfg.Arch, "saelab_instance": i,
		},
	}
	for k, v := range e.extra {
		cfg[k] = v
	}
	return cfg, nil
}

// standardExport is instance i as an SAELens standard SAE: W_enc, b_enc, the decoder the
// forward uses (W_dec_normalized or the raw rows) and b_dec.
func (s *SAE) standardExport(i int, normalized bool) saelensExport {
	D, S := s.Cfg.DIn, s.Cfg.DSAE
	dec := s.DecoderRows(i)
	if normalized {
		dec = s.DecoderDirections(i)
	}
	return saelensExport{arch: "standard", tensors: []SAELensTensor{
		{"W_enc", []int{D, S}, f32(s.WEnc[i*D*S : (i+1)*D*S])},
		{"b_enc", []int{S}, f32(s.BEnc[i*S : (i+1)*S])},
		{"W_dec", []int{S, D}, f32(dec)},
		{"b_dec", []int{D}, f32(s.BDec[i*D : (i+1)*D])},
	}}
}

// topkExport is instance i of the TopK family with its decoder W_dec_normalized. When the
// SAE selects on pre·n (n_j = ‖W_dec,j‖), n is folded in so that SAELens, which then need not
// rescale, computes the same: W_enc[:,j] ·= n_j and b_enc_j ·= n_j make its pre-activation
// pre·n, and W_dec,j = Ŵ_j/n_j makes ReLU(pre_j·n_j)·W_dec,j = ReLU(pre_j)·Ŵ_j. A latent with
// n_j = 0 never fires (its selection value is 0) and is written as zeros.
func (s *SAE) topkExport(i int) saelensExport {
	e := s.standardExport(i, true)
	if !s.Cfg.RescaleActsByDecoderNorm {
		return e
	}
	D, S := s.Cfg.DIn, s.Cfg.DSAE
	raw, dir := s.DecoderRows(i), s.DecoderDirections(i)
	wEnc, bEnc, wDec := e.tensors[0].Data, e.tensors[1].Data, e.tensors[2].Data
	for j := 0; j < S; j++ {
		var n float64
		for _, v := range raw[j*D : (j+1)*D] {
			n += v * v
		}
		n = math.Sqrt(n)
		bEnc[j] = float32(s.BEnc[i*S+j] * n)
		for d := 0; d < D; d++ {
			wEnc[d*S+j] = float32(s.WEnc[i*D*S+d*S+j] * n)
			wDec[j*D+d] = 0
			if n > 0 {
				wDec[j*D+d] = float32(dir[j*D+d] / n)
			}
		}
	}
	return e
}

// withThreshold turns e into an SAELens jumprelu SAE with the given threshold per latent.
func withThreshold(e saelensExport, theta []float32) saelensExport {
	e.arch = "jumprelu"
	e.tensors = append(e.tensors, SAELensTensor{"threshold", []int{len(theta)}, theta})
	return e
}

func f32(v []float64) []float32 {
	out := make([]float32, len(v))
	for k, x := range v {
		out[k] = float32(x)
	}
	return out
}
