package sweep

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"saelab/run"
)

// BenchmarkCellFixedCost measures what a cell costs besides its SAE training: cells of one
// training step (seed-model shape, 16 instances) through the sweep (its bookkeeping, files,
// database and the evaluation), against the same cells through the pipeline alone (files and
// evaluation, no database), per cell. The difference is the sweep's own overhead; compare both
// with a 20,000-step train-sae of the same cell (README, "Sweeps").
func BenchmarkCellFixedCost(b *testing.B) {
	const cells = 16
	text := fmt.Sprintf(`
base:
  model_train: {steps: 1}
  sae_train: {steps: 1, log_freq: 1}
grid:
  sae.sparsity_coeff: {logspace: [-2, 0, %d]}
`, cells)
	f, err := Parse([]byte(text), "bench")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("sweep", func(b *testing.B) {
		for b.Loop() {
			if _, err := Run(context.Background(), f, Options{Out: b.TempDir(), Jobs: 1}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N*cells), "ms/cell")
	})
	b.Run("pipeline", func(b *testing.B) {
		cs, err := f.Cells()
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			dir := b.TempDir()
			mdir := filepath.Join(dir, "model")
			if _, err := run.Execute(context.Background(), run.TrainModelPlan(cs[0].Config.Clone()), run.Options{Out: mdir, NoReport: true, NoDataLog: true}); err != nil {
				b.Fatal(err)
			}
			for k, c := range cs {
				cfg := c.Config.Clone()
				cfg.ModelPath = mdir
				if _, err := run.Execute(context.Background(), run.TrainSAEPlan(cfg), run.Options{Out: filepath.Join(dir, fmt.Sprint(k)), NoReport: true, NoDataLog: true}); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N*cells), "ms/cell")
	})
}
