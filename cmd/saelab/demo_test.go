package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"saelab/config"
	"saelab/eval"
	"saelab/internal/version"
	"saelab/rng"
	"saelab/run"
	"saelab/store"
	"saelab/toymodel"
)

// tinyDemo runs a small demo once per test binary and returns its directory.
var tinyDemoDir string

func tinyDemo(t *testing.T) string {
	t.Helper()
	if tinyDemoDir != "" {
		return tinyDemoDir
	}
	dir := filepath.Join(t.TempDir(), "demo")
	code, out := runCLI(t, "demo", "--out", dir, "--n-inst", "2", "--model-steps", "200", "--sae-steps", "300", "--quiet")
	if code != 0 {
		t.Fatalf("demo exited %d: %s", code, out)
	}
	if want := filepath.Join(dir, "report.html"); !strings.Contains(out, want) {
		t.Errorf("demo --quiet printed %q, want the report path %s", out, want)
	}
	// Keep it for the other tests (t.TempDir is removed at the end of this test).
	parent, err := os.MkdirTemp("", "saelab-demo-test-")
	if err != nil {
		t.Fatal(err)
	}
	keep := filepath.Join(parent, "demo")
	if err := os.CopyFS(keep, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	tinyDemoDir = keep
	return keep
}

func TestMain(m *testing.M) {
	maybeRunAsMain()
	code := m.Run()
	cleanupSweepTests()
	if tinyDemoDir != "" {
		os.RemoveAll(filepath.Dir(tinyDemoDir))
	}
	os.Exit(code)
}

func keysOf(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func TestDemoRunDirectory(t *testing.T) {
	dir := tinyDemo(t)
	for _, f := range []string{"config.yaml", "model.safetensors", "sae-none.safetensors", "sae-simple.safetensors",
		"datalog-none.safetensors", "datalog-simple.safetensors", "metrics.jsonl", "summary.json", "report.html"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}

	// summary.json: exactly the shape (extra per-instance numbers under "extra").
	data, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var sum map[string]any
	if err := json.Unmarshal(data, &sum); err != nil {
		t.Fatal(err)
	}
	if got := keysOf(sum); !slices.Equal(got, []string{"runs", "seed", "version"}) {
		t.Errorf("top-level keys %v", got)
	}
	if sum["version"] != version.Version || sum["seed"] != 0.0 {
		t.Errorf("version %v seed %v", sum["version"], sum["seed"])
	}
	runs := sum["runs"].([]any)
	if len(runs) != 3 {
		t.Fatalf("%d runs, want 3", len(runs))
	}
	toy := runs[0].(map[string]any)
	if got := keysOf(toy); !slices.Equal(got, []string{"final_loss", "kind", "name", "steps", "wall_seconds"}) {
		t.Errorf("toy-model keys %v", got)
	}
	if toy["name"] != "toy-model" || toy["kind"] != "toymodel" || toy["steps"] != 200.0 || !(toy["wall_seconds"].(float64) > 0) {
		t.Errorf("toy-model run %v", toy)
	}
	for k, name := range []string{"none", "simple"} {
		r := runs[k+1].(map[string]any)
		if got := keysOf(r); !slices.Equal(got, []string{"arch", "instances", "kind", "mean_mmcs", "monosemantic_instances", "name", "resample", "steps", "wall_seconds"}) {
			t.Errorf("%s keys %v", name, got)
		}
		if r["name"] != name || r["kind"] != "sae" || r["arch"] != "standard" || r["resample"] != name || r["steps"] != 300.0 {
			t.Errorf("run %v", r)
		}
		insts := r["instances"].([]any)
		if len(insts) != 2 {
			t.Fatalf("%s: %d instances", name, len(insts))
		}
		for i, x := range insts {
			in := x.(map[string]any)
			want := []string{"dead_latents", "extra", "index", "l0", "l_reconstruction", "l_sparsity", "loss", "mmcs", "monosemantic", "recovered_features"}
			if got := keysOf(in); !slices.Equal(got, want) {
				t.Errorf("%s instance keys %v", name, got)
			}
			if in["index"] != float64(i) {
				t.Errorf("%s instance %d index %v", name, i, in["index"])
			}
			if _, ok := in["monosemantic"].(bool); !ok {
				t.Errorf("monosemantic is %T", in["monosemantic"])
			}
		}
	}
	s, err := store.ReadSummary(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}

	// The evaluation numbers are eval.SAE's on the saved SAE.
	model, _, err := store.LoadModel(dir)
	if err != nil {
		t.Fatal(err)
	}
	sa, tc, err := store.LoadSAE(filepath.Join(dir, "sae-none.safetensors"), model)
	if err != nil {
		t.Fatal(err)
	}
	if tc.Steps != 300 || tc.Resample != "none" {
		t.Errorf("train config in the SAE file: %+v", tc)
	}
	ev, err := eval.SAE(sa, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := s.Runs[1]
	if *got.MonosemanticInstances != ev.Monosemantic || math.Abs(*got.MeanMMCS-ev.MeanMMCS) > 1e-5 ||
		math.Abs(got.Instances[1].Loss-ev.Instances[1].Loss) > 1e-5*max(1, ev.Instances[1].Loss) {
		t.Errorf("summary %+v vs eval of the saved SAE %+v", got, ev)
	}

	// Tensor names as in the reference.
	names := func(file string) []string {
		ts, _, err := store.ReadSafetensors(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, x := range ts {
			out = append(out, x.Name)
		}
		sort.Strings(out)
		return out
	}
	if got := names("model.safetensors"); !slices.Equal(got, []string{"W", "b_final", "feature_probability", "importance"}) {
		t.Errorf("model tensors %v", got)
	}
	if got := names("sae-simple.safetensors"); !slices.Equal(got, []string{"W_dec", "W_enc", "b_dec", "b_enc"}) {
		t.Errorf("SAE tensors %v", got)
	}
	log, err := store.ReadDataLog(filepath.Join(dir, "datalog-simple.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	if len(log.Records) != 4 || log.Records[3].Step != 299 || log.NInst != 2 || log.SampleSize != 256 {
		t.Errorf("data log: %d records, last step %d, I %d, n %d", len(log.Records), log.Records[len(log.Records)-1].Step, log.NInst, log.SampleSize)
	}

	// metrics.jsonl: the toy model's log (every 50 steps and the last) and each SAE's.
	rows, err := store.ReadMetricsJSONL(filepath.Join(dir, "metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	count := map[any]int{}
	for _, r := range rows {
		count[r["run"]]++
	}
	if count["toy-model"] != 5 || count["none"] != 4 || count["simple"] != 4 {
		t.Errorf("metrics rows per run %v", count)
	}

	// config.yaml is the resolved config and loads back strictly.
	var c config.Config
	cy, _ := os.ReadFile(filepath.Join(dir, "config.yaml"))
	if err := config.Decode(cy, &c); err != nil {
		t.Fatalf("config.yaml: %v\n%s", err, cy)
	}
	if c.Model.NInst != 2 || c.SAE.NInst != 2 || c.SAE.DIn != 2 || c.ModelTrain.Steps != 200 || c.SAETrain.Steps != 300 || len(c.Runs) != 2 {
		t.Errorf("config.yaml:\n%s", cy)
	}
}

var generatedRE = regexp.MustCompile(`generated [0-9: -]+UTC`)

func TestReportReRender(t *testing.T) {
	src := tinyDemo(t)
	dir := filepath.Join(t.TempDir(), filepath.Base(src)) // the title names the directory
	if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	orig, _ := os.ReadFile(filepath.Join(dir, "report.html"))
	if err := os.Remove(filepath.Join(dir, "report.html")); err != nil {
		t.Fatal(err)
	}
	code, out := runCLI(t, "report", dir)
	if code != 0 || !strings.Contains(out, "report.html") {
		t.Fatalf("report exited %d: %s", code, out)
	}
	again, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	a, b := generatedRE.ReplaceAll(orig, nil), generatedRE.ReplaceAll(again, nil)
	if !bytes.Equal(a, b) {
		t.Errorf("re-rendered report differs from the demo's (%d vs %d bytes)", len(orig), len(again))
	}
	for _, want := range []string{"none", "simple", "Toy model", "n_inst: 2", "plotly"} {
		if !bytes.Contains(again, []byte(want)) {
			t.Errorf("report lacks %q", want)
		}
	}
	if code, _ := runCLI(t, "report", filepath.Join(t.TempDir(), "missing")); code == 0 {
		t.Error("report of a missing directory succeeded")
	}
	if code, _ := runCLI(t, "report"); code != 2 {
		t.Errorf("report without DIR exited %d, want 2", code)
	}
}

func TestTrainSAEReproducesDemo(t *testing.T) {
	src := tinyDemo(t)
	out := filepath.Join(t.TempDir(), "sae")
	code, stdout := runCLI(t, "train-sae", "--model", src, "--steps", "300", "--resample-method", "simple", "--out", out, "--quiet")
	if code != 0 {
		t.Fatalf("train-sae exited %d: %s", code, stdout)
	}
	a, err := store.ReadSummary(filepath.Join(src, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := store.ReadSummary(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Runs) != 2 || b.Runs[0].Name != "toy-model" || b.Runs[1].Name != "simple" {
		t.Fatalf("train-sae runs: %+v", b.Runs)
	}
	x, y := a.Runs[2], b.Runs[1]
	for i := range x.Instances {
		if !equalInstances(x.Instances[i], y.Instances[i]) {
			t.Errorf("instance %d: demo %+v, train-sae %+v", i, x.Instances[i], y.Instances[i])
		}
	}
	cy, _ := os.ReadFile(filepath.Join(out, "config.yaml"))
	if !strings.Contains(string(cy), "model_path: ") || strings.Contains(string(cy), "model_train:") {
		t.Errorf("train-sae config.yaml:\n%s", cy)
	}
	// --name with a config that lists runs is an error; a missing --model is a usage error.
	if code, _ := runCLI(t, "train-sae", "--out", filepath.Join(t.TempDir(), "x")); code != 2 {
		t.Errorf("train-sae without --model exited %d, want 2", code)
	}
	cfg := writeTempFile(t, "c.yaml", "runs: [{name: a}, {name: b}]\n")
	if code, _ := runCLI(t, "train-sae", "--model", src, "--config", cfg, "--name", "c", "--out", filepath.Join(t.TempDir(), "x")); code != 1 {
		t.Errorf("--name with runs: exited %d, want 1", code)
	}
}

func equalInstances(a, b store.InstanceSummary) bool {
	if a.Index != b.Index || a.Loss != b.Loss || a.MMCS != b.MMCS || a.DeadLatents != b.DeadLatents || a.Monosemantic != b.Monosemantic {
		return false
	}
	for k, v := range a.Extra {
		if b.Extra[k] != v {
			return false
		}
	}
	return len(a.Extra) == len(b.Extra)
}

func TestTrainModelSpecs(t *testing.T) {
	out := filepath.Join(t.TempDir(), "m")
	code, stdout := runCLI(t, "train-model", "--n-inst", "3", "--steps", "100", "--log-freq", "10",
		"--importance", "per-feature:0.9^i", "--feature-probability", "per-instance:0.1,0.05,0.02", "--out", out, "--quiet")
	if code != 0 {
		t.Fatalf("train-model exited %d: %s", code, stdout)
	}
	m, mc, err := store.LoadModel(filepath.Join(out, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	if mc.Importance != toymodel.Spec("per-feature:0.9^i") || mc.FeatureProbability != "per-instance:0.1,0.05,0.02" {
		t.Errorf("specs in the file: %q, %q", mc.Importance, mc.FeatureProbability)
	}
	if m.Importance[1*5+2] != 0.81 || m.FeatureProbability[2*5+4] != 0.02 || m.FeatureProbability[0] != 0.1 {
		t.Errorf("importance %v, p %v", m.Importance, m.FeatureProbability)
	}
	s, err := store.ReadSummary(filepath.Join(out, "summary.json"))
	if err != nil || len(s.Runs) != 1 || s.Runs[0].Kind != "toymodel" || s.Runs[0].Steps != 100 {
		t.Errorf("summary %+v %v", s, err)
	}
	// A model file without saelab's metadata (as Python might write it) loads too.
	W := make([]float64, 3*2*5)
	for k := range W {
		W[k] = float64(k) / 30
	}
	p := filepath.Join(t.TempDir(), "py.safetensors")
	err = store.WriteSafetensors(p, []store.Tensor{
		{Name: "W", Shape: []int{3, 2, 5}, Data: W},
		{Name: "b_final", Shape: []int{3, 5}, Data: make([]float64, 15)},
		{Name: "feature_probability", Shape: []int{3, 5}, Data: slices.Repeat([]float64{0.025}, 15)},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	m2, mc2, err := store.LoadModel(p)
	if err != nil {
		t.Fatal(err)
	}
	if m2.Cfg.NInst != 3 || mc2.Importance != "1" || m2.FeatureProbability[7] != float64(float32(0.025)) {
		t.Errorf("python model: %+v %+v", m2.Cfg, mc2)
	}
	bad := filepath.Join(t.TempDir(), "bad.safetensors")
	_ = store.WriteSafetensors(bad, []store.Tensor{{Name: "W", Shape: []int{3, 2, 5}, Data: W}}, nil)
	if _, _, err := store.LoadModel(bad); err == nil || !strings.Contains(err.Error(), "no tensor b_final") {
		t.Errorf("model without b_final: %v", err)
	}
}

func TestSAEFileRoundTrip(t *testing.T) {
	m, err := toymodel.New(toymodel.Config{NInst: 2, NFeatures: 5, DHidden: 2, FeatMagDistn: "unif"}, toymodel.Values{}, toymodel.Scalar(0.1), 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, tied := range []bool{false, true} {
		c := config.TrainSAE()
		c.SAE.TiedWeights = tied
		c.SAETrain.Steps = 50
		runs, err := c.ResolveSAERuns(2, 2)
		if err != nil {
			t.Fatal(err)
		}
		r, err := run.TrainSAE(m, runs[0], 3, run.ObserverFunc(func(run.Event) {}))
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(t.TempDir(), "s.safetensors")
		if err := store.WriteSAE(p, "x", r.SAE, r.Config.Train); err != nil {
			t.Fatal(err)
		}
		back, _, err := store.LoadSAE(p, m)
		if err != nil {
			t.Fatal(err)
		}
		h := r.SAE.GenerateHidden(64, toymodel.Streams(5, rng.PurposeEval, 2))
		o1, o2 := r.SAE.Forward(h, 64), back.Forward(h, 64)
		for k := range o1.Loss {
			if math.Abs(o1.Loss[k]-o2.Loss[k]) > 1e-5 {
				t.Fatalf("tied=%v: loss %d: %v vs %v after a round trip", tied, k, o1.Loss[k], o2.Loss[k])
			}
		}
		if back.Cfg.TiedWeights != tied {
			t.Errorf("tied = %v after the round trip", back.Cfg.TiedWeights)
		}
	}
}

func TestCLIErrors(t *testing.T) {
	tmp := t.TempDir()
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"nonsense"}, 2, `unknown command "nonsense"`},
		{[]string{"demo", "--bogus"}, 2, "unknown flag: --bogus"},
		{[]string{"demo", "extra-arg"}, 2, "accepts 0 arg(s), received 1"},
		{[]string{"demo", "--sae-steps", "x"}, 2, `invalid argument "x" for "--sae-steps"`},
		{[]string{"demo", "--lr", "20", "--out", filepath.Join(tmp, "a")}, 1, "model_train: lr = 20: must be in (0, 10]"},
		{[]string{"train-model", "--feature-probability", "per-feature:1,2", "--out", filepath.Join(tmp, "b")}, 1, "2 values given but n_features = 5"},
		{[]string{"train-sae", "--model", filepath.Join(tmp, "nothing"), "--out", filepath.Join(tmp, "c")}, 1, "no such file"},
		{[]string{"demo", "--config", filepath.Join(tmp, "none.yaml"), "--out", filepath.Join(tmp, "d")}, 1, "config file"},
	}
	for _, c := range cases {
		code, msg := runCLI(t, c.args...)
		if code != c.code || !strings.Contains(msg, c.want) {
			t.Errorf("%v exited %d with %q, want %d and %q", c.args, code, msg, c.code, c.want)
		}
		if !strings.HasPrefix(msg, "saelab: ") {
			t.Errorf("%v: message %q", c.args, msg)
		}
	}
	// Bad input never leaves a run directory behind.
	for _, d := range []string{"a", "b", "c", "d"} {
		if _, err := os.Stat(filepath.Join(tmp, d)); err == nil {
			t.Errorf("a failed command created %s", d)
		}
	}
	// --out must be new or empty.
	full := t.TempDir()
	os.WriteFile(filepath.Join(full, "x"), nil, 0o644)
	if code, _ := runCLI(t, "train-model", "--steps", "10", "--out", full, "--quiet"); code != 1 {
		t.Errorf("--out into a non-empty directory exited %d, want 1", code)
	}
	if code, out := runCLI(t, "version"); code != 0 || !strings.HasPrefix(out, "saelab "+version.Version) {
		t.Errorf("version: %d %q", code, out)
	}
}
