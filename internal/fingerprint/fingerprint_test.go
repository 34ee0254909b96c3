package fingerprint

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// scenario is one command line (or a chain of them) whose run directories are fingerprinted.
type scenario struct {
	name string
	// steps are command lines; "{cfg}" is the scenario's config file and "{out:K}" the K-th
	// run directory of the scenario.
	steps [][]string
	cfg   string
}

// The scenarios are small (well under a second each) but cover every architecture, both
// resampling methods, tied weights, and every pipeline: demo, compare, train-model, train-sae.
var scenarios = []scenario{
	{name: "compare", cfg: `seed: 7
model: {n_inst: 4}
model_train: {steps: 300, log_freq: 50}
sae_train: {steps: 600, log_freq: 100, resample_freq: 200, resample_window: 100}
`, steps: [][]string{{"compare", "--config", "{cfg}", "--out", "{out:0}", "--quiet"}}},
	{name: "demo", cfg: `seed: 3
model: {n_inst: 5}
model_train: {steps: 400}
sae_train: {steps: 500, log_freq: 50, resample_freq: 100, resample_window: 50}
`, steps: [][]string{{"demo", "--config", "{cfg}", "--out", "{out:0}", "--quiet"}}},
	{name: "train", cfg: `seed: 11
model: {n_inst: 3, n_features: 6, d_hidden: 3, importance: "per-feature:0.9^i", feature_probability: "per-instance:0.2,0.1,0.05"}
model_train: {steps: 250, lr_schedule: cosine}
sae: {d_sae: 8, tied_weights: true}
sae_train: {steps: 400, log_freq: 100, resample_method: advanced, resample_freq: 150, resample_window: 100}
`, steps: [][]string{
		{"train-model", "--config", "{cfg}", "--out", "{out:0}", "--quiet"},
		{"train-sae", "--config", "{cfg}", "--model", "{out:0}", "--out", "{out:1}", "--quiet"},
	}},
	// Shapes past the small-model lane kernels: the toy model's general path and the standard
	// SAE's large-shape kernel, next to a TopK and a gated run of the same width.
	{name: "wide", cfg: `seed: 5
model: {n_inst: 2, n_features: 40, d_hidden: 10, feature_probability: 0.2, importance: "per-feature:0.95^i"}
model_train: {steps: 200}
sae: {d_sae: 64}
sae_train: {steps: 300, log_freq: 100, resample_method: simple, resample_freq: 100, resample_window: 50}
runs:
  - {name: std}
  - {name: topk, sae: {arch: topk, k: 4}}
  - {name: gated, sae: {arch: gated}}
`, steps: [][]string{
		{"train-model", "--config", "{cfg}", "--out", "{out:0}", "--quiet"},
		{"train-sae", "--config", "{cfg}", "--model", "{out:0}", "--out", "{out:1}", "--quiet"},
	}},
}

const fingerprintFile = "testdata/fingerprint.json"

func TestFingerprint(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command; skipped with -short")
	}
	exe := buildSaelab(t)
	got := map[string]map[string]string{}
	for _, procs := range []int{1, 2} {
		for _, sc := range scenarios {
			fp := runScenario(t, exe, sc, procs)
			if prev, ok := got[sc.name]; ok {
				for _, d := range diff(prev, fp) {
					t.Errorf("%s: GOMAXPROCS 1 and %d differ: %s", sc.name, procs, d)
				}
				continue
			}
			got[sc.name] = fp
		}
	}
	if os.Getenv("SAELAB_UPDATE_FINGERPRINT") != "" {
		b, err := json.MarshalIndent(got, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(fingerprintFile, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", fingerprintFile)
		return
	}
	b, err := os.ReadFile(fingerprintFile)
	if err != nil {
		t.Fatalf("%v (generate it with SAELAB_UPDATE_FINGERPRINT=1)", err)
	}
	var want map[string]map[string]string
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	for _, sc := range scenarios {
		for _, d := range diff(want[sc.name], got[sc.name]) {
			t.Errorf("%s: result changed: %s", sc.name, d)
		}
	}
}

// diff lists the keys whose hashes differ, or that only one side has.
func diff(want, got map[string]string) []string {
	var out []string
	for k, w := range want {
		if g, ok := got[k]; !ok {
			out = append(out, k+": missing")
		} else if g != w {
			out = append(out, fmt.Sprintf("%s: %s, want %s", k, g, w))
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			out = append(out, k+": new")
		}
	}
	slices.Sort(out)
	return out
}

// buildSaelab builds the command with the test's own toolchain and GOEXPERIMENT.
func buildSaelab(t *testing.T) string {
	t.Helper()
	exe := filepath.Join(t.TempDir(), "saelab")
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	cmd := exec.Command(gobin, "build", "-o", exe, "saelab/cmd/saelab")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return exe
}

// runScenario runs the scenario's command lines and fingerprints its run directories.
func runScenario(t *testing.T, exe string, sc scenario, procs int) map[string]string {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfg, []byte(sc.cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	outs := map[string]string{}
	for _, line := range sc.steps {
		args := make([]string, len(line))
		for k, a := range line {
			switch {
			case a == "{cfg}":
				a = cfg
			case strings.HasPrefix(a, "{out:"):
				a = filepath.Join(dir, "out"+strings.Trim(a[5:], "}"))
				outs[filepath.Base(a)] = a
			}
			args[k] = a
		}
		cmd := exec.Command(exe, args...)
		cmd.Env = append(os.Environ(), "GOMAXPROCS="+strconv.Itoa(procs))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s: saelab %s: %v\n%s", sc.name, strings.Join(args, " "), err, stderr.String())
		}
	}
	fp := map[string]string{}
	for name, out := range outs {
		fp2, err := Dir(out)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range fp2 {
			fp[name+"/"+k] = v
		}
	}
	return fp
}
