package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"saelab/store"
)

// A demo run exported in SAELens's format reads back with one directory per SAE run and
// instance, each with the instance's shapes and a standard architecture.
func TestExportSAELens(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	if code, out := runCLI(t, "demo", "--out", dir, "--n-inst", "2", "--model-steps", "100", "--sae-steps", "100", "--quiet"); code != 0 {
		t.Fatalf("demo: %s", out)
	}
	out := filepath.Join(t.TempDir(), "export")
	code, stdout := runCLI(t, "export", "--format", "saelens", dir, "--out", out)
	if code != 0 || !strings.Contains(stdout, "exported 4 SAEs") {
		t.Fatalf("export: %d %s", code, stdout)
	}
	for _, run := range []string{"none", "simple"} {
		for i := 0; i < 2; i++ {
			s, err := store.ReadSAELens(filepath.Join(out, run, fmt.Sprintf("inst_%02d", i)))
			if err != nil {
				t.Fatal(err)
			}
			md := s.Config["metadata"].(map[string]any)
			if s.Arch != "standard" || s.DIn != 2 || s.DSAE != 5 || md["saelab_run"] != run || len(s.Tensors) != 4 {
				t.Errorf("%s/%d: %s %d %d %v, %d tensors", run, i, s.Arch, s.DIn, s.DSAE, md["saelab_run"], len(s.Tensors))
			}
		}
	}
	// A second export into the same directory is refused, as are other formats.
	if code, msg := runCLI(t, "export", dir, "--out", out); code != 1 || !strings.Contains(msg, "is not empty") {
		t.Errorf("export into a full directory: %d %s", code, msg)
	}
	if code, msg := runCLI(t, "export", "--format", "onnx", dir, "--out", t.TempDir()); code != 1 || !strings.Contains(msg, `--format "onnx": must be one of [saelens]`) {
		t.Errorf("--format onnx: %d %s", code, msg)
	}
}
