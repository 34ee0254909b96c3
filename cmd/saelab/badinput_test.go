package main

import (
	"os"
	"path/filepath"
	"slices"
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
	// keep lists the files the case leaves on purpose (a failed run's directory), relative to
	// the case's directory; gone the files it removes (stale temporary files). Nothing else
	// may change.
	keep, gone []string
	// env sets environment variables for the case.
	env map[string]string
	// check makes further assertions on the case's directory afterwards.
	check func(t *testing.T, dir string)
}

// TestBadInputs runs every hostile input through the command line: each exits with the right
// code and a message naming the field, the value and what is allowed, no Go type names, and
// leaves no run directory and no temporary file behind (a run that fails while training keeps
// its directory, which summary.json describes, and nothing non-finite).
func TestBadInputs(t *testing.T) {
	model, demo := tinyModelDir(t), tinyDemo(t)
	cases := append(badInputs(model), moreBadInputs(model, demo)...)
	t.Logf("%d bad inputs", len(cases))
	for k, c := range cases {
		dir := t.TempDir()
		if c.setup != nil {
			c.setup(t, dir)
		}
		for key, v := range c.env {
			t.Setenv(key, v)
		}
		before := expectedTree(t, dir, c.keep, c.gone)
		args := make([]string, len(c.args))
		for i, a := range c.args {
			a = strings.ReplaceAll(a, "{out}", filepath.Join(dir, "out"))
			a = strings.ReplaceAll(a, "{dir}", dir)
			args[i] = a
		}
		code, msg := runCLI(t, args...)
		for key := range c.env {
			os.Unsetenv(key)
		}
		name := strings.Join(c.args, " ")
		if len(name) > 200 {
			name = name[:200] + "…"
		}
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
			t.Errorf("case %d (%s): files left behind:\n%s\nwant:\n%s", k, name, after, before)
		}
		if c.check != nil {
			c.check(t, dir)
		}
	}
}

// expectedTree is the listing the case must leave: dir's now, with keep added and gone removed.
func expectedTree(t *testing.T, dir string, keep, gone []string) string {
	t.Helper()
	now := listTree(t, dir)
	var names []string
	if now != "" {
		names = strings.Split(now, "\n")
	}
	for _, k := range keep {
		for p := k; p != "." && !slices.Contains(names, p); p = filepath.Dir(p) {
			names = append(names, p)
		}
	}
	names = slices.DeleteFunc(names, func(n string) bool { return slices.Contains(gone, n) })
	slices.Sort(names)
	return strings.Join(names, "\n")
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
	slices.Sort(out)
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
