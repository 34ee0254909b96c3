package geometry

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"go.yaml.in/yaml/v3"

	"saelab/internal/version"
	"saelab/store"
)

// RunDir trains the sweep into a run directory (out, or runs/<YYYYMMDD-HHMMSS>-geometry when
// out is ""), writing config.yaml, geometry.json, geometry.csv and report.html, and returns the
// directory and the report's path.
func RunDir(ctx context.Context, c Config, out string, obs Observer) (dir, reportPath string, err error) {
	if err := c.Validate(); err != nil {
		return "", "", err
	}
	dir = out
	if dir == "" {
		if dir, err = store.NewRunDir(".", "geometry", time.Now()); err != nil {
			return "", "", err
		}
	}
	lock, err := store.ClaimDir(dir, true)
	if err != nil {
		return "", "", fmt.Errorf("%s: %w", dir, err)
	}
	defer lock.Release()
	cy, err := yaml.Marshal(c)
	if err != nil {
		return "", "", err
	}
	if err := store.WriteFileAtomic(filepath.Join(dir, store.ConfigFile), cy, 0o644); err != nil {
		return "", "", err
	}
	r, err := Run(ctx, c, obs)
	if err != nil {
		return dir, "", err
	}
	if err := r.WriteFiles(dir); err != nil {
		return dir, "", err
	}
	reportPath = filepath.Join(dir, store.ReportFile)
	return dir, reportPath, r.WriteReport(reportPath, PageOptions{Title: "saelab: " + filepath.Base(dir), Version: version.Version, ConfigYAML: string(cy)})
}
