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
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			l := &Lock{path: path}
			_, werr := f.WriteString(strconv.Itoa(os.Getpid()) + "\n")
			if cerr := f.Close(); werr == nil {
				werr = cerr
			}
			if werr == nil {
				werr = l.check(dir, empty)
			}
			if werr != nil {
				l.Release()
				return nil, werr
			}
			return l, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, cleanPathError(err)
		}
		pid, alive := DirOwner(dir)
		if alive || attempt > 0 {
			return nil, fmt.Errorf("%w by process %d", ErrInUse, pid)
		}
		os.Remove(path) // the owner died without releasing it
	}
}

// check runs once the lock is held: the emptiness rule, then the stale temporary files.
func (l *Lock) check(dir string, empty bool) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return cleanPathError(err)
	}
	if empty && len(entries) > 1 {
		return errors.New("the directory exists and is not empty")
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
