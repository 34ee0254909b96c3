package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"saelab/console"
	"saelab/sweep"
)

// newSweepCmd groups the sweep commands.
func newSweepCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "sweep", Short: "Run many configs as one resumable, shardable sweep with one table and one report",
		Long: `A sweep file is a base config (the --config format) plus grid and zip keys (config paths such as
sae.sparsity_coeff, each a list, {logspace: [a, b, n]} or {linspace: [a, b, n]}) and seeds
(a list or {range: [start, stop]}). Each resolved config plus seed is a cell; its results go
to an SQLite database, DIR/sweep.db. See examples/sweeps/ and docs/sweeps.md.`}
	status := dirCmd("status DIR", "Cells done, running, failed and left, with each failure's message (works while a sweep runs)",
		func(w io.Writer, dir string) error {
			st, err := sweep.ReadStatus(dir)
			if err == nil {
				st.Write(w)
			}
			return err
		})
	merge := dirCmd("merge DIR", "Gather the shards' results (DIR/shards/*/sweep.db) into DIR/sweep.db", func(w io.Writer, dir string) error {
		m, err := sweep.Merge(dir)
		if err == nil {
			fmt.Fprintf(w, "merged %d of %d shards (%d cells copied); %d of %d cells done\n", len(m.Merged), m.Shards, m.Cells, m.Done, m.Total)
			if len(m.Missing) > 0 {
				fmt.Fprintf(w, "shards without results yet: %v\n", m.Missing)
			}
		}
		return err
	})
	report := dirCmd("report DIR", "Write the sweep's HTML report, DIR/report.html", func(w io.Writer, dir string) error {
		path, err := sweep.WriteReport(dir)
		if err == nil {
			fmt.Fprintf(w, "report: %s\n", absPath(path))
		}
		return err
	})
	var format string
	export := dirCmd("export DIR", "One row per cell and SAE run: the keys, status, wall time and instance means", func(w io.Writer, dir string) error {
		res, err := sweep.ReadResults(dir)
		if err != nil {
			return err
		}
		return res.Export(w, format)
	})
	export.Flags().StringVar(&format, "format", sweep.FormatCSV, "csv or jsonl")
	cmd.AddCommand(newSweepRunCmd(), status, merge, report, export, newSweepManifestCmd())
	return cmd
}

// dirCmd is a sweep command on a sweep directory.
func dirCmd(use, short string, run func(w io.Writer, dir string) error) *cobra.Command {
	return &cobra.Command{Use: use, Short: short, Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return run(cmd.OutOrStdout(), args[0]) }}
}

// newSweepRunCmd runs (or resumes) a sweep, or one shard of it.
func newSweepRunCmd() *cobra.Command {
	var o sweep.Options
	var shard string
	var shards int
	var quiet bool
	cmd := &cobra.Command{Use: "run FILE --out DIR", Short: "Run the cells of a sweep file that are not done yet (resumable)", Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if o.Shard, err = sweep.SelectShard(shard, shards, os.Getenv); err != nil {
				return usageError{err}
			}
			f, err := sweep.Load(args[0])
			if err != nil {
				return err
			}
			o.Observer = console.NewSweep(cmd.ErrOrStderr(), stderrIsTerminal(cmd), quiet)
			res, err := sweep.Run(cmd.Context(), f, o)
			if err == nil {
				fmt.Fprintf(cmd.OutOrStdout(), "sweep: %s\n", absPath(res.Dir))
			}
			return err
		}}
	fl := cmd.Flags()
	fl.StringVar(&o.Out, "out", "", "sweep directory (created if needed; run again to continue)")
	fl.IntVar(&o.Jobs, "jobs", 0, "cells run in parallel (default: the number of cores)")
	fl.StringVar(&shard, "shard", "", "run one shard: I/N, or auto (from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX)")
	fl.IntVar(&shards, "shards", 0, "with --shard auto: the number of shards (default SLURM_ARRAY_TASK_COUNT)")
	fl.BoolVar(&o.KeepLogs, "keep-logs", false, "also write each SAE run's data log and each cell's report.html")
	fl.BoolVarP(&quiet, "quiet", "q", false, "no progress bar")
	cmd.MarkFlagRequired("out")
	return cmd
}

// newSweepManifestCmd writes what a cluster needs to run a sweep.
func newSweepManifestCmd() *cobra.Command {
	var o sweep.ManifestOptions
	cmd := &cobra.Command{Use: "manifest FILE --kind slurm|kubernetes --shards N", Args: exactArgs(1),
		Short: "Write a Slurm sbatch script, or a Kubernetes ConfigMap and Indexed Job, that runs a sweep in N shards",
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := sweep.Load(args[0])
			if err != nil {
				return err
			}
			if o.SweepFile = args[0]; o.Binary == "" {
				o.Binary, _ = os.Executable()
			}
			return sweep.WriteManifest(cmd.OutOrStdout(), f, o)
		}}
	o.Bind(cmd.Flags())
	cmd.MarkFlagRequired("kind")
	cmd.MarkFlagRequired("shards")
	return cmd
}

// absPath is path made absolute (as given if that fails).
func absPath(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}
