package wide

// Tensor is one named weight in SAELens's saved layout (row-major float32).
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// SAELensTensors returns the weights under the names and shapes SAELens's inference SAE of
// the saved architecture loads (spec reference-semantics.md §11, synthetic.md §8.4).
func (s *SAE) SAELensTensors() []Tensor {
	S, D := s.cfg.DSAE, s.cfg.DIn
	dec := []Tensor{{"W_dec", []int{S, D}, s.WDec}, {"b_dec", []int{D}, s.BDec}}
	switch s.arch {
	case "matching_pursuit":
		return dec
	case "gated":
		return append([]Tensor{{"W_enc", []int{D, S}, s.WEnc}, {"b_gate", []int{S}, s.BEnc},
			{"r_mag", []int{S}, s.RMag}, {"b_mag", []int{S}, s.BMag}}, dec...)
	}
	out := append([]Tensor{{"W_enc", []int{D, S}, s.WEnc}, {"b_enc", []int{S}, s.BEnc}}, dec...)
	if s.arch == "jumprelu" {
		out = append(out, Tensor{"threshold", []int{S}, s.Threshold})
	}
	return out
}

// SAELensConfig returns the cfg.json fields of SAELens's v6 inference config for the saved
// architecture. The activation scale is already folded into the weights, so
// normalize_activations is "none".
func (s *SAE) SAELensConfig() map[string]any {
	c := s.cfg
	m := map[string]any{
		"d_in": c.DIn, "d_sae": c.DSAE, "dtype": "float32", "device": "cpu",
		"apply_b_dec_to_input": c.ApplyBDecToInput, "normalize_activations": "none",
		"reshape_activations": "none", "architecture": s.arch,
		"metadata": map[string]any{"model_name": nil, "hook_name": nil, "saelab_trained_as": c.Arch},
	}
	switch s.arch {
	case "topk":
		m["k"] = c.K
		m["rescale_acts_by_decoder_norm"] = c.RescaleActsByDecoderNorm
	case "matching_pursuit":
		m["residual_threshold"] = c.ResidualThreshold
		m["max_iterations"] = c.K
		m["stop_on_duplicate_support"] = c.StopOnDuplicateSupport
	}
	return m
}
