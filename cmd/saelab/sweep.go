package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"saelab/console"
	"saelab/store"
	"saelab/sweep"
)

// newSweepCmd groups the sweep commands.
func newSweepCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "sweep", Short: "Run many configs as one resumable, shardable sweep with one table and one report",
		Long: `A sweep file is a base config (the --config format) plus grid and zip keys (config paths such as
sae.sparsity_coeff, each a list, {logspace: [a, b, n]} or {linspace: [a, b, n]}) and seeds
(a list or {range: [start, stop]}). Each resolved config plus seed is a cell; its results go
to an SQLite database, DIR/sweep.db. See examples/sweeps/ and docs/sweeps.md.`}
	cmd.AddCommand(newSweepRunCmd(), newSweepStatusCmd(), newSweepMergeCmd(), newSweepReportCmd(),
		newSweepExportCmd(), newSweepManifestCmd())
	return cmd
}

// newSweepRunCmd runs (or resumes) a sweep, or one shard of it.
func newSweepRunCmd() *cobra.Command {
	var o sweep.Options
	var shard string
	var shards int
	var quiet bool
	cmd := &cobra.Command{Use: "run FILE --out DIR", Short: "Run the cells of a sweep file that are not done yet (resumable)", Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := sweep.Load(args[0])
			if err != nil {
				return err
			}
			switch {
			case shard == "auto":
				o.Shard, err = sweep.ShardFromEnv(shards, os.Getenv)
			case shard != "":
				o.Shard, err = sweep.ParseShard(shard)
			}
			if err != nil {
				return usageError{err}
			}
			o.Observer = console.NewSweep(cmd.ErrOrStderr(), stderrIsTerminal(cmd), quiet)
			res, err := sweep.Run(cmd.Context(), f, o)
			if res != nil && err == nil {
				fmt.Fprintf(cmd.OutOrStdout(), "sweep: %s\n", absPath(res.Dir))
			}
			return err
		}}
	cmd.Flags().StringVar(&o.Out, "out", "", "sweep directory (created if needed; run again to continue)")
	cmd.Flags().IntVar(&o.Jobs, "jobs", 0, "cells run in parallel (default: the number of cores)")
	cmd.Flags().StringVar(&shard, "shard", "", "run one shard: I/N, or auto (from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX)")
	cmd.Flags().IntVar(&shards, "shards", 0, "with --shard auto: the number of shards (default SLURM_ARRAY_TASK_COUNT)")
	cmd.Flags().BoolVar(&o.KeepLogs, "keep-logs", false, "also write each SAE run's data log and each cell's report.html")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "no progress bar")
	cmd.MarkFlagRequired("out")
	return cmd
}

// newSweepStatusCmd prints a sweep's progress.
func newSweepStatusCmd() *cobra.Command {
	return &cobra.Command{Use: "status DIR", Short: "Cells done, running, failed and left, with each failure's message (works while a sweep runs)",
		Args: exactArgs(1), RunE: func(cmd *cobra.Command, args []string) error {
			st, err := sweep.ReadStatus(args[0])
			if err == nil {
				st.Write(cmd.OutOrStdout())
			}
			return err
		}}
}

// newSweepMergeCmd gathers the shards' results.
func newSweepMergeCmd() *cobra.Command {
	return &cobra.Command{Use: "merge DIR", Short: "Gather the shards' results (DIR/shards/*/sweep.db) into DIR/sweep.db", Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := sweep.Merge(args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "merged %d of %d shards (%d cells copied); %d of %d cells done\n", len(m.Merged), m.Shards, m.Cells, m.Done, m.Total)
			if len(m.Missing) > 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "shards not started yet: %v\n", m.Missing)
			}
			return nil
		}}
}

// newSweepReportCmd writes DIR/report.html.
func newSweepReportCmd() *cobra.Command {
	return &cobra.Command{Use: "report DIR", Short: "Write the sweep's HTML report, DIR/report.html", Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := sweep.WriteReport(args[0])
			if err == nil {
				fmt.Fprintf(cmd.OutOrStdout(), "report: %s\n", absPath(path))
			}
			return err
		}}
}

// newSweepExportCmd writes the results table.
func newSweepExportCmd() *cobra.Command {
	var format, output string
	cmd := &cobra.Command{Use: "export DIR", Short: "One row per cell and SAE run: the keys, status, wall time and instance means", Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := sweep.ReadResults(args[0])
			if err != nil {
				return err
			}
			if output == "" {
				return res.Export(cmd.OutOrStdout(), format)
			}
			return store.WriteAtomic(output, func(w io.Writer) error { return res.Export(w, format) })
		}}
	cmd.Flags().StringVar(&format, "format", sweep.FormatCSV, "csv or jsonl")
	cmd.Flags().StringVarP(&output, "output", "o", "", "write to this file (default: standard output)")
	return cmd
}

// newSweepManifestCmd writes what a cluster needs to run a sweep.
func newSweepManifestCmd() *cobra.Command {
	var o sweep.ManifestOptions
	cmd := &cobra.Command{Use: "manifest FILE --kind slurm|kubernetes --shards N", Short: "Write a Slurm sbatch script or a Kubernetes ConfigMap and Indexed Job for a sweep",
		Args: exactArgs(1), RunE: func(cmd *cobra.Command, args []string) error {
			f, err := sweep.Load(args[0])
			if err != nil {
				return err
			}
			o.SweepFile = args[0]
			if o.Binary == "" {
				o.Binary, _ = os.Executable()
			}
			return sweep.WriteManifest(cmd.OutOrStdout(), f, o)
		}}
	fl := cmd.Flags()
	fl.StringVar(&o.Kind, "kind", "", "slurm or kubernetes")
	fl.IntVar(&o.Shards, "shards", 0, "number of shards (array tasks, Job completions)")
	fl.IntVar(&o.Parallel, "parallel", 0, "shards running at once (default: all)")
	fl.IntVar(&o.CPUs, "cpus", 1, "CPUs per shard (and cells run in parallel in it)")
	fl.StringVar(&o.Out, "out", "", "sweep directory: Slurm: on the shared filesystem; Kubernetes: inside the volume (default: the sweep's name)")
	fl.StringVar(&o.Image, "image", "", "Kubernetes: container image (default saelab:<version>)")
	fl.StringVar(&o.PVC, "pvc", "saelab-sweeps", "Kubernetes: PersistentVolumeClaim holding the sweep directory")
	fl.StringVar(&o.Memory, "memory", "1Gi", "Kubernetes: memory per pod")
	fl.IntVar(&o.BackoffLimitPerIndex, "retries", 2, "Kubernetes: retries per shard (backoffLimitPerIndex)")
	fl.StringVar(&o.Binary, "binary", "", "Slurm: saelab on the nodes (default: this executable)")
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
