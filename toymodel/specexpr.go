package toymodel

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
)

// The expression language of Spec. Sums and products are n-ary nodes evaluated in a loop and
// runs of unary signs are counted, so the tree is only as deep as the input's nesting of
// parentheses, calls and powers, which the parser bounds by MaxSpecDepth.

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
type negExpr struct{ x expr }

// chainExpr is x0 op1 x1 op2 x2 …, left to right, all ops of one precedence level.
type chainExpr struct {
	xs  []expr
	ops []byte
}
type powExpr struct{ base, exp expr }
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
	return 0, fmt.Errorf("%s is not defined here (i and n exist on per-instance and per-feature axes, f on per-feature and full)", quoteShort(string(e)))
}

func (e negExpr) eval(env *evalEnv) (float64, error) {
	x, err := e.x.eval(env)
	return -x, err
}

func (e chainExpr) eval(env *evalEnv) (float64, error) {
	acc, err := e.xs[0].eval(env)
	if err != nil {
		return 0, err
	}
	for k, op := range e.ops {
		r, err := e.xs[k+1].eval(env)
		if err != nil {
			return 0, err
		}
		switch op {
		case '+':
			acc += r
		case '-':
			acc -= r
		case '*':
			acc *= r
		default:
			acc /= r
		}
	}
	return acc, nil
}

func (e powExpr) eval(env *evalEnv) (float64, error) {
	b, err := e.base.eval(env)
	if err != nil {
		return 0, err
	}
	x, err := e.exp.eval(env)
	return math.Pow(b, x), err
}

var specFuncArgs = map[string]int{"exp": 1, "log": 1, "log10": 1, "sqrt": 1}

func (e callExpr) eval(env *evalEnv) (float64, error) {
	args := make([]float64, len(e.args))
	for k, a := range e.args {
		x, err := a.eval(env)
		if err != nil {
			return 0, err
		}
		args[k] = x
	}
	if e.fn == "linspace" {
		return linspaceAt(args, env)
	}
	if n, ok := specFuncArgs[e.fn]; !ok {
		return 0, fmt.Errorf("unknown function %s (known: linspace, exp, log, log10, sqrt)", quoteShort(e.fn))
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

// linspaceAt is linspace(a, b[, n]) at the environment's index along its axis.
func linspaceAt(args []float64, env *evalEnv) (float64, error) {
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

type exprParser struct {
	s     string
	pos   int
	depth int
}

// parseExpr parses a whole expression.
func parseExpr(s string) (expr, error) {
	p := &exprParser{s: s}
	p.skip()
	if p.pos == len(p.s) {
		return nil, fmt.Errorf("empty value")
	}
	e, err := p.chain("+-", p.product)
	if err != nil {
		return nil, err
	}
	p.skip()
	if p.pos != len(p.s) {
		return nil, fmt.Errorf("unexpected %s at position %d of %s", quoteShort(p.s[p.pos:]), p.pos+1, quoteShort(s))
	}
	return e, nil
}

// enter counts one level of nesting and refuses more than MaxSpecDepth.
func (p *exprParser) enter() error {
	p.depth++
	if p.depth > MaxSpecDepth {
		return fmt.Errorf("nested too deeply (more than %d levels of parentheses, calls or powers)", MaxSpecDepth)
	}
	return nil
}

// skip moves past blanks.
func (p *exprParser) skip() {
	for p.pos < len(p.s) && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t') {
		p.pos++
	}
}

// peek returns the next non-blank byte (0 at the end).
func (p *exprParser) peek() byte {
	p.skip()
	if p.pos < len(p.s) {
		return p.s[p.pos]
	}
	return 0
}

// chain parses operand (op operand)* for the operators in ops, left-associative.
func (p *exprParser) chain(ops string, operand func() (expr, error)) (expr, error) {
	x, err := operand()
	if err != nil {
		return nil, err
	}
	c := chainExpr{xs: []expr{x}}
	for {
		op := p.peek()
		if op == 0 || !strings.ContainsRune(ops, rune(op)) {
			break
		}
		p.pos++
		r, err := operand()
		if err != nil {
			return nil, err
		}
		c.xs, c.ops = append(c.xs, r), append(c.ops, op)
	}
	if len(c.ops) == 0 {
		return x, nil
	}
	return c, nil
}

// product parses unary (* | / unary)*.
func (p *exprParser) product() (expr, error) { return p.chain("*/", p.unary) }

// unary parses a run of signs (counted, not recursed) and then a power.
func (p *exprParser) unary() (expr, error) {
	neg := false
	for c := p.peek(); c == '-' || c == '+'; c = p.peek() {
		neg = neg != (c == '-')
		p.pos++
	}
	x, err := p.power()
	if err != nil || !neg {
		return x, err
	}
	return negExpr{x}, nil
}

// power parses atom [^ unary], right-associative.
func (p *exprParser) power() (expr, error) {
	base, err := p.atom()
	if err != nil {
		return nil, err
	}
	if p.peek() != '^' {
		return base, nil
	}
	p.pos++
	if err := p.enter(); err != nil {
		return nil, err
	}
	exp, err := p.unary() // right-associative, allows 50^-x
	p.depth--
	if err != nil {
		return nil, err
	}
	return powExpr{base, exp}, nil
}

// atom parses a parenthesised expression, a number, a variable or a call.
func (p *exprParser) atom() (expr, error) {
	c := p.peek()
	switch {
	case c == 0:
		return nil, fmt.Errorf("unexpected end of %s", quoteShort(p.s))
	case c == '(':
		p.pos++
		if err := p.enter(); err != nil {
			return nil, err
		}
		e, err := p.chain("+-", p.product)
		p.depth--
		if err != nil {
			return nil, err
		}
		if p.peek() != ')' {
			return nil, fmt.Errorf("missing ')' in %s", quoteShort(p.s))
		}
		p.pos++
		return e, nil
	case c >= '0' && c <= '9' || c == '.':
		return p.number()
	case unicode.IsLetter(rune(c)):
		return p.name()
	}
	return nil, fmt.Errorf("unexpected %s at position %d of %s", quoteShort(string(c)), p.pos+1, quoteShort(p.s))
}

// number parses a decimal number with an optional exponent.
func (p *exprParser) number() (expr, error) {
	start := p.pos
	digit := func(k int) bool { return k < len(p.s) && p.s[k] >= '0' && p.s[k] <= '9' }
	for p.pos < len(p.s) {
		ch := p.s[p.pos]
		switch {
		case digit(p.pos) || ch == '.':
			p.pos++
			continue
		case (ch == 'e' || ch == 'E') && digit(p.pos+1):
			p.pos += 2
			continue
		case (ch == 'e' || ch == 'E') && p.pos+1 < len(p.s) && (p.s[p.pos+1] == '-' || p.s[p.pos+1] == '+') && digit(p.pos+2):
			p.pos += 3
			continue
		}
		break
	}
	x, err := strconv.ParseFloat(p.s[start:p.pos], 64)
	if err != nil {
		return nil, fmt.Errorf("bad number %s", quoteShort(p.s[start:p.pos]))
	}
	return numExpr(x), nil
}

// name parses a variable or a function call.
func (p *exprParser) name() (expr, error) {
	start := p.pos
	for p.pos < len(p.s) && (unicode.IsLetter(rune(p.s[p.pos])) || p.s[p.pos] >= '0' && p.s[p.pos] <= '9' || p.s[p.pos] == '_') {
		p.pos++
	}
	name := strings.ToLower(p.s[start:p.pos])
	if p.peek() != '(' {
		return varExpr(name), nil
	}
	p.pos++
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	var args []expr
	if p.peek() != ')' {
		for {
			a, err := p.chain("+-", p.product)
			if err != nil {
				return nil, err
			}
			args = append(args, a)
			if p.peek() != ',' {
				break
			}
			p.pos++
		}
	}
	if p.peek() != ')' {
		return nil, fmt.Errorf("missing ')' after the arguments of %s in %s", quoteShort(name), quoteShort(p.s))
	}
	p.pos++
	return callExpr{name, args}, nil
}
