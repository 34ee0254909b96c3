package sweep

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"saelab/store"
)

// shrink makes a sweep file's cells train in milliseconds: 4 instances, short training, two
// seeds at most. Grid keys still override the base.
func shrink(f *File) {
	f.Base.Model.NInst = 4
	f.Base.ModelTrain.Steps, f.Base.ModelTrain.BatchSize, f.Base.ModelTrain.LogFreq = 100, 128, 50
	t := &f.Base.SAETrain
	t.Steps, t.BatchSize, t.LogFreq, t.ResampleFreq, t.ResampleWindow = 200, 128, 50, 100, 50
	if len(f.Seeds) > 2 {
		f.Seeds = f.Seeds[:2]
	}
	if f.Synth != nil {
		// A model of 256 features in 32 dimensions, SAEs of 64 latents on 10 batches.
		f.Synth.Preset, f.Synth.Config = "mini", tinySynthConfig()
		f.Synth.Width, f.Synth.Samples, f.Synth.EvalSamples = 64, 10*1024, 2000
		f.Seeds = f.Seeds[:1]
	}
}

// TestExampleSweeps runs every shipped example at reduced size, then its export and report.
func TestExampleSweeps(t *testing.T) {
	files, err := filepath.Glob("../examples/sweeps/*.yaml")
	if err != nil || len(files) < 3 {
		t.Fatalf("examples: %v, %v", files, err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			f, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			full, err := f.Cells()
			if err != nil {
				t.Fatal(err)
			}
			if f.Name == "arch-pareto" && len(full) != 360 {
				t.Errorf("arch-pareto has %d cells, want 360 (3 × 5 × 3 × 8)", len(full))
			}
			shrink(f)
			dir := t.TempDir()
			keep := f.Name == "demo-seeds"
			res, err := Run(context.Background(), f, Options{Out: dir, KeepLogs: keep})
			if err != nil {
				t.Fatal(err)
			}
			cells, _ := f.Cells()
			if res.Ran != len(cells) || res.Failed != 0 || res.Left != 0 {
				t.Fatalf("ran %d of %d cells, %d failed, %d left", res.Ran, len(cells), res.Failed, res.Left)
			}
			results, err := ReadResults(dir)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := results.Export(&b, FormatJSONL); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(b.String()), "\n")
			runsPerCell := max(1, len(f.Base.Runs))
			if len(lines) != len(cells)*runsPerCell {
				t.Errorf("%d export rows, want %d", len(lines), len(cells)*runsPerCell)
			}
			var row map[string]any
			if err := json.Unmarshal([]byte(lines[0]), &row); err != nil {
				t.Fatal(err)
			}
			metric := "explained_variance"
			if !f.SAE {
				metric = "final_loss"
			}
			if v, ok := row[metric].(float64); !ok || v != v {
				t.Errorf("first row's %s = %v", metric, row[metric])
			}
			path, err := WriteReport(dir)
			if err != nil {
				t.Fatal(err)
			}
			page, _ := os.ReadFile(path)
			if !bytes.Contains(page, []byte(`id="sweep-data"`)) || !bytes.Contains(page, []byte(results.Cells[0].ID)) {
				t.Errorf("report %s lacks the cells' data", path)
			}
			in := results.ReportInput(dir)
			cmd := in.Rows[0].Command
			switch {
			case !f.SAE || keep:
				// The cell directory has everything saelab report needs.
				if !strings.HasPrefix(cmd, "saelab report ") {
					t.Errorf("redraw command %q", cmd)
				}
				if keep {
					if _, err := os.Stat(filepath.Join(dir, results.Cells[0].Dir, store.ReportFile)); err != nil {
						t.Errorf("--keep-logs: no report in the cell: %v", err)
					}
				}
			case f.Synth != nil:
				if !strings.HasPrefix(cmd, "saelab synth train --model ") {
					t.Errorf("redraw command %q", cmd)
				}
			default:
				if !strings.HasPrefix(cmd, "saelab train-sae --config ") {
					t.Errorf("redraw command %q", cmd)
				}
				if _, err := os.Stat(filepath.Join(dir, results.Cells[0].Dir, store.DataLogFile(results.Cells[0].Runs[0].Name))); err == nil {
					t.Errorf("a data log was written without --keep-logs")
				}
			}
		})
	}
}
