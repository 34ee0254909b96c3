package config

import (
	"bytes"
	"slices"

	"go.yaml.in/yaml/v3"

	"saelab/sae"
	"saelab/toymodel"
)

// Config is the config of every training command. Each command uses the sections it needs:
// train-model uses seed, model and model_train; train-sae uses seed, model_path, sae, sae_train
// and runs; demo and compare use all but model_path.
type Config struct {
	Seed uint64 `yaml:"seed"`
	// ModelPath is the toy model an SAE trains on (train-sae): a run directory or a
	// model.safetensors file.
	ModelPath  string               `yaml:"model_path,omitempty"`
	Model      ModelConfig          `yaml:"model"`
	ModelTrain toymodel.TrainConfig `yaml:"model_train"`
	// SAE's n_inst and d_in may be left 0: they are the toy model's.
	SAE      sae.Config      `yaml:"sae"`
	SAETrain sae.TrainConfig `yaml:"sae_train"`
	// Runs lists the SAE runs to train, each the sae/sae_train sections plus its own
	// overrides. Empty means one run named after its architecture and resampling method.
	Runs []RunSpec `yaml:"runs"`
}

// ModelConfig is the toy model's config with its importance and feature probability.
type ModelConfig struct {
	toymodel.Config    `yaml:",inline"`
	Importance         Values `yaml:"importance"`
	FeatureProbability Values `yaml:"feature_probability"`
}

// RunSpec is one SAE run: a name and partial sae / sae_train sections that override the
// shared ones for this run only, e.g. {name: simple, sae_train: {resample_method: simple}}.
type RunSpec struct {
	Name     string    `yaml:"name"`
	SAE      yaml.Node `yaml:"sae,omitempty"`
	SAETrain yaml.Node `yaml:"sae_train,omitempty"`
}

// Section names, for Marshal.
const (
	SecSeed       = "seed"
	SecModelPath  = "model_path"
	SecModel      = "model"
	SecModelTrain = "model_train"
	SecSAE        = "sae"
	SecSAETrain   = "sae_train"
	SecRuns       = "runs"
)

// Clone returns a copy of c whose runs list can be changed without changing c's.
func (c Config) Clone() Config {
	c.Runs = slices.Clone(c.Runs)
	return c
}

// Marshal returns the YAML of the given sections of c (all when none are given), in the order
// of Config's fields.
func Marshal(c Config, sections ...string) ([]byte, error) {
	var root yaml.Node
	if err := root.Encode(c); err != nil {
		return nil, err
	}
	if len(sections) > 0 {
		var kept []*yaml.Node
		for k := 0; k+1 < len(root.Content); k += 2 {
			if slices.Contains(sections, root.Content[k].Value) {
				kept = append(kept, root.Content[k], root.Content[k+1])
			}
		}
		root.Content = kept
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&root); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// mapNode builds the flow mapping node {k1: v1, k2: v2, ...}.
func mapNode(kv ...string) yaml.Node {
	n := yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
	for k := 0; k+1 < len(kv); k += 2 {
		n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: kv[k]}, &yaml.Node{Kind: yaml.ScalarNode, Value: kv[k+1]})
	}
	return n
}
