package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"saelab/console"
	"saelab/geometry"
	"saelab/phase"
	"saelab/sweep"
)

// phaseOptions are phase-diagram's flags beyond the config.
type phaseOptions struct {
	out, shard string
	shards     int
	quiet      bool
	config     phase.Config
}

func newPhaseCmd() *cobra.Command {
	o := &phaseOptions{config: phase.DefaultConfig(1)}
	cmd := &cobra.Command{
		Use:   "phase-diagram",
		Short: "Reproduce the superposition phase diagrams of Toy Models of Superposition",
		Long: `phase-diagram trains, for every cell of a grid of relative importance r (0.1 to 10) and feature
density p (0.01 to 1), K small toy models and classifies the extra feature as not represented,
dedicated or in superposition, beside the closed-form theory (docs/phase-diagrams.md).
Experiment 1 is 2 features in 1 dimension, experiment 2 is 3 features in 2 dimensions. It
writes config.yaml, phase_diagram.json, phase_diagram.csv and report.html.

Large grids can run as shards, e.g. on a Slurm array: --shard auto --shards N (or --shard I/N)
writes DIR/shards/I/; then 'saelab phase-diagram merge DIR' draws the whole diagram.`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error { return runPhase(cmd, o) },
	}
	f, c := cmd.Flags(), &o.config
	c.Bind(f)
	f.StringVar(&o.out, "out", "", "run directory to create (default runs/<YYYYMMDD-HHMMSS>-phase-diagram)")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "no progress output")
	f.StringVar(&o.shard, "shard", "", "run one part: auto (Slurm array or Kubernetes Indexed Job) or I/N")
	f.IntVar(&o.shards, "shards", 0, "the number of parts, with --shard auto")
	merge := &cobra.Command{Use: "merge DIR", Short: "Gather the shards of a phase diagram and draw its report", Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := phase.MergeDir(args[0])
			if err == nil {
				fmt.Fprintf(cmd.OutOrStdout(), "report: %s\n", absPath(path))
			}
			return err
		}}
	var re struct {
		out, aggregate string
		tauN, tauS     float64
	}
	reclassify := &cobra.Command{Use: "reclassify DIR --out NEW", Args: exactArgs(1),
		Short: "Aggregate and classify a trained phase diagram again (other --aggregate or thresholds), without retraining",
		RunE: func(cmd *cobra.Command, args []string) error {
			if re.out == "" {
				return usageError{fmt.Errorf("--out is required: the new run directory")}
			}
			path, err := phase.ReclassifyDir(args[0], re.out, re.aggregate, re.tauN, re.tauS)
			if err == nil {
				fmt.Fprintf(cmd.OutOrStdout(), "report: %s\n", absPath(path))
			}
			return err
		}}
	rf := reclassify.Flags()
	rf.StringVar(&re.out, "out", "", "the new run directory")
	rf.StringVar(&re.aggregate, "aggregate", phase.AggBest, "paper, best, zf or all")
	rf.Float64Var(&re.tauN, "tau-n", c.TauN, "not represented below this mean norm")
	rf.Float64Var(&re.tauS, "tau-s", c.TauS, "dedicated below this mean superposition")
	cmd.AddCommand(merge, reclassify)
	return cmd
}

func runPhase(cmd *cobra.Command, o *phaseOptions) error {
	c := o.config
	sh, err := sweep.SelectShard(o.shard, o.shards, os.Getenv)
	if err != nil {
		return usageError{err}
	}
	obs := progressOf(cmd, "phase diagram", o.quiet)
	dir, path, err := phase.RunDir(cmd.Context(), c, phase.DirOptions{Out: o.out, Shard: sh.Index, Shards: sh.Count,
		Observer: func(p phase.Progress) { obs(p.Done, p.Total) }})
	obs(-1, 0)
	if err != nil {
		return err
	}
	if path == "" {
		fmt.Fprintf(cmd.OutOrStdout(), "shard %s written under %s; when every shard is done: saelab phase-diagram merge %s\n", sh, absPath(dir), dir)
		return nil
	}
	fmt.Fprintf(cmd.OutOrStdout(), "report: %s\n", absPath(path))
	return nil
}

func newGeometryCmd() *cobra.Command {
	var out string
	var quiet bool
	setup := geometry.Reference
	c, _ := geometry.DefaultConfig(setup)
	cmd := &cobra.Command{
		Use:   "geometry",
		Short: "Feature geometry: dimensions per feature across feature density, and N-d feature plots",
		Long: `geometry trains toy models across a sweep of feature density and draws the number of hidden
dimensions per embedded feature, m/‖W‖²_F, against 1/p with every feature's dimensionality D
(the plateaus at 1 and 1/2, the clusters at 3/4, 2/3, 1/2, 2/5, 3/8), and the WᵀW heatmaps and
norm bars of chosen instances (docs/phase-diagrams.md). Setups: reference (200 features in 20
dimensions, 20 densities) and uniform (400 features in 30 dimensions, 24 densities; slow).`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := geometry.DefaultConfig(setup)
			if err != nil {
				return err
			}
			cfg.Steps, cfg.BatchSize, cfg.Seed, cfg.Show = c.Steps, c.BatchSize, c.Seed, c.Show
			obs := progressOf(cmd, "geometry", quiet)
			_, path, err := geometry.RunDir(cmd.Context(), cfg, out, func(p geometry.Progress) { obs(int64(p.Step), int64(p.Steps)) })
			obs(-1, 0)
			if err == nil {
				fmt.Fprintf(cmd.OutOrStdout(), "report: %s\n", absPath(path))
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&setup, "setup", setup, "reference or uniform")
	f.IntVar(&c.Steps, "steps", c.Steps, "training steps")
	f.IntVar(&c.BatchSize, "batch-size", c.BatchSize, "batch size")
	f.Uint64Var(&c.Seed, "seed", c.Seed, "random seed")
	f.IntSliceVar(&c.Show, "show", nil, "instances drawn as N-d feature plots (default: a few across the sweep)")
	f.StringVar(&out, "out", "", "run directory to create (default runs/<YYYYMMDD-HHMMSS>-geometry)")
	f.BoolVarP(&quiet, "quiet", "q", false, "no progress output")
	return cmd
}

// progressOf shows one phase's progress on stderr: done of total steps; done < 0 ends it.
func progressOf(cmd *cobra.Command, phaseName string, quiet bool) func(done, total int64) {
	return console.New(cmd.OutOrStdout(), cmd.ErrOrStderr(), stderrIsTerminal(cmd), quiet).Steps(phaseName)
}
