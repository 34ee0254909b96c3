package store

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
)

// WriteFileAtomic writes data to path so that a reader sees either the old file or the complete
// new one, never a partial write: it writes a temporary file in the same directory, fsyncs and
// closes it, sets its mode to perm (as given, not masked by the umask), renames it over path and
// fsyncs the directory. On any error the temporary file is removed and path is left untouched.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	return writeAtomic(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	}, 0)
}

// WriteAtomic is WriteFileAtomic with the content produced by write, which gets a buffered
// writer onto the temporary file. The file gets mode 0644. If write returns an error, nothing is
// renamed, the temporary file is removed and the error is returned wrapped with the path.
func WriteAtomic(path string, write func(io.Writer) error) error {
	return writeAtomic(path, 0o644, write, atomicBufSize)
}

// atomicBufSize is WriteAtomic's buffer: large enough that a big file takes few system calls.
const atomicBufSize = 256 << 10

// writeAtomic writes through a buffer of bufSize bytes, or straight to the file if 0.
func writeAtomic(path string, perm os.FileMode, write func(io.Writer) error, bufSize int) error {
	st, err := stageAtomic(path, perm, write, bufSize)
	if err != nil {
		return err
	}
	return st.Commit()
}

// Staged is a file written by StageAtomic but not yet in place: Commit makes it durable and
// renames it over its path; Abort removes it. Exactly one of them must be called.
type Staged struct {
	path, dir string
	perm      os.FileMode
	f         *os.File
	done      bool
}

// StageAtomic is WriteAtomic in two steps: it writes the content to the temporary file and
// returns; Staged.Commit then does the rest (mode, fsync, rename, fsync of the directory), e.g.
// in another goroutine, so the caller can go on while the disk catches up. Until then the
// file is not there under path.
func StageAtomic(path string, write func(io.Writer) error) (*Staged, error) {
	return stageAtomic(path, 0o644, write, atomicBufSize)
}

// stageAtomic writes a temporary file next to path; Commit renames it into place.
func stageAtomic(path string, perm os.FileMode, write func(io.Writer) error, bufSize int) (_ *Staged, err error) {
	if write == nil {
		return nil, fmt.Errorf("write %s: nil write function", path)
	}
	dir, base := filepath.Split(path)
	if base == "" {
		return nil, fmt.Errorf("write %s: path names a directory", path)
	}
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("write %s: create temporary file: %w", path, err)
	}
	st := &Staged{path: path, dir: dir, perm: perm, f: f}
	written := false
	defer func() {
		// Also runs if write panics: never leave a temporary file behind.
		if !written {
			st.Abort()
		}
	}()
	if bufSize > 0 {
		bw := bufio.NewWriterSize(f, bufSize)
		if err := write(bw); err != nil {
			return nil, fmt.Errorf("write %s: %w", path, err)
		}
		if err := bw.Flush(); err != nil {
			return nil, fmt.Errorf("write %s: %w", path, err)
		}
	} else if err := write(f); err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	written = true
	return st, nil
}

// Commit sets the file's mode, fsyncs and closes it, renames it over its path and fsyncs the
// directory. On an error before the rename the temporary file is removed.
func (st *Staged) Commit() error {
	if st.done {
		return fmt.Errorf("write %s: already committed or aborted", st.path)
	}
	st.done = true
	f, path := st.f, st.path
	fail := func(format string, args ...any) error {
		f.Close()
		os.Remove(f.Name())
		return fmt.Errorf("write %s: "+format, append([]any{path}, args...)...)
	}
	if err := f.Chmod(st.perm); err != nil {
		return fail("set mode %v: %w", st.perm, err)
	}
	if err := f.Sync(); err != nil {
		return fail("fsync: %w", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write %s: close: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write %s: rename temporary file: %w", path, err)
	}
	if err := syncDir(st.dir); err != nil {
		return fmt.Errorf("write %s: fsync directory %s: %w", path, st.dir, err)
	}
	return nil
}

// Abort removes the temporary file (a no-op after Commit).
func (st *Staged) Abort() {
	if st.done {
		return
	}
	st.done = true
	st.f.Close()
	os.Remove(st.f.Name())
}

// syncDir fsyncs a directory so that a rename in it is durable. Filesystems that cannot fsync a
// directory (EINVAL) and Windows are tolerated: the rename has happened either way.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOTSUP) {
		return err
	}
	return nil
}
