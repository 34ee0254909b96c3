package sweep

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// LockFile is the lock of a sweep or shard directory: held (flock) by the process running its
// cells, and released by the kernel when that process ends, however it ends, so that a sweep
// killed with SIGKILL can be rerun at once.
const LockFile = ".sweep.lock"

// dirLock is a held directory lock.
type dirLock struct{ f *os.File }

// lockDir takes dir's lock, or fails naming the process that holds it.
func lockDir(dir string) (*dirLock, error) {
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, errors.Unwrap(err))
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		owner := make([]byte, 64)
		n, _ := f.ReadAt(owner, 0)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%s is in use by process %s; wait for it, or stop it, then run again", dir, strings.TrimSpace(string(owner[:n])))
		}
		return nil, fmt.Errorf("%s: locking: %w", path, err)
	}
	host, _ := os.Hostname()
	f.Truncate(0)
	f.WriteAt([]byte(strconv.Itoa(os.Getpid())+" on "+host+"\n"), 0)
	return &dirLock{f}, nil
}

// unlock releases the lock.
func (l *dirLock) unlock() {
	if l != nil && l.f != nil {
		l.f.Close()
		l.f = nil
	}
}
