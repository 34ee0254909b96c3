package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"saelab/sae"
	"saelab/store"
	"saelab/toymodel"
)

// File formats written into the safetensors metadata.
const (
	ModelFileFormat = "saelab.toymodel"
	SAEFileFormat   = "saelab.sae"
	FileFormatVer   = "1"
)

// WriteModelFile writes a toy model as safetensors, atomically: W [I,H,F] and b_final [I,F] in
// F32 (the reference's names and dtype), importance and feature_probability [I,F] in F64 (exact),
// and the config in the metadata (format=saelab.toymodel, n_inst, n_features, d_hidden,
// n_correlated_pairs, n_anticorrelated_pairs, feat_mag_distn, and the importance and
// feature_probability specs as written).
func WriteModelFile(path string, m *toymodel.Model, mc ModelConfig) error {
	I, H, F := m.Cfg.NInst, m.Cfg.DHidden, m.Cfg.NFeatures
	ts := []store.Tensor{
		{Name: "W", Shape: []int{I, H, F}, Data: m.W},
		{Name: "b_final", Shape: []int{I, F}, Data: m.BFinal},
		{Name: "importance", Shape: []int{I, F}, Data: m.Importance, Dtype: store.DtypeF64},
		{Name: "feature_probability", Shape: []int{I, F}, Data: m.FeatureProbability, Dtype: store.DtypeF64},
	}
	md := map[string]string{
		"format":                 ModelFileFormat,
		"format_version":         FileFormatVer,
		"saelab_version":         Version,
		"n_inst":                 strconv.Itoa(I),
		"n_features":             strconv.Itoa(F),
		"d_hidden":               strconv.Itoa(H),
		"n_correlated_pairs":     strconv.Itoa(m.Cfg.NCorrelatedPairs),
		"n_anticorrelated_pairs": strconv.Itoa(m.Cfg.NAnticorrelatedPairs),
		"feat_mag_distn":         m.Cfg.FeatMagDistn,
		"importance":             string(mc.Importance),
		"feature_probability":    string(mc.FeatureProbability),
	}
	return store.WriteSafetensors(path, ts, md)
}

// ModelPath returns the model.safetensors of a run directory, or path itself if it is a file.
func ModelPath(path string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("model %s: %w", path, err)
	}
	if st.IsDir() {
		return filepath.Join(path, store.ModelFile), nil
	}
	return path, nil
}

// LoadModel reads a toy model from a run directory or a .safetensors file. It needs W
// [I,H,F], b_final [I,F] and feature_probability [I,F]; importance defaults to 1. The shape
// comes from W; pairs and magnitude distribution from the metadata (default: none, unif), so a
// file written by Python with the reference's names loads too. The returned ModelConfig
// reproduces the file's config (specs from the metadata, or exact full: values).
func LoadModel(path string) (*toymodel.Model, ModelConfig, error) {
	file, err := ModelPath(path)
	if err != nil {
		return nil, ModelConfig{}, err
	}
	ts, md, err := store.ReadSafetensors(file)
	if err != nil {
		return nil, ModelConfig{}, err
	}
	fail := func(format string, args ...any) (*toymodel.Model, ModelConfig, error) {
		return nil, ModelConfig{}, fmt.Errorf("model %s: %s", file, fmt.Sprintf(format, args...))
	}
	if f := md["format"]; f != "" && f != ModelFileFormat {
		return fail("metadata format = %q, want %q (is this an SAE or data-log file?)", f, ModelFileFormat)
	}
	W, ok := store.FindTensor(ts, "W")
	if !ok {
		return fail("no tensor W (want W [n_inst, d_hidden, n_features])")
	}
	if len(W.Shape) != 3 {
		return fail("W has shape %v, want [n_inst, d_hidden, n_features]", W.Shape)
	}
	I, H, F := W.Shape[0], W.Shape[1], W.Shape[2]
	cfg := toymodel.Config{NInst: I, DHidden: H, NFeatures: F, FeatMagDistn: "unif"}
	for key, dst := range map[string]*int{"n_correlated_pairs": &cfg.NCorrelatedPairs, "n_anticorrelated_pairs": &cfg.NAnticorrelatedPairs} {
		if s, ok := md[key]; ok {
			if *dst, err = strconv.Atoi(s); err != nil {
				return fail("metadata %s = %q: not an integer", key, s)
			}
		}
	}
	for key, want := range map[string]int{"n_inst": I, "d_hidden": H, "n_features": F} {
		if s, ok := md[key]; ok && s != strconv.Itoa(want) {
			return fail("metadata %s = %s but W has shape %v", key, s, W.Shape)
		}
	}
	if s, ok := md["feat_mag_distn"]; ok {
		cfg.FeatMagDistn = s
	}
	iF := func(name string, def float64, required bool) ([]float64, error) {
		t, ok := store.FindTensor(ts, name)
		if !ok {
			if required {
				return nil, fmt.Errorf("no tensor %s (want %s [n_inst, n_features])", name, name)
			}
			out := make([]float64, I*F)
			for k := range out {
				out[k] = def
			}
			return out, nil
		}
		if len(t.Shape) != 2 || t.Shape[0] != I || t.Shape[1] != F {
			return nil, fmt.Errorf("%s has shape %v, want [%d, %d]", name, t.Shape, I, F)
		}
		return t.Data, nil
	}
	bFinal, err := iF("b_final", 0, true)
	if err != nil {
		return fail("%v", err)
	}
	imp, err := iF("importance", 1, false)
	if err != nil {
		return fail("%v", err)
	}
	p, err := iF("feature_probability", 0, true)
	if err != nil {
		return fail("%v", err)
	}
	m, err := toymodel.FromWeights(cfg, toymodel.Full(imp), toymodel.Full(p), W.Data, bFinal)
	if err != nil {
		return fail("%v", err)
	}
	mc := ModelConfig{Config: cfg, Importance: ValuesSpec(md["importance"]), FeatureProbability: ValuesSpec(md["feature_probability"])}
	if mc.Importance == "" {
		mc.Importance = CompactSpec(imp, I, F)
	}
	if mc.FeatureProbability == "" {
		mc.FeatureProbability = CompactSpec(p, I, F)
	}
	return m, mc, nil
}

// CompactSpec writes (I, F) values as the shortest exact ValuesSpec: a number, per-instance,
// per-feature or full.
func CompactSpec(v []float64, I, F int) ValuesSpec {
	num := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	rowsEqual, colsConst, all := true, true, true
	for i := 0; i < I; i++ {
		for f := 0; f < F; f++ {
			x := v[i*F+f]
			rowsEqual = rowsEqual && x == v[f]
			colsConst = colsConst && x == v[i*F]
			all = all && x == v[0]
		}
	}
	join := func(xs []float64) string {
		s := make([]string, len(xs))
		for k, x := range xs {
			s[k] = num(x)
		}
		return strings.Join(s, ",")
	}
	switch {
	case all:
		return ValuesSpec(num(v[0]))
	case rowsEqual:
		return ValuesSpec("per-feature:" + join(v[:F]))
	case colsConst:
		col := make([]float64, I)
		for i := range col {
			col[i] = v[i*F]
		}
		return ValuesSpec("per-instance:" + join(col))
	}
	rows := make([]string, I)
	for i := range rows {
		rows[i] = join(v[i*F : (i+1)*F])
	}
	return ValuesSpec("full:" + strings.Join(rows, ";"))
}

// WriteSAEFile writes a trained SAE as safetensors, atomically: every trainable parameter under
// its reference name with the leading instance axis (W_enc [I,D,S], b_enc [I,S], b_dec [I,D],
// and the architecture's own), except that the decoder is written as W_dec [I,S,D] (the
// reference's W_dec: _W_dec, or W_encᵀ when tied), plus the non-trained state the inference
// forward needs (sae.State(): BatchTopK's and Matryoshka's threshold τ as "threshold" [I], F64
// so that it round-trips exactly). Metadata: format=saelab.sae, architecture
// saelab_multi_<arch>, the run name, and the SAE and training configs as YAML.
func WriteSAEFile(path, run string, s *sae.SAE, tc sae.TrainConfig) error {
	I, D, S := s.Cfg.NInst, s.Cfg.DIn, s.Cfg.DSAE
	var ts []store.Tensor
	for _, p := range s.Params() {
		if p.Name == "_W_dec" {
			continue
		}
		ts = append(ts, store.Tensor{Name: p.Name, Shape: p.Shape, Data: p.Data})
	}
	wdec := make([]float64, 0, I*S*D)
	for i := 0; i < I; i++ {
		wdec = append(wdec, s.DecoderRows(i)...)
	}
	ts = append(ts, store.Tensor{Name: "W_dec", Shape: []int{I, S, D}, Data: wdec})
	for _, st := range s.State() {
		ts = append(ts, store.Tensor{Name: st.Name, Shape: st.Shape, Data: st.Data, Dtype: store.DtypeF64})
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
		"format_version": FileFormatVer,
		"saelab_version": Version,
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
	return store.WriteSafetensors(path, ts, md)
}

// LoadSAE reads an SAE written by WriteSAEFile and attaches it to model (a copy, as sae.New
// does). The config comes from the metadata; every parameter from its tensor (the decoder from
// W_dec when untied), and the state of sae.State() (BatchTopK's τ) from its own.
func LoadSAE(path string, model *toymodel.Model) (*sae.SAE, sae.TrainConfig, error) {
	ts, md, err := store.ReadSafetensors(path)
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
		return fail("metadata sae_config: %v", err)
	}
	var tc sae.TrainConfig
	if err := yaml.Unmarshal([]byte(md["train_config"]), &tc); err != nil {
		return fail("metadata train_config: %v", err)
	}
	s, err := sae.New(cfg, model, 0)
	if err != nil {
		return fail("%v", err)
	}
	for _, p := range s.Params() {
		name := p.Name
		if name == "_W_dec" {
			name = "W_dec"
		}
		t, ok := store.FindTensor(ts, name)
		if !ok {
			return fail("no tensor %s", name)
		}
		if len(t.Data) != len(p.Data) {
			return fail("%s has %d values (shape %v), want %d (shape %v)", name, len(t.Data), t.Shape, len(p.Data), p.Shape)
		}
		copy(p.Data, t.Data)
	}
	for _, st := range s.State() {
		t, ok := store.FindTensor(ts, st.Name)
		if !ok {
			return fail("no tensor %s (%s's inference state, shape %v; without it the SAE cannot be evaluated)", st.Name, cfg.Arch, st.Shape)
		}
		if len(t.Data) != len(st.Data) {
			return fail("%s has %d values (shape %v), want %d (shape %v)", st.Name, len(t.Data), t.Shape, len(st.Data), st.Shape)
		}
		copy(st.Data, t.Data)
	}
	return s, tc, nil
}

// dirEmptyOrMissing reports whether dir does not exist or holds nothing.
func dirEmptyOrMissing(dir string) (bool, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	return len(entries) == 0, nil
}
