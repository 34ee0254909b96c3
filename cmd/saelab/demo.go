package main

import (
	"github.com/spf13/cobra"

	"saelab/config"
	"saelab/run"
)

// newDemoCmd runs the notebook's workflow.
func newDemoCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the notebook's workflow: a toy model, an SAE without and with resampling, a report",
		Long: `demo trains the SAE base model (16 instances, 5 features, d_hidden 2, feature probability
0.025, 5,000 steps), then two SAEs on it (d_sae 5, 20,000 steps each): run none without
resampling and run simple with simple resampling. It writes a run directory (config.yaml,
model.safetensors, the SAE and data-log files, metrics.jsonl, summary.json, report.html) and
prints where the report is.

Every hyperparameter can be set in a --config file (see config.yaml of any run); the flags
below override it. The SAE runs are listed under runs:, each with its own sae and sae_train
overrides.`,
	}
	return newTrainingCmd(cmd, config.Demo(), config.AddDemo, func(c config.Config) (run.Plan, error) {
		return run.DemoPlan(c), nil
	})
}

// newTrainModelCmd trains a toy model alone.
func newTrainModelCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "train-model",
		Short: "Train a toy model of superposition into a run directory",
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
	}
	bind := func(f *config.Flags) { config.AddModel(f); config.AddModelTrain(f) }
	return newTrainingCmd(cmd, config.TrainModel(), bind, func(c config.Config) (run.Plan, error) {
		return run.TrainModelPlan(c), nil
	})
}
