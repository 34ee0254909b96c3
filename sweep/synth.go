package sweep

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"saelab/config"
	"saelab/run"
	"saelab/sae/wide"
	"saelab/synth"
	"saelab/synth/modeldir"
)

// SecSynth is the sweep file's section, and the grid/zip keys' section, of a synthetic sweep.
const SecSynth = "synth"

// SynthSection is a sweep file's synth section: each cell trains one SAE on a synthetic model
// with known true features (run.SynthTrain) and records its metrics, instead of training SAEs
// on toy models. Grid and zip keys name its fields (synth.arch, synth.target_l0, …); a value of
// synth.config is a whole mapping of model overrides, so that a sweep can vary the model too.
type SynthSection struct {
	// Preset is the model's preset (mini or synthsaebench-16k; default mini) and Config its
	// overrides, in the shape of synthetic_model_config.json. The model is generated once per
	// distinct (preset, config) into the sweep directory's models/ and shared by its cells.
	Preset string         `yaml:"preset,omitempty"`
	Config map[string]any `yaml:"config,omitempty"`
	// Model is an existing model directory (from synth generate) used instead of a preset.
	Model string `yaml:"model,omitempty"`
	// Arch, Width, TargetL0, Samples, EvalSamples and AutotuneTimeScale are
	// run.SynthTrainOptions' (0: its defaults); the cell's seed is the training and evaluation
	// seed.
	Arch              string  `yaml:"arch"`
	Width             int     `yaml:"width"`
	TargetL0          float64 `yaml:"target_l0"`
	Samples           int64   `yaml:"samples"`
	EvalSamples       int     `yaml:"eval_samples"`
	AutotuneTimeScale float64 `yaml:"autotune_time_scale,omitempty"`
}

// synthDefaults is the section before the file's values: BatchTopK on the mini preset, the
// training defaults of synth train.
func synthDefaults() SynthSection {
	return SynthSection{Arch: "batchtopk", Samples: run.SynthTrainSamples, EvalSamples: run.SynthEvalSamples}
}

// decodeSynth decodes a synth mapping (the section, or one key's overlay) onto s strictly. A
// config value is merged onto the config s has, key by key, as synth generate's --config is
// onto its preset; s's own map is left alone.
func decodeSynth(n *yaml.Node, s *SynthSection) error {
	old := s.Config
	s.Config = nil
	if err := config.DecodeSection(n, s, SecSynth); err != nil {
		s.Config = old
		return err
	}
	if s.Config == nil || old == nil {
		if s.Config == nil {
			s.Config = old
		}
		return nil
	}
	merged := map[string]any{}
	run.MergeOverrides(merged, deepCopy(old))
	run.MergeOverrides(merged, s.Config)
	s.Config = merged
	return nil
}

// clone copies s, its config deeply, so that decoding onto the copy leaves s alone.
func (s SynthSection) clone() SynthSection {
	if s.Config != nil {
		s.Config = deepCopy(s.Config)
	}
	return s
}

// deepCopy copies nested mappings, so that merging into the copy leaves m alone.
func deepCopy(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if sub, ok := v.(map[string]any); ok {
			v = deepCopy(sub)
		}
		out[k] = v
	}
	return out
}

// options are the cell's training options, with the model and the output still to set.
func (s *SynthSection) options(seed uint64) run.SynthTrainOptions {
	return run.SynthTrainOptions{Arch: s.Arch, Width: s.Width, TargetL0: s.TargetL0, Samples: s.Samples,
		EvalSamples: s.EvalSamples, AutotuneTimeScale: s.AutotuneTimeScale, Seed: seed}
}

// SynthCell is what a synthetic cell trains on: a generated model's config, or a loaded
// model's directory.
type SynthCell struct {
	Section SynthSection
	// Model is the config of the model to generate (when Section.Model is empty).
	Model synth.Config
	// ModelDir is the absolute directory of a given model (Section.Model).
	ModelDir string
}

// resolveSynth checks a combination's section and resolves its model: an unknown preset, a bad
// override, an unknown architecture or an out-of-range size is an error naming the field.
func resolveSynth(s SynthSection, loaded map[string]*givenModel) (*SynthCell, error) {
	field := func(name string) string { return SecSynth + "." + name }
	if err := s.options(0).Check(field); err != nil {
		return nil, err
	}
	if s.Samples == 0 || s.EvalSamples == 0 {
		return nil, fmt.Errorf("%s and %s must be positive; leave them out for the defaults (%d and %d)",
			field("samples"), field("eval_samples"), run.SynthTrainSamples, run.SynthEvalSamples)
	}
	tc := wide.DefaultTrainConfig()
	tc.Samples = s.Samples
	if err := tc.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", field("samples"), err)
	}
	c := &SynthCell{Section: s}
	if s.Model != "" {
		if s.Preset != "" || s.Config != nil {
			return nil, fmt.Errorf("%s %s: a given model cannot take %s or %s; remove them, or remove %s to generate the model",
				field("model"), s.Model, field("preset"), field("config"), field("model"))
		}
		abs, err := filepath.Abs(s.Model)
		if err != nil {
			return nil, err
		}
		if _, ok := loaded[abs]; !ok {
			g, err := readGivenModel(abs)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", field("model"), err)
			}
			loaded[abs] = g
		}
		c.ModelDir = abs
		return c, nil
	}
	preset := s.Preset
	if preset == "" {
		preset = synth.PresetMini
	}
	var over []byte
	if s.Config != nil {
		var err error
		if over, err = yaml.Marshal(s.Config); err != nil {
			return nil, fmt.Errorf("%s: %v", field("config"), err)
		}
	}
	m, err := run.SynthSectionConfig(SecSynth, preset, over)
	if err != nil {
		return nil, err
	}
	c.Model = m
	return c, nil
}

// givenModel is a synth.model directory: its files' hash (the model's identity in cell ids, so
// that a changed model makes new cells) and its sizes.
type givenModel struct {
	sha  string
	F, H int
}

// readGivenModel checks that dir holds a synthetic model whose config parses, and hashes its
// files.
func readGivenModel(dir string) (*givenModel, error) {
	cfgPath := filepath.Join(dir, modeldir.ConfigFile)
	f, err := os.Open(cfgPath)
	if err != nil {
		return nil, fmt.Errorf("%s: no synthetic model here (%w)", dir, errors.Unwrap(err))
	}
	data, err := io.ReadAll(io.LimitReader(f, config.MaxFileBytes+1))
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfgPath, err)
	}
	if len(data) > config.MaxFileBytes {
		return nil, fmt.Errorf("%s: larger than %d bytes", cfgPath, config.MaxFileBytes)
	}
	mc, _, err := modeldir.UnmarshalConfig(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfgPath, err)
	}
	h := sha256.New()
	for _, name := range []string{modeldir.ConfigFile, modeldir.TensorsFile, modeldir.HierarchyFile} {
		f, err := os.Open(filepath.Join(dir, name))
		if os.IsNotExist(err) && name == modeldir.HierarchyFile {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", dir, err)
		}
		fmt.Fprintf(h, "%s\n", name)
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", dir, err)
		}
	}
	return &givenModel{sha: hex.EncodeToString(h.Sum(nil)), F: mc.NumFeatures, H: mc.HiddenDim}, nil
}

// canonicalSynth is what a synthetic cell's id hashes: its seed, its model (the generated
// model's config as synthetic_model_config.json, or the given model's files' hash) and its
// training settings.
type canonicalSynth struct {
	Seed        uint64  `yaml:"seed"`
	ModelConfig string  `yaml:"model_config,omitempty"`
	ModelFiles  string  `yaml:"model_files_sha256,omitempty"`
	Arch        string  `yaml:"arch"`
	Width       int     `yaml:"width"`
	TargetL0    float64 `yaml:"target_l0"`
	Samples     int64   `yaml:"samples"`
	EvalSamples int     `yaml:"eval_samples"`
	// AutotuneTimeScale is left out when 0, so that the cells of sweeps from before it keep
	// their ids.
	AutotuneTimeScale float64 `yaml:"autotune_time_scale,omitempty"`
}

// newSynthCell makes the cell of a resolved synthetic combination and a seed.
func (f *File) newSynthCell(sc *SynthCell, seed uint64, loaded map[string]*givenModel) (Cell, error) {
	s := sc.Section
	canon := canonicalSynth{Seed: seed, Arch: s.Arch, Width: s.Width, TargetL0: s.TargetL0, Samples: s.Samples, EvalSamples: s.EvalSamples,
		AutotuneTimeScale: s.AutotuneTimeScale}
	cell := Cell{Seed: seed, Synth: sc}
	var F, H int
	if sc.ModelDir != "" {
		g := loaded[sc.ModelDir]
		canon.ModelFiles, F, H = g.sha, g.F, g.H
		cell.ModelKey = g.sha[:16]
	} else {
		js, err := modeldir.MarshalConfig(sc.Model)
		if err != nil {
			return Cell{}, err
		}
		canon.ModelConfig = string(js)
		cell.ModelKey = hash16("saelab sweep synthetic model v1\n" + canon.ModelConfig)
		F, H = sc.Model.NumFeatures, sc.Model.HiddenDim
		cell.ModelCost = float64(F) * float64(H) * 1e4 // generation: about a 10,000-sample step per feature and dimension
	}
	text, err := yaml.Marshal(canon)
	if err != nil {
		return Cell{}, err
	}
	cell.ID = hash16("saelab sweep synthetic cell v1\n" + string(text))
	width := s.Width
	if width == 0 {
		width = max(1, F/4)
	}
	f64 := archCost[s.Arch]
	if f64 == 0 {
		f64 = 1
	}
	cell.Cost = f64 * float64(s.Samples) * float64(width) * float64(H)
	if cell.Params, err = params(map[string]any{SecSynth: s}, f.Keys); err != nil {
		return Cell{}, err
	}
	return cell, nil
}

// ConfigText is the cell's settings as YAML: its seed and synth section (a synthetic cell's
// config in the database and the report).
func (s *SynthCell) ConfigText(seed uint64) (string, error) {
	b, err := yaml.Marshal(map[string]any{"seed": seed, SecSynth: s.Section})
	return string(b), err
}

// checkSynthKey checks a grid or zip key of a synthetic sweep: a field of the synth section.
func (f *File) checkSynthKey(sec, field string, ok bool, line int, at string) error {
	switch {
	case f.Synth == nil:
		return fmt.Errorf("line %d: %s: synth keys need a synth section (the sweep's model and SAE settings) instead of base", line, at)
	case sec != SecSynth || !ok || field == "" || strings.Contains(field, "."):
		return fmt.Errorf("line %d: %s: a synthetic sweep's keys are synth.field (e.g. synth.target_l0); the fields are %s", line, at, strings.Join(synthFields(), ", "))
	case !slices.Contains(synthFields(), field):
		return fmt.Errorf("line %d: %s: synth has no field %q; the fields are %s", line, at, field, strings.Join(synthFields(), ", "))
	}
	return nil
}

// synthFields are the synth section's keys.
func synthFields() []string {
	return []string{"arch", "autotune_time_scale", "config", "eval_samples", "model", "preset", "samples", "target_l0", "width"}
}

// synthResolver is Cells' resolver of a synthetic sweep: each combination's section is
// decoded onto the file's and checked once, and its model resolved (a given model read and
// hashed once per sweep).
func (f *File) synthResolver() func([]assignment) (func(uint64) (Cell, error), error) {
	loaded := map[string]*givenModel{}
	return func(assign []assignment) (func(uint64) (Cell, error), error) {
		s := f.Synth.clone()
		for _, a := range assign {
			if err := decodeSynth(overlay(a.key, a.node.Line, a.node).Content[1], &s); err != nil {
				return nil, err
			}
		}
		sc, err := resolveSynth(s, loaded)
		if err != nil {
			return nil, err
		}
		return func(seed uint64) (Cell, error) { return f.newSynthCell(sc, seed, loaded) }, nil
	}
}
