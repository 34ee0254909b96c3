package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"saelab/store"
)

// badInput is one hostile input: a command line (with {out}, {dir} and {file:NAME} replaced),
// the exit code it must give, and what its message must say.
type badInput struct {
	args []string
	code int
	want []string // every one of these appears in the message
	// setup prepares the case's files in dir before the command runs.
	setup func(t *testing.T, dir string)
}

// TestBadInputs runs every hostile input through the command line: each exits with the right
// code and a message naming the field, the value and what is allowed, no Go type names, and
// leaves no run directory and no temporary file behind.
func TestBadInputs(t *testing.T) {
	model := tinyModelDir(t)
	for k, c := range badInputs(model) {
		dir := t.TempDir()
		if c.setup != nil {
			c.setup(t, dir)
		}
		before := listTree(t, dir)
		args := make([]string, len(c.args))
		for i, a := range c.args {
			a = strings.ReplaceAll(a, "{out}", filepath.Join(dir, "out"))
			a = strings.ReplaceAll(a, "{dir}", dir)
			args[i] = a
		}
		code, msg := runCLI(t, args...)
		name := strings.Join(c.args, " ")
		if code != c.code {
			t.Errorf("case %d (%s): exit %d, want %d; message %q", k, name, code, c.code, msg)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(msg, w) {
				t.Errorf("case %d (%s): message %q lacks %q", k, name, msg, w)
			}
		}
		for _, bad := range []string{"goroutine ", "panic", "main.", "config.Config", "sae.Config", "toymodel.", "store.", "cannot unmarshal", "!!"} {
			if strings.Contains(msg, bad) {
				t.Errorf("case %d (%s): message %q names Go internals (%q)", k, name, msg, bad)
			}
		}
		if after := listTree(t, dir); after != before {
			t.Errorf("case %d (%s): files left behind:\n%s\nwere:\n%s", k, name, after, before)
		}
	}
}

// listTree lists every file and directory under dir, one per line.
func listTree(t *testing.T, dir string) string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && p != dir {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	return strings.Join(out, "\n")
}

// tinyModelDir trains a small toy model once for the cases that need one.
func tinyModelDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "model")
	if code, out := runCLI(t, "train-model", "--n-inst", "2", "--steps", "50", "--out", dir, "--quiet"); code != 0 {
		t.Fatalf("train-model: %s", out)
	}
	return dir
}

// writeFile is a setup that writes one file of the case's directory.
func writeFile(name, content string) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// writeTensors is a setup that writes a safetensors file of the case's directory.
func writeTensors(name string, ts []store.Tensor, md map[string]string) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		t.Helper()
		if err := store.WriteSafetensors(filepath.Join(dir, name), ts, md); err != nil {
			t.Fatal(err)
		}
	}
}
