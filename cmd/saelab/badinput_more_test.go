package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"saelab/store"
)

// failedRun checks a run directory left by a run that failed while training: summary.json
// lists the finished runs and, last, the failed one with a message holding wants; no file
// holds a value that is not finite.
func failedRun(out, name string, finished int, wants ...string) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		t.Helper()
		run := filepath.Join(dir, out)
		sum, err := store.ReadSummary(filepath.Join(run, store.SummaryFile))
		if err != nil {
			t.Errorf("%s: %v", run, err)
			return
		}
		if len(sum.Runs) != finished+1 {
			t.Errorf("summary.json lists %d runs, want %d finished and the failed one", len(sum.Runs), finished)
			return
		}
		last := sum.Runs[finished]
		if last.Name != name || last.Status != store.StatusFailed {
			t.Errorf("summary.json's last run is %q with status %q, want %q failed", last.Name, last.Status, name)
		}
		for _, w := range wants {
			if !strings.Contains(last.Error, w) {
				t.Errorf("summary.json's error %q lacks %q", last.Error, w)
			}
		}
		files, _ := filepath.Glob(filepath.Join(run, "*.safetensors"))
		for _, f := range files {
			ts, _, err := store.ReadSafetensors(f)
			if err != nil {
				t.Errorf("%s: %v", f, err)
				continue
			}
			for _, ten := range ts {
				for _, v := range ten.Data {
					if math.IsNaN(v) || math.IsInf(v, 0) {
						t.Errorf("%s: tensor %s holds %v", f, ten.Name, v)
						break
					}
				}
			}
		}
	}
}

// dropRuns is an edit that keeps only the first n runs of summary.json.
func dropRuns(n int) func(*testing.T, string) {
	return editSummary(func(m map[string]any) { m["runs"] = m["runs"].([]any)[:n] })
}

// inflateInstances is an edit that makes the last run of summary.json list n instances.
func inflateInstances(n int) func(map[string]any) {
	return func(m map[string]any) {
		runs := m["runs"].([]any)
		r := runs[len(runs)-1].(map[string]any)
		ins := r["instances"].([]any)
		for len(ins) < n {
			c := map[string]any{}
			for k, v := range ins[0].(map[string]any) {
				c[k] = v
			}
			c["index"] = len(ins)
			ins = append(ins, c)
		}
		r["instances"] = ins
	}
}

// removeFile is an edit that deletes one file of the copied run directory.
func removeFile(name string) func(*testing.T, string) {
	return func(t *testing.T, run string) { os.Remove(filepath.Join(run, name)) }
}

// the cases of the reliability issue beyond badInputs': sizes and steps bounded before
// allocating, the spec language's bounds, importance and k·batch_size ranges, divergence,
// report consistency, locks and stale files, and --resume's own mistakes.
func moreBadInputs(model, demo string) []badInput {
	deep := func(open, close string, n int) string {
		return strings.Repeat(open, n) + "1" + strings.Repeat(close, n)
	}
	keepFailed := func(files ...string) []string {
		out := []string{"out/config.yaml", "out/summary.json", "out/metrics.jsonl"}
		for _, f := range files {
			out = append(out, "out/"+f)
		}
		return out
	}
	run := func(f string) string { return "run/" + f }
	ts := []string{"train-sae", "--model", model}
	cases := []badInput{
		// Steps and sizes, bounded before anything is allocated.
		{args: []string{"demo", "--sae-steps", "2147483648000", "--out", "{out}"}, code: 1, want: []string{"sae_train: steps = 2147483648000: must be in [1, 1073741824]"}},
		{args: []string{"train-model", "--steps", "9223372036854775807", "--out", "{out}"}, code: 1, want: []string{"model_train: steps = 9223372036854775807: must be in [1, 1073741824]"}},
		{args: append(ts, "--steps", "9223372036854775807", "--out", "{out}"), code: 1, want: []string{"sae_train: steps = 9223372036854775807: must be in [1, 1073741824]"}},
		{args: []string{"demo", "--model-steps", "1073741825", "--out", "{out}"}, code: 1, want: []string{"model_train: steps = 1073741825: must be in [1, 1073741824]"}},
		{args: []string{"demo", "--d-sae", "65536", "--out", "{out}"}, code: 1, want: []string{"memory: this run would need about", "more than the limit of 4.3 GB", "d_sae", "SAELAB_MEMORY_LIMIT"}},
		{args: []string{"demo", "--n-inst", "65536", "--out", "{out}"}, code: 1, want: []string{"memory: this run would need about", "more than the limit of 4.3 GB", "n_inst"}},
		{args: []string{"demo", "--sae-steps", "1073741824", "--log-freq", "1", "--out", "{out}"}, code: 1, want: []string{"memory:", "records × n_inst·d_sae·d_in weights; set by steps/log_freq"}},
		{args: append(ts, "--arch", "batchtopk", "--k", "1", "--d-sae", "65536", "--batch-size", "4194304", "--out", "{out}"), code: 1, want: []string{"memory:", "batch_size 4194304"}},
		{args: []string{"demo", "--out", "{out}"}, env: map[string]string{"SAELAB_MEMORY_LIMIT": "lots"}, code: 1, want: []string{`SAELAB_MEMORY_LIMIT = "lots": must be a size of at least 1MiB`}},
		{args: []string{"demo", "--out", "{out}"}, env: map[string]string{"SAELAB_MEMORY_LIMIT": "16MiB"}, code: 1, want: []string{"more than the limit of 16.8 MB (set by SAELAB_MEMORY_LIMIT)"}},
		// The spec language's bounds: length and depth.
		{args: []string{"train-model", "--importance", deep("(", ")", 3000000), "--out", "{out}"}, code: 1, want: []string{"model.importance", "6000001 bytes long; at most 4194304"}},
		{args: []string{"train-model", "--importance", deep("exp(", ")", 2000000), "--out", "{out}"}, code: 1, want: []string{"model.importance", "at most 4194304"}},
		{args: []string{"train-model", "--importance", strings.Repeat("-", 20000000) + "1", "--out", "{out}"}, code: 1, want: []string{"model.importance", "at most 4194304"}},
		{args: []string{"train-model", "--importance", deep("(", ")", 1000000), "--out", "{out}"}, code: 1, want: []string{"model.importance", "nested too deeply"}},
		{args: []string{"train-model", "--feature-probability", deep("exp(", ")", 150), "--out", "{out}"}, code: 1, want: []string{"model.feature_probability", "nested too deeply"}},
		{args: []string{"demo", "--config", "{dir}/c.yaml", "--out", "{out}"}, code: 1, setup: writeFile("c.yaml", "model: {importance: '"+deep("(", ")", 3000000)+"'}\n"), want: []string{"larger than 1048576 bytes"}},
		// Ranges: importance ≥ 0, k·batch_size ≥ 1.
		{args: []string{"train-model", "--importance", "-1", "--lr", "10", "--out", "{out}"}, code: 1, want: []string{"importance[0,0] = -1: must be a finite number ≥ 0"}},
		{args: []string{"train-model", "--importance", "per-feature:1,1,-0.5,1,1", "--out", "{out}"}, code: 1, want: []string{"importance[0,2] = -0.5: must be a finite number ≥ 0"}},
		{args: []string{"train-model", "--config", "{dir}/c.yaml", "--out", "{out}"}, code: 1, setup: writeFile("c.yaml", "model: {importance: 'per-instance:1-i'}\n"), want: []string{"importance[2,0] = -1: must be a finite number ≥ 0"}},
		{args: append(ts, "--arch", "batchtopk", "--k", "1e-9", "--out", "{out}"), code: 1, want: []string{"k = 1e-09: batchtopk keeps int(k·batch_size) = int(1e-09·1024) = 0 latents", "must be ≥ 1 (k ≥ 0.0009765625"}},
		{args: append(ts, "--arch", "matryoshka", "--k", "0.01", "--batch-size", "64", "--out", "{out}"), code: 1, want: []string{"k = 0.01: matryoshka keeps int(k·batch_size) = int(0.01·64) = 0", "k ≥ 0.015625"}},
		{args: []string{"demo", "--config", "{dir}/c.yaml", "--out", "{out}"}, code: 1, setup: writeFile("c.yaml", "runs: [{name: x, sae: {arch: batchtopk, k: 0.0001}}]\n"), want: []string{"runs[0] (x): sae: k = 0.0001: batchtopk keeps"}},
		{args: append(ts, "--arch", "batchtopk", "--k", "-1", "--out", "{out}"), code: 1, want: []string{"k = -1: batchtopk needs a number in (0, d_sae = 5]"}},
		{args: append(ts, "--resample-scale", "NaN", "--out", "{out}"), code: 1, want: []string{"resample_scale = NaN: must be a finite number ≥ 0"}},
		{args: []string{"train-model", "--n-correlated-pairs", "4611686018427387904", "--out", "{out}"}, code: 1, want: []string{"n_correlated_pairs = 4611686018427387904: must be at most n_features/2 = 2"}},
		{args: []string{"train-model", "--n-anticorrelated-pairs", "9223372036854775807", "--out", "{out}"}, code: 1, want: []string{"n_anticorrelated_pairs = 9223372036854775807: must be at most n_features/2 = 2"}},
		{args: []string{"train-model", "--adam-eps", "+Inf", "--out", "{out}"}, code: 1, want: []string{"adam_eps = +Inf: must be a finite number > 0"}},
		// Divergence: the run stops at a logged step; its directory says so and holds nothing
		// that is not finite.
		{args: []string{"train-model", "--importance", "1e308", "--out", "{out}"}, code: 1, keep: keepFailed(),
			want:  []string{"model_train: training diverged at step 0", "importance", "summary.json lists the finished runs and the failed one"},
			check: failedRun("out", "toy-model", 0, "diverged", "importance scale")},
		{args: append(ts, "--sparsity-coeff", "1e308", "--out", "{out}"), code: 1, keep: keepFailed("model.safetensors"),
			want:  []string{"run none: sae_train: training diverged at step", "sparsity_coeff = 1e+308"},
			check: failedRun("out", "none", 1, "sparsity_coeff = 1e+308")},
		{args: append(ts, "--resample-method", "simple", "--resample-freq", "200", "--resample-window", "100", "--steps", "1000", "--resample-scale", "1e308", "--out", "{out}"),
			code: 1, keep: keepFailed("model.safetensors"), want: []string{"run simple: sae_train: training diverged at step", "resample_scale = 1e+308"},
			check: failedRun("out", "simple", 1, "resample_scale = 1e+308")},
		{args: []string{"demo", "--n-inst", "2", "--model-steps", "50", "--sae-steps", "100", "--sparsity-coeff", "1e308", "--out", "{out}"}, code: 1,
			keep: keepFailed("model.safetensors"), want: []string{"run none: sae_train: training diverged", "sparsity_coeff"},
			check: failedRun("out", "none", 1, "sparsity coefficient")},
		// report: summary.json checked against the files it describes.
		{args: []string{"report", "{dir}/run"}, code: 1, setup: copyRun(demo, editSummary(inflateInstances(16000))), want: []string{`summary.json run "simple" lists 16000 instances but its SAE file holds 2`}},
		{args: []string{"report", "{dir}/run"}, code: 1, setup: copyRun(demo, removeFile("sae-none.safetensors")), want: []string{"sae-none.safetensors", "no such file"}},
		{args: []string{"report", "{dir}/run"}, code: 1, setup: copyRun(demo, removeFile("datalog-simple.safetensors")), want: []string{"datalog-simple.safetensors", "no such file"}},
		{args: []string{"report", "{dir}/run"}, code: 1, setup: copyRun(demo, func(t *testing.T, r string) {
			three := func(n int) []float64 { return make([]float64, n) }
			p := three(15)
			for k := range p {
				p[k] = 0.1
			}
			writeTensors("run/model.safetensors", []store.Tensor{{Name: "W", Shape: []int{3, 2, 5}, Data: three(30)},
				{Name: "b_final", Shape: []int{3, 5}, Data: three(15)}, {Name: "feature_probability", Shape: []int{3, 5}, Data: p}}, nil)(t, filepath.Dir(r))
		}), want: []string{"n_inst = 2: must equal the toy model's n_inst = 3"}},
		{args: []string{"report", "{dir}/run"}, code: 1, setup: copyRun(demo, editSummary(func(m map[string]any) { m["seed"] = 7 })), want: []string{"config.yaml has seed 0 but summary.json seed 7; the directory mixes runs"}},
		// Run directories: one owner; stale files of a killed process are cleaned up.
		{args: []string{"train-model", "--steps", "10", "--out", "{dir}/busy"}, code: 1, setup: func(t *testing.T, dir string) {
			os.Mkdir(filepath.Join(dir, "busy"), 0o755)
			os.WriteFile(filepath.Join(dir, "busy", store.LockFile), []byte("1\n"), 0o644)
		}, want: []string{"--out", "in use by process 1", "choose another directory"}},
		{args: []string{"report", "{dir}/run"}, code: 0, setup: copyRun(demo, func(t *testing.T, r string) {
			os.WriteFile(filepath.Join(r, ".report.html.tmp-123"), []byte("half"), 0o644)
			os.WriteFile(filepath.Join(r, ".datalog-none.safetensors.tmp-9"), []byte("half"), 0o644)
			os.WriteFile(filepath.Join(r, store.LockFile), []byte("2147483646\n"), 0o644) // a pid no process has
		}), gone: []string{run(".report.html.tmp-123"), run(".datalog-none.safetensors.tmp-9"), run(store.LockFile)}, want: []string{"report:"}},
		// --resume's own mistakes.
		{args: []string{"demo", "--resume", "{dir}/missing"}, code: 1, want: []string{"--resume", "missing: no such file"}},
		{args: []string{"demo", "--resume", "{dir}"}, code: 1, want: []string{"--resume", "has no config.yaml", "not a run directory saelab can continue"}},
		{args: []string{"demo", "--resume", "{dir}/run"}, code: 1, setup: copyRun(model, nil), want: []string{"its config.yaml has the sections model, model_train, seed, not those of a demo run", "continue it with the command that made it"}},
		{args: []string{"train-model", "--resume", "{dir}/run"}, code: 1, setup: copyRun(demo, nil), want: []string{"not those of a train-model run"}},
		{args: []string{"compare", "--resume", "{dir}/run"}, code: 1, setup: copyRun(demo, nil), want: []string{"written by another command, not compare"}},
		{args: []string{"demo", "--resume", "{dir}/run", "--sae-steps", "5"}, code: 2, setup: copyRun(demo, nil), want: []string{"continues the run as its config.yaml describes it; drop --sae-steps"}},
		{args: []string{"demo", "--resume", "{dir}/run", "--out", "{out}"}, code: 2, setup: copyRun(demo, nil), want: []string{"drop --out"}},
		{args: []string{"demo", "--resume", "{dir}/run"}, code: 1, setup: copyRun(demo, func(t *testing.T, r string) {
			dropRuns(2)(t, r)
			os.WriteFile(filepath.Join(r, store.SAECheckpointFile("simple")), []byte("not a checkpoint"), 0o644)
		}), want: []string{"checkpoint", "checkpoint-sae-simple.ckpt"}},
		{args: []string{"demo", "--resume", "{dir}/run"}, code: 1, setup: copyRun(demo, func(t *testing.T, r string) {
			dropRuns(2)(t, r)
			os.WriteFile(filepath.Join(r, store.LockFile), []byte("1\n"), 0o644)
		}), want: []string{"--resume", "in use by process 1", "wait for it to finish"}},
		{args: []string{"demo", "--resume", "{dir}/run"}, code: 1, setup: copyRun(demo, func(t *testing.T, r string) {
			os.WriteFile(filepath.Join(r, "config.yaml"), []byte("seed: 5\nmodel: {}\nmodel_train: {}\nsae: {}\nsae_train: {}\nruns: []\n"), 0o644)
		}), want: []string{"summary.json has seed 0 but config.yaml seed 5; the directory mixes runs"}},
		{args: []string{"demo", "--resume", "{dir}/run"}, code: 1, setup: copyRun(demo, func(t *testing.T, r string) {
			os.WriteFile(filepath.Join(r, "config.yaml"), []byte("seed: 0\nmodel: {n_inst: 1.5}\nmodel_train: {}\nsae: {}\nsae_train: {}\nruns: []\n"), 0o644)
		}), want: []string{"--resume", "config.yaml", `model.n_inst = "1.5": must be a whole number`}},
	}
	return cases
}
