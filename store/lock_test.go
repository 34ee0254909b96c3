package store

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

func TestClaimDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	l, err := ClaimDir(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	if pid, alive := DirOwner(dir); pid != os.Getpid() || !alive {
		t.Errorf("owner %d alive %v, want this process", pid, alive)
	}
	if _, err := ClaimDir(dir, false); !errors.Is(err, ErrInUse) {
		t.Errorf("a second claim: %v, want in use", err)
	}
	l.Release()
	if _, err := os.Stat(filepath.Join(dir, LockFile)); err == nil {
		t.Error("the lock file outlived Release")
	}

	// A lock of a process that is gone is taken over, and stale temporary files go with it.
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("no 'true' command")
	}
	os.WriteFile(filepath.Join(dir, LockFile), []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, ".summary.json.tmp-123456"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(dir, "summary.json"), []byte("{}"), 0o644)
	if _, err := ClaimDir(dir, true); err == nil {
		t.Error("a non-empty directory was claimed as empty")
	}
	l, err = ClaimDir(dir, false)
	if err != nil {
		t.Fatalf("taking over a dead process's lock: %v", err)
	}
	defer l.Release()
	if _, err := os.Stat(filepath.Join(dir, ".summary.json.tmp-123456")); err == nil {
		t.Error("the stale temporary file is still there")
	}
	if _, err := os.Stat(filepath.Join(dir, "summary.json")); err != nil {
		t.Error("a real file was removed")
	}
}
