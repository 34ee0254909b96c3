package synth

import (
	"math"
	"strings"
	"testing"

	"saelab/rng"
)

func assertFloats(t *testing.T, name string, got []float32, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", name, len(got), len(want))
	}
	for i := range want {
		if math.Abs(float64(got[i])-want[i]) > tol {
			t.Fatalf("%s[%d] = %.8g, want %.8g", name, i, got[i], want[i])
		}
	}
}

// TestProbabilityGeneratorsHand checks the spec §2 hand values and edge cases.
func TestProbabilityGeneratorsHand(t *testing.T) {
	z := DefaultProbability(Zipfian)
	assertFloats(t, "zipfian(5)", z.generate(5, 0), []float64{0.3, 0.11875, 0.0583333, 0.028125, 0.01}, 1e-7)
	assertFloats(t, "zipfian(1)", z.generate(1, 0), []float64{0.3}, 1e-7)
	l := DefaultProbability(Linear)
	assertFloats(t, "linear(5)", l.generate(5, 0), []float64{0.3, 0.2275, 0.155, 0.0825, 0.01}, 1e-7)
	assertFloats(t, "linear(1)", l.generate(1, 0), []float64{0.3}, 1e-7)
	c := DefaultProbability(Constant)
	assertFloats(t, "constant(3)", c.generate(3, 0), []float64{0.1, 0.1, 0.1}, 1e-8)
	r := DefaultProbability(Random)
	u := TorchRand(4, 7)
	want := make([]float64, 4)
	for i, x := range u {
		want[i] = 0.01 + 0.49*float64(x)
	}
	assertFloats(t, "random(4; seed 7)", r.generate(4, 7), want, 1e-7)
}

// TestMagnitudeGeneratorsHand checks spec §3: exponential(3, 0.1, 10) = [0.1, 1, 10], the
// linear ramp, and folded-normal clamps.
func TestMagnitudeGeneratorsHand(t *testing.T) {
	e := Magnitude{Generator: Exponential, Start: 0.1, End: 10}
	assertFloats(t, "exponential(3)", e.generate(3, 0), []float64{0.1, 1, 10}, 1e-6)
	lin := Magnitude{Generator: Linear, Start: 5, End: 4}
	m := lin.generate(16384, 0)
	if m[0] != 5 || m[16383] != 4 || math.Abs(float64(m[8192])-(5-8192.0/16383)) > 5e-7 {
		t.Fatalf("linear(5 → 4): %v %v %v", m[0], m[8192], m[16383])
	}
	lo, hi := 0.3, 0.6
	fn := Magnitude{Generator: FoldedNormal, Mean: 0.5, Std: 0.5, Min: &lo, Max: &hi}
	for i, v := range fn.generate(100, 3) {
		if v < 0.3 || v > 0.6 {
			t.Fatalf("clamped folded normal [%d] = %g outside [0.3, 0.6]", i, v)
		}
	}
	assertFloats(t, "constant", ConstantMagnitude(2.5).generate(2, 0), []float64{2.5, 2.5}, 0)
}

// TestThresholdHand checks t = Φ⁻¹(1 − p) (spec §5).
func TestThresholdHand(t *testing.T) {
	for _, c := range []struct{ p, t float64 }{{0.4, 0.253347}, {0.1, 1.281552}, {0.01, 2.326348}, {5e-4, 3.290527}} {
		if got := Threshold(c.p); math.Abs(got-c.t) > 1e-6 {
			t.Errorf("Threshold(%g) = %.7f, want %.6f", c.p, got, c.t)
		}
		if got := normalTail(Threshold(c.p)); math.Abs(got-c.p) > 1e-12*max(1, c.p) {
			t.Errorf("Φ̄(Threshold(%g)) = %g", c.p, got)
		}
	}
	if !math.IsInf(Threshold(1), -1) || !math.IsInf(Threshold(0), 1) {
		t.Error("p = 1 must give −Inf and p = 0 +Inf")
	}
}

// TestTailTableBounds checks the copula test's shortcuts on a fine grid of τ: τ ≥ rej[j]
// implies Φ̄(τ) ≤ j/256 and τ < acc[j] implies Φ̄(τ) > j/256, so the fast decisions are exact;
// and the thresholds are tight (the undecided band is narrow).
func TestTailTableBounds(t *testing.T) {
	tab := newTailTable()
	for x := -10.0; x < 11; x += 1.0 / 997 {
		v := 256 * normalTail(x)
		for j := 0; j <= 256; j++ {
			if x >= tab.rej[j] && v > float64(j) {
				t.Fatalf("τ = %g ≥ rej[%d] = %g but 256Φ̄(τ) = %g", x, j, tab.rej[j], v)
			}
			if x < tab.acc[j] && v <= float64(j) {
				t.Fatalf("τ = %g < acc[%d] = %g but 256Φ̄(τ) = %g", x, j, tab.acc[j], v)
			}
		}
	}
	if !math.IsInf(tab.rej[0], 1) || !math.IsInf(tab.acc[256], -1) || math.Abs(tab.rej[128]) > 1e-8 {
		t.Fatalf("edges: rej[0] %g, acc[256] %g, rej[128] %g", tab.rej[0], tab.acc[256], tab.rej[128])
	}
}

// TestGenerateHierarchyWorkedCase checks spec §6.3's worked case: R = 128, c = 4, depth 3.
func TestGenerateHierarchyWorkedCase(t *testing.T) {
	cfg := SynthSAEBench16k().Hierarchy
	roots := GenerateHierarchy(16384, cfg, rng.New(1))
	if len(roots) != 128 {
		t.Fatalf("%d roots", len(roots))
	}
	for r, root := range roots {
		if root.Feature != r || len(root.Children) != 4 || !root.MutuallyExclusive || !root.ScaleChildren {
			t.Fatalf("root %d: %+v", r, root)
		}
		for c, ch := range root.Children {
			if ch.Feature != 128+4*r+c {
				t.Fatalf("root %d child %d = %d", r, c, ch.Feature)
			}
		}
	}
	fo, err := compileForest(roots, 16384)
	if err != nil {
		t.Fatal(err)
	}
	for j := 0; j < 512; j++ {
		for c, k := range fo.children(int32(128 + j)) {
			if int(k) != 640+4*j+c {
				t.Fatalf("node %d child %d = %d", 128+j, c, k)
			}
		}
	}
	for j := 0; j < 2048; j++ {
		kids := fo.children(int32(640 + j))
		if len(kids) != 4 || kids[0] != int32(2688+4*j) {
			t.Fatalf("node %d children %v", 640+j, kids)
		}
	}
	if fo.depth[10879] != 3 || fo.depth[10880] != -1 || len(fo.children(10879)) != 0 {
		t.Fatalf("last hierarchy feature: depth %d, next %d", fo.depth[10879], fo.depth[10880])
	}
}

// TestGenerateHierarchyOptions covers the counter cut-off at F, branching ranges, ME depth
// limits and a partial ME portion.
func TestGenerateHierarchyOptions(t *testing.T) {
	cfg := &HierarchyConfig{TotalRootNodes: 3, Branching: [2]int{2, 2}, MaxDepth: 2, MEPortion: 1}
	roots := GenerateHierarchy(6, cfg, rng.New(1)) // 3 roots, then 3 children: 0→{3,4}, 1→{5}
	if len(roots) != 3 || len(roots[0].Children) != 2 || len(roots[1].Children) != 1 || len(roots[2].Children) != 0 {
		t.Fatalf("cut-off at F: %d roots, children %d %d %d", len(roots), len(roots[0].Children), len(roots[1].Children), len(roots[2].Children))
	}
	if !roots[0].MutuallyExclusive || roots[1].MutuallyExclusive {
		t.Fatal("only parents with at least 2 children can be mutually exclusive")
	}
	one := 1
	cfg = &HierarchyConfig{TotalRootNodes: 10, Branching: [2]int{2, 5}, MaxDepth: 3, MEPortion: 0.5, MEMinDepth: 1, MEMaxDepth: &one}
	roots = GenerateHierarchy(100000, cfg, rng.New(2))
	me, eligible := 0, 0
	var walk func(n *Node, d int)
	walk = func(n *Node, d int) {
		if d < 3 && (len(n.Children) < 2 || len(n.Children) > 5) {
			t.Fatalf("node %d at depth %d has %d children", n.Feature, d, len(n.Children))
		}
		if d == 1 {
			eligible++
		}
		if n.MutuallyExclusive {
			if d != 1 {
				t.Fatalf("ME node at depth %d", d)
			}
			me++
		}
		for _, c := range n.Children {
			walk(c, d+1)
		}
	}
	for _, r := range roots {
		walk(r, 0)
	}
	if me != eligible/2 {
		t.Fatalf("%d ME nodes of %d eligible, want ⌊%d·0.5⌋", me, eligible, eligible)
	}
}

// TestForestValidation checks the hierarchy errors: loops, shared nodes, repeated and
// out-of-range indices, ME with fewer than 2 children.
func TestForestValidation(t *testing.T) {
	leaf := func(f int) *Node { return &Node{Feature: f} }
	shared := leaf(2)
	loop := &Node{Feature: 0}
	loop.Children = []*Node{{Feature: 1, Children: []*Node{loop}}}
	cases := map[string][]*Node{
		"reached twice":    {{Feature: 0, Children: []*Node{shared}}, {Feature: 1, Children: []*Node{shared}}},
		"loop":             {loop},
		"more than once":   {{Feature: 0, Children: []*Node{leaf(1)}}, {Feature: 1}},
		"must be null or":  {{Feature: 7}},
		"needs at least 2": {{Feature: 0, MutuallyExclusive: true, Children: []*Node{leaf(1)}}},
	}
	for want, roots := range cases {
		_, err := compileForest(roots, 5)
		if err == nil || !strings.Contains(err.Error(), strings.Split(want, " ")[0]) {
			t.Errorf("%s: got %v", want, err)
		}
	}
	// Organisational nodes pass their effective parent through.
	org := []*Node{{Feature: 0, Children: []*Node{{Feature: NoFeature, MutuallyExclusive: true, ScaleChildren: true,
		Children: []*Node{leaf(1), leaf(2)}}}}}
	fo, err := compileForest(org, 3)
	if err != nil {
		t.Fatal(err)
	}
	if fo.parent[1] != 0 || fo.parent[2] != 0 || fo.group[1] != fo.group[2] || fo.group[1] < 0 || !fo.rescale[1] {
		t.Fatalf("organisational node: parents %v groups %v rescale %v", fo.parent, fo.group, fo.rescale)
	}
}

// TestCompensationWorkedExample is spec §6.5's example: p_base = [0.5, 0.2, 0.1], root 0 with
// ME children 1 and 2: factors 2.4 and 2.8, p = 0.48 and 0.28.
func TestCompensationWorkedExample(t *testing.T) {
	roots := []*Node{{Feature: 0, MutuallyExclusive: true, Children: []*Node{{Feature: 1}, {Feature: 2}}}}
	p := []float32{0.5, 0.2, 0.1}
	f := CompensationFactors(roots, p)
	if f[0] != 1 || math.Abs(f[1]-2.4) > 1e-7 || math.Abs(f[2]-2.8) > 1e-7 { // p is float32
		t.Fatalf("factors %v", f)
	}
	compensate(p, f)
	assertFloats(t, "compensated p", p, []float64{0.5, 0.48, 0.28}, 1e-7)
}

// TestConfigValidation checks that errors name the field, the value and the allowed range.
func TestConfigValidation(t *testing.T) {
	bad := func(mod func(c *Config), want ...string) {
		t.Helper()
		c := DefaultConfig(10, 4)
		mod(&c)
		err := c.Validate()
		if err == nil {
			t.Fatalf("no error for %v", want)
		}
		for _, w := range want {
			if !strings.Contains(err.Error(), w) {
				t.Fatalf("error %q does not mention %q", err, w)
			}
		}
	}
	bad(func(c *Config) { c.NumFeatures = 0 }, "num_features", "= 0", "1 to")
	bad(func(c *Config) { c.HiddenDim = 1 << 20 }, "hidden_dim", "1048576")
	bad(func(c *Config) { c.NumFeatures, c.HiddenDim = 1<<20, 1<<10 }, "num_features × hidden_dim")
	bad(func(c *Config) { c.FiringProbability.MinProb = 0.5 }, "firing_probability.max_prob", "0.3")
	bad(func(c *Config) { c.FiringProbability.Exponent = -1 }, "firing_probability.exponent", "-1")
	bad(func(c *Config) { c.FiringProbability.Generator = "poisson" }, "generator_name", "poisson")
	bad(func(c *Config) { c.Hierarchy = DefaultHierarchy(); c.Hierarchy.Branching = [2]int{1, 1} }, "hierarchy.branching_factor", "= 1")
	bad(func(c *Config) { c.Hierarchy = DefaultHierarchy(); c.Hierarchy.MEPortion = 1.5 }, "mutually_exclusive_portion", "1.5")
	bad(func(c *Config) { c.Correlation = DefaultCorrelation(); c.Correlation.Rank = 0 }, "correlation.rank", "1 to 1024")
	bad(func(c *Config) { c.Orthogonalization = DefaultOrthogonalization(); c.Orthogonalization.LR = 0 }, "orthogonalization.lr")
	bad(func(c *Config) { c.StdMagnitudes = Magnitude{Generator: Linear, Start: 0, End: 1} }, "std_firing_magnitudes.start")
	bad(func(c *Config) { c.MeanMagnitudes = ConstantMagnitude(math.NaN()) }, "mean_firing_magnitudes", "NaN")
	bad(func(c *Config) { c.Bias = -1 }, "bias", "-1")
	bad(func(c *Config) { c.DType = "int8" }, "dtype", "int8")
	for _, name := range []string{PresetSynthSAEBench16k, PresetMini} {
		c, err := Preset(name)
		if err != nil || c.Validate() != nil {
			t.Fatalf("preset %s: %v %v", name, err, c.Validate())
		}
	}
	if _, err := Preset("huge"); err == nil || !strings.Contains(err.Error(), "huge") {
		t.Fatalf("unknown preset: %v", err)
	}
}
