package store

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// noTempFiles fails if dir holds anything but the named files.
func noTempFiles(t *testing.T, dir string, want ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("directory holds %v, want %v", got, want)
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.txt")
	if err := WriteFileAtomic(p, []byte("one"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(p, []byte("two"), 0o640); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(p)
	if err != nil || string(got) != "two" {
		t.Fatalf("read %q, %v", got, err)
	}
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640", fi.Mode().Perm())
	}
	noTempFiles(t, dir, "a.txt")
}

func TestWriteAtomicErrorKeepsOldFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.txt")
	if err := WriteAtomic(p, func(w io.Writer) error { _, err := io.WriteString(w, "old"); return err }); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := WriteAtomic(p, func(w io.Writer) error {
		io.WriteString(w, "partial new content")
		return boom
	})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), p) {
		t.Fatalf("err = %v, want boom naming %s", err, p)
	}
	got, _ := os.ReadFile(p)
	if string(got) != "old" {
		t.Fatalf("file = %q, want old", got)
	}
	noTempFiles(t, dir, "a.txt")
}

func TestWriteAtomicPanicRemovesTemp(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.txt")
	func() {
		defer func() { recover() }()
		WriteAtomic(p, func(w io.Writer) error { panic("caller bug") })
	}()
	noTempFiles(t, dir)
}

func TestWriteAtomicErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "no", "such", "dir", "f")
	if err := WriteFileAtomic(missing, []byte("x"), 0o644); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing dir: err = %v", err)
	}
	// Renaming a file over a non-empty directory fails; the temp file must go.
	sub := filepath.Join(dir, "sub")
	os.MkdirAll(filepath.Join(sub, "x"), 0o755)
	if err := WriteFileAtomic(sub, []byte("x"), 0o644); err == nil {
		t.Error("rename over a directory: no error")
	}
	if err := WriteAtomic(filepath.Join(dir, "n"), nil); err == nil {
		t.Error("nil write: no error")
	}
	noTempFiles(t, dir, "sub")
}

// TestStageAtomic checks the two-step write: nothing under the path until Commit; Abort
// leaves nothing behind; a second Commit is an error.
func TestStageAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f.bin")
	st, err := StageAtomic(p, func(w io.Writer) error { _, err := w.Write([]byte("new")); return err })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err == nil {
		t.Error("the file is in place before Commit")
	}
	if err := st.Commit(); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(p); err != nil || string(b) != "new" {
		t.Errorf("after Commit: %q, %v", b, err)
	}
	if err := st.Commit(); err == nil {
		t.Error("a second Commit succeeded")
	}
	st, err = StageAtomic(p, func(w io.Writer) error { _, err := w.Write([]byte("other")); return err })
	if err != nil {
		t.Fatal(err)
	}
	st.Abort()
	st.Abort()
	if b, _ := os.ReadFile(p); string(b) != "new" {
		t.Errorf("Abort changed the file: %q", b)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("files left: %v", ents)
	}
	if _, err := StageAtomic(p, func(io.Writer) error { return errors.New("boom") }); err == nil {
		t.Error("a failing write staged a file")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("files left after a failed write: %v", ents)
	}
}
