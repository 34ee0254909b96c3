package store

import (
	"fmt"
	"strconv"

	"go.yaml.in/yaml/v3"

	"saelab/internal/version"
	"saelab/sae"
	"saelab/toymodel"
)

// The SAE file, sae-<run>.safetensors: every trainable parameter under its reference name with
// the leading instance axis (W_enc [I,D,S], b_enc [I,S], b_dec [I,D], and the architecture's
// own), except that the decoder is written as W_dec [I,S,D] (the reference's W_dec: _W_dec,
// or W_encᵀ when tied), plus the non-trained state the inference forward needs (sae.State():
// BatchTopK's threshold τ, F64 so that it round-trips exactly). Metadata: format=saelab.sae,
// architecture saelab_multi_<arch>, the run name, and the SAE and training configs as YAML.

// WriteSAE writes a trained SAE of run to path atomically.
func WriteSAE(path, run string, s *sae.SAE, tc sae.TrainConfig) error {
	I, D, S := s.Cfg.NInst, s.Cfg.DIn, s.Cfg.DSAE
	var ts []Tensor
	for _, p := range s.Params() {
		if p.Name != "_W_dec" {
			ts = append(ts, Tensor{Name: p.Name, Shape: p.Shape, Data: p.Data})
		}
	}
	wdec := make([]float64, 0, I*S*D)
	for i := 0; i < I; i++ {
		wdec = append(wdec, s.DecoderRows(i)...)
	}
	ts = append(ts, Tensor{Name: "W_dec", Shape: []int{I, S, D}, Data: wdec})
	for _, st := range s.State() {
		ts = append(ts, Tensor{Name: st.Name, Shape: st.Shape, Data: st.Data, Dtype: DtypeF64})
	}
	scfg, err := yaml.Marshal(s.Cfg)
	if err != nil {
		return err
	}
	tcfg, err := yaml.Marshal(tc)
	if err != nil {
		return err
	}
	md := map[string]string{
		"format":         SAEFileFormat,
		"format_version": FileFormatVersion,
		"saelab_version": version.Version,
		"architecture":   "saelab_multi_" + s.Cfg.Arch,
		"arch":           s.Cfg.Arch,
		"run":            run,
		"n_inst":         strconv.Itoa(I),
		"d_in":           strconv.Itoa(D),
		"d_sae":          strconv.Itoa(S),
		"tied_weights":   strconv.FormatBool(s.Cfg.TiedWeights),
		"sae_config":     string(scfg),
		"train_config":   string(tcfg),
	}
	return WriteSafetensors(path, ts, md)
}

// LoadSAE reads an SAE written by WriteSAE and attaches it to model (a copy, as sae.New
// does). The config comes from the metadata; every parameter from its tensor (the decoder from
// W_dec when untied), and the state of sae.State() (BatchTopK's τ) from its own.
func LoadSAE(path string, model *toymodel.Model) (*sae.SAE, sae.TrainConfig, error) {
	ts, md, err := ReadSafetensors(path)
	if err != nil {
		return nil, sae.TrainConfig{}, err
	}
	fail := func(format string, args ...any) (*sae.SAE, sae.TrainConfig, error) {
		return nil, sae.TrainConfig{}, fmt.Errorf("SAE %s: %s", path, fmt.Sprintf(format, args...))
	}
	if md["format"] != SAEFileFormat {
		return fail("metadata format = %q, want %q", md["format"], SAEFileFormat)
	}
	var cfg sae.Config
	if err := yaml.Unmarshal([]byte(md["sae_config"]), &cfg); err != nil {
		return fail("metadata sae_config is not a valid SAE config")
	}
	var tc sae.TrainConfig
	if err := yaml.Unmarshal([]byte(md["train_config"]), &tc); err != nil {
		return fail("metadata train_config is not a valid training config")
	}
	s, err := sae.New(cfg, model, 0)
	if err != nil {
		return fail("%v", err)
	}
	for _, p := range append(s.Params(), s.State()...) {
		name := p.Name
		if name == "_W_dec" {
			name = "W_dec"
		}
		t, ok, err := floatTensor(ts, name)
		if err != nil {
			return fail("%v", err)
		}
		if !ok {
			return fail("no tensor %s (%s's %v tensor; without it the SAE cannot be used)", name, cfg.Arch, p.Shape)
		}
		if len(t.Data) != len(p.Data) {
			return fail("%s has %d values (shape %v), want %d (shape %v)", name, len(t.Data), t.Shape, len(p.Data), p.Shape)
		}
		copy(p.Data, t.Data)
	}
	return s, tc, nil
}
