package run

import (
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"saelab/config"
	"saelab/internal/version"
	"saelab/report"
	"saelab/store"
)

// Dir is a run directory being written, owned by this process until Close.
type Dir struct {
	Path    string
	Summary store.Summary
	Metrics []map[string]any

	obs     Observer
	lock    *store.Lock
	resumed bool                       // continuing a directory (OpenDir): finished runs are kept
	mu      sync.Mutex                 // guards parts
	parts   map[string]*report.RunPart // the report's part of each SAE run written here
}

// CreateDir makes and claims the run directory: out if given (it must not exist or be empty),
// else runs/<YYYYMMDD-HHMMSS>-<name> under the current directory.
func CreateDir(out, name string, seed uint64, obs Observer) (*Dir, error) {
	d := &Dir{Summary: store.Summary{Version: version.Version, Seed: seed, Runs: []store.RunSummary{}}, obs: obs, Path: out}
	if out == "" {
		p, err := store.NewRunDir(".", name, time.Now())
		if err != nil {
			return nil, err
		}
		d.Path = p
	}
	lock, err := store.ClaimDir(d.Path, true)
	if err != nil {
		return nil, fmt.Errorf("--out %s: %w; choose another directory", d.Path, err)
	}
	d.lock = lock
	obs.Observe(DirCreated{Path: d.Path})
	return d, nil
}

// Close releases the directory.
func (d *Dir) Close() { d.lock.Release() }

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
