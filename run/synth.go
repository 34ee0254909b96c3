package run

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"saelab/store"
	"saelab/synth"
	"saelab/synth/modeldir"
)

// The synthetic-benchmark pipeline (synthetic.md): a model directory generated from a preset
// (SynthGenerate), its statistics (SynthModelStats), an SAE trained on it and measured
// against its true features (SynthTrain, synth_train.go), and every architecture at one L0
// (SynthBench, synth_bench.go). Each output directory is claimed as a run directory is, and
// progress goes to an Observer.

// synthModelPhase is the phase that builds a synthetic model.
const synthModelPhase = "synthetic model"

// maxSynthConfigBytes bounds a --config file of model overrides.
const maxSynthConfigBytes = 1 << 20

// SynthConfig returns a preset's model config with overrides applied. overrides (YAML or JSON,
// may be empty) has the shape of synthetic_model_config.json and replaces the keys it names,
// nested objects key by key: e.g. "hidden_dim: 128" or "hierarchy: {total_root_nodes: 8}". An
// unknown key is an error.
func SynthConfig(preset string, overrides []byte) (synth.Config, error) {
	return synthConfig(preset, overrides, "--preset", "--config")
}

// SynthSectionConfig is SynthConfig for a file's section, whose errors name its fields
// section.preset and section.config (e.g. a sweep file's synth.preset).
func SynthSectionConfig(section, preset string, overrides []byte) (synth.Config, error) {
	return synthConfig(preset, overrides, section+".preset", section+".config")
}

// synthConfig is SynthConfig with the preset's and the overrides' names for messages.
func synthConfig(preset string, overrides []byte, presetName, configName string) (synth.Config, error) {
	c, err := synth.Preset(preset)
	if err != nil {
		return c, fmt.Errorf("%s %q: must be %s or %s", presetName, preset, synth.PresetMini, synth.PresetSynthSAEBench16k)
	}
	if len(bytes.TrimSpace(overrides)) == 0 {
		return c, c.Validate()
	}
	if len(overrides) > maxSynthConfigBytes {
		return c, fmt.Errorf("%s: %d bytes; at most %d are read", configName, len(overrides), maxSynthConfigBytes)
	}
	var over map[string]any
	if err := yaml.Unmarshal(overrides, &over); err != nil {
		return c, fmt.Errorf("%s: not a YAML mapping: %v", configName, err)
	}
	base, err := modeldir.MarshalConfig(c)
	if err != nil {
		return c, err
	}
	var merged map[string]any
	if err := json.Unmarshal(base, &merged); err != nil {
		return c, err
	}
	mergeInto(merged, over)
	js, err := json.Marshal(merged)
	if err != nil {
		return c, fmt.Errorf("%s: %v", configName, err)
	}
	out, warn, err := modeldir.UnmarshalConfig(js)
	if err != nil {
		return c, fmt.Errorf("%s: %v", configName, err)
	}
	for _, w := range warn {
		if strings.Contains(w, "unknown key") {
			return c, fmt.Errorf("%s: %s", configName, strings.TrimPrefix(w, modeldir.ConfigFile+": "))
		}
	}
	return out, nil
}

// SynthConfigFile is SynthConfig with the overrides read from the file path ("" for none).
func SynthConfigFile(preset, path string) (synth.Config, error) {
	if path == "" {
		return SynthConfig(preset, nil)
	}
	st, err := os.Stat(path)
	if err != nil {
		return synth.Config{}, fmt.Errorf("--config %s: %w", path, errors.Unwrap(err))
	}
	if st.Size() > maxSynthConfigBytes || !st.Mode().IsRegular() {
		return synth.Config{}, fmt.Errorf("--config %s: must be a regular file of at most %d bytes", path, maxSynthConfigBytes)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return synth.Config{}, fmt.Errorf("--config %s: %w", path, errors.Unwrap(err))
	}
	return SynthConfig(preset, data)
}

// MergeOverrides copies the model overrides src over dst, merging nested mappings key by key,
// as --config applies them to a preset.
func MergeOverrides(dst, src map[string]any) { mergeInto(dst, src) }

// mergeInto copies src over dst, merging nested mappings key by key.
func mergeInto(dst, src map[string]any) {
	for k, v := range src {
		sub, isMap := v.(map[string]any)
		if old, ok := dst[k].(map[string]any); ok && isMap {
			mergeInto(old, sub)
			continue
		}
		dst[k] = v
	}
}

// SynthGenerate builds the model of cfg and writes it to out, a new or empty directory, in
// SAELens's synthetic-model layout (synthetic_model_config.json, synthetic_model.safetensors,
// hierarchy.json). The directory is claimed while it is written.
func SynthGenerate(cfg synth.Config, out string, obs Observer) (*synth.Model, error) {
	if obs == nil {
		obs = nop{}
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if out == "" {
		return nil, fmt.Errorf("--out: an output directory is required")
	}
	lock, err := store.ClaimDir(out, true)
	if err != nil {
		return nil, fmt.Errorf("--out %s: %w; choose another directory", out, err)
	}
	defer lock.Release()
	m, err := synthBuild(cfg, out, obs)
	if err != nil {
		return nil, err
	}
	obs.Observe(Finished{Dir: out})
	return m, nil
}

// synthBuild builds cfg's model as one phase and saves it to dir.
func synthBuild(cfg synth.Config, dir string, obs Observer) (*synth.Model, error) {
	steps := 0
	if cfg.Orthogonalization != nil {
		steps = cfg.Orthogonalization.NumSteps
	}
	obs.Observe(PhaseStarted{Phase: synthModelPhase, Steps: max(steps, 1)})
	start := time.Now()
	m, err := synth.New(cfg)
	if err != nil {
		return nil, err
	}
	if err := modeldir.Save(dir, m); err != nil {
		return nil, err
	}
	obs.Observe(PhaseFinished{Phase: synthModelPhase, Steps: max(steps, 1), Seconds: time.Since(start).Seconds()})
	for _, f := range []string{modeldir.ConfigFile, modeldir.TensorsFile, modeldir.HierarchyFile} {
		if p := filepath.Join(dir, f); fileExists(p) {
			obs.Observe(FileWritten{Path: p})
		}
	}
	return m, nil
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}
