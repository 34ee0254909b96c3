package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The synth commands end to end on a tiny model: generate, stats, train, a two-architecture
// bench, and the errors a user meets first.
func TestSynthCommands(t *testing.T) {
	tmp := t.TempDir()
	cfg := writeTempFile(t, "tiny.yaml", "num_features: 256\nhidden_dim: 32\nhierarchy: {total_root_nodes: 2}\northogonalization: {num_steps: 5}\n")
	model := filepath.Join(tmp, "model")
	if code, out := runCLI(t, "synth", "generate", "--preset", "mini", "--config", cfg, "--out", model, "-q"); code != 0 {
		t.Fatalf("generate: %s", out)
	}
	code, out := runCLI(t, "synth", "stats", model, "--samples", "5000")
	if code != 0 || !strings.Contains(out, "256 in 32 dimensions") || !strings.Contains(out, "true L0, first 64") || !strings.Contains(out, "(5000 samples)") {
		t.Fatalf("stats: %d %s", code, out)
	}
	// Its default is its own, not the training commands' --samples.
	if code, out := runCLI(t, "synth", "stats", model); code != 0 || !strings.Contains(out, "(100000 samples)") {
		t.Fatalf("stats: %d %s", code, out)
	}
	run := filepath.Join(tmp, "run")
	code, out = runCLI(t, "synth", "train", "--model", model, "--out", run, "--arch", "topk", "--samples", "51200", "--target-l0", "3", "--eval-samples", "3000")
	if code != 0 || !strings.Contains(out, "topk (saved as topk): L0 3.00") || !strings.Contains(out, "report: ") {
		t.Fatalf("train: %d %s", code, out)
	}
	for _, f := range []string{"summary.json", "report.md", "report.html", "sae/cfg.json", "sae/sae_weights.safetensors"} {
		if _, err := os.Stat(filepath.Join(run, f)); err != nil {
			t.Error(err)
		}
	}
	if sum, err := os.ReadFile(filepath.Join(run, "summary.json")); err != nil || !strings.Contains(string(sum), `"samples": 3000`) {
		t.Errorf("--eval-samples 3000 is not the evaluation's sample count: %v\n%s", err, sum)
	}
	bench := filepath.Join(tmp, "bench")
	code, out = runCLI(t, "synth", "bench", "--config", cfg, "--archs", "topk,standard", "--samples", "51200", "--target-l0", "3", "--eval-samples", "2000", "--autotune-time-scale", "50", "--out", bench, "-q")
	if code != 0 {
		t.Fatalf("bench: %s", out)
	}
	if sum, err := os.ReadFile(filepath.Join(bench, "topk", "summary.json")); err != nil || !strings.Contains(string(sum), `"samples": 2000`) {
		t.Errorf("bench --eval-samples 2000: %v\n%s", err, sum)
	}
	if sum, err := os.ReadFile(filepath.Join(bench, "standard", "summary.json")); err != nil || !strings.Contains(string(sum), `"autotune_time_scale": 50`) {
		t.Errorf("bench --autotune-time-scale 50: %v\n%s", err, sum)
	}
	if _, err := os.Stat(filepath.Join(bench, "report.html")); err != nil {
		t.Error(err)
	}
	csv, err := os.ReadFile(filepath.Join(bench, "bench.csv"))
	lines := strings.Split(strings.TrimSpace(string(csv)), "\n")
	if err != nil || len(lines) != 3 || !strings.HasPrefix(lines[0], "arch,L0,explained variance,MCC,uniqueness,F1,precision,recall,dead latents,seconds") ||
		!strings.HasPrefix(lines[1], "topk,3.000000,") || !strings.HasPrefix(lines[2], "standard,") {
		t.Errorf("bench.csv: %v\n%s", err, csv)
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"synth", "train", "--model", model, "--out", filepath.Join(tmp, "x"), "--arch", "relu"}, 1, `--arch "relu": must be one of`},
		{[]string{"synth", "train", "--out", filepath.Join(tmp, "y")}, 2, `required flag(s) "model" not set`},
		{[]string{"synth", "train", "--model", model}, 2, `required flag(s) "out" not set`},
		{[]string{"synth", "bench", "--archs", "topk"}, 2, `required flag(s) "out" not set`},
		{[]string{"synth", "generate"}, 2, `required flag(s) "out" not set`},
		{[]string{"synth", "bench", "--eval-samples", "-1", "--out", filepath.Join(tmp, "w")}, 1, "--eval-samples -1"},
		{[]string{"synth", "train", "--model", model, "--autotune-time-scale", "-1", "--out", filepath.Join(tmp, "v")}, 1, "--autotune-time-scale -1: must be from 0 (automatic) to 100"},
		{[]string{"synth", "generate", "--preset", "huge", "--out", filepath.Join(tmp, "z")}, 1, `--preset "huge": must be mini or synthsaebench-16k`},
		{[]string{"synth", "stats", filepath.Join(tmp, "missing")}, 1, "no such file"},
		{[]string{"synth", "train", "--model", model, "--out", run}, 1, "choose another directory"},
	} {
		if code, msg := runCLI(t, c.args...); code != c.code || !strings.Contains(msg, c.want) {
			t.Errorf("%v: %d %s, want %d %q", c.args, code, msg, c.code, c.want)
		}
	}
}
