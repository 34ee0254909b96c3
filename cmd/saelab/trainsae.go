package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"saelab/store"
)

func init() {
	var out OutputFlags
	var name string
	cmd := &cobra.Command{
		Use:   "train-sae --model DIR|FILE",
		Short: "Train SAEs on a trained toy model (spec §2) into a new run directory",
		Long: `train-sae trains toy SAEs on the hidden activations of a trained toy model (a run directory of
train-model or demo, or a model.safetensors file), with the reference's defaults (ToySAE and
optimize of ARENA 1.3.1: d_sae 5, 10,000 steps, no resampling). Every SAE instance reads the
model's instance 0, which stays frozen.

It writes a new run directory with a copy of the model, config.yaml, sae-<run> and
datalog-<run> files, metrics.jsonl, summary.json and report.html. One run is trained, named
after its resampling method (sae-none, sae-simple, ...; --name renames it), unless the
--config file lists several under runs:.`,
		Args: exactArgs(0),
	}
	b := NewConfigFlags(cmd, TrainSAEConfig())
	String(b, "model", "the toy model: a run directory or a model.safetensors file (config key model_path)",
		func(c *Config) *string { return &c.ModelPath })
	AddSAEFlags(b)
	AddSAETrainFlags(b)
	cmd.Flags().StringVar(&name, "name", "", "run name (default sae-<resample_method>)")
	AddOutputFlags(cmd, &out)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		c, err := b.Resolve()
		if err != nil {
			return err
		}
		if c.ModelPath == "" {
			return usageError{errors.New("--model is required: a run directory of train-model or demo, or a model.safetensors file")}
		}
		if cmd.Flags().Changed("name") {
			if len(c.Runs) > 0 {
				return fmt.Errorf("--name %s: the config file lists %d runs under runs:; name them there", name, len(c.Runs))
			}
			c.Runs = []RunSpec{{Name: name}}
		}
		return RunTrainSAE(c, out, cmd.OutOrStdout())
	}
	rootCmd.AddCommand(cmd)
}

// RunTrainSAE runs a resolved train-sae config (c.ModelPath set).
func RunTrainSAE(c Config, out OutputFlags, w io.Writer) error {
	model, mc, err := LoadModel(c.ModelPath)
	if err != nil {
		return err
	}
	c.Model = mc
	if abs, err := filepath.Abs(c.ModelPath); err == nil {
		c.ModelPath = abs
	}
	runs, err := c.ResolveSAERuns(model.Cfg.NInst, model.Cfg.DHidden)
	if err != nil {
		return err
	}
	srcFile, _ := ModelPath(c.ModelPath)
	modelBytes, err := os.ReadFile(srcFile)
	if err != nil {
		return err
	}
	stdout := w
	if out.Quiet {
		w = io.Discard
	}
	d, err := CreateRunDir(out.Out, "sae", c.Seed)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "run directory: %s\n", d.Path)
	if err := d.WriteConfig(c, SecSeed, SecModelPath, SecModel, SecSAE, SecSAETrain, SecRuns); err != nil {
		return err
	}
	if err := store.WriteFileAtomic(d.File(store.ModelFile), modelBytes, 0o644); err != nil {
		return incomplete(d, err)
	}
	if err := copyToyModelRun(d, c.ModelPath); err != nil {
		return incomplete(d, err)
	}
	prog := NewProgress(out.Quiet)
	for _, rc := range runs {
		r, err := d.TrainSAE(model, rc, c.Seed, prog)
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

// copyToyModelRun carries the toy model's summary entry and metrics rows over from the model's
// run directory, when the model came from one, so the new report shows its loss.
func copyToyModelRun(d *RunDir, modelPath string) error {
	st, err := os.Stat(modelPath)
	if err != nil || !st.IsDir() {
		return nil
	}
	sum, err := store.ReadSummary(filepath.Join(modelPath, store.SummaryFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	for _, rs := range sum.Runs {
		if rs.Kind != store.KindToyModel {
			continue
		}
		var rows []map[string]any
		if all, err := store.ReadMetricsJSONL(filepath.Join(modelPath, store.MetricsFile)); err == nil {
			for _, r := range all {
				if r["run"] == rs.Name {
					rows = append(rows, r)
				}
			}
		}
		return d.AddRun(rs, rows)
	}
	return nil
}
