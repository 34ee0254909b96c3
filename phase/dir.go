package phase

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"go.yaml.in/yaml/v3"

	"saelab/internal/version"
	"saelab/store"
)

// A phase diagram's run directory holds config.yaml, phase_diagram.json, phase_diagram.csv
// and report.html. A sharded run writes only its own part under shards/<i>/ (the sweep
// engine's layout, so a Slurm array or an Indexed Job can run the shards), and MergeDir
// gathers the parts into the directory once every shard is done.

// ShardsDir is the subdirectory of a sharded phase diagram's parts.
const ShardsDir = "shards"

// DirOptions say where a run writes and which shard it runs.
type DirOptions struct {
	// Out is the run directory; "" means runs/<YYYYMMDD-HHMMSS>-phase-diagram.
	Out string
	// Shard, Shards select part Shard of Shards (Shards 0: the whole grid).
	Shard, Shards int
	Observer      Observer
}

// RunDir trains the grid (or one shard of it) into a run directory and returns the directory
// and the report's path ("" for a shard, whose report is drawn by MergeDir).
func RunDir(ctx context.Context, c Config, o DirOptions) (dir, reportPath string, err error) {
	if err := c.Validate(); err != nil {
		return "", "", err
	}
	sh := Shard{0, c.Cells()}
	if o.Shards > 0 {
		if o.Shard < 0 || o.Shard >= o.Shards || o.Shards > c.Cells() {
			return "", "", fmt.Errorf("shard %d/%d: want 0 ≤ shard < shards ≤ %d cells", o.Shard, o.Shards, c.Cells())
		}
		sh = c.Shards(o.Shards)[o.Shard]
	}
	dir = o.Out
	if dir == "" {
		if dir, err = store.NewRunDir(".", "phase-diagram", time.Now()); err != nil {
			return "", "", err
		}
	}
	part := dir
	if o.Shards > 0 {
		part = filepath.Join(dir, ShardsDir, fmt.Sprint(o.Shard))
	}
	lock, err := store.ClaimDir(part, true)
	if err != nil {
		return "", "", fmt.Errorf("%s: %w", part, err)
	}
	defer lock.Release()
	cy, err := yaml.Marshal(c)
	if err != nil {
		return "", "", err
	}
	if err := store.WriteFileAtomic(filepath.Join(part, store.ConfigFile), cy, 0o644); err != nil {
		return "", "", err
	}
	r, err := RunShard(ctx, c, sh, o.Observer)
	if err != nil {
		return dir, "", err
	}
	if err := r.WriteFiles(part); err != nil {
		return dir, "", err
	}
	if o.Shards > 0 {
		return dir, "", nil
	}
	reportPath = filepath.Join(dir, store.ReportFile)
	return dir, reportPath, r.WriteReport(reportPath, PageOptions{Title: "saelab: " + filepath.Base(dir), Version: version.Version, ConfigYAML: string(cy)})
}

// MergeDir gathers the parts under dir/shards/ into dir's phase_diagram.json and .csv, and draws
// the report. It refuses parts of different configs and a grid with cells missing.
func MergeDir(dir string) (reportPath string, err error) {
	parts, err := filepath.Glob(filepath.Join(dir, ShardsDir, "*", JSONFile))
	if err != nil || len(parts) == 0 {
		return "", fmt.Errorf("%s: no %s under %s/*/; run the shards first", dir, JSONFile, ShardsDir)
	}
	var rs []*Result
	for _, p := range parts {
		data, err := os.ReadFile(p)
		if err != nil {
			return "", err
		}
		r, err := ReadJSON(data)
		if err != nil {
			return "", fmt.Errorf("%s: %w", p, err)
		}
		rs = append(rs, r)
	}
	r, err := Merge(rs...)
	if err != nil {
		return "", err
	}
	if !r.Complete() {
		return "", fmt.Errorf("%s: the shards hold %d of the grid's %d cells; run the missing shards, then merge again", dir, len(r.Cells), r.Config.Cells())
	}
	lock, err := store.ClaimDir(dir, false)
	if err != nil {
		return "", fmt.Errorf("%s: %w", dir, err)
	}
	defer lock.Release()
	if err := r.WriteFiles(dir); err != nil {
		return "", err
	}
	reportPath = filepath.Join(dir, store.ReportFile)
	return reportPath, r.WriteReport(reportPath, PageOptions{Title: "saelab: " + filepath.Base(dir), Version: version.Version})
}

// ReclassifyDir aggregates and classifies the trained models of the phase diagram in src again,
// with another aggregation mode or thresholds, and writes the result into a new run directory
// out (config.yaml, phase_diagram.json and .csv, report.html): no model is retrained.
func ReclassifyDir(src, out, mode string, tauN, tauS float64) (reportPath string, err error) {
	data, err := os.ReadFile(filepath.Join(src, JSONFile))
	if err != nil {
		return "", fmt.Errorf("%s: %w", src, err)
	}
	r, err := ReadJSON(data)
	if err != nil {
		return "", fmt.Errorf("%s: %w", filepath.Join(src, JSONFile), err)
	}
	if !r.Complete() {
		return "", fmt.Errorf("%s holds %d of the grid's %d cells; merge its shards first", src, len(r.Cells), r.Config.Cells())
	}
	if r, err = r.Reaggregate(mode, tauN, tauS); err != nil {
		return "", err
	}
	lock, err := store.ClaimDir(out, true)
	if err != nil {
		return "", fmt.Errorf("%s: %w", out, err)
	}
	defer lock.Release()
	cy, err := yaml.Marshal(r.Config)
	if err != nil {
		return "", err
	}
	if err := store.WriteFileAtomic(filepath.Join(out, store.ConfigFile), cy, 0o644); err != nil {
		return "", err
	}
	if err := r.WriteFiles(out); err != nil {
		return "", err
	}
	reportPath = filepath.Join(out, store.ReportFile)
	return reportPath, r.WriteReport(reportPath, PageOptions{Title: "saelab: " + filepath.Base(out), Version: version.Version, ConfigYAML: string(cy)})
}
