package main

import (
	"github.com/spf13/cobra"

	"saelab/console"
	"saelab/run"
)

// synthOptions are the flags of the synth commands.
type synthOptions struct {
	preset, config, out string
	samples             int
	quiet               bool
}

// newSynthCmd groups the synthetic-benchmark commands.
func newSynthCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "synth", Short: "Benchmark SAEs on synthetic activations with known true features",
		Long: `synth builds synthetic activation models with known ground-truth features (the SynthSAEBench
models of SAELens), trains SAEs on them and measures how well each recovers the true features.
See docs/synthetic.md.`}
	cmd.AddCommand(newSynthGenerateCmd(), newSynthStatsCmd())
	return cmd
}

// newSynthGenerateCmd binds synth generate's flags.
func newSynthGenerateCmd() *cobra.Command {
	var o synthOptions
	cmd := &cobra.Command{Use: "generate --preset NAME --out DIR", Args: exactArgs(0),
		Short: "Build a synthetic model from a preset and write its directory",
		Long: `generate builds a synthetic model (feature vectors, firing probabilities, hierarchy,
correlation) and writes it to DIR in SAELens's synthetic-model layout. Presets: mini (4,096
features in 256 dimensions) and synthsaebench-16k (16,384 in 768). --config FILE overrides
keys of synthetic_model_config.json in YAML, e.g. "hidden_dim: 128".`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := run.SynthConfigFile(o.preset, o.config)
			if err == nil {
				_, err = run.SynthGenerate(c, o.out, synthConsole(cmd, o.quiet))
			}
			return err
		}}
	cmd.Flags().StringVar(&o.preset, "preset", "mini", "model preset: mini or synthsaebench-16k")
	cmd.Flags().StringVar(&o.config, "config", "", "YAML file of model config overrides")
	cmd.Flags().StringVar(&o.out, "out", "", "directory to create (must not exist or be empty)")
	cmd.Flags().BoolVarP(&o.quiet, "quiet", "q", false, "no progress output")
	_ = cmd.MarkFlagRequired("out")
	return cmd
}

// newSynthStatsCmd binds synth stats's flags.
func newSynthStatsCmd() *cobra.Command {
	var o synthOptions
	cmd := &cobra.Command{Use: "stats DIR", Args: exactArgs(1),
		Short: "Print a synthetic model's true L0, superposition and correlation statistics",
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := run.SynthModelStats(args[0], o.samples)
			if err == nil {
				st.WriteText(cmd.OutOrStdout())
			}
			return err
		}}
	cmd.Flags().IntVar(&o.samples, "samples", run.SynthStatsSamples, "samples the true L0 is measured on")
	return cmd
}

// synthConsole is the terminal observer of a synth command.
func synthConsole(cmd *cobra.Command, quiet bool) run.Observer {
	return console.New(cmd.OutOrStdout(), cmd.ErrOrStderr(), stderrIsTerminal(cmd), quiet)
}
