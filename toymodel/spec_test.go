package toymodel

import (
	"math"
	"strings"
	"testing"
)

func TestSpecResolve(t *testing.T) {
	lin := func(a, b float64, n int) []float64 {
		out := make([]float64, n)
		for k := range out {
			out[k] = a + (b-a)*float64(k)/float64(n-1)
		}
		return out
	}
	pow := func(base float64, ex []float64, neg bool) []float64 {
		out := make([]float64, len(ex))
		for k, e := range ex {
			if neg {
				e = -e
			}
			out[k] = math.Pow(base, e)
		}
		return out
	}
	cases := []struct {
		spec string
		I, F int
		axis Axis
		want []float64
	}{
		{"0.025", 16, 5, AxisScalar, []float64{0.025}},
		{"1e-3", 16, 5, AxisScalar, []float64{0.001}},
		{"scalar:2*(1+0.5)", 2, 2, AxisScalar, []float64{3}},
		{"per-feature:0.9^i", 8, 5, AxisFeature, []float64{1, 0.9, 0.81, 0.9 * 0.81, 0.81 * 0.81}},
		{"per-feature:0.9^f", 8, 3, AxisFeature, []float64{1, 0.9, 0.81}},
		{"per-feature:1,0.9,0.81", 8, 3, AxisFeature, []float64{1, 0.9, 0.81}},
		{"per-instance:50^-linspace(0,1)", 8, 5, AxisInstance, pow(50, lin(0, 1, 8), true)},
		{"per-instance:50^-linspace(0,1,8)", 8, 5, AxisInstance, pow(50, lin(0, 1, 8), true)},
		{"Per-Instance: 10^-linspace(.5, 1)", 5, 4, AxisInstance, pow(10, lin(0.5, 1, 5), true)},
		{"per-instance:0.5", 3, 5, AxisInstance, []float64{0.5, 0.5, 0.5}},
		{"per-instance:0.75,0.35,0.15", 3, 5, AxisInstance, []float64{0.75, 0.35, 0.15}},
		{"per-feature:100^-linspace(0,1)", 1, 3, AxisFeature, pow(100, lin(0, 1, 3), true)},
		{"per-feature:0.75^(i+1)", 1, 2, AxisFeature, []float64{0.75, 0.5625}},
		{"per-instance:linspace(1,2)", 1, 2, AxisInstance, []float64{1}},
		{"full:1,2;3,4", 2, 2, AxisFull, []float64{1, 2, 3, 4}},
		{"full:i+10*f", 2, 3, AxisFull, []float64{0, 10, 20, 1, 11, 21}},
		{"per-feature:sqrt(4)/2-exp(0)+log(1)+log10(100)", 1, 1, AxisFeature, []float64{2}},
		{"-2^2", 1, 1, AxisScalar, []float64{-4}},
		{"2^-1^2", 1, 1, AxisScalar, []float64{0.5}},
		{"2*3-4/2", 1, 1, AxisScalar, []float64{4}},
	}
	for _, c := range cases {
		v, err := Spec(c.spec).Resolve(c.I, c.F)
		if err != nil {
			t.Errorf("%q: %v", c.spec, err)
			continue
		}
		if v.Axis != c.axis || len(v.V) != len(c.want) {
			t.Errorf("%q: got %v %v, want %v %v", c.spec, v.Axis, v.V, c.axis, c.want)
			continue
		}
		for k := range v.V {
			if math.Abs(v.V[k]-c.want[k]) > 1e-12 {
				t.Errorf("%q: value %d = %v, want %v", c.spec, k, v.V[k], c.want[k])
			}
		}
	}
}

func TestSpecErrors(t *testing.T) {
	cases := []struct{ spec, want string }{
		{"", "empty"},
		{"per-feature:1,2", "2 values given but n_features = 5"},
		{"per-instance:1,2,3", "3 values given but n_inst = 4"},
		{"per-instance:50^-linspace(0,1,8)", "linspace(…, 8) has 8 values but the axis has 4"},
		{"bogus:1", `unknown axis "bogus"`},
		{"linspace(0,1)", "linspace needs a per-instance or per-feature axis"},
		{"0.9^i", `"i" is not defined here`},
		{"per-feature:0.9^j", `"j" is not defined here`},
		{"per-feature:foo(1)", `unknown function "foo"`},
		{"per-feature:(1", "missing ')'"},
		{"1 2", "unexpected"},
		{"1,2", "unexpected"},
		{"full:1,2;3", "2 rows given (split by ';') but n_inst = 4"},
		{"per-feature:", "empty value"},
		{"per-feature:1,,3,4,5", "value 2: empty value"},
	}
	for _, c := range cases {
		_, err := Spec(c.spec).Resolve(4, 5)
		if err == nil {
			t.Errorf("%q: no error, want one containing %q", c.spec, c.want)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %q does not contain %q", c.spec, err, c.want)
		}
	}
}

func TestCompactRoundTrip(t *testing.T) {
	I, F := 3, 2
	for _, v := range [][]float64{
		{0.025, 0.025, 0.025, 0.025, 0.025, 0.025},
		{1, 0.9, 1, 0.9, 1, 0.9},
		{0.1, 0.1, 0.2, 0.2, 0.3, 0.3},
		{1, 2, 3, 4, 5, 1.0 / 3},
	} {
		spec := Compact(v, I, F)
		vals, err := spec.Resolve(I, F)
		if err != nil {
			t.Fatalf("%v → %q: %v", v, spec, err)
		}
		got, err := vals.Broadcast("x", I, F)
		if err != nil {
			t.Fatal(err)
		}
		for k := range v {
			if got[k] != v[k] {
				t.Errorf("%v → %q → %v", v, spec, got)
				break
			}
		}
	}
	if s := Compact([]float64{1, 0.9, 1, 0.9, 1, 0.9}, I, F); s != "per-feature:1,0.9" {
		t.Errorf("Compact per-feature = %q", s)
	}
}

// Inputs that nest or repeat without bound are refused or evaluated without deep recursion.
func TestSpecHostileInputs(t *testing.T) {
	deep := strings.Repeat("(", 1_000_000) + "1" + strings.Repeat(")", 1_000_000)
	calls := strings.Repeat("exp(", 500_000) + "0" + strings.Repeat(")", 500_000)
	pows := strings.Repeat("2^", 1000) + "1"
	for _, spec := range []string{deep, calls, pows} {
		_, err := Spec(spec).Resolve(1, 1)
		if err == nil || !strings.Contains(err.Error(), "nested too deeply") {
			t.Errorf("%.20s…: error %v, want nested too deeply", spec, err)
		}
		if err != nil && len(err.Error()) > 300 {
			t.Errorf("%.20s…: error message is %d bytes; it must not echo the input", spec, len(err.Error()))
		}
	}
	minus := strings.Repeat("-", 4_000_000) + "1"
	v, err := Spec(minus).Resolve(1, 1)
	if err != nil || v.V[0] != 1 {
		t.Errorf("4M unary minus signs: %v %v, want 1", v.V, err)
	}
	for _, huge := range []string{strings.Repeat("(", 5_000_000), strings.Repeat("-", 20_000_000) + "1"} {
		if _, err := Spec(huge).Resolve(1, 1); err == nil || !strings.Contains(err.Error(), "at most") {
			t.Errorf("%.10s… (%d bytes): %v, want a size error", huge, len(huge), err)
		}
	}
	sum := "per-feature:" + strings.TrimSuffix(strings.Repeat("1+", 500_000), "+")
	v, err = Spec(sum).Resolve(1, 2)
	if err != nil || v.V[0] != 500_000 {
		t.Errorf("a 500,000-term sum: %v %v", v.V[:1], err)
	}
	long := "per-instance:" + strings.TrimSuffix(strings.Repeat("0.5,", 60_001), ",")
	_, err = Spec(long).Resolve(3, 1)
	if err == nil || !strings.Contains(err.Error(), "more than 3 values given but n_inst = 3") || len(err.Error()) > 300 {
		t.Errorf("60,001 values for 3 instances: %v", err)
	}
	if _, err := Spec(strings.Repeat("1", MaxSpecBytes+1)).Resolve(1, 1); err == nil || !strings.Contains(err.Error(), "at most") {
		t.Errorf("an over-long spec: %v", err)
	}
}
