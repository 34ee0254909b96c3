package sweep

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"saelab/config"
	"saelab/store"
)

// Bounds of a sweep file, checked before anything is expanded or allocated.
const (
	MaxCells  = 100_000 // cells of one sweep (product of the axes times the seeds)
	MaxValues = 1_000   // values of one key (a list, or a generator's count)
	MaxSeeds  = 10_000  // seeds
	MaxKeys   = 32      // grid and zip keys together
)

// File is a parsed sweep file: its base config, its axes and its seeds. Cells expands and
// validates its cells.
type File struct {
	// Name names the sweep (cluster job names, the report's title): [a-z0-9_-].
	Name string
	// Text is the file as read; it is stored with the results so that status, merge and
	// report can rebuild the cells without the file.
	Text []byte
	// Base is the default config with the file's base section decoded onto it.
	Base config.Config
	// Keys are the grid and zip keys, as config paths (sae.arch, ...), grid keys first, in the
	// file's order: the columns of the export and the report's axes.
	Keys []string
	// Seeds are the cells' seeds, in the file's order.
	Seeds []uint64
	// SAE says the cells train SAEs; false for a sweep of toy models alone (no sae, sae_train
	// or runs in base and no grid or zip key under them).
	SAE bool
	// Synth is the synth section of a synthetic sweep (nil for a toy-model sweep): each cell
	// trains one SAE on a synthetic model. It excludes base.
	Synth *SynthSection

	axes []axis
}

// axis is one factor of the Cartesian product: a list of options, each setting some keys.
type axis []option

// option sets keys to values together.
type option []assignment

// assignment sets one config path to a YAML value.
type assignment struct {
	key  string
	node *yaml.Node
}

// topKeys are the keys allowed at the top level of a sweep file.
var topKeys = []string{"base", "grid", "name", "seeds", SecSynth, "zip"}

// sweepable are the sections whose fields a grid or zip key may name.
var sweepable = []string{config.SecModel, config.SecModelTrain, config.SecSAE, config.SecSAETrain}

// Defaults is the config a sweep file's base starts from: the demo's (the seed notebook's toy
// model, 20,000-step SAEs) with one SAE run per cell, named after its architecture and
// resampling method, unless base lists runs.
func Defaults() config.Config {
	c := config.Demo()
	c.Runs = nil
	return c
}

// Load reads and parses the sweep file at path (see Parse). A file without a name takes its
// file name's stem.
func Load(path string) (*File, error) {
	data, err := config.ReadFile(path)
	if err != nil {
		return nil, errors.New(strings.Replace(err.Error(), "config file", "sweep file", 1))
	}
	stem := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	f, err := Parse(data, stem)
	if err != nil {
		return nil, fmt.Errorf("sweep file %s: %w", path, err)
	}
	return f, nil
}

// Parse parses a sweep file strictly: unknown or repeated keys, malformed generators, lists of
// unequal length in zip, values of the wrong type and sizes beyond the bounds are errors naming
// the key and line. defaultName names a sweep whose file has no name. Parse checks the file's
// shape; Cells checks every cell's config.
func Parse(data []byte, defaultName string) (*File, error) {
	root, err := parseDoc(data)
	if err != nil {
		return nil, err
	}
	f := &File{Text: slices.Clone(data), Base: Defaults(), Name: defaultName}
	fields, err := mapping(root, "the sweep file", topKeys)
	if err != nil {
		return nil, err
	}
	if n := fields["name"]; n != nil {
		if n.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("line %d: name: expected a text value, got a YAML %s", n.Line, kindName(n))
		}
		f.Name = n.Value
	}
	if err := store.ValidateRunName(f.Name); err != nil {
		return nil, fmt.Errorf("name: %w (a sweep's name is used in job names)", err)
	}
	if err := f.parseBase(fields["base"]); err != nil {
		return nil, err
	}
	if n := fields[SecSynth]; n != nil {
		if fields["base"] != nil {
			return nil, fmt.Errorf("line %d: synth: a sweep trains SAEs on toy models (base) or on a synthetic model (synth), not both; split it into two files", n.Line)
		}
		s := synthDefaults()
		if err := decodeSynth(n, &s); err != nil {
			return nil, err
		}
		f.Synth, f.SAE = &s, true
	}
	if err := f.parseAxes(fields["grid"], fields["zip"]); err != nil {
		return nil, err
	}
	if !f.SAE && f.Base.ModelPath != "" {
		return nil, errors.New("base.model_path: a sweep of toy models alone trains its own models; remove model_path, or add an sae section or key to train SAEs on it")
	}
	if f.Seeds, err = parseSeeds(fields["seeds"], f.Base.Seed); err != nil {
		return nil, err
	}
	if _, err := f.count(); err != nil {
		return nil, err
	}
	return f, nil
}

// parseDoc reads the one YAML document of a sweep file.
func parseDoc(data []byte) (*yaml.Node, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("the sweep file is empty; it needs at least a grid or seeds")
		}
		return nil, errors.New(strings.TrimPrefix(err.Error(), "yaml: "))
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, errors.New("more than one YAML document; put the whole sweep in one")
	}
	if len(doc.Content) == 0 {
		return nil, errors.New("the sweep file is empty; it needs at least a grid or seeds")
	}
	return doc.Content[0], nil
}

// mapping checks that n is a mapping whose keys are among allowed (nil: any), each once, and
// returns the values by key.
func mapping(n *yaml.Node, what string, allowed []string) (map[string]*yaml.Node, error) {
	if n.Kind == yaml.AliasNode {
		return nil, fmt.Errorf("line %d: %s: YAML aliases are not allowed in a sweep file", n.Line, what)
	}
	if n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: %s: expected a mapping of keys, got a YAML %s", n.Line, what, kindName(n))
	}
	out := map[string]*yaml.Node{}
	for k := 0; k+1 < len(n.Content); k += 2 {
		key, val := n.Content[k], n.Content[k+1]
		if key.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("line %d: %s: keys must be plain text", key.Line, what)
		}
		if allowed != nil && !slices.Contains(allowed, key.Value) {
			return nil, fmt.Errorf("line %d: unknown key %q in %s; the keys allowed are %s", key.Line, key.Value, what, strings.Join(allowed, ", "))
		}
		if _, dup := out[key.Value]; dup {
			return nil, fmt.Errorf("line %d: key %q appears twice in %s", key.Line, key.Value, what)
		}
		if val.Kind == yaml.AliasNode || val.Anchor != "" {
			return nil, fmt.Errorf("line %d: %s: YAML anchors and aliases are not allowed in a sweep file", val.Line, key.Value)
		}
		out[key.Value] = val
	}
	return out, nil
}

// orderedKeys returns the keys of mapping n in the file's order.
func orderedKeys(n *yaml.Node) []string {
	var ks []string
	for k := 0; k+1 < len(n.Content); k += 2 {
		ks = append(ks, n.Content[k].Value)
	}
	return ks
}

// parseBase decodes base onto the defaults, strictly, and notes whether it trains SAEs.
func (f *File) parseBase(n *yaml.Node) error {
	if n == nil {
		return nil
	}
	if err := config.DecodeNode(n, &f.Base); err != nil {
		return fmt.Errorf("base: %w", err)
	}
	if n.Kind == yaml.MappingNode {
		for _, k := range orderedKeys(n) {
			if k == config.SecSAE || k == config.SecSAETrain || k == config.SecRuns {
				f.SAE = true
			}
		}
	}
	return nil
}

// kindName names a YAML node's kind in words.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "list"
	case yaml.MappingNode:
		return "mapping"
	case yaml.AliasNode:
		return "alias"
	}
	return "scalar"
}

// parseSeeds reads seeds: a list of whole numbers or {range: [start, stop]} (start, start+1,
// …, stop−1); absent, the base's seed alone.
func parseSeeds(n *yaml.Node, base uint64) ([]uint64, error) {
	if n == nil {
		if base > math.MaxInt64 {
			return nil, fmt.Errorf("base.seed = %d: a sweep's seeds must be at most %d", base, int64(math.MaxInt64))
		}
		return []uint64{base}, nil
	}
	var seeds []uint64
	switch n.Kind {
	case yaml.SequenceNode:
		if len(n.Content) == 0 {
			return nil, fmt.Errorf("line %d: seeds: the list is empty", n.Line)
		}
		if len(n.Content) > MaxSeeds {
			return nil, fmt.Errorf("line %d: seeds: %d seeds; at most %d are allowed", n.Line, len(n.Content), MaxSeeds)
		}
		for k, item := range n.Content {
			s, err := seedValue(item, fmt.Sprintf("seeds[%d]", k))
			if err != nil {
				return nil, err
			}
			seeds = append(seeds, s)
		}
	case yaml.MappingNode:
		fields, err := mapping(n, "seeds", []string{"range"})
		if err != nil {
			return nil, err
		}
		r := fields["range"]
		if r == nil || r.Kind != yaml.SequenceNode || len(r.Content) != 2 {
			return nil, fmt.Errorf("line %d: seeds.range: expected [start, stop] (the seeds start, …, stop−1)", n.Line)
		}
		lo, err := seedValue(r.Content[0], "seeds.range start")
		if err != nil {
			return nil, err
		}
		hi, err := seedValue(r.Content[1], "seeds.range stop")
		if err != nil {
			return nil, err
		}
		if hi <= lo || hi-lo > MaxSeeds {
			return nil, fmt.Errorf("line %d: seeds.range = [%d, %d]: stop must exceed start by 1 to %d", r.Line, lo, hi, MaxSeeds)
		}
		for s := lo; s < hi; s++ {
			seeds = append(seeds, s)
		}
	default:
		return nil, fmt.Errorf("line %d: seeds: expected a list of seeds or {range: [start, stop]}, got %q", n.Line, n.Value)
	}
	seen := map[uint64]bool{}
	for _, s := range seeds {
		if seen[s] {
			return nil, fmt.Errorf("line %d: seeds: seed %d appears twice", n.Line, s)
		}
		seen[s] = true
	}
	return seeds, nil
}

// seedValue reads one seed: a whole number from 0.
func seedValue(n *yaml.Node, what string) (uint64, error) {
	if n.Kind != yaml.ScalarNode || (n.ShortTag() != "!!int") {
		return 0, fmt.Errorf("line %d: %s = %q: must be a whole number from 0", n.Line, what, n.Value)
	}
	v, err := strconv.ParseUint(strings.ReplaceAll(n.Value, "_", ""), 0, 64)
	if err != nil || v > math.MaxInt64 {
		return 0, fmt.Errorf("line %d: %s = %q: must be a whole number from 0 to %d", n.Line, what, n.Value, int64(math.MaxInt64))
	}
	return v, nil
}
