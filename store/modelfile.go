package store

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"saelab/internal/version"
	"saelab/toymodel"
)

// The toy-model file, model.safetensors: W [I,H,F] and b_final [I,F] in F32 (the reference's
// names and dtype), importance and feature_probability [I,F] in F64 (exact), and the config in
// the metadata: format=saelab.toymodel, format_version, saelab_version, n_inst, n_features,
// d_hidden, n_correlated_pairs, n_anticorrelated_pairs, feat_mag_distn, and the importance
// and feature_probability specs as the user wrote them.
const (
	ModelFileFormat = "saelab.toymodel"
	SAEFileFormat   = "saelab.sae"
	// FileFormatVersion is the format_version of the model and SAE files.
	FileFormatVersion = "1"
)

// ModelSpecs are the importance and feature-probability specs a model was made with, as the
// user wrote them (toymodel.Spec), kept in the model file's metadata.
type ModelSpecs struct {
	Importance, FeatureProbability toymodel.Spec
}

// WriteModel writes a toy model to path atomically.
func WriteModel(path string, m *toymodel.Model, specs ModelSpecs) error {
	I, H, F := m.Cfg.NInst, m.Cfg.DHidden, m.Cfg.NFeatures
	ts := []Tensor{
		{Name: "W", Shape: []int{I, H, F}, Data: m.W},
		{Name: "b_final", Shape: []int{I, F}, Data: m.BFinal},
		{Name: "importance", Shape: []int{I, F}, Data: m.Importance, Dtype: DtypeF64},
		{Name: "feature_probability", Shape: []int{I, F}, Data: m.FeatureProbability, Dtype: DtypeF64},
	}
	md := map[string]string{
		"format":                 ModelFileFormat,
		"format_version":         FileFormatVersion,
		"saelab_version":         version.Version,
		"n_inst":                 strconv.Itoa(I),
		"n_features":             strconv.Itoa(F),
		"d_hidden":               strconv.Itoa(H),
		"n_correlated_pairs":     strconv.Itoa(m.Cfg.NCorrelatedPairs),
		"n_anticorrelated_pairs": strconv.Itoa(m.Cfg.NAnticorrelatedPairs),
		"feat_mag_distn":         m.Cfg.FeatMagDistn,
		"importance":             string(specs.Importance),
		"feature_probability":    string(specs.FeatureProbability),
	}
	return WriteSafetensors(path, ts, md)
}

// ModelPath returns the model.safetensors of a run directory, or path itself if it is a file.
func ModelPath(path string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("model %s: %w", path, cleanPathError(err))
	}
	if st.IsDir() {
		return filepath.Join(path, ModelFile), nil
	}
	return path, nil
}

// LoadModel reads a toy model from a run directory or a .safetensors file. It needs W
// [I,H,F], b_final [I,F] and feature_probability [I,F]; importance defaults to 1. The shape
// comes from W; pairs and magnitude distribution from the metadata (default: none, unif), so
// a file written by Python with the reference's names loads too. The specs come from the
// metadata, or else are the exact values written compactly (toymodel.Compact).
func LoadModel(path string) (*toymodel.Model, ModelSpecs, error) {
	file, err := ModelPath(path)
	if err != nil {
		return nil, ModelSpecs{}, err
	}
	ts, md, err := ReadSafetensors(file)
	if err != nil {
		return nil, ModelSpecs{}, err
	}
	fail := func(format string, args ...any) (*toymodel.Model, ModelSpecs, error) {
		return nil, ModelSpecs{}, fmt.Errorf("model %s: %s", file, fmt.Sprintf(format, args...))
	}
	if f := md["format"]; f != "" && f != ModelFileFormat {
		return fail("metadata format = %q, want %q (is this an SAE or data-log file?)", f, ModelFileFormat)
	}
	cfg, err := modelConfig(ts, md)
	if err != nil {
		return fail("%v", err)
	}
	I, F := cfg.NInst, cfg.NFeatures
	W, _ := FindTensor(ts, "W")
	vals := map[string][]float64{}
	for _, v := range []struct {
		name     string
		def      float64
		required bool
	}{{"b_final", 0, true}, {"importance", 1, false}, {"feature_probability", 0, true}} {
		if vals[v.name], err = instanceFeatureTensor(ts, v.name, I, F, v.def, v.required); err != nil {
			return fail("%v", err)
		}
	}
	m, err := toymodel.FromWeights(cfg, toymodel.Full(vals["importance"]), toymodel.Full(vals["feature_probability"]), W.Data, vals["b_final"])
	if err != nil {
		return fail("%v", err)
	}
	specs := ModelSpecs{Importance: toymodel.Spec(md["importance"]), FeatureProbability: toymodel.Spec(md["feature_probability"])}
	if specs.Importance == "" {
		specs.Importance = toymodel.Compact(vals["importance"], I, F)
	}
	if specs.FeatureProbability == "" {
		specs.FeatureProbability = toymodel.Compact(vals["feature_probability"], I, F)
	}
	return m, specs, nil
}

// modelConfig reads the model's shape from W and its pairs and magnitudes from the metadata.
func modelConfig(ts []Tensor, md map[string]string) (toymodel.Config, error) {
	W, ok, err := floatTensor(ts, "W")
	if err != nil {
		return toymodel.Config{}, err
	}
	if !ok {
		return toymodel.Config{}, fmt.Errorf("no tensor W (want W [n_inst, d_hidden, n_features])")
	}
	if len(W.Shape) != 3 {
		return toymodel.Config{}, fmt.Errorf("W has shape %v, want [n_inst, d_hidden, n_features]", W.Shape)
	}
	cfg := toymodel.Config{NInst: W.Shape[0], DHidden: W.Shape[1], NFeatures: W.Shape[2], FeatMagDistn: "unif"}
	for key, dst := range map[string]*int{"n_correlated_pairs": &cfg.NCorrelatedPairs, "n_anticorrelated_pairs": &cfg.NAnticorrelatedPairs} {
		if s, ok := md[key]; ok {
			v, err := strconv.Atoi(s)
			if err != nil {
				return toymodel.Config{}, fmt.Errorf("metadata %s = %q: not an integer", key, s)
			}
			*dst = v
		}
	}
	for key, want := range map[string]int{"n_inst": cfg.NInst, "d_hidden": cfg.DHidden, "n_features": cfg.NFeatures} {
		if s, ok := md[key]; ok && s != strconv.Itoa(want) {
			return toymodel.Config{}, fmt.Errorf("metadata %s = %s but W has shape %v", key, s, W.Shape)
		}
	}
	if s, ok := md["feat_mag_distn"]; ok {
		cfg.FeatMagDistn = s
	}
	return cfg, nil
}

// instanceFeatureTensor returns the [I,F] tensor name, or def everywhere when it is absent and
// not required.
func instanceFeatureTensor(ts []Tensor, name string, I, F int, def float64, required bool) ([]float64, error) {
	t, ok, err := floatTensor(ts, name)
	if err != nil {
		return nil, err
	}
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
