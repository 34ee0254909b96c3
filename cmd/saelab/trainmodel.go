package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

func init() {
	var out OutputFlags
	cmd := &cobra.Command{
		Use:   "train-model",
		Short: "Train a toy model of superposition (spec §1) into a run directory",
		Long: `train-model trains a toy model of superposition, x' = ReLU(WᵀWx + b), over n_inst independent
instances, with the reference's defaults (ToyModel and optimize of ARENA 1.3.1; 16 instances).
It writes config.yaml, model.safetensors (W, b_final, importance, feature_probability),
metrics.jsonl, summary.json and report.html. Train SAEs on it with: saelab train-sae --model DIR

Importance and feature probability take an explicit axis:
  --feature-probability 0.025                         every instance and feature
  --feature-probability 'per-instance:50^-linspace(0,1)' one value per instance
  --importance 'per-feature:0.9^i'                     one value per feature (i = 0, 1, ...)
  --importance per-feature:1,0.9,0.81,0.73,0.66        the same, listed
  --importance 'full:1,0.5;1,0.25'                     one row per instance`,
		Args: exactArgs(0),
	}
	b := NewConfigFlags(cmd, TrainModelConfig())
	AddModelFlags(b)
	AddModelTrainFlags(b)
	AddOutputFlags(cmd, &out)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		c, err := b.Resolve()
		if err != nil {
			return err
		}
		return RunTrainModel(c, out, cmd.OutOrStdout())
	}
	rootCmd.AddCommand(cmd)
}

// RunTrainModel runs a resolved train-model config.
func RunTrainModel(c Config, out OutputFlags, w io.Writer) error {
	m, err := c.ResolveModel()
	if err != nil {
		return err
	}
	stdout := w
	if out.Quiet {
		w = io.Discard
	}
	d, err := CreateRunDir(out.Out, "toy-model", c.Seed)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "run directory: %s\n", d.Path)
	if err := d.WriteConfig(c, SecSeed, SecModel, SecModelTrain); err != nil {
		return err
	}
	mr, err := TrainModel(m, c.ModelTrain, c.Seed, NewProgress(out.Quiet))
	if err != nil {
		return incomplete(d, err)
	}
	PrintModelResult(w, mr)
	if _, err := d.SaveModel(mr, c.Model); err != nil {
		return incomplete(d, err)
	}
	return finishReport(d, out.Quiet, stdout)
}
