package config

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"saelab/sae"
	"saelab/toymodel"
)

var demoFlags = []func(*Flags){AddDemo}
var modelFlags = []func(*Flags){AddModel, AddModelTrain}
var saeFlags = []func(*Flags){AddSAE, AddSAETrain}

func TestDefaultsAreTheReference(t *testing.T) {
	d := Demo()
	if d.Model.Config != (toymodel.Config{NInst: 16, NFeatures: 5, DHidden: 2, FeatMagDistn: "unif"}) {
		t.Errorf("demo model = %+v", d.Model.Config)
	}
	if d.Model.FeatureProbability != "0.025" || d.Model.Importance != "1" {
		t.Errorf("demo p, importance = %q, %q", d.Model.FeatureProbability, d.Model.Importance)
	}
	if d.ModelTrain != (toymodel.TrainConfig{BatchSize: 1024, Steps: 5000, LogFreq: 50, LR: 1e-3, Schedule: "constant", Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}) {
		t.Errorf("demo model_train = %+v", d.ModelTrain)
	}
	if d.SAE.DSAE != 5 || d.SAE.SparsityCoeff != 0.2 || d.SAE.WeightNormalizeEps != 1e-8 || d.SAE.TiedWeights || d.SAE.Arch != "standard" || d.SAE.STEEpsilon != 0.01 {
		t.Errorf("demo sae = %+v", d.SAE)
	}
	want := sae.TrainConfig{BatchSize: 1024, Steps: 20000, LogFreq: 100, LR: 1e-3, Schedule: "constant", Resample: "none",
		ResampleFreq: 2500, ResampleWindow: 500, ResampleScale: 0.5, HiddenSampleSize: 256, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
	if d.SAETrain != want {
		t.Errorf("demo sae_train = %+v", d.SAETrain)
	}
	runs, err := d.ResolveSAERuns(16, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || runs[0].Name != "none" || runs[0].Train.Resample != "none" || runs[1].Name != "simple" || runs[1].Train.Resample != "simple" {
		t.Errorf("demo runs = %+v", runs)
	}
	if runs[1].SAE.NInst != 16 || runs[1].SAE.DIn != 2 || runs[1].Train.Steps != 20000 {
		t.Errorf("demo run config = %+v", runs[1])
	}
	if c := TrainSAE(); c.SAETrain.Steps != 10000 || len(c.Runs) != 0 {
		t.Errorf("train-sae defaults: steps %d, runs %v", c.SAETrain.Steps, c.Runs)
	}
	if c := TrainModel(); c.Model.FeatureProbability != "0.01" || c.ModelTrain.Steps != 5000 {
		t.Errorf("train-model defaults: %+v", c.Model)
	}
	// No flags, no file: the defaults.
	c, err := resolveWith(t, Demo(), demoFlags)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := Marshal(c)
	b, _ := Marshal(Demo())
	if string(a) != string(b) {
		t.Errorf("resolved without flags:\n%s\nwant\n%s", a, b)
	}
}

func TestFileThenFlagsPrecedence(t *testing.T) {
	file := writeTempFile(t, "c.yaml", `
seed: 7
model:
  n_inst: 4
  feature_probability: per-instance:0.1,0.05,0.02,0.01
model_train:
  steps: 300
  lr: 0.002
sae_train:
  lr: 0.01
  log_freq: 20
runs:
  - name: adv
    sae_train: {resample_method: advanced, resample_freq: 100, resample_window: 50}
`)
	c, err := resolveWith(t, Demo(), demoFlags, "--config", file, "--model-steps", "200", "--d-sae", "7")
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case c.Seed != 7:
		t.Errorf("seed = %d, want 7 (file)", c.Seed)
	case c.Model.NInst != 4 || c.Model.NFeatures != 5:
		t.Errorf("model = %+v, want n_inst 4 (file), n_features 5 (default)", c.Model.Config)
	case c.ModelTrain.Steps != 200:
		t.Errorf("model_train.steps = %d, want 200 (flag over file)", c.ModelTrain.Steps)
	case c.ModelTrain.LR != 0.002 || c.SAETrain.LR != 0.01:
		t.Errorf("lr = %v / %v, want 0.002 / 0.01 (file; the --lr flag was not set)", c.ModelTrain.LR, c.SAETrain.LR)
	case c.SAE.DSAE != 7:
		t.Errorf("d_sae = %d, want 7 (flag)", c.SAE.DSAE)
	case c.SAETrain.Steps != 20000:
		t.Errorf("sae_train.steps = %d, want 20000 (default)", c.SAETrain.Steps)
	}
	runs, err := c.ResolveSAERuns(4, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].Name != "adv" || runs[0].Train.Resample != "advanced" || runs[0].Train.ResampleFreq != 100 ||
		runs[0].Train.LogFreq != 20 || runs[0].SAE.DSAE != 7 {
		t.Errorf("runs = %+v", runs)
	}
	if _, err := c.ResolveModel(); err != nil {
		t.Fatal(err)
	}
	// A flag that sets both phases, over a file that sets one.
	c, err = resolveWith(t, Demo(), demoFlags, "--config", file, "--lr", "0.005", "--seed", "9")
	if err != nil {
		t.Fatal(err)
	}
	if c.ModelTrain.LR != 0.005 || c.SAETrain.LR != 0.005 || c.Seed != 9 {
		t.Errorf("--lr 0.005 --seed 9: lr %v / %v, seed %d", c.ModelTrain.LR, c.SAETrain.LR, c.Seed)
	}
	// --n-inst moves the SAE's n_inst along, even when the file fixed it.
	file2 := writeTempFile(t, "c2.yaml", "sae: {n_inst: 16, d_in: 2}\n")
	c, err = resolveWith(t, Demo(), demoFlags, "--config", file2, "--n-inst", "3")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ResolveSAERuns(3, 2); err != nil {
		t.Errorf("--n-inst 3 over sae.n_inst 16: %v", err)
	}
}

func TestResolvedConfigRoundTrip(t *testing.T) {
	c := Demo()
	c.Seed = 3
	c.Model.Importance = "per-feature:0.9^i"
	if _, err := c.ResolveSAERuns(16, 2); err != nil {
		t.Fatal(err)
	}
	data, err := Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var back Config
	if err := Decode(data, &back); err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	again, _ := Marshal(back)
	if string(again) != string(data) {
		t.Errorf("round trip changed the config:\n%s\nvs\n%s", data, again)
	}
	if back.SAE.NInst != 16 || back.SAE.DIn != 2 || back.SAE.WeightNormalizeEps != 1e-8 || back.Model.Importance != "per-feature:0.9^i" {
		t.Errorf("decoded %+v", back)
	}
	only, _ := Marshal(c, SecSeed, SecModel, SecModelTrain)
	if strings.Contains(string(only), "sae") || !strings.Contains(string(only), "model_train:") {
		t.Errorf("sections seed, model, model_train gave:\n%s", only)
	}
}

func TestConfigFileErrors(t *testing.T) {
	cases := []struct{ file, want string }{
		{"foo: 1\n", `line 1: unknown key "foo"; the keys allowed in the top level are model, model_path, model_train, runs, sae, sae_train, seed`},
		{"model:\n  n_feature: 5\n", `line 2: unknown key "model.n_feature"; the keys allowed in model are d_hidden, feat_mag_distn, feature_probability, importance, n_anticorrelated_pairs, n_correlated_pairs, n_features, n_inst`},
		{"sae_train:\n  resample: simple\n", `unknown key "sae_train.resample"`},
		{"runs:\n  - name: a\n    sae_train: {stepz: 3}\n", `line 3: unknown key "runs[0].sae_train.stepz"`},
		{"runs:\n  - name: a\n    colour: red\n", `unknown key "runs[0].colour"`},
		{"runs:\n  - sae: {d_sae: 3}\n", `runs[0].name: missing`},
		{"runs:\n  - name: a\n    sae: {d_sae: many}\n", `line 3: runs[0].sae.d_sae = "many": must be a whole number`},
		{"model_train:\n  steps: abc\n", `line 2: model_train.steps = "abc": must be a whole number`},
		{"model:\n  n_inst: 3.7\n", `line 2: model.n_inst = "3.7": must be a whole number`},
		{"model_train:\n  steps: 100.9\n", `model_train.steps = "100.9": must be a whole number`},
		{"seed: -1\n", `seed = "-1": must be a whole number from 0`},
		{"model:\n  n_inst: 99999999999999999999\n", `model.n_inst = "99999999999999999999": must be a whole number`},
		{"model:\n  n_inst: 9223372036854775808\n", "must be a whole number from -9223372036854775808 to 9223372036854775807"},
		{"sae:\n  tied_weights: 1\n", `sae.tied_weights = "1": must be true or false`},
		{"model_train:\n  lr: fast\n", `model_train.lr = "fast": must be a number`},
		{"sae: {matryoshka_widths: 3}\n", "sae.matryoshka_widths: expected a list"},
		{"[1, 2]\n", "the config must be a mapping of sections"},
		{"a: &x 1\nseed: *x\n", "unknown key"},
		{"model: {n_inst: &x 3}\nsae: {n_inst: *x}\n", "aliases are not allowed"},
		{"model:\n  importance: [1, 2]\n", "line 2: expected a number"},
		{"seed: 1\nseed: 2\n", `key "seed" appears twice`},
		{"seed: 1\n---\nseed: 2\n", "more than one YAML document"},
		{"model: [1]\n", "line 1: model: expected a mapping of keys, got a YAML list"},
	}
	for _, c := range cases {
		got := Demo()
		err := Decode([]byte(c.file), &got)
		if err == nil {
			t.Errorf("%q: no error, want %q", c.file, c.want)
		} else if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q:\n got  %v\n want %s", c.file, err, c.want)
		} else if strings.Contains(err.Error(), "unmarshal") || strings.Contains(err.Error(), "config.") || strings.Contains(err.Error(), "int64") {
			t.Errorf("%q: the message %q names Go internals", c.file, err)
		}
	}
	// Empty files and comments are all defaults.
	for _, f := range []string{"", "# nothing\n", "---\n"} {
		got := Demo()
		if err := Decode([]byte(f), &got); err != nil {
			t.Errorf("%q: %v", f, err)
		}
	}
	// The file name is in the error.
	_, err := resolveWith(t, Demo(), demoFlags, "--config", writeTempFile(t, "bad.yaml", "foo: 1\n"))
	if err == nil || !strings.Contains(err.Error(), "bad.yaml") {
		t.Errorf("error %v does not name the file", err)
	}
	_, err = resolveWith(t, Demo(), demoFlags, "--config", "/nonexistent/c.yaml")
	if err == nil || !strings.Contains(err.Error(), "config file /nonexistent/c.yaml: no such file") {
		t.Errorf("missing file: %v", err)
	}
	// A file that never ends, or is far too large, is refused after MaxFileBytes.
	_, err = resolveWith(t, Demo(), demoFlags, "--config", "/dev/zero")
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("/dev/zero: %v", err)
	}
}

func TestBadValuesNameFieldAndRange(t *testing.T) {
	cases := []struct {
		defaults Config
		flags    []func(*Flags)
		args     []string
		want     string
	}{
		{Demo(), demoFlags, []string{"--lr", "20"}, "model_train: lr = 20: must be in (0, 10]"},
		{Demo(), demoFlags, []string{"--d-sae", "0"}, "sae: d_sae = 0: must be in [1, 65536]"},
		{Demo(), demoFlags, []string{"--sae-steps", "0"}, "sae_train: steps = 0: must be in [1, 1073741824]"},
		{Demo(), demoFlags, []string{"--n-inst", "0"}, "model: n_inst = 0: must be in [1, 65536]"},
		{Demo(), demoFlags, []string{"--sparsity-coeff", "-1"}, "sparsity_coeff = -1: must be a finite number ≥ 0"},
		{Demo(), demoFlags, []string{"--feature-probability", "1.5"}, "feature_probability[0,0] = 1.5: must be in [0, 1]"},
		{Demo(), demoFlags, []string{"--feature-probability", "per-feature:0.1,0.2"}, `model.feature_probability = "per-feature:0.1,0.2": 2 values given but n_features = 5`},
		{TrainModel(), modelFlags, []string{"--feat-mag-distn", "gauss"}, `feat_mag_distn = "gauss": must be "unif" or "normal"`},
		{TrainModel(), modelFlags, []string{"--lr-schedule", "step"}, `lr_schedule "step" is not one of constant, linear, cosine, linear_warmup, anthropic`},
		{TrainModel(), modelFlags, []string{"--n-correlated-pairs", "3"}, "the pairs need 6 features but n_features = 5"},
		{TrainSAE(), saeFlags, []string{"--resample-method", "fancy"}, `resample_method = "fancy": must be one of none, simple, advanced`},
		{TrainSAE(), saeFlags, []string{"--resample-window", "3000"}, "resample_window = 3000: must be in [1, resample_freq = 2500]"},
		{TrainSAE(), saeFlags, []string{"--arch", "bogus"}, `arch = "bogus": must be one of standard`},
		{TrainSAE(), saeFlags, []string{"--adam-beta1", "1"}, "adam_beta1 = 1: must be in [0, 1)"},
		{TrainSAE(), saeFlags, []string{"--hidden-sample-size", "0"}, "hidden_sample_size = 0: must be in [1, 65536]"},
	}
	for _, c := range cases {
		cfg, err := resolveWith(t, c.defaults, c.flags, c.args...)
		if err == nil {
			_, err = cfg.ResolveModel()
		}
		if err == nil {
			_, err = cfg.ResolveSAERuns(cfg.Model.NInst, cfg.Model.DHidden)
		}
		if err == nil {
			t.Errorf("%v: no error, want %q", c.args, c.want)
		} else if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v:\n got  %v\n want %s", c.args, err, c.want)
		}
	}
	// A flag value of the wrong type is cobra's usage error, naming the flag.
	_, err := resolveWith(t, Demo(), demoFlags, "--sae-steps", "many")
	if err == nil || !strings.Contains(err.Error(), `invalid argument "many" for "--sae-steps"`) {
		t.Errorf("--sae-steps many: %v", err)
	}
	// n_inst given for the SAE must match the model.
	c := Demo()
	c.SAE.NInst = 8
	if _, err := c.ResolveSAERuns(16, 2); err == nil || !strings.Contains(err.Error(), "sae.n_inst = 8: must equal the toy model's n_inst = 16") {
		t.Errorf("n_inst mismatch: %v", err)
	}
	c = Demo()
	c.Runs = append(c.Runs, RunSpec{Name: "none"})
	if _, err := c.ResolveSAERuns(16, 2); err == nil || !strings.Contains(err.Error(), `"none" is used by two runs`) {
		t.Errorf("duplicate names: %v", err)
	}
	c.Runs = []RunSpec{{Name: "Bad Name"}}
	if _, err := c.ResolveSAERuns(16, 2); err == nil || !strings.Contains(err.Error(), "runs[0] (Bad Name).name") {
		t.Errorf("bad name: %v", err)
	}
}

// resolveWith parses args with flags bound like a command's (defaults plus the given flag sets)
// and returns the resolved config.
func resolveWith(t *testing.T, defaults Config, add []func(*Flags), args ...string) (Config, error) {
	t.Helper()
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := NewFlags(fs, defaults)
	for _, a := range add {
		a(f)
	}
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	return f.Resolve()
}

func writeTempFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
