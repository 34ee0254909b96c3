package run

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"saelab/config"
	"saelab/internal/version"
	"saelab/report"
	"saelab/store"
)

// LockFile marks a run directory as owned by a running process; it holds the process id.
const LockFile = ".saelab.lock"

// Dir is a run directory being written, owned by this process until Close.
type Dir struct {
	Path    string
	Summary store.Summary
	Metrics []map[string]any

	obs   Observer
	lock  string
	mu    sync.Mutex                 // guards parts
	parts map[string]*report.RunPart // the report's part of each SAE run written here
}

// CreateDir makes and claims the run directory: out if given (it must not exist or be empty),
// else runs/<YYYYMMDD-HHMMSS>-<name> under the current directory.
func CreateDir(out, name string, seed uint64, obs Observer) (*Dir, error) {
	d := &Dir{Summary: store.Summary{Version: version.Version, Seed: seed, Runs: []store.RunSummary{}}, obs: obs}
	if out == "" {
		p, err := store.NewRunDir(".", name, time.Now())
		if err != nil {
			return nil, err
		}
		d.Path = p
	} else {
		if err := os.MkdirAll(out, 0o755); err != nil {
			return nil, fmt.Errorf("--out %s: %w", out, errors.Unwrap(err))
		}
		d.Path = out
	}
	if err := d.claim(out != ""); err != nil {
		return nil, err
	}
	obs.Observe(DirCreated{Path: d.Path})
	return d, nil
}

// claim takes the directory's lock file (create-exclusive), then checks that nothing else is
// in it: of two processes given the same new directory, exactly one gets it.
func (d *Dir) claim(userChosen bool) error {
	d.lock = filepath.Join(d.Path, LockFile)
	f, err := os.OpenFile(d.lock, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		owner, _ := os.ReadFile(d.lock)
		d.lock = ""
		return fmt.Errorf("--out %s: the directory is in use by process %s; choose another directory", d.Path, strings.TrimSpace(string(owner)))
	}
	if err != nil {
		d.lock = ""
		return fmt.Errorf("--out %s: %w", d.Path, errors.Unwrap(err))
	}
	_, werr := f.WriteString(strconv.Itoa(os.Getpid()) + "\n")
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	entries, err := os.ReadDir(d.Path)
	if werr == nil {
		werr = err
	}
	if werr == nil && userChosen && len(entries) > 1 {
		werr = fmt.Errorf("--out %s: the directory exists and is not empty; choose a new directory or remove it", d.Path)
	}
	if werr != nil {
		d.Close()
		return werr
	}
	return nil
}

// Close releases the directory's lock.
func (d *Dir) Close() {
	if d.lock != "" {
		os.Remove(d.lock)
		d.lock = ""
	}
}

// File returns the path of a file in the run directory.
func (d *Dir) File(name string) string { return filepath.Join(d.Path, name) }

// written reports a written file to the observer.
func (d *Dir) written(path string) { d.obs.Observe(FileWritten{Path: path}) }

// WriteConfig writes config.yaml with the given sections of the resolved config.
func (d *Dir) WriteConfig(c config.Config, sections ...string) error {
	data, err := config.Marshal(c, sections...)
	if err != nil {
		return fmt.Errorf("config.yaml: %w", err)
	}
	if err := store.WriteFileAtomic(d.File(store.ConfigFile), data, 0o644); err != nil {
		return err
	}
	d.written(d.File(store.ConfigFile))
	return nil
}

// AddRun appends a finished run to summary.json and its rows to metrics.jsonl, rewriting both.
func (d *Dir) AddRun(rs store.RunSummary, rows []map[string]any) error {
	d.Summary.Runs = append(d.Summary.Runs, rs)
	d.Metrics = append(d.Metrics, rows...)
	if err := store.WriteMetricsJSONL(d.File(store.MetricsFile), d.Metrics); err != nil {
		return err
	}
	if err := store.WriteSummary(d.File(store.SummaryFile), d.Summary); err != nil {
		return err
	}
	d.written(d.File(store.SummaryFile))
	return nil
}

// WriteReport renders report.html from the directory, reusing the report's parts of the SAE
// runs written here.
func (d *Dir) WriteReport() (string, error) {
	d.mu.Lock()
	parts := d.parts
	d.mu.Unlock()
	path, err := report.WriteRunDir(d.Path, parts)
	if err != nil {
		return "", err
	}
	d.written(path)
	return path, nil
}

// keepPart stores the report's part of a run written here.
func (d *Dir) keepPart(name string, p *report.RunPart) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.parts == nil {
		d.parts = map[string]*report.RunPart{}
	}
	d.parts[name] = p
}
