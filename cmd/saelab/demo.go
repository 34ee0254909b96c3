package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/spf13/cobra"
)

func init() {
	var out OutputFlags
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the seed notebook's workflow: toy model, SAE without and with resampling, report",
		Long: `demo trains the SAE base model (16 instances, 5 features, d_hidden 2, p = 0.025, 5,000 steps),
then two SAEs on it (d_sae 5, 20,000 steps each): sae-none without resampling and sae-simple with
simple resampling. It writes a run directory (config.yaml, model.safetensors, sae-<run> and
datalog-<run> files, metrics.jsonl, summary.json, report.html) and prints where the report is.

Every hyperparameter can be set in a --config file (see config.yaml of any run); the flags
below override it. The SAE runs are listed under runs:, each with its own sae / sae_train
overrides.`,
		Args: exactArgs(0),
	}
	b := NewConfigFlags(cmd, DemoConfig())
	AddDemoFlags(b)
	AddOutputFlags(cmd, &out)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		c, err := b.Resolve()
		if err != nil {
			return err
		}
		return RunDemo(c, out, cmd.OutOrStdout())
	}
	rootCmd.AddCommand(cmd)
}

// RunDemo runs a resolved demo config: everything is validated before the run directory is
// made; then the toy model, each SAE run in turn, and the report.
func RunDemo(c Config, out OutputFlags, w io.Writer) error {
	if c.ModelPath != "" {
		return fmt.Errorf("model_path = %q: demo trains its own toy model; use train-sae --model to train SAEs on an existing one", c.ModelPath)
	}
	m, err := c.ResolveModel()
	if err != nil {
		return err
	}
	runs, err := c.ResolveSAERuns(c.Model.NInst, c.Model.DHidden)
	if err != nil {
		return err
	}
	stdout := w
	if out.Quiet {
		w = io.Discard
	}
	d, err := CreateRunDir(out.Out, "demo", c.Seed)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "run directory: %s\n", d.Path)
	if err := d.WriteConfig(c, SecSeed, SecModel, SecModelTrain, SecSAE, SecSAETrain, SecRuns); err != nil {
		return err
	}
	prog := NewProgress(out.Quiet)
	mr, err := TrainModel(m, c.ModelTrain, c.Seed, prog)
	if err != nil {
		return incomplete(d, err)
	}
	PrintModelResult(w, mr)
	frozen, err := d.SaveModel(mr, c.Model)
	if err != nil {
		return incomplete(d, err)
	}
	for _, rc := range runs {
		r, err := d.TrainSAE(frozen, rc, c.Seed, prog)
		if err != nil {
			return incomplete(d, err)
		}
		PrintSAEResult(w, r)
		if err := d.SaveSAERun(r); err != nil {
			return incomplete(d, err)
		}
	}
	return finishReport(d, out.Quiet, stdout)
}

// finishReport writes report.html and prints where it is (also with --quiet).
func finishReport(d *RunDir, quiet bool, stdout io.Writer) error {
	path, err := d.WriteReport()
	if err != nil {
		return incomplete(d, err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	if quiet {
		fmt.Fprintln(stdout, abs)
		return nil
	}
	fmt.Fprintf(stdout, "report: %s\n", abs)
	return nil
}

// incomplete adds the run directory's state to a failure.
func incomplete(d *RunDir, err error) error {
	return fmt.Errorf("%w\n(the run directory %s holds the files written before the failure; summary.json lists the finished runs)", err, d.Path)
}
