package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"saelab/report"
	"saelab/store"
)

// newReportCmd re-renders a run directory's report.
func newReportCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "report DIR",
		Short: "Re-render DIR/report.html from a run directory, without retraining",
		Long: `report rebuilds report.html from the files of a run directory: summary.json, config.yaml,
model.safetensors, metrics.jsonl, and each SAE run's data-log and SAE files. Nothing is
retrained; the hidden-state and shrinkage scatters draw fresh samples from the run's seed, so
the same directory always gives the same figures.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := os.Stat(args[0]); err != nil {
				return fmt.Errorf("run directory %s: %w", args[0], errors.Unwrap(err))
			}
			lock, err := store.ClaimDir(args[0], false)
			if err != nil {
				return fmt.Errorf("run directory %s: %w; wait for it to finish", args[0], err)
			}
			defer lock.Release()
			path, err := report.WriteRunDir(args[0], nil)
			if err != nil {
				return err
			}
			if abs, err := filepath.Abs(path); err == nil {
				path = abs
			}
			fmt.Fprintf(cmd.OutOrStdout(), "report: %s\n", path)
			return nil
		},
	}
}

// errorf is fmt.Errorf for command-line messages.
func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }
