package modeldir

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"saelab/store"
	"saelab/synth"
)

const example = "../../testdata/synth/saelens_example"

// TestLoadSAELensExample loads the hand-written directory of spec §7.3.4 (written by
// tools/torchref/synth_fixture.py, independently of saelab's writers).
func TestLoadSAELensExample(t *testing.T) {
	m, err := Load(example)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Warnings) != 0 {
		t.Fatalf("warnings: %v", m.Warnings)
	}
	c := m.Config
	if c.NumFeatures != 8 || c.HiddenDim != 4 || *c.Seed != 7 || c.Bias != 1 || c.Hierarchy.TotalRootNodes != 1 ||
		!c.Hierarchy.ScaleChildrenByParent || c.Correlation.Rank != 2 || c.Correlation.Seed != nil ||
		c.MeanMagnitudes.Generator != synth.Linear || c.StdMagnitudes != synth.ConstantMagnitude(0.1) {
		t.Fatalf("config %+v", c)
	}
	wantP := []float64{0.3, 0.565563, 0.381436, 0.48239, 0.358986, 0.361861, 0.262033, 0.01}
	for f, w := range wantP {
		if math.Abs(float64(m.Gen.Prob[f])-w) > 1e-6 {
			t.Fatalf("p[%d] = %g, want %g", f, m.Gen.Prob[f], w)
		}
		if math.Abs(float64(m.Gen.Mean[f])-(1-0.5*float64(f)/7)) > 1e-7 || math.Abs(float64(m.Gen.Sigma[f])-0.1) > 1e-8 {
			t.Fatalf("μ[%d] = %g, σ = %g", f, m.Gen.Mean[f], m.Gen.Sigma[f])
		}
	}
	if m.Dict.V[4*4] != float32(1/math.Sqrt2) || m.Dict.Bias[1] != -0.5 || m.Gen.Corr == nil || m.Gen.Corr.R != 2 {
		t.Fatalf("tensors: V[4] %v, bias %v", m.Dict.V[16:20], m.Dict.Bias)
	}
	st := m.Gen.Stats()
	if st.Features != 7 || st.Roots != 1 || st.Parents != 3 || st.MEGroups != 3 || st.MaxDepth != 2 || st.RescaledChildren != 6 {
		t.Fatalf("hierarchy %+v", st)
	}
	var b synth.Batch
	x := make([]float32, 500*4)
	m.Sample(&b, x, 500, 1, 0)
	for s := 0; s < b.N; s++ {
		active := map[int32]bool{}
		for _, f := range b.Index[b.Off[s]:b.Off[s+1]] {
			active[f] = true
		}
		if (active[1] && active[2]) || (active[3] && active[4]) || (active[5] && active[6]) ||
			((active[1] || active[2]) && !active[0]) || ((active[3] || active[4]) && !active[1]) {
			t.Fatalf("sample %d violates the hierarchy: %v", s, b.Index[b.Off[s]:b.Off[s+1]])
		}
	}
}

// TestSaveLoadRoundTrip writes a model with every component and reads it back: config,
// tensors, hierarchy and sampled batches are identical, with no warnings.
func TestSaveLoadRoundTrip(t *testing.T) {
	cfg := synth.SynthSAEBench16k()
	cfg.NumFeatures, cfg.HiddenDim = 300, 16
	cfg.Hierarchy.TotalRootNodes = 5
	cfg.Orthogonalization.NumSteps = 5
	cfg.Correlation.Rank = 3
	lo := 0.1
	cfg.StdMagnitudes.Min = &lo
	m, err := synth.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	m.Gen.Roots[0].ID = new(string)
	*m.Gen.Roots[0].ID = "animal"
	dir := t.TempDir()
	if err := Save(dir, m); err != nil {
		t.Fatal(err)
	}
	got, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Warnings) != 0 {
		t.Fatalf("warnings: %v", got.Warnings)
	}
	if !reflect.DeepEqual(got.Config, m.Config) {
		t.Fatalf("config\n%+v\nwant\n%+v", got.Config, m.Config)
	}
	if !slices.Equal(got.Dict.V, m.Dict.V) || !slices.Equal(got.Dict.Bias, m.Dict.Bias) || !slices.Equal(got.Gen.Prob, m.Gen.Prob) ||
		!slices.Equal(got.Gen.Corr.Factor, m.Gen.Corr.Factor) || !slices.Equal(got.Gen.Corr.Diag, m.Gen.Corr.Diag) ||
		!slices.Equal(got.Gen.Sigma, m.Gen.Sigma) || !slices.Equal(got.Gen.Mean, m.Gen.Mean) {
		t.Fatal("tensors differ after the round trip")
	}
	if !reflect.DeepEqual(got.Gen.Roots, m.Gen.Roots) {
		t.Fatal("hierarchy differs after the round trip")
	}
	var b1, b2 synth.Batch
	m.Sample(&b1, nil, 200, 3, 1)
	got.Sample(&b2, nil, 200, 3, 1)
	if !slices.Equal(b1.Index, b2.Index) || !slices.Equal(b1.Value, b2.Value) {
		t.Fatal("the loaded model samples differently")
	}
	// A stored empty forest stays empty: it is written even without roots, so loading does not
	// regenerate the config's hierarchy.
	os.WriteFile(filepath.Join(dir, HierarchyFile), []byte(`{"roots": []}`), 0o644)
	empty, err := Load(dir)
	if err != nil || len(empty.Gen.Roots) != 0 {
		t.Fatalf("empty stored forest: %v, %d roots", err, len(empty.Gen.Roots))
	}
	if err := Save(dir, empty); err != nil {
		t.Fatal(err)
	}
	if again, err := Load(dir); err != nil || len(again.Gen.Roots) != 0 {
		t.Fatalf("empty forest after a save: %v", err)
	}
	// Without a hierarchy, a stale hierarchy.json is removed.
	m.Config.Hierarchy = nil
	m.Gen.Roots = nil
	if err := Save(dir, m); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, HierarchyFile)); !os.IsNotExist(err) {
		t.Fatalf("stale hierarchy.json: %v", err)
	}
}

// TestMarshalConfigSAELensText checks key order and Python-style numbers on the
// SynthSAEBench-16k config, and that it parses back to the same config.
func TestMarshalConfigSAELensText(t *testing.T) {
	c := synth.SynthSAEBench16k()
	b, err := MarshalConfig(c)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	keys := []string{`"num_features": 16384`, `"hidden_dim": 768`, `"exponent": 0.5`, `"min_prob": 0.0005`, `"generator_name": "zipfian"`,
		`"branching_factor": 4`, `"mutually_exclusive_portion": 1.0`, `"mutually_exclusive_max_depth": null`, `"scale_children_by_parent": true`,
		`"lr": 0.0003`, `"rank": 25`, `"correlation_scale": 0.1`, `"mean": 0.5`, `"min_value": null`, `"start": 5.0`, `"bias": 0.5`,
		`"dtype": "float32"`, `"seed": 42`}
	last := -1
	for _, k := range keys {
		i := strings.Index(s, k)
		if i < 0 || i < last {
			t.Fatalf("%s missing or out of order in\n%s", k, s)
		}
		last = i
	}
	back, warn, err := UnmarshalConfig(b)
	if err != nil || len(warn) != 0 || !reflect.DeepEqual(back, c) {
		t.Fatalf("parse back: %v %v\n%+v", err, warn, back)
	}
	for x, want := range map[float64]string{1: "1.0", 5e-4: "0.0005", 1e-5: "1e-05", 100: "100.0", 1e16: "1e+16", 0.1: "0.1", -2.5: "-2.5", 1e6: "1000000.0"} {
		if got, _ := pyFloat(x).MarshalJSON(); string(got) != want {
			t.Errorf("pyFloat(%g) = %s, want %s", x, got, want)
		}
	}
	if _, err := MarshalConfig(synth.Config{Bias: math.NaN()}); err == nil {
		t.Error("a NaN must not be written")
	}
}

// TestUnmarshalConfigTolerant checks spec §7.1's loading rules: unknown keys warn, pre-release
// keys are accepted, missing optional keys default, magnitudes may be numbers or objects,
// branching may be a range; bad values are errors naming the field.
func TestUnmarshalConfigTolerant(t *testing.T) {
	c, warn, err := UnmarshalConfig([]byte(`{"num_features": 10, "hidden_dim": 3, "feature_dict_bias": false,
		"device": "cuda", "use_sparse_tensors": true, "colour": "blue",
		"hierarchy": {"total_root_nodes": 2, "branching_factor": [2, 3], "max_depth": 1, "extra": 1},
		"std_firing_magnitudes": {"generator_name": "folded_normal", "mean": 0.2, "max_value": 2},
		"mean_firing_magnitudes": 2}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(warn) != 2 || !strings.Contains(warn[1], `"colour"`) || !strings.Contains(warn[0], `"extra" in hierarchy`) {
		t.Fatalf("warnings %q", warn)
	}
	if c.Bias != 0 || c.Hierarchy.Branching != [2]int{2, 3} || !c.Hierarchy.BranchingRange || c.Hierarchy.ScaleChildrenByParent ||
		c.StdMagnitudes.Std != 0.1 || *c.StdMagnitudes.Max != 2 || c.MeanMagnitudes != synth.ConstantMagnitude(2) ||
		c.FiringProbability != synth.DefaultProbability(synth.Zipfian) || c.DType != "float32" || c.Seed != nil || c.Correlation != nil {
		t.Fatalf("config %+v", c)
	}
	for body, want := range map[string]string{
		`{"hidden_dim": 3}`:                                                                            "num_features is missing",
		`{"num_features": "ten", "hidden_dim": 3}`:                                                     `num_features = "ten"`,
		`{"num_features": 2.5, "hidden_dim": 3}`:                                                       "num_features = 2.5",
		`{"num_features": 10, "hidden_dim": 3, "bias": "yes"}`:                                         `bias = "yes"`,
		`{"num_features": 10, "hidden_dim": 3, "firing_probability": 3}`:                               "firing_probability: want a JSON object",
		`{"num_features": 10, "hidden_dim": 3, "mean_firing_magnitudes": {}}`:                          "mean_firing_magnitudes.generator_name is missing",
		`{"num_features": 10, "hidden_dim": 3, "std_firing_magnitudes": {"generator_name": "linear"}}`: "needs start and end",
		`{"num_features": 10, "hidden_dim": 3, "correlation": {"rank": 0}}`:                            "correlation.rank = 0",
		`{"num_features": 10, "hidden_dim": 0}`:                                                        "hidden_dim = 0",
		`[1, 2]`:                                                                                       "want a JSON object",
	} {
		_, _, err := UnmarshalConfig([]byte(body))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want it to mention %q", body, err, want)
		}
	}
}

// TestHierarchyJSON checks the hierarchy.json round trip (organisational nodes, ids) and the
// read defaults (missing booleans and children, the "id" alias).
func TestHierarchyJSON(t *testing.T) {
	id := "x"
	roots := []*synth.Node{{Feature: synth.NoFeature, MutuallyExclusive: true, ID: &id, Children: []*synth.Node{
		{Feature: 2, ScaleChildren: true, Children: []*synth.Node{{Feature: 0}}}, {Feature: 1}}}}
	b, err := MarshalHierarchy(roots)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"feature_index": null`) || !strings.Contains(string(b), `"children": []`) {
		t.Fatalf("hierarchy.json:\n%s", b)
	}
	back, err := UnmarshalHierarchy(b)
	if err != nil || !reflect.DeepEqual(back, roots) {
		t.Fatalf("round trip: %v", err)
	}
	back, err = UnmarshalHierarchy([]byte(`{"roots": [{"feature_index": 3, "id": "y", "children": [{"feature_index": 4}]}]}`))
	if err != nil || back[0].Feature != 3 || *back[0].ID != "y" || back[0].MutuallyExclusive || len(back[0].Children) != 1 || back[0].Children[0].Children != nil {
		t.Fatalf("defaults: %v %+v", err, back)
	}
	if _, err := UnmarshalHierarchy([]byte(`{"roots": [{"feature_index": -1}]}`)); err == nil || !strings.Contains(err.Error(), "feature_index = -1") {
		t.Fatalf("negative index: %v", err)
	}
}

// copyExample copies the §7.3.4 directory into a temporary one.
func copyExample(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{ConfigFile, TensorsFile, HierarchyFile} {
		b, err := os.ReadFile(filepath.Join(example, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestStoredProbabilitiesWin: hand-edited probabilities are used, the copula thresholds follow
// them (unlike SAELens 6.39), and a warning says they differ from the config's.
func TestStoredProbabilitiesWin(t *testing.T) {
	dir := copyExample(t)
	path := filepath.Join(dir, TensorsFile)
	ts, _, err := store.ReadSafetensors(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range ts {
		if ts[i].Name == "firing_probabilities" {
			ts[i].Data[7] = 0.5 // feature 7 is outside the hierarchy
		}
	}
	if err := store.WriteSafetensors(path, ts, nil); err != nil {
		t.Fatal(err)
	}
	m, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Warnings) != 1 || !strings.Contains(m.Warnings[0], "differ") || !strings.Contains(m.Warnings[0], "feature 7") {
		t.Fatalf("warnings %v", m.Warnings)
	}
	const n = 20000
	var b synth.Batch
	m.Sample(&b, nil, n, 1, 0)
	k := 0
	for _, f := range b.Index {
		if f == 7 {
			k++
		}
	}
	// Active iff fired and μ + σδ > 0 (μ = 0.5, σ = 0.1: always); se √(0.25/n) ≈ 0.0035.
	if rate := float64(k) / n; math.Abs(rate-0.5) > 0.02 {
		t.Fatalf("feature 7 active at %.3f with stored p = 0.5", rate)
	}
}

// TestLoadWithoutHierarchyFile: the hierarchy is regenerated from the config (spec §7.3.2).
func TestLoadWithoutHierarchyFile(t *testing.T) {
	dir := copyExample(t)
	if err := os.Remove(filepath.Join(dir, HierarchyFile)); err != nil {
		t.Fatal(err)
	}
	m, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := Load(example)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m.Gen.Roots, ref.Gen.Roots) {
		t.Fatal("the regenerated hierarchy differs from the stored one")
	}
}

// TestLoadErrors checks that bad files give errors naming the file and the problem.
func TestLoadErrors(t *testing.T) {
	edit := func(name string, mod func([]store.Tensor) []store.Tensor, want string) {
		t.Helper()
		dir := copyExample(t)
		path := filepath.Join(dir, TensorsFile)
		ts, _, _ := store.ReadSafetensors(path)
		if err := store.WriteSafetensors(path, mod(ts), nil); err != nil {
			t.Fatal(err)
		}
		_, err := Load(dir)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want it to mention %q", name, err, want)
		}
	}
	drop := func(n string) func([]store.Tensor) []store.Tensor {
		return func(ts []store.Tensor) []store.Tensor {
			return slices.DeleteFunc(ts, func(t store.Tensor) bool { return t.Name == n })
		}
	}
	edit("no V", drop("feature_vectors"), "feature_vectors is missing")
	edit("no p", drop("firing_probabilities"), "firing_probabilities is missing")
	edit("no diag", drop("correlation_diag"), "correlation_diag is missing")
	edit("bad shape", func(ts []store.Tensor) []store.Tensor {
		for i := range ts {
			if ts[i].Name == "bias" {
				ts[i].Shape, ts[i].Data = []int{3}, ts[i].Data[:3]
			}
		}
		return ts
	}, "bias has shape [3], want [4]")
	edit("p > 1", func(ts []store.Tensor) []store.Tensor {
		for i := range ts {
			if ts[i].Name == "firing_probabilities" {
				ts[i].Data[2] = 1.5
			}
		}
		return ts
	}, "firing_probabilities[2] = 1.5")
	edit("negative diag", func(ts []store.Tensor) []store.Tensor {
		for i := range ts {
			if ts[i].Name == "correlation_diag" {
				ts[i].Data[0] = -0.1
			}
		}
		return ts
	}, "correlation_diag[0]")
	dir := copyExample(t)
	os.WriteFile(filepath.Join(dir, HierarchyFile), []byte(`{"roots": [{"feature_index": 9}]}`), 0o644)
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "feature_index = 9") {
		t.Errorf("out-of-range hierarchy index: %v", err)
	}
	if _, err := Load(t.TempDir()); err == nil || !strings.Contains(err.Error(), ConfigFile) {
		t.Errorf("empty directory: %v", err)
	}
}
