package main

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"
)

func init() {
	rootCmd.AddCommand(&cobra.Command{
		Use:   "report DIR",
		Short: "Re-render DIR/report.html from a run directory, without retraining",
		Long: `report rebuilds report.html from the files of a run directory: summary.json (required),
config.yaml, model.safetensors, metrics.jsonl, and each SAE run's datalog-<run> and
sae-<run> files. Nothing is retrained; the hidden-state and shrinkage scatters draw fresh
samples from the run's seed, so the same directory always gives the same figures.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := WriteReport(args[0])
			if err != nil {
				return err
			}
			if abs, err := filepath.Abs(path); err == nil {
				path = abs
			}
			fmt.Fprintf(cmd.OutOrStdout(), "report: %s\n", path)
			return nil
		},
	})
}
