package sweep

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"saelab/config"
	"saelab/sae"
	"saelab/store"
	"saelab/toymodel"
)

// Cell is one resolved config and one seed: the unit a sweep runs, records and resumes.
type Cell struct {
	// ID is a hash of the resolved config and seed (16 hex digits): the same cell in two sweeps
	// has the same id.
	ID string
	// Index is the cell's position in the sweep: the axes in the file's order (the first
	// slowest), then the seeds.
	Index int
	Seed  uint64
	// Params are the cell's values of File.Keys, as they read in its resolved config.
	Params []string
	// Config is the resolved config: the seed set, the SAE's n_inst and d_in filled in, and for
	// a sweep on base.model_path its absolute path.
	Config config.Config
	// Runs are the resolved SAE runs (none for a toy model alone).
	Runs []config.SAERun
	// ModelKey identifies the toy model the cell trains or uses: a hash of its seed, model and
	// model_train sections (of the model file, for a sweep on base.model_path). Cells with the
	// same key share one trained model.
	ModelKey string
	// Synth is a synthetic cell's settings and model (nil in a toy-model sweep, whose cells
	// have Config and Runs instead).
	Synth *SynthCell
	// Cost is the cell's estimated cost (arbitrary units), for balancing shards: its SAE runs,
	// or its toy model in a sweep of toy models alone. ModelCost is the shared toy model's,
	// paid once per shard that runs a cell of it (0 when the model is loaded).
	Cost, ModelCost float64
}

// Describe names the cell in messages: its key values and seed.
func (c *Cell) Describe(keys []string) string {
	var parts []string
	for k, key := range keys {
		parts = append(parts, key+"="+c.Params[k])
	}
	parts = append(parts, fmt.Sprintf("seed %d", c.Seed))
	return strings.Join(parts, ", ")
}

// Sections are the config sections of the cell's config.yaml.
func (f *File) Sections() []string {
	if !f.SAE {
		return []string{config.SecSeed, config.SecModel, config.SecModelTrain}
	}
	if f.Base.ModelPath != "" {
		return []string{config.SecSeed, config.SecModelPath, config.SecModel, config.SecSAE, config.SecSAETrain, config.SecRuns}
	}
	return []string{config.SecSeed, config.SecModel, config.SecModelTrain, config.SecSAE, config.SecSAETrain, config.SecRuns}
}

// loadedModel is the toy model of a sweep on base.model_path.
type loadedModel struct {
	path, sha string
	cfg       config.ModelConfig
}

// Cells expands and validates every cell: each combination of the axes is resolved and
// validated once (models once per distinct model config), then crossed with the seeds. An
// invalid value is an error naming the cell's keys and the field.
func (f *File) Cells() ([]Cell, error) {
	n, err := f.count()
	if err != nil {
		return nil, err
	}
	resolve, err := f.resolver()
	if err != nil {
		return nil, err
	}
	cells := make([]Cell, 0, n)
	ids := map[string]int{}
	for k := 0; k < n/len(f.Seeds); k++ {
		assign := f.combo(k)
		cellOf, err := resolve(assign)
		if err != nil {
			return nil, fmt.Errorf("cell %s: %w", describeAssign(assign), err)
		}
		for _, seed := range f.Seeds {
			cell, err := cellOf(seed)
			if err != nil {
				return nil, err
			}
			cell.Index = len(cells)
			if prev, dup := ids[cell.ID]; dup {
				return nil, fmt.Errorf("cells %d (%s) and %d (%s) have the same resolved config and seed; remove the repeated value",
					prev, cells[prev].Describe(f.Keys), cell.Index, cell.Describe(f.Keys))
			}
			ids[cell.ID] = cell.Index
			cells = append(cells, cell)
		}
	}
	return cells, nil
}

// resolver returns the function that resolves and checks one combination of the axes and
// returns its cell for a seed: of a synthetic sweep, or of a toy-model sweep.
func (f *File) resolver() (func([]assignment) (func(seed uint64) (Cell, error), error), error) {
	if f.Synth != nil {
		return f.synthResolver(), nil
	}
	var lm *loadedModel
	if f.Base.ModelPath != "" {
		var err error
		if lm, err = loadModel(f.Base.ModelPath); err != nil {
			return nil, fmt.Errorf("base.model_path: %w", err)
		}
	}
	validModels := map[string]error{}
	return func(assign []assignment) (func(uint64) (Cell, error), error) {
		c, err := f.resolveCombo(assign, lm, validModels)
		if err != nil {
			return nil, err
		}
		return func(seed uint64) (Cell, error) { return f.newCell(c, seed, lm) }, nil
	}, nil
}

// combo returns the assignments of combination k (mixed radix, the first axis slowest).
func (f *File) combo(k int) []assignment {
	var out []assignment
	digits := make([]int, len(f.axes))
	for a := len(f.axes) - 1; a >= 0; a-- {
		digits[a] = k % len(f.axes[a])
		k /= len(f.axes[a])
	}
	for a, d := range digits {
		out = append(out, f.axes[a][d]...)
	}
	return out
}

// describeAssign names a combination in messages.
func describeAssign(as []assignment) string {
	if len(as) == 0 {
		return "(base)"
	}
	parts := make([]string, len(as))
	for k, a := range as {
		parts[k] = a.key + "=" + nodeText(a.node)
	}
	return strings.Join(parts, ", ")
}

// resolveCombo applies a combination to the base and validates the result.
func (f *File) resolveCombo(assign []assignment, lm *loadedModel, validModels map[string]error) (config.Config, error) {
	c := f.Base.Clone()
	for _, a := range assign {
		if err := config.DecodeNode(overlay(a.key, a.node.Line, a.node), &c); err != nil {
			return c, err
		}
	}
	if lm != nil {
		c.ModelPath = lm.path
		c.Model = lm.cfg
	} else {
		key := modelKeyText(0, c.Model, c.ModelTrain)
		err, seen := validModels[key]
		if !seen {
			probe := c
			probe.Seed = 0
			_, err = probe.ResolveModel()
			validModels[key] = err
		}
		if err != nil {
			return c, err
		}
	}
	if f.SAE {
		if _, err := c.ResolveSAERuns(c.Model.NInst, c.Model.DHidden); err != nil {
			return c, err
		}
	}
	return c, nil
}

// newCell makes the cell of a resolved combination and a seed.
func (f *File) newCell(c config.Config, seed uint64, lm *loadedModel) (Cell, error) {
	c = c.Clone()
	c.Seed = seed
	cell := Cell{Seed: seed, Config: c}
	canon := canonicalCell{Seed: seed}
	if f.SAE {
		runs, err := c.ResolveSAERuns(c.Model.NInst, c.Model.DHidden)
		if err != nil {
			return Cell{}, err
		}
		cell.Runs = runs
		for _, r := range runs {
			canon.Runs = append(canon.Runs, canonicalRun{r.Name, r.SAE, r.Train})
			cell.Cost += runCost(r)
		}
		cell.Config = c
	}
	if lm != nil {
		canon.ModelFile = lm.sha
		cell.ModelKey = lm.sha[:16]
	} else {
		canon.Model, canon.ModelTrain = &c.Model, &c.ModelTrain
		cell.ModelKey = hash16(modelKeyText(seed, c.Model, c.ModelTrain))
		if f.SAE {
			cell.ModelCost = modelCost(c)
		} else {
			cell.Cost = modelCost(c)
		}
	}
	text, err := yaml.Marshal(canon)
	if err != nil {
		return Cell{}, err
	}
	cell.ID = hash16("saelab sweep cell v1\n" + string(text))
	if cell.Params, err = params(c, f.Keys); err != nil {
		return Cell{}, err
	}
	return cell, nil
}

// canonicalCell is what a cell's id hashes: everything that determines its results, fully
// resolved, in the config format's names (so that YAML style, key order and the spelling of
// numbers in the sweep file do not matter).
type canonicalCell struct {
	Seed       uint64                `yaml:"seed"`
	ModelFile  string                `yaml:"model_file_sha256,omitempty"`
	Model      *config.ModelConfig   `yaml:"model,omitempty"`
	ModelTrain *toymodel.TrainConfig `yaml:"model_train,omitempty"`
	Runs       []canonicalRun        `yaml:"runs,omitempty"`
}

type canonicalRun struct {
	Name  string          `yaml:"name"`
	SAE   sae.Config      `yaml:"sae"`
	Train sae.TrainConfig `yaml:"sae_train"`
}

// modelKeyText is the canonical text of a toy model: its seed, model and model_train.
func modelKeyText(seed uint64, m config.ModelConfig, t toymodel.TrainConfig) string {
	text, err := yaml.Marshal(canonicalCell{Seed: seed, Model: &m, ModelTrain: &t})
	if err != nil {
		panic(err) // plain structs always marshal
	}
	return "saelab sweep model v1\n" + string(text)
}

// hash16 is the first 16 hex digits of the SHA-256 of s.
func hash16(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:8])
}

// params reads the cell's value of each key from its resolved config (a config.Config, or a
// mapping of the synth section).
func params(c any, keys []string) ([]string, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	var root yaml.Node
	if err := root.Encode(c); err != nil {
		return nil, err
	}
	out := make([]string, len(keys))
	for k, key := range keys {
		sec, field, _ := strings.Cut(key, ".")
		out[k] = nodeText(lookup(lookup(&root, sec), field))
	}
	return out, nil
}

// lookup returns the value of key in mapping n (nil if absent).
func lookup(n *yaml.Node, key string) *yaml.Node {
	if n == nil {
		return nil
	}
	for k := 0; k+1 < len(n.Content); k += 2 {
		if n.Content[k].Value == key {
			return n.Content[k+1]
		}
	}
	return nil
}

// nodeText is a value as one line of YAML: a scalar's text, a list as [a, b].
func nodeText(n *yaml.Node) string {
	switch {
	case n == nil:
		return ""
	case n.Kind == yaml.ScalarNode:
		return n.Value
	}
	c := *n
	c.Style = yaml.FlowStyle
	b, err := yaml.Marshal(&c)
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(b))
}

// loadModel reads the toy model of a sweep on base.model_path: its config and the file's hash.
func loadModel(path string) (*loadedModel, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	m, specs, err := store.LoadModel(abs)
	if err != nil {
		return nil, err
	}
	file, err := store.ModelPath(abs)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	return &loadedModel{path: abs, sha: hex.EncodeToString(sum[:]),
		cfg: config.ModelConfig{Config: m.Cfg, Importance: config.Values(specs.Importance), FeatureProbability: config.Values(specs.FeatureProbability)}}, nil
}

// archCost is each architecture's training cost relative to the standard SAE's on the seed
// model, roughly: measured 2.7 and 2.3 for gated and JumpReLU with the plain kernels, 5.6 and
// 4.8 with the SIMD ones (2026-12, whose standard path is the most vectorised). It only
// balances shards; a wrong factor makes them uneven, never wrong.
var archCost = map[string]float64{"gated": 4, "jumprelu": 3.5, "topk": 1.3, "batchtopk": 1.3, "matryoshka": 1.8}

// runCost estimates an SAE run's cost: steps × batch × instances × the SAE's size.
func runCost(r config.SAERun) float64 {
	f := archCost[r.SAE.Arch]
	if f == 0 {
		f = 1
	}
	return f * float64(r.Train.Steps) * float64(r.Train.BatchSize) * float64(r.SAE.NInst) * float64((r.SAE.DIn+1)*r.SAE.DSAE+r.SAE.DIn)
}

// modelCost estimates a toy model's training cost in runCost's units.
func modelCost(c config.Config) float64 {
	m := c.Model
	return float64(c.ModelTrain.Steps) * float64(c.ModelTrain.BatchSize) * float64(m.NInst) * float64((m.DHidden+1)*m.NFeatures)
}
