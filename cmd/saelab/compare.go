package main

import (
	"strings"

	"github.com/spf13/cobra"

	"saelab/config"
	"saelab/run"
)

// newCompareCmd trains every architecture on one toy model.
func newCompareCmd() *cobra.Command {
	var archs []string
	cmd := &cobra.Command{
		Use:   "compare",
		Short: "Train every SAE architecture on the same toy model and compare them in one report",
		Long: `compare trains the SAE base model (16 instances, 5 features, d_hidden 2, p = 0.025, 5,000
steps) once, then one SAE per architecture on it (d_sae 5, 20,000 steps each), each with its
reference hyperparameters:

  standard    λ 0.2, simple resampling                      (ARENA ToySAE; the demo's run simple)
  gated       λ 1.0, advanced resampling, untied            (ARENA GatedToySAE reference run)
  jumprelu    λ 0.1, advanced resampling, tied, ε 0.01      (ARENA JumpReLUToySAE reference run)
  topk-k1     TopK k = 1, AuxK coefficient 1, no resampling (SAELens TopKTrainingSAE)
  topk-k2     TopK k = 2, AuxK coefficient 1, no resampling
  batchtopk   BatchTopK k = 0.125 (= F·p), AuxK 1, τ EMA 0.01 (SAELens BatchTopKTrainingSAE)
  matryoshka  Matryoshka BatchTopK k = 0.125, widths 1,2,5, AuxK 1

It writes a run directory like demo's, with summary.json's "command": "compare" and each run's
instance means under "extra", and prints one comparison line per run. The report opens with
the comparison table, animates the best 4 instances of every run, and draws the Figure-15
shrinkage scatter of every run's best instance.

--archs picks runs by name or architecture (e.g. --archs standard,gated,topk). Every
hyperparameter can be set in a --config file (the config.yaml of a compare run lists the runs
under runs: with their overrides); the flags override it.`,
	}
	cmd.Flags().StringSliceVar(&archs, "archs", nil, "runs to train, by run name or architecture, comma-separated (default: all of "+strings.Join(config.Compare().RunNames(), ",")+")")
	return newTrainingCmd(cmd, config.Compare(), config.AddPipeline, func(c config.Config) (run.Plan, error) {
		// A selection that matches no run is a mistake on the command line.
		if runs, err := c.ResolveSAERuns(c.Model.NInst, c.Model.DHidden); err == nil {
			cc := c.Clone()
			if _, err := cc.SelectRuns(runs, archs); err != nil {
				return run.Plan{}, usageError{errorf("--archs %s: %w", strings.Join(archs, ","), err)}
			}
		}
		return run.ComparePlan(c, archs), nil
	})
}

// newTrainSAECmd trains SAEs on an existing toy model.
func newTrainSAECmd() *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use:   "train-sae --model DIR|FILE",
		Short: "Train SAEs on a trained toy model into a new run directory",
		Long: `train-sae trains toy SAEs on the hidden activations of a trained toy model (a run directory of
train-model or demo, or a model.safetensors file), with the reference's defaults (ToySAE and
optimize of ARENA 1.3.1: d_sae 5, 10,000 steps, no resampling). Every SAE instance reads the
model's instance 0, which stays frozen.

It writes a new run directory with a copy of the model, config.yaml, the SAE and data-log
files, metrics.jsonl, summary.json and report.html. One run is trained, named after its
resampling method (none, simple, advanced; gated-none for other architectures; --name renames
it), unless the --config file lists several under runs:.`,
	}
	bind := func(f *config.Flags) {
		config.String(f, "model", "the toy model: a run directory or a model.safetensors file (config key model_path)",
			func(c *config.Config) *string { return &c.ModelPath })
		config.AddSAE(f)
		config.AddSAETrain(f)
	}
	cmd.Flags().StringVar(&name, "name", "", "run name (default: the resampling method for the standard SAE, <arch>-<resample_method> otherwise)")
	return newTrainingCmd(cmd, config.TrainSAE(), bind, func(c config.Config) (run.Plan, error) {
		if c.ModelPath == "" {
			return run.Plan{}, usageError{errorf("--model is required: a run directory of train-model or demo, or a model.safetensors file")}
		}
		if cmd.Flags().Changed("name") {
			if len(c.Runs) > 0 {
				return run.Plan{}, errorf("--name %s: the config file lists %d runs under runs:; name them there", name, len(c.Runs))
			}
			c.Runs = []config.RunSpec{{Name: name}}
		}
		return run.TrainSAEPlan(c), nil
	})
}
