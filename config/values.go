package config

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"saelab/toymodel"
)

// Values is an importance or feature-probability value in the config file or on the command
// line: the text of a toymodel.Spec (a number, per-instance:…, per-feature:… or full:…).
type Values string

// Resolve evaluates the spec for a model of I instances and F features; field names the
// config key in errors ("model.importance").
func (v Values) Resolve(field string, I, F int) (toymodel.Values, error) {
	vals, err := toymodel.Spec(v).Resolve(I, F)
	if err != nil {
		return toymodel.Values{}, fmt.Errorf("%s = %s: %v", field, shortQuote(string(v)), err)
	}
	return vals, nil
}

// shortQuote quotes a user's value for an error, shortened so a huge input is not echoed.
func shortQuote(s string) string {
	if len(s) > 60 {
		return strconv.Quote(s[:60]) + "…"
	}
	return strconv.Quote(s)
}

// UnmarshalYAML accepts a scalar (number or string) only.
func (v *Values) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: expected %s (as one string), got a YAML %s", n.Line, toymodel.SpecSyntax, kindName(n.Kind))
	}
	*v = Values(n.Value)
	return nil
}

// MarshalYAML writes a plain number as a YAML number and anything else as a string.
func (v Values) MarshalYAML() (any, error) {
	if x, err := strconv.ParseFloat(strings.TrimSpace(string(v)), 64); err == nil {
		return x, nil
	}
	return string(v), nil
}

// kindName names a YAML node kind in words.
func kindName(k yaml.Kind) string {
	switch k {
	case yaml.SequenceNode:
		return "list"
	case yaml.MappingNode:
		return "mapping"
	case yaml.AliasNode:
		return "alias"
	case yaml.DocumentNode:
		return "document"
	}
	return "scalar"
}
