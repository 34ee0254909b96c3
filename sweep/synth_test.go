package sweep

import (
	"bytes"
	"context"
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"saelab/report"
)

// tinySynthConfig shrinks the mini preset to 256 features in 32 dimensions, so that a model
// builds in milliseconds.
func tinySynthConfig() map[string]any {
	return map[string]any{"num_features": 256, "hidden_dim": 32,
		"hierarchy": map[string]any{"total_root_nodes": 2}, "orthogonalization": map[string]any{"num_steps": 5}}
}

const tinySynthSweep = `
name: tiny-synth
synth:
  preset: mini
  config: {num_features: 256, hidden_dim: 32, hierarchy: {total_root_nodes: 2}, orthogonalization: {num_steps: 5}}
  width: 64
  samples: 10240
  eval_samples: 2000
grid:
  synth.arch: [topk, standard]
  synth.target_l0: [2, 4]
seeds: [3]
`

// TestSynthSweepRunsResumesAndReports runs a synthetic sweep end to end: one model generated
// for the four cells, every benchmark metric recorded and finite, a second run with nothing
// to do, the export's columns and the report's metrics limited to the ones the runs have.
func TestSynthSweepRunsResumesAndReports(t *testing.T) {
	f, err := Parse([]byte(tinySynthSweep), "x")
	if err != nil {
		t.Fatal(err)
	}
	cells, err := f.Cells()
	if err != nil {
		t.Fatal(err)
	}
	if len(cells) != 4 || cells[0].ModelKey != cells[3].ModelKey {
		t.Fatalf("%d cells, model keys %s %s; want 4 cells sharing one model", len(cells), cells[0].ModelKey, cells[3].ModelKey)
	}
	if got := cells[1].Params; !slices.Equal(got, []string{"topk", "4"}) {
		t.Errorf("cell 1 params %v, want [topk 4]", got)
	}
	dir := t.TempDir()
	var models int
	res, err := Run(context.Background(), f, Options{Out: dir, Observer: ObserverFunc(func(e Event) {
		if _, ok := e.(ModelTrained); ok {
			models++
		}
	})})
	if err != nil {
		t.Fatal(err)
	}
	if res.Ran != 4 || models != 1 {
		t.Fatalf("ran %d cells and built %d models; want 4 and 1", res.Ran, models)
	}
	results, err := ReadResults(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range results.Cells {
		if c.Status != "done" || len(c.Runs) != 1 || c.Runs[0].Kind != KindSynth {
			t.Fatalf("cell %d: status %s, runs %+v", c.Index, c.Status, c.Runs)
		}
		for _, name := range []string{"l0", "explained_variance", "mcc", "uniqueness", "f1", "precision", "recall", "true_l0"} {
			k := slices.IndexFunc(Metrics, func(m Metric) bool { return m.Name == name })
			if v := c.Runs[0].Metrics[k]; math.IsNaN(v) || math.IsInf(v, 0) {
				t.Errorf("cell %d: %s = %v", c.Index, name, v)
			}
		}
		if !strings.Contains(c.Config, "target_l0:") || !strings.Contains(c.Config, "seed: 3") {
			t.Errorf("cell %d config:\n%s", c.Index, c.Config)
		}
	}
	// topk holds its L0 at k exactly; the L0 recorded is the evaluation's.
	l0 := slices.IndexFunc(Metrics, func(m Metric) bool { return m.Name == "l0" })
	if v := results.Cells[1].Runs[0].Metrics[l0]; math.Abs(v-4) > 1e-9 {
		t.Errorf("topk at target L0 4 recorded L0 %v", v)
	}

	again, err := Run(context.Background(), f, Options{Out: dir})
	if err != nil || again.Ran != 0 || again.Left != 0 {
		t.Fatalf("second run: %+v, %v; want nothing to do", again, err)
	}

	var b bytes.Buffer
	if err := results.Export(&b, FormatCSV); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil || len(rows) != 5 {
		t.Fatalf("export: %d rows, %v", len(rows), err)
	}
	f1 := slices.Index(rows[0], "f1")
	if f1 < 0 || rows[1][f1] == "" {
		t.Errorf("export header %v, first row %v: want an f1 value", rows[0], rows[1])
	}
	in := results.ReportInput(dir)
	names := func(ms []report.SweepMetric) (out []string) {
		for _, m := range ms {
			out = append(out, m.Name)
		}
		return out
	}(in.Metrics)
	if slices.Contains(names, "loss") || slices.Contains(names, "mmcs") || !slices.Contains(names, "uniqueness") {
		t.Errorf("report metrics %v: want the benchmark's, not the toy model's", names)
	}
	if len(in.Rows[0].Metrics) != len(in.Metrics) {
		t.Errorf("row has %d metrics for %d names", len(in.Rows[0].Metrics), len(in.Metrics))
	}
	if !strings.HasPrefix(in.Rows[0].Command, "saelab synth train --model ") || !strings.Contains(in.Rows[0].Command, "--seed 3") {
		t.Errorf("redraw command %q", in.Rows[0].Command)
	}
	if _, err := os.Stat(filepath.Join(dir, results.Cells[0].Dir, "sae", "cfg.json")); err != nil {
		t.Errorf("the cell's SAE in SAELens's layout: %v", err)
	}

	// Interrupted after its first cell, then run again: the same metrics.
	resumed := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	part, err := Run(ctx, f, Options{Out: resumed, Observer: ObserverFunc(func(e Event) {
		if _, ok := e.(CellFinished); ok {
			cancel()
		}
	})})
	if err == nil || part.Ran != 1 || part.Left != 3 {
		t.Fatalf("interrupted run: %+v, %v; want 1 cell done, 3 left", part, err)
	}
	if rest, err := Run(context.Background(), f, Options{Out: resumed}); err != nil || rest.Ran != 3 {
		t.Fatalf("resumed run: %+v, %v", rest, err)
	}
	sameMetrics(t, "resumed", resumed, results)

	// Two shards, each building its own copy of the model, then merged: the same metrics.
	sharded := t.TempDir()
	for i := range 2 {
		if _, err := Run(context.Background(), f, Options{Out: sharded, Shard: Shard{i, 2}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Merge(sharded); err != nil {
		t.Fatal(err)
	}
	sameMetrics(t, "sharded", sharded, results)
}

// sameMetrics checks that the sweep in dir recorded the same metrics as want, cell for cell.
func sameMetrics(t *testing.T, what, dir string, want *Results) {
	t.Helper()
	got, err := ReadResults(dir)
	if err != nil {
		t.Fatal(err)
	}
	for k, c := range got.Cells {
		w := want.Cells[k].Runs[0].Metrics
		if len(c.Runs) != 1 || !slices.EqualFunc(c.Runs[0].Metrics, w, func(a, b float64) bool { return a == b || (a != a && b != b) }) {
			t.Errorf("cell %d: %s metrics %v, uninterrupted %v", k, what, c.Runs, w)
		}
	}
}

// TestSynthSweepCells checks how synthetic cells resolve: model overrides in a grid key merge
// onto the section's and make one model per value; ids ignore YAML spelling; the manifest
// runs one cell at a time.
func TestSynthSweepCells(t *testing.T) {
	f, err := Parse([]byte(`
synth:
  config: {num_features: 256, hierarchy: {total_root_nodes: 2}}
  width: 64
grid:
  synth.config: [{hidden_dim: 32}, {hidden_dim: 48, hierarchy: {max_depth: 2}}]
`), "x")
	if err != nil {
		t.Fatal(err)
	}
	cells, err := f.Cells()
	if err != nil {
		t.Fatal(err)
	}
	if len(cells) != 2 || cells[0].ModelKey == cells[1].ModelKey {
		t.Fatalf("%d cells, model keys equal: want 2 models", len(cells))
	}
	m := cells[1].Synth.Model
	if m.NumFeatures != 256 || m.HiddenDim != 48 || m.Hierarchy.TotalRootNodes != 2 || m.Hierarchy.MaxDepth != 2 {
		t.Errorf("cell 1 model: %d features, %d dims, hierarchy %+v; want the overrides merged", m.NumFeatures, m.HiddenDim, *m.Hierarchy)
	}
	if f.Synth.Config["hidden_dim"] != nil {
		t.Errorf("resolving a cell changed the section: %v", f.Synth.Config)
	}
	g, err := Parse([]byte(`
synth: {width: 0x40, config: {hierarchy: {total_root_nodes: 2}, num_features: 256}}
grid:
  synth.config: [{hidden_dim: 32}, {hierarchy: {max_depth: 2}, hidden_dim: 48}]
`), "y")
	if err != nil {
		t.Fatal(err)
	}
	same, err := g.Cells()
	if err != nil {
		t.Fatal(err)
	}
	if same[0].ID != cells[0].ID || same[1].ID != cells[1].ID {
		t.Errorf("the same cells spelled differently have ids %s %s and %s %s", cells[0].ID, cells[1].ID, same[0].ID, same[1].ID)
	}
	// An automatic autotuner time scale (0, the default) keeps the ids of sweeps written before
	// the setting existed; any other value is another cell.
	for k, c := range []struct {
		scale string
		same  bool
	}{{"0", true}, {"1", false}} {
		h, err := Parse([]byte("synth: {width: 64, config: {num_features: 256, hierarchy: {total_root_nodes: 2}}, autotune_time_scale: "+c.scale+"}\n"+
			"grid:\n  synth.config: [{hidden_dim: 32}]\n"), "z")
		if err != nil {
			t.Fatal(err)
		}
		hc, err := h.Cells()
		if err != nil {
			t.Fatal(err)
		}
		if (hc[0].ID == cells[0].ID) != c.same || (k == 1 && hc[0].Synth.Section.options(0).AutotuneTimeScale != 1) {
			t.Errorf("autotune_time_scale %s: id %s against %s, options %+v", c.scale, hc[0].ID, cells[0].ID, hc[0].Synth.Section.options(0))
		}
	}
	var b bytes.Buffer
	if err := WriteManifest(&b, f, ManifestOptions{Kind: "slurm", Shards: 2, CPUs: 8, Out: "/shared/x", SweepFile: "/shared/x.yaml", Binary: "/bin/saelab"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "--jobs 1\n") {
		t.Errorf("a synthetic sweep's shard should run one cell at a time:\n%s", b.String())
	}
}

// TestSynthSweepErrors checks that mistakes in a synthetic sweep file name the key and value.
func TestSynthSweepErrors(t *testing.T) {
	model := t.TempDir()
	for _, c := range []struct{ file, want string }{
		{"base: {}\nsynth: {}\n", "line 2: synth: a sweep trains SAEs on toy models (base) or on a synthetic model (synth), not both"},
		{"grid: {synth.arch: [topk]}\n", "synth keys need a synth section"},
		{"synth: {}\ngrid: {sae.arch: [topk]}\n", "a synthetic sweep's keys are synth.field"},
		{"synth: {}\ngrid: {synth.lr: [1]}\n", `synth has no field "lr"`},
		{"synth: {archh: topk}\n", `unknown key "synth.archh"`},
		{"synth: {width: many}\n", `synth.width = "many": must be a whole number`},
		{"synth: {}\ngrid: {synth.arch: [topk, relu]}\n", `cell synth.arch=relu: synth.arch "relu": must be one of`},
		{"synth: {}\ngrid: {synth.target_l0: [-1]}\n", "synth.target_l0 -1: must be a positive number"},
		{"synth: {}\ngrid: {synth.autotune_time_scale: [2, 500]}\n", "cell synth.autotune_time_scale=500: synth.autotune_time_scale 500: must be from 0 (automatic) to 100"},
		{"synth: {samples: 0}\n", "synth.samples and synth.eval_samples must be positive"},
		{"synth: {preset: huge}\n", `synth.preset "huge": must be mini or synthsaebench-16k`},
		{"synth: {config: {hidden_dimm: 3}}\n", "synth.config: "},
		{"synth: {model: " + model + ", preset: mini}\n", "a given model cannot take synth.preset or synth.config"},
		{"synth: {model: " + model + "}\n", "synth.model: " + model + ": no synthetic model here"},
	} {
		f, err := Parse([]byte(c.file), "x")
		if err == nil {
			_, err = f.Cells()
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q:\n got  %v\n want …%s…", c.file, err, c.want)
		}
	}
}
