package store

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestNewRunDir(t *testing.T) {
	base := t.TempDir()
	now := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	want := filepath.Join(base, "runs", "20250304-050607-sae_demo-1")
	for k, suffix := range []string{"", "-2", "-3"} {
		dir, err := NewRunDir(base, "sae_demo-1", now)
		if err != nil {
			t.Fatal(err)
		}
		if dir != want+suffix {
			t.Errorf("call %d: %s, want %s", k, dir, want+suffix)
		}
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			t.Errorf("%s not created: %v", dir, err)
		}
	}
	// A regular file in the way counts as taken too.
	other := time.Date(2025, 3, 4, 5, 6, 8, 0, time.UTC)
	os.WriteFile(filepath.Join(base, "runs", "20250304-050608-x"), nil, 0o644)
	if dir, err := NewRunDir(base, "x", other); err != nil || !strings.HasSuffix(dir, "20250304-050608-x-2") {
		t.Errorf("%s %v", dir, err)
	}
}

func TestNewRunDirErrors(t *testing.T) {
	base := t.TempDir()
	if _, err := NewRunDir(base, "Bad Name", time.Now()); err == nil || !strings.Contains(err.Error(), "Bad Name") {
		t.Errorf("err = %v", err)
	}
	// base/runs is a file.
	f := filepath.Join(base, "file")
	os.WriteFile(f, nil, 0o644)
	if _, err := NewRunDir(f, "ok", time.Now()); err == nil || !strings.Contains(err.Error(), f) {
		t.Errorf("err = %v", err)
	}
	if entries, _ := os.ReadDir(base); len(entries) != 1 {
		t.Errorf("a bad name created something: %v", entries)
	}
}

func TestValidateRunName(t *testing.T) {
	for _, ok := range []string{"a", "sae-none", "sae_simple-2", "0", strings.Repeat("a", MaxRunNameLen)} {
		if err := ValidateRunName(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "A", "sae none", "a/b", "..", "a.b", "é", "a\x00", strings.Repeat("a", MaxRunNameLen+1)} {
		if err := ValidateRunName(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestRunFileNames(t *testing.T) {
	got := []string{ConfigFile, ModelFile, SAEFile("none"), DataLogFile("none"), SAEFile("sae-x"), MetricsFile, SummaryFile, ReportFile}
	want := []string{"config.yaml", "model.safetensors", "sae-none.safetensors", "datalog-none.safetensors", "sae-sae-x.safetensors", "metrics.jsonl", "summary.json", "report.html"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("got %v, want %v", got, want)
	}
	// A directory written before the one naming rule still reads: run sae-none's files were
	// sae-none.safetensors and datalog-none.safetensors.
	dir := t.TempDir()
	for _, f := range []string{"sae-none.safetensors", "datalog-none.safetensors"} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got := FindSAEFile(dir, "sae-none"); got != filepath.Join(dir, "sae-none.safetensors") {
		t.Errorf("legacy SAE file: %s", got)
	}
	if got := FindDataLogFile(dir, "sae-none"); got != filepath.Join(dir, "datalog-none.safetensors") {
		t.Errorf("legacy data log: %s", got)
	}
	if got := FindSAEFile(dir, "none"); got != filepath.Join(dir, "sae-none.safetensors") {
		t.Errorf("new SAE file: %s", got)
	}
	if got := FindSAEFile(dir, "sae-x"); got != filepath.Join(dir, "sae-sae-x.safetensors") {
		t.Errorf("a missing file keeps the new name: %s", got)
	}
}
