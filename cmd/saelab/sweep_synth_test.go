package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// A synthetic sweep from the command line: run, status, export and report, with the
// benchmark's metric columns in the export.
func TestSweepSynthCommands(t *testing.T) {
	file := writeTempFile(t, "l0.yaml", `name: l0
synth:
  config: {num_features: 256, hidden_dim: 32, hierarchy: {total_root_nodes: 2}, orthogonalization: {num_steps: 5}}
  width: 64
  samples: 10240
  eval_samples: 2000
grid:
  synth.target_l0: [2, 3]
`)
	dir := filepath.Join(t.TempDir(), "sw")
	if code, out := runCLI(t, "sweep", "run", file, "--out", dir); code != 0 {
		t.Fatalf("sweep run: %d %s", code, out)
	}
	if code, out := runCLI(t, "sweep", "status", dir); code != 0 || !strings.Contains(out, "done     2") {
		t.Fatalf("sweep status: %d %s", code, out)
	}
	code, out := runCLI(t, "sweep", "export", dir, "--format", "csv")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 3 || !strings.Contains(lines[0], "synth.target_l0,run,status,wall_seconds,l0,explained_variance,dead_latents,mcc,true_l0,") ||
		strings.Contains(lines[0], "mmcs") {
		t.Fatalf("sweep export: %d\n%s", code, out)
	}
	if code, out := runCLI(t, "sweep", "report", dir); code != 0 || !strings.Contains(out, "report.html") {
		t.Fatalf("sweep report: %d %s", code, out)
	}
}
