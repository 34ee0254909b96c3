package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"saelab/sae"
)

// MaxFileBytes bounds a config file: a real one is a few hundred bytes.
const MaxFileBytes = 1 << 20

// runOverlayTypes are the struct types a RunSpec's override sections decode into.
var runOverlayTypes = map[string]reflect.Type{
	"sae":       reflect.TypeFor[sae.Config](),
	"sae_train": reflect.TypeFor[sae.TrainConfig](),
}

// LoadFile decodes the YAML file at path onto c (keys absent from the file keep c's values).
func LoadFile(path string, c *Config) error {
	data, err := ReadFile(path)
	if err != nil {
		return err
	}
	if err := Decode(data, c); err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	return nil
}

// ReadFile reads a YAML file of at most MaxFileBytes, refusing anything larger (or endless,
// such as /dev/zero) before reading it whole.
func ReadFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config file %s: %w", path, errors.Unwrap(err))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("config file %s: %w", path, errors.Unwrap(err))
	}
	if len(data) > MaxFileBytes {
		return nil, fmt.Errorf("config file %s: larger than %d bytes; a config file is a few hundred bytes of YAML", path, MaxFileBytes)
	}
	return data, nil
}

// Decode is LoadFile on bytes. Decoding is strict: an unknown key, a duplicate key, a value of
// the wrong type or a second document is an error naming the line and key.
func Decode(data []byte, c *Config) error {
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
	return DecodeNode(doc.Content[0], c)
}

// DecodeNode is Decode on a parsed YAML node (a mapping of sections, or null for all
// defaults), e.g. a section of a larger file: errors name the node's own lines.
func DecodeNode(root *yaml.Node, c *Config) error {
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return nil
	}
	if root.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: the config must be a mapping of sections (seed, model, model_train, sae, sae_train, runs), got a YAML %s", root.Line, kindName(root.Kind))
	}
	if err := checkNode(root, reflect.TypeFor[Config](), ""); err != nil {
		return err
	}
	if err := root.Decode(c); err != nil {
		return cleanYAMLError(err)
	}
	for k := range c.Runs {
		if err := c.Runs[k].check(k); err != nil {
			return err
		}
	}
	return nil
}

// DecodeSection decodes one section n strictly onto v, a pointer to a struct of yaml-tagged
// fields, with the checks and messages of Decode; path names the section in messages (e.g.
// "synth"). Sections that are not part of a run's config (a sweep file's synth section) use it.
func DecodeSection(n *yaml.Node, v any, path string) error {
	if err := checkNode(n, reflect.TypeOf(v), path); err != nil {
		return err
	}
	if err := n.Decode(v); err != nil {
		return cleanYAMLError(err)
	}
	return nil
}

// cleanYAMLError rewrites the yaml package's messages into config terms, without Go type names.
func cleanYAMLError(err error) error {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "yaml: ")
	msg = strings.ReplaceAll(msg, "unmarshal errors:\n  ", "")
	msg = strings.ReplaceAll(msg, "\n  ", "; ")
	return errors.New(msg)
}

// checkNode walks a node against a struct type before decoding: every key must be one of the
// struct's yaml keys, every value of the kind its field needs (a mapping for a struct, a list
// for a slice, an integer for an integer field), so that the decoder's own messages, which
// name Go types, are never reached for these mistakes.
func checkNode(n *yaml.Node, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind == yaml.AliasNode {
		return fmt.Errorf("line %d: %s: YAML aliases are not allowed in a config", n.Line, describePath(path))
	}
	if reflect.PointerTo(t).Implements(reflect.TypeFor[yaml.Unmarshaler]()) {
		return nil // the type checks itself
	}
	switch t.Kind() {
	case reflect.Struct:
		if t == reflect.TypeFor[yaml.Node]() {
			return nil
		}
		if n.Kind != yaml.MappingNode {
			return fmt.Errorf("line %d: %s: expected a mapping of keys, got a YAML %s", n.Line, describePath(path), kindName(n.Kind))
		}
		return checkStruct(n, t, path)
	case reflect.Slice:
		if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
			return nil
		}
		if n.Kind != yaml.SequenceNode {
			return fmt.Errorf("line %d: %s: expected a list, got a YAML %s", n.Line, describePath(path), kindName(n.Kind))
		}
		for e, item := range n.Content {
			if err := checkNode(item, t.Elem(), fmt.Sprintf("%s[%d]", path, e)); err != nil {
				return err
			}
		}
		return nil
	}
	return checkScalar(n, t.Kind(), path)
}

// checkScalar checks a scalar's YAML tag against the field's kind.
func checkScalar(n *yaml.Node, k reflect.Kind, path string) error {
	want, tags := "", []string{}
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		want, tags = "a whole number", []string{"!!int"}
	case reflect.Float32, reflect.Float64:
		want, tags = "a number", []string{"!!int", "!!float"}
	case reflect.Bool:
		want, tags = "true or false", []string{"!!bool"}
	case reflect.String:
		want, tags = "a text value", []string{"!!str", "!!int", "!!float", "!!bool"}
	default:
		return nil
	}
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: %s: expected %s, got a YAML %s", n.Line, describePath(path), want, kindName(n.Kind))
	}
	if !slices.Contains(tags, n.ShortTag()) {
		return fmt.Errorf("line %d: %s = %s: must be %s", n.Line, describePath(path), shortQuote(n.Value), want)
	}
	if want == "a whole number" {
		v := strings.ReplaceAll(n.Value, "_", "")
		if k >= reflect.Uint && k <= reflect.Uint64 {
			if _, err := strconv.ParseUint(strings.TrimPrefix(v, "+"), 0, 64); err != nil {
				return fmt.Errorf("line %d: %s = %s: must be a whole number from 0 to %d", n.Line, describePath(path), shortQuote(n.Value), uint64(math.MaxUint64))
			}
		} else if _, err := strconv.ParseInt(v, 0, 64); err != nil {
			return fmt.Errorf("line %d: %s = %s: must be a whole number from %d to %d", n.Line, describePath(path), shortQuote(n.Value), math.MinInt64, math.MaxInt64)
		}
	}
	return nil
}

// describePath names a config path in a message.
func describePath(path string) string {
	if path == "" {
		return "the config"
	}
	return path
}

// checkStruct checks each key of a mapping against the struct's yaml keys.
func checkStruct(n *yaml.Node, t reflect.Type, path string) error {
	fields := yamlFields(t)
	seen := map[string]bool{}
	for k := 0; k+1 < len(n.Content); k += 2 {
		key, val := n.Content[k], n.Content[k+1]
		where := key.Value
		if path != "" {
			where = path + "." + key.Value
		}
		if seen[key.Value] {
			return fmt.Errorf("line %d: key %s appears twice", key.Line, shortQuote(where))
		}
		seen[key.Value] = true
		ft, ok := fields[key.Value]
		if !ok {
			return unknownKey(key, where, path, fields)
		}
		if ft == reflect.TypeFor[yaml.Node]() {
			if ot, ok := runOverlayTypes[key.Value]; ok {
				if val.Kind != yaml.MappingNode {
					return fmt.Errorf("line %d: %s: expected a mapping of keys, got a YAML %s", val.Line, where, kindName(val.Kind))
				}
				if err := checkStruct(val, ot, where); err != nil {
					return err
				}
			}
			continue
		}
		if err := checkNode(val, ft, where); err != nil {
			return err
		}
	}
	return nil
}

// unknownKey is the error for a key the section does not have, listing the ones it has.
func unknownKey(key *yaml.Node, where, path string, fields map[string]reflect.Type) error {
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	slices.Sort(names)
	section := "the top level"
	if path != "" {
		section = path
	}
	return fmt.Errorf("line %d: unknown key %s; the keys allowed in %s are %s", key.Line, shortQuote(where), section, strings.Join(names, ", "))
}

// yamlFields maps a struct's yaml keys to their field types, following ",inline" embeddings.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for k := 0; k < t.NumField(); k++ {
		f := t.Field(k)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
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
