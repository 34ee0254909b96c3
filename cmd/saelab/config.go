package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"saelab/sae"
	"saelab/store"
	"saelab/toymodel"
)

// Config is the one config format of every command (config.yaml, --config FILE). Each command
// uses the sections it needs: train-model uses seed, model and model_train; train-sae uses
// seed, model_path, sae, sae_train and runs; demo uses all but model_path.
//
// The sections map onto the engine's own config structs (toymodel.Config, toymodel.TrainConfig,
// sae.Config, sae.TrainConfig) through their yaml tags, so a field added there is a config key
// here with no change in this package; a flag for it is one line in flags.go.
//
// Resolution order: the command's defaults, then the config file (strict: an unknown key is an
// error naming it), then the flags the user actually set.
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
	Importance         ValuesSpec `yaml:"importance"`
	FeatureProbability ValuesSpec `yaml:"feature_probability"`
}

// RunSpec is one SAE run: a name and partial sae / sae_train sections that override the
// shared ones for this run only, e.g. {name: sae-simple, sae_train: {resample_method: simple}}.
type RunSpec struct {
	Name     string    `yaml:"name"`
	SAE      yaml.Node `yaml:"sae,omitempty"`
	SAETrain yaml.Node `yaml:"sae_train,omitempty"`
}

// runOverlayTypes are the struct types a RunSpec's override sections decode into.
var runOverlayTypes = map[string]reflect.Type{
	"sae":       reflect.TypeFor[sae.Config](),
	"sae_train": reflect.TypeFor[sae.TrainConfig](),
}

// Section names, for WriteConfig.
const (
	SecSeed       = "seed"
	SecModelPath  = "model_path"
	SecModel      = "model"
	SecModelTrain = "model_train"
	SecSAE        = "sae"
	SecSAETrain   = "sae_train"
	SecRuns       = "runs"
)

// DemoConfig is the seed notebook's workflow: the SAE base model (16 instances, 5 features,
// d_hidden 2, p = 0.025, 5,000 steps), then two SAEs (d_sae 5, 20,000 steps) without and with
// simple resampling.
func DemoConfig() Config {
	c := Config{
		Model:      ModelConfig{Config: toymodel.DefaultConfig(), Importance: "1", FeatureProbability: "0.025"},
		ModelTrain: toymodel.DefaultTrainConfig(),
		SAE:        sae.DefaultConfig(0, 0, 5),
		SAETrain:   sae.DefaultTrainConfig(),
	}
	c.SAETrain.Steps = 20000
	c.Runs = []RunSpec{
		{Name: "sae-none", SAETrain: yamlMap("resample_method", "none")},
		{Name: "sae-simple", SAETrain: yamlMap("resample_method", "simple")},
	}
	return c
}

// TrainModelConfig is the reference's ToyModel and optimize defaults (spec §1.1, §1.7), with the
// SAE base model's 16 instances (n_inst has no default in the reference).
func TrainModelConfig() Config {
	c := DemoConfig()
	c.Model.FeatureProbability = "0.01"
	c.Runs = nil
	return c
}

// TrainSAEConfig is the reference's ToySAE and optimize defaults (spec §2.1, §2.7): d_sae 5,
// 10,000 steps, no resampling.
func TrainSAEConfig() Config {
	c := DemoConfig()
	c.SAETrain = sae.DefaultTrainConfig()
	c.Runs = nil
	return c
}

// yamlMap builds the mapping node {key: value}.
func yamlMap(key, value string) yaml.Node {
	return yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle, Content: []*yaml.Node{
		{Kind: yaml.ScalarNode, Value: key}, {Kind: yaml.ScalarNode, Value: value},
	}}
}

// LoadConfigFile decodes the YAML file at path onto c (keys absent from the file keep c's
// values). Decoding is strict: an unknown key, a duplicate key, a value of the wrong type or a
// second document is an error naming the file, line and key.
func LoadConfigFile(path string, c *Config) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("--config: %w", err)
	}
	if err := DecodeConfig(data, c); err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	return nil
}

// DecodeConfig is LoadConfigFile on bytes.
func DecodeConfig(data []byte, c *Config) error {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil // an empty file: all defaults
		}
		return cleanYAMLError(err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return fmt.Errorf("more than one YAML document; put everything in one")
	}
	if len(doc.Content) == 0 {
		return nil
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return nil
	}
	if err := checkKeys(root, reflect.TypeFor[Config](), ""); err != nil {
		return err
	}
	dec = yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil {
		return cleanYAMLError(err)
	}
	for k := range c.Runs {
		if err := c.Runs[k].check(k); err != nil {
			return err
		}
	}
	return nil
}

// cleanYAMLError rewrites the yaml package's Go type names into config terms.
func cleanYAMLError(err error) error {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "yaml: ")
	msg = strings.ReplaceAll(msg, "unmarshal errors:\n  ", "")
	msg = strings.ReplaceAll(msg, "\n  ", "; ")
	return errors.New(msg)
}

// checkKeys walks a mapping node against a struct type and reports the first key that is not
// one of the struct's yaml keys, with the allowed keys.
func checkKeys(n *yaml.Node, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || n.Kind != yaml.MappingNode {
		return nil // type errors are the decoder's
	}
	fields := yamlFields(t)
	for k := 0; k+1 < len(n.Content); k += 2 {
		key, val := n.Content[k], n.Content[k+1]
		ft, ok := fields[key.Value]
		where := key.Value
		if path != "" {
			where = path + "." + key.Value
		}
		if !ok {
			names := make([]string, 0, len(fields))
			for name := range fields {
				names = append(names, name)
			}
			slices.Sort(names)
			section := "the top level"
			if path != "" {
				section = path
			}
			return fmt.Errorf("line %d: unknown key %q; the keys allowed in %s are %s", key.Line, where, section, strings.Join(names, ", "))
		}
		if ft == reflect.TypeFor[yaml.Node]() {
			if ot, ok := runOverlayTypes[key.Value]; ok {
				if err := checkKeys(val, ot, where); err != nil {
					return err
				}
			}
			continue
		}
		if reflect.PointerTo(ft).Implements(reflect.TypeFor[yaml.Unmarshaler]()) {
			continue
		}
		switch ft.Kind() {
		case reflect.Struct, reflect.Pointer:
			if err := checkKeys(val, ft, where); err != nil {
				return err
			}
		case reflect.Slice:
			if val.Kind == yaml.SequenceNode {
				for e, item := range val.Content {
					if err := checkKeys(item, ft.Elem(), fmt.Sprintf("%s[%d]", where, e)); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

// yamlFields maps a struct's yaml keys to their field types, following ",inline" embeddings.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for k := 0; k < t.NumField(); k++ {
		f := t.Field(k)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if strings.Contains(opts, "inline") {
			for n, ft := range yamlFields(f.Type) {
				out[n] = ft
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f.Type
	}
	return out
}

// check decodes the run's overrides strictly onto throwaway structs, so that a bad key or value
// fails when the file is read rather than when the run starts.
func (r *RunSpec) check(k int) error {
	if r.Name == "" {
		return fmt.Errorf("runs[%d].name: missing; every run needs a name", k)
	}
	var sc sae.Config
	var tc sae.TrainConfig
	return r.apply(k, &sc, &tc)
}

// apply decodes the run's overrides onto sc and tc.
func (r *RunSpec) apply(k int, sc *sae.Config, tc *sae.TrainConfig) error {
	if !r.SAE.IsZero() {
		if err := r.SAE.Decode(sc); err != nil {
			return fmt.Errorf("runs[%d] (%s).sae: %w", k, r.Name, cleanYAMLError(err))
		}
	}
	if !r.SAETrain.IsZero() {
		if err := r.SAETrain.Decode(tc); err != nil {
			return fmt.Errorf("runs[%d] (%s).sae_train: %w", k, r.Name, cleanYAMLError(err))
		}
	}
	return nil
}

// ResolveModel validates the toy-model sections and builds the initialised model
// (toymodel.New with the config's seed). Errors name the section and field.
func (c *Config) ResolveModel() (*toymodel.Model, error) {
	if err := c.Model.Config.Validate(); err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	imp, p, err := c.Model.Values()
	if err != nil {
		return nil, err
	}
	if err := c.ModelTrain.Validate(); err != nil {
		return nil, fmt.Errorf("model_train: %w", err)
	}
	m, err := toymodel.New(c.Model.Config, imp, p, c.Seed)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	return m, nil
}

// Values resolves the importance and feature-probability specs for the model's shape.
func (mc *ModelConfig) Values() (imp, p toymodel.Values, err error) {
	I, F := mc.NInst, mc.NFeatures
	if imp, err = mc.Importance.Resolve("model.importance", I, F); err != nil {
		return
	}
	p, err = mc.FeatureProbability.Resolve("model.feature_probability", I, F)
	return
}

// SAERunConfig is one fully resolved SAE run.
type SAERunConfig struct {
	Name  string
	SAE   sae.Config
	Train sae.TrainConfig
}

// DefaultRunName names a run from its architecture and resampling method: sae-none,
// sae-simple, ... for the standard SAE, <arch>-<resample> otherwise.
func DefaultRunName(arch, resample string) string {
	if arch == "" || arch == "standard" {
		return "sae-" + resample
	}
	return arch + "-" + resample
}

// ResolveSAERuns returns the SAE runs of the config for a toy model of nInst instances and
// hidden size dIn: the sae/sae_train sections with each run's overrides, n_inst and d_in filled
// in from the model, each validated. Errors name the run, section and field. It also fills
// c.SAE's n_inst and d_in where they are 0, so the config written afterwards is resolved.
func (c *Config) ResolveSAERuns(nInst, dIn int) ([]SAERunConfig, error) {
	if c.SAE.NInst == 0 {
		c.SAE.NInst = nInst
	}
	if c.SAE.DIn == 0 {
		c.SAE.DIn = dIn
	}
	specs := c.Runs
	if len(specs) == 0 {
		specs = []RunSpec{{Name: DefaultRunName(c.SAE.Arch, c.SAETrain.Resample)}}
	}
	seen := map[string]bool{}
	var out []SAERunConfig
	for k, spec := range specs {
		rc := SAERunConfig{Name: spec.Name, SAE: c.SAE, Train: c.SAETrain}
		if err := spec.apply(k, &rc.SAE, &rc.Train); err != nil {
			return nil, err
		}
		at := fmt.Sprintf("runs[%d] (%s)", k, spec.Name)
		if len(c.Runs) == 0 {
			at = "run " + spec.Name
		}
		if err := store.ValidateRunName(spec.Name); err != nil {
			return nil, fmt.Errorf("%s.name: %w", at, err)
		}
		if seen[spec.Name] {
			return nil, fmt.Errorf("%s.name: %q is used by two runs; names must be unique", at, spec.Name)
		}
		seen[spec.Name] = true
		if rc.SAE.NInst == 0 {
			rc.SAE.NInst = nInst
		}
		if rc.SAE.DIn == 0 {
			rc.SAE.DIn = dIn
		}
		if rc.SAE.NInst != nInst {
			return nil, fmt.Errorf("%s: sae.n_inst = %d: must equal the toy model's n_inst = %d (or be left out)", at, rc.SAE.NInst, nInst)
		}
		if rc.SAE.DIn != dIn {
			return nil, fmt.Errorf("%s: sae.d_in = %d: must equal the toy model's d_hidden = %d (or be left out)", at, rc.SAE.DIn, dIn)
		}
		if err := rc.SAE.Validate(); err != nil {
			return nil, fmt.Errorf("%s: sae: %w", at, err)
		}
		if err := rc.Train.Validate(); err != nil {
			return nil, fmt.Errorf("%s: sae_train: %w", at, err)
		}
		out = append(out, rc)
	}
	return out, nil
}

// MarshalConfig returns the YAML of the given sections of c (all when none are given), in
// the order of Config's fields.
func MarshalConfig(c Config, sections ...string) ([]byte, error) {
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
