package sweep

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"saelab/config"
)

// How grid and zip combine (the cells are the Cartesian product of the axes and the seeds):
//   - each grid key is one axis, its options the key's values;
//   - the zip's rows (the i-th value of every zip key, set together) are one more axis;
//   - a key in both the grid and the zip: the zip's rows are further options of that grid
//     axis. The grid axes of the shared keys merge into one, whose options are their product
//     (the zip's other keys keep the base's values) followed by the zip's rows. So
//     grid {sae.arch: [standard, gated]} with zip {sae.arch: [topk, batchtopk], sae.k: [1, 0.125]}
//     is one axis of four options: standard, gated, topk with k 1, batchtopk with k 0.125.

// keyed is a grid or zip key with its values.
type keyed struct {
	key    string
	line   int
	values []*yaml.Node
}

// readKeys reads the keys of grid or zip (what), checking each key and value.
func (f *File) readKeys(n *yaml.Node, what string) ([]keyed, error) {
	if n == nil {
		return nil, nil
	}
	fields, err := mapping(n, what, nil)
	if err != nil {
		return nil, err
	}
	var out []keyed
	for k, key := range orderedKeys(n) {
		at, line := what+"."+key, n.Content[2*k].Line
		if err := f.checkKey(key, line, at); err != nil {
			return nil, err
		}
		vals, err := values(fields[key], at)
		if err != nil {
			return nil, err
		}
		for _, v := range vals {
			if err := f.checkValue(key, line, v, at); err != nil {
				return nil, err
			}
		}
		out = append(out, keyed{key, line, vals})
	}
	return out, nil
}

// parseAxes reads grid and zip into f.axes and f.Keys.
func (f *File) parseAxes(grid, zip *yaml.Node) error {
	g, err := f.readKeys(grid, "grid")
	if err != nil {
		return err
	}
	z, err := f.readKeys(zip, "zip")
	if err != nil {
		return err
	}
	if len(g)+len(z) > MaxKeys {
		return fmt.Errorf("grid and zip have %d keys; at most %d are allowed", len(g)+len(z), MaxKeys)
	}
	for _, k := range z[min(1, len(z)):] {
		if len(k.values) != len(z[0].values) {
			return fmt.Errorf("line %d: zip.%s has %d values but zip.%s has %d; zip keys are varied together and need lists of equal length",
				k.line, k.key, len(k.values), z[0].key, len(z[0].values))
		}
	}
	return f.combine(g, z)
}

// combine makes the axes: one per grid key, the grid keys shared with the zip merged into one
// axis followed by the zip's rows, or the zip's rows as one more axis.
func (f *File) combine(g, z []keyed) error {
	var zipRows axis
	if len(z) > 0 {
		zipRows = make(axis, len(z[0].values))
		for r := range zipRows {
			for _, k := range z {
				zipRows[r] = append(zipRows[r], assignment{k.key, k.values[r]})
			}
		}
	}
	inZip := func(key string) bool { return slices.ContainsFunc(z, func(k keyed) bool { return k.key == key }) }
	var merged axis
	mergedAt := -1
	for _, k := range g {
		f.Keys = append(f.Keys, k.key)
		opts := make(axis, len(k.values))
		for v, node := range k.values {
			opts[v] = option{{k.key, node}}
		}
		if !inZip(k.key) {
			f.axes = append(f.axes, opts)
			continue
		}
		if mergedAt < 0 {
			mergedAt = len(f.axes)
			f.axes = append(f.axes, nil)
			merged = axis{nil}
		}
		if len(merged)*len(opts) > MaxCells {
			return fmt.Errorf("line %d: %s: the grid keys shared with zip have more than %d combinations", k.line, k.key, MaxCells)
		}
		merged = product(merged, opts)
	}
	for _, k := range z {
		if !slices.Contains(f.Keys, k.key) {
			f.Keys = append(f.Keys, k.key)
		}
	}
	switch {
	case mergedAt >= 0:
		f.axes[mergedAt] = append(merged, zipRows...)
	case len(zipRows) > 0:
		f.axes = append(f.axes, zipRows)
	}
	return nil
}

// product is every option of a followed by every option of b, set together.
func product(a, b axis) axis {
	var out axis
	for _, x := range a {
		for _, y := range b {
			out = append(out, append(slices.Clone(x), y...))
		}
	}
	return out
}

// checkKey checks that key names a field of a sweepable section, and that the sweep can vary
// it.
func (f *File) checkKey(key string, line int, at string) error {
	sec, field, ok := strings.Cut(key, ".")
	if f.Synth != nil || sec == SecSynth {
		return f.checkSynthKey(sec, field, ok, line, at)
	}
	switch {
	case key == "seed":
		return fmt.Errorf("line %d: %s: the seeds are set by seeds: (a list, or {range: [start, stop]}), not by a key", line, at)
	case !ok || field == "" || strings.Contains(field, "."):
		return fmt.Errorf("line %d: %s: a key is a config path section.field, with section one of %s (e.g. sae.sparsity_coeff)", line, at, strings.Join(sweepable, ", "))
	case !slices.Contains(sweepable, sec):
		return fmt.Errorf("line %d: %s: section %q cannot be swept; the sections are %s", line, at, sec, strings.Join(sweepable, ", "))
	case f.Base.ModelPath != "" && (sec == config.SecModel || sec == config.SecModelTrain):
		return fmt.Errorf("line %d: %s: base.model_path loads one toy model, so %s cannot vary; remove model_path to train a model per cell", line, at, sec)
	}
	if sec == config.SecSAE || sec == config.SecSAETrain {
		f.SAE = true
	}
	return nil
}

// checkValue decodes a key's value onto a scratch config: a key the section does not have, or a
// value of the wrong type, is an error naming the line and key.
func (f *File) checkValue(key string, line int, v *yaml.Node, at string) error {
	if f.Synth != nil {
		scratch := f.Synth.clone()
		if err := decodeSynth(overlay(key, line, v).Content[1], &scratch); err != nil {
			return fmt.Errorf("%s: %w", at, err)
		}
		return nil
	}
	scratch := f.Base.Clone()
	if err := config.DecodeNode(overlay(key, line, v), &scratch); err != nil {
		return fmt.Errorf("%s: %w", at, err)
	}
	return nil
}

// overlay is the config fragment {section: {field: v}} of key, at the key's line.
func overlay(key string, line int, v *yaml.Node) *yaml.Node {
	sec, field, _ := strings.Cut(key, ".")
	scalar := func(s string) *yaml.Node {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s, Line: line}
	}
	inner := &yaml.Node{Kind: yaml.MappingNode, Line: line, Content: []*yaml.Node{scalar(field), v}}
	return &yaml.Node{Kind: yaml.MappingNode, Line: line, Content: []*yaml.Node{scalar(sec), inner}}
}

// values reads a key's values: a list, {logspace: [a, b, n]} (10^a … 10^b, n values evenly
// spaced in the exponent) or {linspace: [a, b, n]} (a … b, n values evenly spaced).
// Generated values are rounded to 12 significant digits, so that linspace [0.1, 0.5, 5] gives
// 0.3, not 0.30000000000000004.
func values(n *yaml.Node, at string) ([]*yaml.Node, error) {
	switch n.Kind {
	case yaml.SequenceNode:
		if len(n.Content) == 0 {
			return nil, fmt.Errorf("line %d: %s: the list is empty", n.Line, at)
		}
		if len(n.Content) > MaxValues {
			return nil, fmt.Errorf("line %d: %s: %d values; at most %d are allowed", n.Line, at, len(n.Content), MaxValues)
		}
		for _, v := range n.Content {
			if v.Kind == yaml.AliasNode || v.Anchor != "" {
				return nil, fmt.Errorf("line %d: %s: YAML anchors and aliases are not allowed in a sweep file", v.Line, at)
			}
		}
		return n.Content, nil
	case yaml.MappingNode:
		fields, err := mapping(n, at, []string{"linspace", "logspace"})
		if err != nil {
			return nil, err
		}
		if len(fields) != 1 {
			return nil, fmt.Errorf("line %d: %s: give one of {linspace: [start, stop, count]} or {logspace: [start, stop, count]}", n.Line, at)
		}
		for gen, args := range fields {
			return generate(gen, args, at+"."+gen)
		}
	}
	return nil, fmt.Errorf("line %d: %s: expected a list of values, {linspace: [start, stop, count]} or {logspace: [start, stop, count]}, got %q",
		n.Line, at, n.Value)
}

// generate evaluates a linspace or logspace generator.
func generate(gen string, args *yaml.Node, at string) ([]*yaml.Node, error) {
	if args.Kind != yaml.SequenceNode || len(args.Content) != 3 {
		return nil, fmt.Errorf("line %d: %s: expected [start, stop, count]", args.Line, at)
	}
	var num [2]float64
	for k, name := range []string{"start", "stop"} {
		a := args.Content[k]
		v, err := strconv.ParseFloat(a.Value, 64)
		if a.Kind != yaml.ScalarNode || (a.ShortTag() != "!!int" && a.ShortTag() != "!!float") || err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
			return nil, fmt.Errorf("line %d: %s %s = %q: must be a finite number", a.Line, at, name, a.Value)
		}
		num[k] = v
	}
	c := args.Content[2]
	count, err := strconv.Atoi(c.Value)
	if c.Kind != yaml.ScalarNode || c.ShortTag() != "!!int" || err != nil || count < 1 || count > MaxValues {
		return nil, fmt.Errorf("line %d: %s count = %q: must be a whole number in [1, %d]", c.Line, at, c.Value, MaxValues)
	}
	if gen == "logspace" && math.Max(math.Abs(num[0]), math.Abs(num[1])) > 300 {
		return nil, fmt.Errorf("line %d: %s = [%v, %v, …]: exponents must be in [-300, 300]", args.Line, at, num[0], num[1])
	}
	out := make([]*yaml.Node, count)
	for k := range out {
		x := num[0]
		if count > 1 {
			x = num[0] + float64(k)*(num[1]-num[0])/float64(count-1)
		}
		if k == count-1 {
			x = num[1]
		}
		if gen == "logspace" {
			x = math.Pow(10, x)
		}
		x, _ = strconv.ParseFloat(strconv.FormatFloat(x, 'g', 12, 64), 64)
		out[k] = &yaml.Node{Kind: yaml.ScalarNode, Value: strconv.FormatFloat(x, 'g', -1, 64), Line: args.Line}
	}
	return out, nil
}

// count is the number of cells, refused beyond MaxCells before anything is expanded.
func (f *File) count() (int, error) {
	n := len(f.Seeds)
	for _, a := range f.axes {
		if len(a) > MaxCells || n*len(a) > MaxCells {
			return 0, fmt.Errorf("the sweep has more than %d cells (the grid's and zip's options times %d seeds); split it into smaller sweeps", MaxCells, len(f.Seeds))
		}
		n *= len(a)
	}
	return n, nil
}
