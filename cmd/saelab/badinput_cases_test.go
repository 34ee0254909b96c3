package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"saelab/store"
)

// copyRun is a setup that copies the run directory src into the case's directory as "run",
// then lets edit change it.
func copyRun(src string, edit func(t *testing.T, run string)) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		t.Helper()
		run := filepath.Join(dir, "run")
		if err := os.CopyFS(run, os.DirFS(src)); err != nil {
			t.Fatal(err)
		}
		if edit != nil {
			edit(t, run)
		}
	}
}

// editSummary rewrites a run directory's summary.json through f (as generic JSON).
func editSummary(f func(map[string]any)) func(*testing.T, string) {
	return func(t *testing.T, run string) {
		t.Helper()
		p := filepath.Join(run, "summary.json")
		b, _ := os.ReadFile(p)
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		b, _ = json.Marshal(m)
		os.WriteFile(p, b, 0o644)
	}
}

func badInputs(model string) []badInput {
	modelFile := filepath.Join(model, "model.safetensors")
	w := make([]float64, 2*2*5)
	bf := make([]float64, 2*5)
	p := make([]float64, 2*5)
	for k := range p {
		p[k] = 0.1
	}
	tensors := func(wdtype string, wv []float64) []store.Tensor {
		return []store.Tensor{{Name: "W", Shape: []int{2, 2, 5}, Data: wv, Dtype: wdtype},
			{Name: "b_final", Shape: []int{2, 5}, Data: bf}, {Name: "feature_probability", Shape: []int{2, 5}, Data: p}}
	}
	nan := make([]float64, len(w))
	for k := range nan {
		nan[k] = float64(k)
	}
	nan[3] = nan[3] / 0 * 0 // NaN
	deep := "model: {importance: '" + strings.Repeat("(", 200) + "1" + strings.Repeat(")", 200) + "'}\n"
	cases := []badInput{
		// The command line itself (exit 2).
		{args: []string{"nonsense"}, code: 2, want: []string{`unknown command "nonsense"`}},
		{args: []string{"demo", "--bogus"}, code: 2, want: []string{"unknown flag: --bogus"}},
		{args: []string{"demo", "extra"}, code: 2, want: []string{"accepts 0 arg(s)"}},
		{args: []string{"demo", "--sae-steps", "many"}, code: 2, want: []string{`invalid argument "many" for "--sae-steps"`}},
		{args: []string{"demo", "--n-inst", "1.5"}, code: 2, want: []string{`invalid argument "1.5" for "--n-inst"`}},
		{args: []string{"train-sae", "--out", "{out}"}, code: 2, want: []string{"--model is required"}},
		{args: []string{"compare", "--archs", "nope", "--out", "{out}"}, code: 2, want: []string{"--archs nope", `no run is named "nope"`, "the runs are standard, gated"}},
		{args: []string{"report"}, code: 2, want: []string{"accepts 1 arg(s)"}},
		// Flag values out of range (exit 1, field, value and range named).
		{args: []string{"demo", "--lr", "20", "--out", "{out}"}, code: 1, want: []string{"model_train: lr = 20: must be in (0, 10]"}},
		{args: []string{"demo", "--lr", "-1", "--out", "{out}"}, code: 1, want: []string{"lr = -1: must be in (0, 10]"}},
		{args: []string{"demo", "--lr", "NaN", "--out", "{out}"}, code: 1, want: []string{"lr = NaN: must be in (0, 10]"}},
		{args: []string{"demo", "--sae-steps", "0", "--out", "{out}"}, code: 1, want: []string{"sae_train: steps = 0: must be"}},
		{args: []string{"demo", "--model-steps", "-5", "--out", "{out}"}, code: 1, want: []string{"model_train: steps = -5: must be"}},
		{args: []string{"demo", "--batch-size", "0", "--out", "{out}"}, code: 1, want: []string{"batch_size = 0: must be in [1, 4194304]"}},
		{args: []string{"demo", "--batch-size", "10000000", "--out", "{out}"}, code: 1, want: []string{"batch_size = 10000000: must be in [1, 4194304]"}},
		{args: []string{"demo", "--log-freq", "0", "--out", "{out}"}, code: 1, want: []string{"log_freq = 0: must be"}},
		{args: []string{"demo", "--d-sae", "0", "--out", "{out}"}, code: 1, want: []string{"d_sae = 0: must be in [1, 65536]"}},
		{args: []string{"demo", "--d-sae", "70000", "--out", "{out}"}, code: 1, want: []string{"d_sae = 70000: must be in [1, 65536]"}},
		{args: []string{"demo", "--n-inst", "0", "--out", "{out}"}, code: 1, want: []string{"n_inst = 0: must be in [1, 65536]"}},
		{args: []string{"demo", "--n-inst", "70000", "--out", "{out}"}, code: 1, want: []string{"n_inst = 70000: must be in [1, 65536]"}},
		{args: []string{"demo", "--sparsity-coeff", "-1", "--out", "{out}"}, code: 1, want: []string{"sparsity_coeff = -1: must be a finite number ≥ 0"}},
		{args: []string{"demo", "--sparsity-coeff", "+Inf", "--out", "{out}"}, code: 1, want: []string{"sparsity_coeff = +Inf: must be a finite number ≥ 0"}},
		{args: []string{"demo", "--feature-probability", "1.5", "--out", "{out}"}, code: 1, want: []string{"feature_probability[0,0] = 1.5: must be in [0, 1]"}},
		{args: []string{"demo", "--feature-probability", "-0.1", "--out", "{out}"}, code: 1, want: []string{"feature_probability[0,0] = -0.1: must be in [0, 1]"}},
		{args: []string{"demo", "--feature-probability", "per-feature:0.1,0.2", "--out", "{out}"}, code: 1, want: []string{"model.feature_probability", "2 values given but n_features = 5"}},
		{args: []string{"demo", "--feature-probability", "per-instance:(", "--out", "{out}"}, code: 1, want: []string{"model.feature_probability", "unexpected end"}},
		{args: []string{"demo", "--feature-probability", "bogus:1", "--out", "{out}"}, code: 1, want: []string{`unknown axis "bogus"`, "per-instance"}},
		{args: []string{"demo", "--feature-probability", "per-feature:0.9^j", "--out", "{out}"}, code: 1, want: []string{`"j" is not defined here`}},
		{args: []string{"demo", "--feature-probability", "per-instance:" + strings.Repeat("0.5,", 60000) + "0.5", "--out", "{out}"}, code: 1, want: []string{"more than 16 values given but n_inst = 16"}},
		{args: []string{"train-model", "--importance", "NaN", "--out", "{out}"}, code: 1, want: []string{"model.importance", `"nan" is not defined here`}},
		{args: []string{"train-model", "--importance", "exp(1000)", "--out", "{out}"}, code: 1, want: []string{"importance[0,0] = +Inf: must be finite"}},
		{args: []string{"train-model", "--feat-mag-distn", "gauss", "--out", "{out}"}, code: 1, want: []string{`feat_mag_distn = "gauss": must be "unif" or "normal"`}},
		{args: []string{"train-model", "--n-correlated-pairs", "3", "--out", "{out}"}, code: 1, want: []string{"the pairs need 6 features but n_features = 5"}},
		{args: []string{"train-model", "--lr-schedule", "step", "--out", "{out}"}, code: 1, want: []string{`"step"`, "constant, linear, cosine"}},
		{args: []string{"train-model", "--lr-schedule", "anthropic", "--steps", "100", "--out", "{out}"}, code: 1, want: []string{"anthropic needs steps > 2501"}},
		{args: []string{"train-model", "--adam-beta1", "1", "--out", "{out}"}, code: 1, want: []string{"adam_beta1 = 1: must be in [0, 1)"}},
		{args: []string{"train-model", "--adam-eps", "0", "--out", "{out}"}, code: 1, want: []string{"adam_eps = 0: must be a finite number > 0"}},
		{args: []string{"train-model", "--n-features", "0", "--out", "{out}"}, code: 1, want: []string{"n_features = 0: must be in [1, 65536]"}},
		{args: []string{"train-model", "--d-hidden", "0", "--out", "{out}"}, code: 1, want: []string{"d_hidden = 0: must be in [1, 16384]"}},
		{args: []string{"train-sae", "--model", "{dir}/missing", "--out", "{out}"}, code: 1, want: []string{"model", "missing: no such file"}},
		{args: []string{"train-sae", "--model", model + "/summary.json", "--out", "{out}"}, code: 1, want: []string{"summary.json", "safetensors"}},
		{args: []string{"train-sae", "--model", model, "--arch", "bogus", "--out", "{out}"}, code: 1, want: []string{`arch = "bogus": must be one of standard, gated`}},
		{args: []string{"train-sae", "--model", model, "--arch", "topk", "--k", "0", "--out", "{out}"}, code: 1, want: []string{"k = 0: topk needs an integer in [1, d_sae = 5]"}},
		{args: []string{"train-sae", "--model", model, "--arch", "topk", "--k", "1.5", "--out", "{out}"}, code: 1, want: []string{"k = 1.5: topk needs an integer"}},
		{args: []string{"train-sae", "--model", model, "--resample-method", "fancy", "--out", "{out}"}, code: 1, want: []string{`resample_method = "fancy": must be one of none, simple, advanced`}},
		{args: []string{"train-sae", "--model", model, "--resample-window", "3000", "--out", "{out}"}, code: 1, want: []string{"resample_window = 3000: must be in [1, resample_freq = 2500]"}},
		{args: []string{"train-sae", "--model", model, "--hidden-sample-size", "0", "--out", "{out}"}, code: 1, want: []string{"hidden_sample_size = 0: must be in [1, 65536]"}},
		{args: []string{"train-sae", "--model", model, "--arch", "matryoshka", "--matryoshka-widths", "3,2", "--k", "1", "--out", "{out}"}, code: 1, want: []string{"matryoshka_widths = [3 2]: must be strictly increasing"}},
		{args: []string{"train-sae", "--model", model, "--ste-epsilon", "0", "--out", "{out}"}, code: 1, want: []string{"ste_epsilon = 0: must be a finite number > 0"}},
		{args: []string{"train-sae", "--model", model, "--weight-normalize-eps", "2", "--out", "{out}"}, code: 1, want: []string{"weight_normalize_eps = 2: must be in [0, 1]"}},
		{args: []string{"train-sae", "--model", model, "--name", "Bad Name", "--out", "{out}"}, code: 1, want: []string{`run name "Bad Name"`, "[a-z0-9_-]"}},
		// Config files.
		{args: []string{"demo", "--config", "{dir}/c.yaml", "--out", "{out}"}, code: 1, setup: writeFile("c.yaml", "foo: 1\n"), want: []string{`unknown key "foo"`, "the keys allowed in the top level are"}},
		{args: []string{"demo", "--config", "{dir}/c.yaml", "--out", "{out}"}, code: 1, setup: writeFile("c.yaml", "model: {n_inst: 3.7}\n"), want: []string{`model.n_inst = "3.7": must be a whole number`}},
		{args: []string{"demo", "--config", "{dir}/c.yaml", "--out", "{out}"}, code: 1, setup: writeFile("c.yaml", "sae_train: {steps: 100.9}\n"), want: []string{`sae_train.steps = "100.9": must be a whole number`}},
		{args: []string{"demo", "--config", "{dir}/c.yaml", "--out", "{out}"}, code: 1, setup: writeFile("c.yaml", "seed: -1\n"), want: []string{`seed = "-1": must be a whole number from 0`}},
		{args: []string{"demo", "--config", "{dir}/c.yaml", "--out", "{out}"}, code: 1, setup: writeFile("c.yaml", "model: {importance: [1, 2]}\n"), want: []string{"expected a number", "YAML list"}},
		{args: []string{"demo", "--config", "{dir}/c.yaml", "--out", "{out}"}, code: 1, setup: writeFile("c.yaml", "model: [1]\n"), want: []string{"model: expected a mapping of keys, got a YAML list"}},
		{args: []string{"demo", "--config", "{dir}/c.yaml", "--out", "{out}"}, code: 1, setup: writeFile("c.yaml", "seed: 1\n---\nseed: 2\n"), want: []string{"more than one YAML document"}},
		{args: []string{"demo", "--config", "{dir}/c.yaml", "--out", "{out}"}, code: 1, setup: writeFile("c.yaml", "runs: [{name: a}, {name: a}]\n"), want: []string{`"a" is used by two runs`}},
		{args: []string{"demo", "--config", "{dir}/c.yaml", "--out", "{out}"}, code: 1, setup: writeFile("c.yaml", "model_path: x\n"), want: []string{`model_path = "x": demo trains its own toy model`}},
		{args: []string{"demo", "--config", "{dir}/c.yaml", "--out", "{out}"}, code: 1, setup: writeFile("c.yaml", deep), want: []string{"nested too deeply"}},
		{args: []string{"demo", "--config", "/dev/zero", "--out", "{out}"}, code: 1, want: []string{"larger than 1048576 bytes"}},
		{args: []string{"demo", "--config", "{dir}", "--out", "{out}"}, code: 1, want: []string{"config file", "is a directory"}},
		{args: []string{"demo", "--config", "{dir}/none.yaml", "--out", "{out}"}, code: 1, want: []string{"config file", "no such file"}},
		// Model, SAE, data-log and summary files.
		{args: []string{"train-sae", "--model", "{dir}/m.safetensors", "--out", "{out}"}, code: 1, setup: writeTensors("m.safetensors", tensors(store.DtypeI32, w), nil), want: []string{"tensor W has dtype I32", "float dtype"}},
		{args: []string{"train-sae", "--model", "{dir}/m.safetensors", "--out", "{out}"}, code: 1, setup: writeTensors("m.safetensors", tensors(store.DtypeF32, nan), nil), want: []string{"tensor W holds NaN"}},
		{args: []string{"train-sae", "--model", "{dir}/m.safetensors", "--out", "{out}"}, code: 1, setup: writeTensors("m.safetensors", []store.Tensor{{Name: "W", Shape: []int{20}, Data: w}}, nil), want: []string{"W has shape [20], want [n_inst, d_hidden, n_features]"}},
		{args: []string{"train-sae", "--model", "{dir}/m.safetensors", "--out", "{out}"}, code: 1, setup: truncated(modelFile, "m.safetensors"), want: []string{"m.safetensors", "safetensors"}},
		{args: []string{"report", "{dir}/run"}, code: 1, setup: copyRun(model, func(t *testing.T, run string) { os.Remove(filepath.Join(run, "model.safetensors")) }), want: []string{"model.safetensors", "no such file", "finished runs that need it"}},
		{args: []string{"report", "{dir}/run"}, code: 1, setup: copyRun(model, func(t *testing.T, run string) { os.WriteFile(filepath.Join(run, "summary.json"), []byte("{"), 0o644) }), want: []string{"summary.json"}},
		{args: []string{"report", "{dir}/run"}, code: 1, setup: copyRun(model, func(t *testing.T, run string) {
			os.WriteFile(filepath.Join(run, "config.yaml"), []byte("seed: 99\n"), 0o644)
		}), want: []string{"config.yaml has seed 99 but summary.json seed 0"}},
		{args: []string{"report", "{dir}/run"}, code: 1, setup: copyRun(model, editSummary(func(m map[string]any) { m["runs"].([]any)[0].(map[string]any)["final_loss"] = "x" })), want: []string{"summary.json", "field runs.final_loss is a JSON string"}},
		{args: []string{"report", "{dir}/run"}, code: 1, setup: copyRun(model, func(t *testing.T, run string) {
			os.WriteFile(filepath.Join(run, store.LockFile), []byte("1\n"), 0o644) // pid 1 always runs
		}), want: []string{"in use by process 1"}},
		{args: []string{"report", "{dir}/missing"}, code: 1, want: []string{"missing", "no such file"}},
		// Run directories.
		{args: []string{"train-model", "--steps", "10", "--out", "{dir}"}, code: 1, setup: writeFile("x", ""), want: []string{"not empty", "choose another directory"}},
		{args: []string{"train-model", "--steps", "10", "--out", "{dir}/x"}, code: 1, setup: writeFile("x", ""), want: []string{"--out", "not a directory"}},
	}
	return cases
}

// truncated is a setup that copies the first half of src into the case's directory.
func truncated(src, name string) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		t.Helper()
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, name), b[:len(b)/2], 0o644)
	}
}
