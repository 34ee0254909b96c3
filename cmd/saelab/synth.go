package main

import (
	"strings"

	"github.com/spf13/cobra"

	"saelab/console"
	"saelab/run"
	"saelab/sae/wide"
)

// synthOptions are the flags of the synth commands: the library's options plus the preset,
// the config file and --quiet.
type synthOptions struct {
	train          run.SynthTrainOptions
	archs          []string
	preset, config string
	statsSamples   int // its own: the train flags' default differs
	quiet          bool
}

// newSynthCmd wires synth generate, stats, train and bench.
func newSynthCmd() *cobra.Command {
	var o synthOptions
	cmd := &cobra.Command{Use: "synth", Short: "Benchmark SAEs on synthetic activations with known true features (docs/synthetic.md)"}
	gen := synthSub(cmd, &o, "generate --preset NAME --out DIR", "Build a synthetic model from a preset and write its directory", 0, func(c *cobra.Command, _ []string) error {
		mc, err := run.SynthConfigFile(o.preset, o.config)
		if err == nil {
			_, err = run.SynthGenerate(mc, o.train.Out, synthConsole(c, o.quiet))
		}
		return err
	})
	stats := synthSub(cmd, &o, "stats DIR", "Print a synthetic model's true L0, superposition and correlation statistics", 1, func(c *cobra.Command, args []string) error {
		st, err := run.SynthModelStats(args[0], o.statsSamples)
		if err == nil {
			st.WriteText(c.OutOrStdout())
		}
		return err
	})
	stats.Flags().IntVar(&o.statsSamples, "samples", run.SynthStatsSamples, "samples the true L0 is measured on")
	train := synthSub(cmd, &o, "train --model DIR --out RUN --arch A", "Train one SAE on a synthetic model; write its metrics, reports and SAELens files", 0, func(c *cobra.Command, _ []string) error {
		o.train.Observer = synthConsole(c, o.quiet)
		_, err := run.SynthTrain(c.Context(), o.train)
		return err
	})
	train.Flags().StringVar(&o.train.ModelDir, "model", "", "synthetic model directory (from synth generate)")
	train.Flags().StringVar(&o.train.Arch, "arch", "batchtopk", "architecture: "+strings.Join(wide.Archs, ", "))
	_ = train.MarkFlagRequired("model")
	bench := synthSub(cmd, &o, "bench --preset mini --out DIR", "Train every architecture at one L0 on a preset and tabulate the metrics", 0, func(c *cobra.Command, _ []string) error {
		t := o.train
		_, err := run.SynthBench(c.Context(), run.SynthBenchOptions{Preset: o.preset, ConfigFile: o.config, Out: t.Out, Archs: o.archs, Width: t.Width,
			TargetL0: t.TargetL0, Samples: t.Samples, EvalSamples: t.EvalSamples, Seed: t.Seed, AutotuneTimeScale: t.AutotuneTimeScale,
			Observer: synthConsole(c, o.quiet)})
		return err
	})
	bench.Flags().StringSliceVar(&o.archs, "archs", nil, "architectures to run (default all)")
	for _, c := range []*cobra.Command{train, bench} {
		c.Flags().Int64Var(&o.train.Samples, "samples", run.SynthTrainSamples, "training samples per SAE (batches of 1,024)")
		c.Flags().IntVar(&o.train.EvalSamples, "eval-samples", run.SynthEvalSamples, "held-out samples the metrics are measured on")
		c.Flags().Float64Var(&o.train.TargetL0, "target-l0", 0, "L0 to train for (default: the true L0 over the first --width features)")
		c.Flags().IntVar(&o.train.Width, "width", 0, "latents (default: a quarter of the model's features)")
		c.Flags().Uint64Var(&o.train.Seed, "seed", 0, "training and evaluation seed")
		c.Flags().Float64Var(&o.train.AutotuneTimeScale, "autotune-time-scale", 0, "protocol steps each step stands for in the L0 autotuner of standard, jumprelu and gated (0: automatic; 1: the protocol's controller)")
	}
	for _, c := range []*cobra.Command{gen, bench} {
		c.Flags().StringVar(&o.preset, "preset", "mini", "model preset: mini or synthsaebench-16k")
		c.Flags().StringVar(&o.config, "config", "", "YAML file overriding keys of synthetic_model_config.json, e.g. 'hidden_dim: 128'")
	}
	return cmd
}

// synthSub adds a synth subcommand taking nargs arguments; all but stats write --out.
func synthSub(parent *cobra.Command, o *synthOptions, use, short string, nargs int, run func(*cobra.Command, []string) error) *cobra.Command {
	c := &cobra.Command{Use: use, Short: short, Args: exactArgs(nargs), RunE: run}
	if nargs == 0 {
		c.Flags().StringVar(&o.train.Out, "out", "", "directory to create (must not exist or be empty)")
		c.Flags().BoolVarP(&o.quiet, "quiet", "q", false, "no progress output")
		_ = c.MarkFlagRequired("out")
	}
	parent.AddCommand(c)
	return c
}

// synthConsole is the terminal observer of a synth command.
func synthConsole(cmd *cobra.Command, quiet bool) run.Observer {
	return console.New(cmd.OutOrStdout(), cmd.ErrOrStderr(), stderrIsTerminal(cmd), quiet)
}
