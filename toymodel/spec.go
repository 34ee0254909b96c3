package toymodel

import (
	"fmt"
	"strconv"
	"strings"
)

// Spec is an importance or feature-probability value as a user writes it, with its axis
// always explicit (spec §1.3 warns that NumPy broadcasting turns a length-I vector into a
// per-feature one):
//
//	0.025                              one value for every (instance, feature)
//	per-instance:0.1,0.05,0.02         one value per instance (n_inst numbers)
//	per-feature:1,0.9,0.81,0.73,0.66   one value per feature (n_features numbers)
//	per-feature:0.9^i                  an expression in the index i = 0 … n−1 along the axis
//	per-instance:50^-linspace(0,1)     linspace(a,b) runs from a to b over the axis (also linspace(a,b,n))
//	full:1,0.5;1,0.5;1,0.5             one row per instance (rows split by ';'), or one expression in i and f
//	scalar:0.025                       the same as 0.025
//
// Expressions use numbers, + − * / ^ (right-associative power), parentheses, i (and f), n (the
// axis length), pi, e and the functions linspace, exp, log, log10, sqrt. A single constant on
// an axis applies to the whole axis.
type Spec string

// SpecSyntax describes the accepted forms, for error messages and help texts.
const SpecSyntax = `a number (0.025), or per-instance:LIST, per-feature:LIST or full:ROWS, where LIST is n comma-separated numbers or one expression in i such as 0.9^i or 50^-linspace(0,1)`

// Bounds of the language: a spec longer than MaxSpecBytes or nested deeper than MaxSpecDepth
// is refused before it is parsed, so no input can exhaust memory or the stack.
const (
	MaxSpecBytes = 4 << 20
	MaxSpecDepth = 100
)

var specAxes = []struct {
	name string
	axis Axis
}{
	{"scalar", AxisScalar},
	{"per-instance", AxisInstance},
	{"per-feature", AxisFeature},
	{"full", AxisFull},
}

// Resolve evaluates the spec along its axis for a model of I instances and F features.
// Errors say what is wrong and what is allowed; the caller adds the field's name.
func (s Spec) Resolve(I, F int) (Values, error) {
	text := strings.TrimSpace(string(s))
	if len(text) > MaxSpecBytes {
		return Values{}, fmt.Errorf("%d bytes long; at most %d are allowed", len(text), MaxSpecBytes)
	}
	if text == "" {
		return Values{}, fmt.Errorf("empty; expected %s", SpecSyntax)
	}
	axis, body := AxisScalar, text
	if k := strings.IndexByte(text, ':'); k >= 0 {
		prefix := strings.TrimSpace(text[:k])
		found := false
		for _, a := range specAxes {
			if strings.EqualFold(prefix, a.name) {
				axis, found = a.axis, true
			}
		}
		if !found {
			return Values{}, fmt.Errorf("unknown axis %s; expected scalar, per-instance, per-feature or full", quoteShort(prefix))
		}
		body = strings.TrimSpace(text[k+1:])
	}
	switch axis {
	case AxisScalar:
		x, err := evalConst(body)
		if err != nil {
			return Values{}, fmt.Errorf("%v; expected %s", err, SpecSyntax)
		}
		return Scalar(x), nil
	case AxisInstance:
		v, err := evalList(body, I, "n_inst", false)
		return Values{Axis: axis, V: v}, err
	case AxisFeature:
		v, err := evalList(body, F, "n_features", true)
		return Values{Axis: axis, V: v}, err
	}
	v, err := evalFull(body, I, F)
	return Full(v), err
}

// evalList evaluates a per-axis LIST of length n: n values, or one expression in i.
func evalList(body string, n int, axisName string, featureAxis bool) ([]float64, error) {
	parts := splitTop(body, ',', n+1)
	env := func(i int) *evalEnv {
		e := &evalEnv{n: n, i: i, hasI: true}
		if featureAxis {
			e.f, e.hasF = i, true
		}
		return e
	}
	if len(parts) == 1 {
		e, err := parseExpr(parts[0])
		if err != nil {
			return nil, err
		}
		out := make([]float64, n)
		for i := range out {
			if out[i], err = e.eval(env(i)); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	if len(parts) != n {
		return nil, fmt.Errorf("%s values given but %s = %d", countText(len(parts), n), axisName, n)
	}
	out := make([]float64, n)
	for i, p := range parts {
		e, err := parseExpr(p)
		if err == nil {
			out[i], err = e.eval(env(i))
		}
		if err != nil {
			return nil, fmt.Errorf("value %d: %v", i+1, err)
		}
	}
	return out, nil
}

// evalFull evaluates ROWS: I rows of F values split by ';', or a single expression in i and f.
func evalFull(body string, I, F int) ([]float64, error) {
	rows := splitTop(body, ';', I+1)
	if len(rows) == 1 && len(splitTop(rows[0], ',', 2)) == 1 {
		e, err := parseExpr(rows[0])
		if err != nil {
			return nil, err
		}
		out := make([]float64, I*F)
		for i := range I {
			for f := range F {
				if out[i*F+f], err = e.eval(&evalEnv{i: i, f: f, hasI: true, hasF: true, full: true}); err != nil {
					return nil, err
				}
			}
		}
		return out, nil
	}
	if len(rows) != I {
		return nil, fmt.Errorf("%s rows given (split by ';') but n_inst = %d", countText(len(rows), I), I)
	}
	out := make([]float64, I*F)
	for i, r := range rows {
		parts := splitTop(r, ',', F+1)
		if len(parts) != F {
			return nil, fmt.Errorf("row %d has %s values but n_features = %d", i+1, countText(len(parts), F), F)
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

// countText is n, or "more than want" when splitTop stopped counting.
func countText(n, want int) string {
	if n > want {
		return fmt.Sprintf("more than %d", want)
	}
	return strconv.Itoa(n)
}

// evalConst evaluates an expression that uses no index.
func evalConst(s string) (float64, error) {
	e, err := parseExpr(s)
	if err != nil {
		return 0, err
	}
	return e.eval(&evalEnv{})
}

// splitTop splits s at sep outside parentheses into at most limit parts (the last holding the
// rest), so that a list far longer than its axis costs no more than one longer than it.
func splitTop(s string, sep byte, limit int) []string {
	var parts []string
	depth, start := 0, 0
	for k := 0; k < len(s) && len(parts) < limit-1; k++ {
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

// quoteShort quotes s for an error message, shortened to its first 40 bytes.
func quoteShort(s string) string {
	if len(s) > 40 {
		return strconv.Quote(s[:40]) + "…"
	}
	return strconv.Quote(s)
}

// Compact writes (I, F) values [I][F] as the shortest exact Spec: a number, per-instance,
// per-feature or full. Resolving it gives back exactly v.
func Compact(v []float64, I, F int) Spec {
	num := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	rowsEqual, colsConst, all := true, true, true
	for i := 0; i < I; i++ {
		for f := 0; f < F; f++ {
			x := v[i*F+f]
			rowsEqual = rowsEqual && x == v[f]
			colsConst = colsConst && x == v[i*F]
			all = all && x == v[0]
		}
	}
	join := func(xs []float64) string {
		s := make([]string, len(xs))
		for k, x := range xs {
			s[k] = num(x)
		}
		return strings.Join(s, ",")
	}
	switch {
	case all:
		return Spec(num(v[0]))
	case rowsEqual:
		return Spec("per-feature:" + join(v[:F]))
	case colsConst:
		col := make([]float64, I)
		for i := range col {
			col[i] = v[i*F]
		}
		return Spec("per-instance:" + join(col))
	}
	rows := make([]string, I)
	for i := range rows {
		rows[i] = join(v[i*F : (i+1)*F])
	}
	return Spec("full:" + strings.Join(rows, ";"))
}
