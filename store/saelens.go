package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// An SAE in SAELens's layout (reference-semantics.md §11, synthetic.md §8.4) is a directory
// holding cfg.json and sae_weights.safetensors: plain tensor names, float32 data, no
// metadata. This file owns the container only; which tensors an architecture has comes from
// the code that trained it (the toy SAEs' sae.SAELens*, the wide SAEs' SAELensTensors), and is
// checked here against the table of the architectures SAELens loads.

// The files of an SAELens SAE directory.
const (
	SAELensConfigFile  = "cfg.json"
	SAELensWeightsFile = "sae_weights.safetensors"
)

// maxSAELensConfigBytes bounds cfg.json (real ones are about 1 kB).
const maxSAELensConfigBytes = 1 << 20

// SAELensTensor is one named float32 tensor of an SAELens SAE: Data is row-major and holds
// product(Shape) values.
type SAELensTensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// SAELensSAE is an SAE read from an SAELens directory. Config is cfg.json as decoded (numbers
// as json.Number); DIn, DSAE and Arch are its d_in, d_sae and architecture (an old flat config
// without architecture gives "standard", or "topk" when activation_fn_str is "topk").
// Ignored lists the tensors skipped on reading (the coefficient_autotuner.* state that
// SynthSAEBench SAEs published before May 2026 carry).
type SAELensSAE struct {
	Config  map[string]any
	DIn     int
	DSAE    int
	Arch    string
	Tensors []SAELensTensor
	Ignored []string
}

// Tensor returns the tensor called name.
func (s *SAELensSAE) Tensor(name string) (SAELensTensor, bool) {
	for _, t := range s.Tensors {
		if t.Name == name {
			return t, true
		}
	}
	return SAELensTensor{}, false
}

// saelensShapes lists, per architecture SAELens loads, the tensors it needs and their shapes
// in terms of d_in ("i") and d_sae ("s"). Other architectures are written and read with only
// the generic checks.
var saelensShapes = map[string]map[string]string{
	"standard":         {"W_enc": "is", "b_enc": "s", "W_dec": "si", "b_dec": "i"},
	"topk":             {"W_enc": "is", "b_enc": "s", "W_dec": "si", "b_dec": "i"},
	"jumprelu":         {"W_enc": "is", "b_enc": "s", "W_dec": "si", "b_dec": "i", "threshold": "s"},
	"gated":            {"W_enc": "is", "b_gate": "s", "r_mag": "s", "b_mag": "s", "W_dec": "si", "b_dec": "i"},
	"matching_pursuit": {"W_dec": "si", "b_dec": "i"},
}

// WriteSAELens writes an SAE to dir (created if needed) in SAELens's layout: the tensors to
// sae_weights.safetensors as F32, then cfg (which must hold d_in and d_sae as positive
// integers and architecture as a string; dtype, when given, must be "float32") to cfg.json, so
// that a directory with a cfg.json is complete. Tensors must have distinct names, shapes that
// match their data, finite values and, for the architectures SAELens loads, the tensors and
// shapes it expects. Both files are written atomically.
func WriteSAELens(dir string, cfg map[string]any, tensors []SAELensTensor) error {
	fail := func(err error) error { return fmt.Errorf("SAELens SAE %s: %w", dir, err) }
	dIn, dSAE, arch, err := saelensHeader(cfg)
	if err != nil {
		return fail(err)
	}
	if dt, ok := cfg["dtype"]; ok && dt != "float32" {
		return fail(fmt.Errorf("cfg.json field dtype = %v: only float32 is written", dt))
	}
	if err := checkCfgFinite("", cfg); err != nil {
		return fail(err)
	}
	cfgJSON, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return fail(fmt.Errorf("cfg.json: %w", err))
	}
	ts := make([]Tensor, len(tensors))
	for k, t := range tensors {
		for j, v := range t.Data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return fail(fmt.Errorf("tensor %s: element %d = %g: must be finite", t.Name, j, v))
			}
		}
		ts[k] = Tensor{Name: t.Name, Shape: t.Shape, Dtype: DtypeF32, parts32: [][]float32{t.Data}}
	}
	if err := checkSAELensTensors(arch, dIn, dSAE, ts); err != nil {
		return fail(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fail(cleanPathError(err))
	}
	if err := WriteSafetensors(filepath.Join(dir, SAELensWeightsFile), ts, nil); err != nil {
		return err
	}
	return WriteFileAtomic(filepath.Join(dir, SAELensConfigFile), append(cfgJSON, '\n'), 0o644)
}

// ReadSAELens reads an SAELens SAE directory: cfg.json (at most 1 MiB, a JSON object) and
// sae_weights.safetensors (at most MaxFileBytes; any float dtype, read as float32). Tensors
// named coefficient_autotuner.* are skipped (listed in Ignored); for the architectures SAELens
// loads, the tensors and shapes it needs are checked against d_in and d_sae.
func ReadSAELens(dir string) (*SAELensSAE, error) {
	cfgPath := filepath.Join(dir, SAELensConfigFile)
	data, err := readLimit(cfgPath, maxSAELensConfigBytes)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", cfgPath, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var cfg map[string]any
	if err := dec.Decode(&cfg); err != nil || cfg == nil {
		return nil, fmt.Errorf("read %s: not a JSON object (%v)", cfgPath, jsonErr(err))
	}
	legacySAELensArch(cfg)
	s := &SAELensSAE{Config: cfg}
	if s.DIn, s.DSAE, s.Arch, err = saelensHeader(cfg); err != nil {
		return nil, fmt.Errorf("read %s: %w", cfgPath, err)
	}
	wPath := filepath.Join(dir, SAELensWeightsFile)
	raw, err := readBounded(wPath)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", wPath, err)
	}
	ts, _, err := decodeSafetensors(raw, func(string) bool { return true })
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", wPath, err)
	}
	kept := ts[:0]
	for _, t := range ts {
		switch {
		case strings.HasPrefix(t.Name, "coefficient_autotuner."):
			s.Ignored = append(s.Ignored, t.Name)
		case t.parts32 == nil:
			return nil, fmt.Errorf("read %s: tensor %s has dtype %s: an SAE's tensors must be floating point", wPath, t.Name, t.Dtype)
		default:
			kept = append(kept, t)
		}
	}
	if err := checkSAELensTensors(s.Arch, s.DIn, s.DSAE, kept); err != nil {
		return nil, fmt.Errorf("read %s: %w", wPath, err)
	}
	for _, t := range kept {
		s.Tensors = append(s.Tensors, SAELensTensor{Name: t.Name, Shape: t.Shape, Data: t.parts32[0]})
	}
	return s, nil
}

func jsonErr(err error) string {
	if err == nil {
		return "null"
	}
	return err.Error()
}

// legacySAELensArch gives a flat pre-6.0 config its architecture: topk when its activation
// function was topk (k then comes from activation_fn_kwargs.k), standard otherwise.
func legacySAELensArch(cfg map[string]any) {
	if _, ok := cfg["architecture"]; ok {
		return
	}
	cfg["architecture"] = "standard"
	if cfg["activation_fn_str"] == "topk" {
		cfg["architecture"] = "topk"
		if kw, ok := cfg["activation_fn_kwargs"].(map[string]any); ok && kw["k"] != nil {
			if _, has := cfg["k"]; !has {
				cfg["k"] = kw["k"]
			}
		}
	}
}

// saelensHeader returns cfg's d_in, d_sae and architecture, checked.
func saelensHeader(cfg map[string]any) (dIn, dSAE int, arch string, err error) {
	if cfg == nil {
		return 0, 0, "", fmt.Errorf("cfg.json is missing")
	}
	if dIn, err = cfgDim(cfg, "d_in"); err != nil {
		return
	}
	if dSAE, err = cfgDim(cfg, "d_sae"); err != nil {
		return
	}
	arch, ok := cfg["architecture"].(string)
	if !ok || arch == "" {
		return 0, 0, "", fmt.Errorf("cfg.json field architecture = %v: must be a non-empty string", cfg["architecture"])
	}
	return dIn, dSAE, arch, nil
}

// maxSAELensDim bounds d_in and d_sae (2^24: far beyond any published SAE).
const maxSAELensDim = 1 << 24

// cfgDim reads a positive integer field of cfg (an int, a float64 or a json.Number).
func cfgDim(cfg map[string]any, key string) (int, error) {
	var f float64
	switch v := cfg[key].(type) {
	case int:
		f = float64(v)
	case float64:
		f = v
	case json.Number:
		var err error
		if f, err = v.Float64(); err != nil {
			f = math.NaN()
		}
	default:
		return 0, fmt.Errorf("cfg.json field %s = %v: must be a positive integer", key, cfg[key])
	}
	if !(f >= 1 && f <= maxSAELensDim) || f != math.Trunc(f) {
		return 0, fmt.Errorf("cfg.json field %s = %v: must be an integer from 1 to %d", key, cfg[key], maxSAELensDim)
	}
	return int(f), nil
}

// checkCfgFinite refuses NaN and ±Inf anywhere in cfg (JSON cannot hold them).
func checkCfgFinite(at string, v any) error {
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("cfg.json field %s = %g: must be finite", at, x)
		}
	case float32:
		return checkCfgFinite(at, float64(x))
	case map[string]any:
		for k, e := range x {
			key := k
			if at != "" {
				key = at + "." + k
			}
			if err := checkCfgFinite(key, e); err != nil {
				return err
			}
		}
	case []any:
		for k, e := range x {
			if err := checkCfgFinite(fmt.Sprintf("%s[%d]", at, k), e); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkSAELensTensors checks that a known architecture has each tensor it needs, with the
// shape it needs.
func checkSAELensTensors(arch string, dIn, dSAE int, ts []Tensor) error {
	need, known := saelensShapes[arch]
	if !known {
		return nil
	}
	names := make([]string, 0, len(need))
	for n := range need {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		t, ok := FindTensor(ts, name)
		if !ok {
			return fmt.Errorf("architecture %s needs tensor %s, which is missing", arch, name)
		}
		var want []int
		for _, c := range need[name] {
			want = append(want, map[rune]int{'i': dIn, 's': dSAE}[c])
		}
		if describeShape(t.Shape) != describeShape(want) {
			return fmt.Errorf("tensor %s has shape %s; architecture %s with d_in = %d and d_sae = %d needs %s",
				name, describeShape(t.Shape), arch, dIn, dSAE, describeShape(want))
		}
	}
	return nil
}
