package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
)

// LockFile marks a run directory as owned by a running process; it holds the process id. A
// directory has one owner: the process that created LockFile exclusively, until it removes it.
const LockFile = ".saelab.lock"

// Lock is a claimed run directory.
type Lock struct{ path string }

// ErrInUse is returned (wrapped) by ClaimDir when a live process owns the directory.
var ErrInUse = errors.New("in use")

// ClaimDir makes dir (and its parents) if needed and claims it. A lock left by a process that
// no longer runs (killed with kill -9) is taken over. With empty set, the directory must hold
// nothing else: of two processes given the same new directory, exactly one gets it. Stale
// temporary files of interrupted atomic writes are removed once the claim holds.
func ClaimDir(dir string, empty bool) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, cleanPathError(err)
	}
	path := filepath.Join(dir, LockFile)
	for attempt := 0; ; attempt++ {
		err := publishLock(dir, path)
		if err == nil {
			l := &Lock{path: path}
			if err := l.check(dir, empty); err != nil {
				l.Release()
				return nil, err
			}
			return l, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, cleanPathError(err)
		}
		pid, alive := DirOwner(dir)
		if alive || attempt > 2 || !takeOver(path, pid) {
			return nil, fmt.Errorf("%w by process %d", ErrInUse, pid)
		}
	}
}

// publishLock creates LockFile already holding this process's id: a complete temporary file
// is hard-linked to the lock's name, which fails if the name exists. A lock created empty and
// written afterwards would let a second claimer read it half-made, judge it stale and take
// the directory too.
func publishLock(dir, path string) error {
	f, err := os.CreateTemp(dir, LockFile+".new-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	_, err = f.WriteString(strconv.Itoa(os.Getpid()) + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Link(f.Name(), path)
}

// takeOver removes the stale lock of the dead process pid and reports whether the caller may
// try again. Two claimers may find the same stale lock: the lock is first renamed to a name
// of this process, so only one removes it, and a lock that turns out to be another claimer's
// fresh one is put back.
func takeOver(path string, pid int) bool {
	moved := path + ".stale-" + strconv.Itoa(os.Getpid())
	if err := os.Rename(path, moved); err != nil {
		return errors.Is(err, fs.ErrNotExist) // gone already: try again
	}
	defer os.Remove(moved)
	b, _ := os.ReadFile(moved)
	got, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		got = 0
	}
	if got == pid {
		return true
	}
	os.Link(moved, path)
	return false
}

// check runs once the lock is held: the emptiness rule, then the stale temporary files.
// Another claimer's lock files in the making do not make the directory non-empty.
func (l *Lock) check(dir string, empty bool) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return cleanPathError(err)
	}
	if empty {
		for _, e := range entries {
			if !strings.HasPrefix(e.Name(), LockFile) {
				return errors.New("the directory exists and is not empty")
			}
		}
	}
	_, err = RemoveStaleTemps(dir)
	return err
}

// Release gives the directory up.
func (l *Lock) Release() {
	if l != nil && l.path != "" {
		os.Remove(l.path)
		l.path = ""
	}
}

// DirOwner reports the process that holds dir's lock and whether it still runs (pid 0: none).
func DirOwner(dir string) (pid int, alive bool) {
	b, err := os.ReadFile(filepath.Join(dir, LockFile))
	if err != nil {
		return 0, false
	}
	pid, err = strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0, false
	}
	err = syscall.Kill(pid, 0)
	return pid, err == nil || errors.Is(err, syscall.EPERM)
}

// tempName matches the temporary files of WriteAtomic: .<name>.tmp-<random digits>.
var tempName = regexp.MustCompile(`^\..+\.tmp-[0-9]+$`)

// RemoveStaleTemps removes the temporary files that interrupted atomic writes left in dir and
// returns their names. Call it only while owning dir (or when nobody does).
func RemoveStaleTemps(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, cleanPathError(err)
	}
	var removed []string
	for _, e := range entries {
		if e.Type().IsRegular() && tempName.MatchString(e.Name()) {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return removed, cleanPathError(err)
			}
			removed = append(removed, e.Name())
		}
	}
	return removed, nil
}
