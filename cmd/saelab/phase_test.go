package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// A sharded phase diagram, merged, is the unsharded one byte for byte; geometry writes its
// files and report.
func TestPhaseDiagramAndGeometryCommands(t *testing.T) {
	dir := t.TempDir()
	args := []string{"phase-diagram", "--grid", "4", "--instances", "3", "--steps", "200", "-q"}
	whole := filepath.Join(dir, "whole")
	if code, out := runCLI(t, append(args, "--out", whole)...); code != 0 {
		t.Fatalf("phase-diagram: %s", out)
	}
	parts := filepath.Join(dir, "parts")
	for i := range 3 {
		t.Setenv("SLURM_ARRAY_TASK_ID", strconv.Itoa(i))
		t.Setenv("SLURM_ARRAY_TASK_COUNT", "3")
		if code, out := runCLI(t, append(args, "--out", parts, "--shard", "auto")...); code != 0 {
			t.Fatalf("shard %d: %s", i, out)
		}
	}
	if code, out := runCLI(t, "phase-diagram", "merge", parts); code != 0 {
		t.Fatalf("merge: %s", out)
	}
	for _, f := range []string{"phase_diagram.json", "phase_diagram.csv"} {
		a, _ := os.ReadFile(filepath.Join(whole, f))
		b, _ := os.ReadFile(filepath.Join(parts, f))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s: the merged shards differ from the whole run", f)
		}
	}
	if _, err := os.Stat(filepath.Join(parts, "report.html")); err != nil {
		t.Errorf("merge drew no report: %v", err)
	}
	if code, msg := runCLI(t, "phase-diagram", "--experiment", "3", "--out", filepath.Join(dir, "bad")); code != 1 || !bytes.Contains([]byte(msg), []byte("experiment = 3")) {
		t.Errorf("--experiment 3: %d %q", code, msg)
	}
	geo := filepath.Join(dir, "geo")
	if code, out := runCLI(t, "geometry", "--steps", "100", "--out", geo, "-q"); code != 0 {
		t.Fatalf("geometry: %s", out)
	}
	for _, f := range []string{"geometry.json", "geometry.csv", "report.html", "config.yaml"} {
		if _, err := os.Stat(filepath.Join(geo, f)); err != nil {
			t.Errorf("geometry: %v", err)
		}
	}
}

// Reclassifying a trained diagram retrains nothing and writes a new directory.
func TestPhaseReclassify(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	if code, out := runCLI(t, "phase-diagram", "--grid", "3", "--instances", "2", "--steps", "100", "--out", src, "-q"); code != 0 {
		t.Fatalf("phase-diagram: %s", out)
	}
	dst := filepath.Join(dir, "best")
	if code, out := runCLI(t, "phase-diagram", "reclassify", src, "--aggregate", "best", "--out", dst); code != 0 {
		t.Fatalf("reclassify: %s", out)
	}
	b, _ := os.ReadFile(filepath.Join(dst, "config.yaml"))
	if !bytes.Contains(b, []byte("aggregate: best")) {
		t.Errorf("config.yaml of the reclassified diagram:\n%s", b)
	}
	if code, _ := runCLI(t, "phase-diagram", "reclassify", src); code != 2 {
		t.Errorf("reclassify without --out: exit %d, want 2", code)
	}
}
