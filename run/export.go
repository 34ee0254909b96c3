package run

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"saelab/sae"
	"saelab/store"
)

// ExportFormats lists the formats ExportSAEs writes.
var ExportFormats = []string{"saelens"}

// ExportSAEs writes every finished SAE run of the run directory dir in SAELens's layout, one
// directory per run and instance: out/<run>/inst_00, inst_01, … (cfg.json and
// sae_weights.safetensors, loadable by SAELens). out must not exist or be empty. The run
// directory is claimed for reading (no training may be writing it). Each cfg.json's metadata
// names the run (saelab_run) and the instance. It returns the directories written.
func ExportSAEs(dir, format, out string, obs Observer) ([]string, error) {
	if format != "saelens" {
		return nil, fmt.Errorf("--format %q: must be one of %v", format, ExportFormats)
	}
	if obs == nil {
		obs = nop{}
	}
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("run directory %s: %w", dir, errors.Unwrap(err))
	}
	lock, err := store.ClaimDir(dir, false)
	if err != nil {
		return nil, fmt.Errorf("run directory %s: %w; wait for it to finish", dir, err)
	}
	defer lock.Release()
	sum, err := store.ReadSummary(filepath.Join(dir, store.SummaryFile))
	if err != nil {
		return nil, err
	}
	var runs []string
	for _, r := range sum.Runs {
		if r.Kind == store.KindSAE && r.Finished() {
			runs = append(runs, r.Name)
		}
	}
	if len(runs) == 0 {
		return nil, fmt.Errorf("run directory %s has no finished SAE run to export", dir)
	}
	if err := emptyOrAbsent(out); err != nil {
		return nil, err
	}
	model, _, err := store.LoadModel(dir)
	if err != nil {
		return nil, err
	}
	var written []string
	for _, name := range runs {
		s, _, err := store.LoadSAE(store.FindSAEFile(dir, name), model)
		if err != nil {
			return written, err
		}
		for i := 0; i < s.Cfg.NInst; i++ {
			path := filepath.Join(out, name, fmt.Sprintf("inst_%02d", i))
			if err := exportInstance(s, i, name, path); err != nil {
				return written, err
			}
			written = append(written, path)
			obs.Observe(FileWritten{Path: path})
		}
	}
	return written, nil
}

// exportInstance writes instance i of run's SAE to path.
func exportInstance(s *sae.SAE, i int, run, path string) error {
	cfg, err := s.SAELensConfig(i)
	if err != nil {
		return err
	}
	cfg["metadata"].(map[string]any)["saelab_run"] = run
	ts, err := s.SAELensTensors(i)
	if err != nil {
		return err
	}
	out := make([]store.SAELensTensor, len(ts))
	for k, t := range ts {
		out[k] = store.SAELensTensor(t)
	}
	return store.WriteSAELens(path, cfg, out)
}

// emptyOrAbsent checks that an output directory does not exist or is empty.
func emptyOrAbsent(out string) error {
	if out == "" {
		return errors.New("--out: an output directory is required")
	}
	entries, err := os.ReadDir(out)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("--out %s: %w", out, errors.Unwrap(err))
	case len(entries) > 0:
		return fmt.Errorf("--out %s: the directory is not empty; choose another", out)
	}
	return nil
}
