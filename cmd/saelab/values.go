package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"

	"saelab/toymodel"
)

// ValuesSpec is an importance or feature_probability specification as the user writes it, on
// the command line or in the config file. The axis is always explicit (spec §1.3 warns that
// NumPy broadcasting turns a length-I vector into a per-feature one):
//
//	0.025                              one value for every (instance, feature)
//	per-instance:0.1,0.05,0.02         one value per instance (n_inst numbers)
//	per-feature:1,0.9,0.81,0.73,0.66   one value per feature (n_features numbers)
//	per-feature:0.9^i                  an expression in the index i = 0 … n−1 along the axis
//	per-instance:50^-linspace(0,1)     linspace(a,b) runs from a to b over the axis (also linspace(a,b,n))
//	full:1,0.5;1,0.5;1,0.5             one row per instance (rows split by ';'), or one expression in i (instance) and f (feature)
//	scalar:0.025                       the same as 0.025
//
// Expressions use numbers, + − * / ^ (right-associative power), parentheses, i (and f), n (the
// axis length) and the functions linspace, exp, log, log10, sqrt. A single constant on an
// axis applies to the whole axis.
type ValuesSpec string

// valuesAxes maps the accepted axis prefixes to their axis.
var valuesAxes = []struct {
	name string
	axis toymodel.Axis
}{
	{"scalar", toymodel.AxisScalar},
	{"per-instance", toymodel.AxisInstance},
	{"per-feature", toymodel.AxisFeature},
	{"full", toymodel.AxisFull},
}

const valuesSyntax = `a number (0.025), or per-instance:LIST, per-feature:LIST or full:ROWS, where LIST is n comma-separated numbers or one expression in i such as 0.9^i or 50^-linspace(0,1)`

// Resolve turns the spec into values along its axis for a model of I instances and F features.
// name ("importance", "feature_probability") is used in errors.
func (v ValuesSpec) Resolve(name string, I, F int) (toymodel.Values, error) {
	text := strings.TrimSpace(string(v))
	fail := func(format string, args ...any) (toymodel.Values, error) {
		return toymodel.Values{}, fmt.Errorf("%s = %q: %s", name, string(v), fmt.Sprintf(format, args...))
	}
	if text == "" {
		return fail("empty; expected %s", valuesSyntax)
	}
	axis, body := toymodel.AxisScalar, text
	if k := strings.IndexByte(text, ':'); k >= 0 {
		prefix := strings.TrimSpace(text[:k])
		found := false
		for _, a := range valuesAxes {
			if strings.EqualFold(prefix, a.name) {
				axis, found = a.axis, true
			}
		}
		if !found {
			return fail("unknown axis %q; expected scalar, per-instance, per-feature or full", prefix)
		}
		body = strings.TrimSpace(text[k+1:])
	}
	switch axis {
	case toymodel.AxisScalar:
		x, err := evalConst(body)
		if err != nil {
			return fail("%v; expected %s", err, valuesSyntax)
		}
		return toymodel.Scalar(x), nil
	case toymodel.AxisInstance, toymodel.AxisFeature:
		n, axisName := I, "n_inst"
		if axis == toymodel.AxisFeature {
			n, axisName = F, "n_features"
		}
		vals, err := evalList(body, n, axisName, axis == toymodel.AxisFeature)
		if err != nil {
			return fail("%v", err)
		}
		return toymodel.Values{Axis: axis, V: vals}, nil
	default:
		vals, err := evalFull(body, I, F)
		if err != nil {
			return fail("%v", err)
		}
		return toymodel.Full(vals), nil
	}
}

// evalList evaluates a per-axis LIST of length n.
func evalList(body string, n int, axisName string, featureAxis bool) ([]float64, error) {
	parts := splitTop(body, ',')
	out := make([]float64, n)
	if len(parts) == 1 {
		e, err := parseExpr(parts[0])
		if err != nil {
			return nil, err
		}
		for i := range n {
			env := evalEnv{n: n, i: i, hasI: true}
			if featureAxis {
				env.f, env.hasF = i, true
			}
			x, err := e.eval(&env)
			if err != nil {
				return nil, err
			}
			out[i] = x
		}
		return out, nil
	}
	if len(parts) != n {
		return nil, fmt.Errorf("%d values given but %s = %d", len(parts), axisName, n)
	}
	for i, p := range parts {
		e, err := parseExpr(p)
		if err != nil {
			return nil, fmt.Errorf("value %d: %v", i+1, err)
		}
		env := evalEnv{n: n, i: i, hasI: true}
		if featureAxis {
			env.f, env.hasF = i, true
		}
		if out[i], err = e.eval(&env); err != nil {
			return nil, fmt.Errorf("value %d: %v", i+1, err)
		}
	}
	return out, nil
}

// evalFull evaluates ROWS: I rows of F values split by ';', or a single expression in i and f.
func evalFull(body string, I, F int) ([]float64, error) {
	rows := splitTop(body, ';')
	out := make([]float64, I*F)
	if len(rows) == 1 && len(splitTop(rows[0], ',')) == 1 {
		e, err := parseExpr(rows[0])
		if err != nil {
			return nil, err
		}
		for i := range I {
			for f := range F {
				x, err := e.eval(&evalEnv{i: i, f: f, hasI: true, hasF: true, full: true})
				if err != nil {
					return nil, err
				}
				out[i*F+f] = x
			}
		}
		return out, nil
	}
	if len(rows) != I {
		return nil, fmt.Errorf("%d rows given (split by ';') but n_inst = %d", len(rows), I)
	}
	for i, r := range rows {
		parts := splitTop(r, ',')
		if len(parts) != F {
			return nil, fmt.Errorf("row %d has %d values but n_features = %d", i+1, len(parts), F)
		}
		for f, p := range parts {
			x, err := evalConst(p)
			if err != nil {
				return nil, fmt.Errorf("row %d value %d: %v", i+1, f+1, err)
			}
			out[i*F+f] = x
		}
	}
	return out, nil
}

// evalConst evaluates an expression that uses no index.
func evalConst(s string) (float64, error) {
	e, err := parseExpr(s)
	if err != nil {
		return 0, err
	}
	return e.eval(&evalEnv{})
}

// splitTop splits s at sep outside parentheses.
func splitTop(s string, sep byte) []string {
	var parts []string
	depth, start := 0, 0
	for k := 0; k < len(s); k++ {
		switch s[k] {
		case '(':
			depth++
		case ')':
			depth--
		case sep:
			if depth == 0 {
				parts = append(parts, strings.TrimSpace(s[start:k]))
				start = k + 1
			}
		}
	}
	return append(parts, strings.TrimSpace(s[start:]))
}

// UnmarshalYAML accepts a scalar (number or string) only.
func (v *ValuesSpec) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: expected %s (as one string), got a YAML %s", n.Line, valuesSyntax, kindName(n.Kind))
	}
	*v = ValuesSpec(n.Value)
	return nil
}

// MarshalYAML writes a plain number as a YAML number and anything else as a string.
func (v ValuesSpec) MarshalYAML() (any, error) {
	if x, err := strconv.ParseFloat(strings.TrimSpace(string(v)), 64); err == nil {
		return x, nil
	}
	return string(v), nil
}

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

// ---- a tiny expression language ----

type evalEnv struct {
	n, i, f    int
	hasI, hasF bool
	full       bool // a full:(i,f) expression: linspace has no single axis
}

type expr interface {
	eval(env *evalEnv) (float64, error)
}

type numExpr float64
type varExpr string
type unaryExpr struct{ x expr }
type binExpr struct {
	op   byte
	l, r expr
}
type callExpr struct {
	fn   string
	args []expr
}

func (e numExpr) eval(*evalEnv) (float64, error) { return float64(e), nil }

func (e varExpr) eval(env *evalEnv) (float64, error) {
	switch e {
	case "i":
		if env.hasI {
			return float64(env.i), nil
		}
	case "f":
		if env.hasF {
			return float64(env.f), nil
		}
	case "n":
		if env.hasI && !env.full {
			return float64(env.n), nil
		}
	case "pi":
		return math.Pi, nil
	case "e":
		return math.E, nil
	}
	return 0, fmt.Errorf("%q is not defined here (i and n exist on per-instance and per-feature axes, f on per-feature and full)", string(e))
}

func (e unaryExpr) eval(env *evalEnv) (float64, error) {
	x, err := e.x.eval(env)
	return -x, err
}

func (e binExpr) eval(env *evalEnv) (float64, error) {
	l, err := e.l.eval(env)
	if err != nil {
		return 0, err
	}
	r, err := e.r.eval(env)
	if err != nil {
		return 0, err
	}
	switch e.op {
	case '+':
		return l + r, nil
	case '-':
		return l - r, nil
	case '*':
		return l * r, nil
	case '/':
		return l / r, nil
	}
	return math.Pow(l, r), nil
}

func (e callExpr) eval(env *evalEnv) (float64, error) {
	args := make([]float64, len(e.args))
	for k, a := range e.args {
		x, err := a.eval(env)
		if err != nil {
			return 0, err
		}
		args[k] = x
	}
	want := map[string]int{"exp": 1, "log": 1, "log10": 1, "sqrt": 1}
	if e.fn == "linspace" {
		if len(args) != 2 && len(args) != 3 {
			return 0, fmt.Errorf("linspace takes (start, stop) or (start, stop, count), got %d arguments", len(args))
		}
		if !env.hasI || env.full {
			return 0, fmt.Errorf("linspace needs a per-instance or per-feature axis")
		}
		if len(args) == 3 && args[2] != float64(env.n) {
			return 0, fmt.Errorf("linspace(…, %v) has %v values but the axis has %d", args[2], args[2], env.n)
		}
		if env.n == 1 {
			return args[0], nil
		}
		return args[0] + (args[1]-args[0])*float64(env.i)/float64(env.n-1), nil
	}
	if n, ok := want[e.fn]; !ok {
		return 0, fmt.Errorf("unknown function %q (known: linspace, exp, log, log10, sqrt)", e.fn)
	} else if len(args) != n {
		return 0, fmt.Errorf("%s takes %d argument, got %d", e.fn, n, len(args))
	}
	switch e.fn {
	case "exp":
		return math.Exp(args[0]), nil
	case "log":
		return math.Log(args[0]), nil
	case "log10":
		return math.Log10(args[0]), nil
	}
	return math.Sqrt(args[0]), nil
}

type exprParser struct {
	s   string
	pos int
}

// parseExpr parses a whole expression.
func parseExpr(s string) (expr, error) {
	p := &exprParser{s: s}
	p.skip()
	if p.pos == len(p.s) {
		return nil, fmt.Errorf("empty value")
	}
	e, err := p.sum()
	if err != nil {
		return nil, err
	}
	p.skip()
	if p.pos != len(p.s) {
		return nil, fmt.Errorf("unexpected %q at position %d of %q", p.s[p.pos:], p.pos+1, s)
	}
	return e, nil
}

func (p *exprParser) skip() {
	for p.pos < len(p.s) && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t') {
		p.pos++
	}
}

func (p *exprParser) peek() byte {
	p.skip()
	if p.pos < len(p.s) {
		return p.s[p.pos]
	}
	return 0
}

func (p *exprParser) sum() (expr, error) {
	l, err := p.product()
	if err != nil {
		return nil, err
	}
	for {
		op := p.peek()
		if op != '+' && op != '-' {
			return l, nil
		}
		p.pos++
		r, err := p.product()
		if err != nil {
			return nil, err
		}
		l = binExpr{op, l, r}
	}
}

func (p *exprParser) product() (expr, error) {
	l, err := p.unary()
	if err != nil {
		return nil, err
	}
	for {
		op := p.peek()
		if op != '*' && op != '/' {
			return l, nil
		}
		p.pos++
		r, err := p.unary()
		if err != nil {
			return nil, err
		}
		l = binExpr{op, l, r}
	}
}

func (p *exprParser) unary() (expr, error) {
	switch p.peek() {
	case '-':
		p.pos++
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return unaryExpr{x}, nil
	case '+':
		p.pos++
		return p.unary()
	}
	return p.power()
}

func (p *exprParser) power() (expr, error) {
	base, err := p.atom()
	if err != nil {
		return nil, err
	}
	if p.peek() == '^' {
		p.pos++
		exp, err := p.unary() // right-associative, allows 50^-x
		if err != nil {
			return nil, err
		}
		return binExpr{'^', base, exp}, nil
	}
	return base, nil
}

func (p *exprParser) atom() (expr, error) {
	c := p.peek()
	switch {
	case c == 0:
		return nil, fmt.Errorf("unexpected end of %q", p.s)
	case c == '(':
		p.pos++
		e, err := p.sum()
		if err != nil {
			return nil, err
		}
		if p.peek() != ')' {
			return nil, fmt.Errorf("missing ')' in %q", p.s)
		}
		p.pos++
		return e, nil
	case c >= '0' && c <= '9' || c == '.':
		start := p.pos
		for p.pos < len(p.s) {
			ch := p.s[p.pos]
			if ch >= '0' && ch <= '9' || ch == '.' {
				p.pos++
			} else if (ch == 'e' || ch == 'E') && p.pos+1 < len(p.s) {
				next := p.s[p.pos+1]
				if next >= '0' && next <= '9' {
					p.pos += 2
				} else if (next == '-' || next == '+') && p.pos+2 < len(p.s) && p.s[p.pos+2] >= '0' && p.s[p.pos+2] <= '9' {
					p.pos += 3
				} else {
					break
				}
			} else {
				break
			}
		}
		x, err := strconv.ParseFloat(p.s[start:p.pos], 64)
		if err != nil {
			return nil, fmt.Errorf("bad number %q", p.s[start:p.pos])
		}
		return numExpr(x), nil
	case unicode.IsLetter(rune(c)):
		start := p.pos
		for p.pos < len(p.s) && (unicode.IsLetter(rune(p.s[p.pos])) || p.s[p.pos] >= '0' && p.s[p.pos] <= '9' || p.s[p.pos] == '_') {
			p.pos++
		}
		name := strings.ToLower(p.s[start:p.pos])
		if p.peek() != '(' {
			return varExpr(name), nil
		}
		p.pos++
		var args []expr
		if p.peek() != ')' {
			for {
				a, err := p.sum()
				if err != nil {
					return nil, err
				}
				args = append(args, a)
				if p.peek() == ',' {
					p.pos++
					continue
				}
				break
			}
		}
		if p.peek() != ')' {
			return nil, fmt.Errorf("missing ')' after the arguments of %s in %q", name, p.s)
		}
		p.pos++
		return callExpr{name, args}, nil
	}
	return nil, fmt.Errorf("unexpected %q at position %d of %q", string(c), p.pos+1, p.s)
}
