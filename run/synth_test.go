package run

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"saelab/store"
	"saelab/synth"
	"saelab/synth/modeldir"
)

// tinySynthYAML shrinks the mini preset to a model that builds in milliseconds.
const tinySynthYAML = `
num_features: 256
hidden_dim: 32
hierarchy:
  total_root_nodes: 2
orthogonalization:
  num_steps: 5
`

func TestSynthConfigOverrides(t *testing.T) {
	c, err := SynthConfig(synth.PresetMini, []byte(tinySynthYAML))
	if err != nil {
		t.Fatal(err)
	}
	if c.NumFeatures != 256 || c.HiddenDim != 32 || c.Hierarchy.TotalRootNodes != 2 || c.Hierarchy.Branching != [2]int{4, 4} ||
		c.Orthogonalization.NumSteps != 5 || c.Orthogonalization.LR != 3e-4 || c.Correlation.Rank != 25 {
		t.Errorf("merged config = %+v", c)
	}
	for _, bad := range []struct{ yaml, want string }{
		{"hiden_dim: 3", `unknown key "hiden_dim"`},
		{"hierarchy: {branching: 9}", "hierarchy"},
		{"hidden_dim: -1", "hidden_dim"},
		{"- 1", "not a YAML mapping"},
	} {
		if _, err := SynthConfig(synth.PresetMini, []byte(bad.yaml)); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: error %v, want %q", bad.yaml, err, bad.want)
		}
	}
	if _, err := SynthConfig("huge", nil); err == nil || !strings.Contains(err.Error(), `--preset "huge": must be mini or synthsaebench-16k`) {
		t.Errorf("unknown preset: %v", err)
	}
}

func TestSynthGenerateAndStats(t *testing.T) {
	c, err := SynthConfig(synth.PresetMini, []byte(tinySynthYAML))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "model")
	var events []string
	obs := ObserverFunc(func(e Event) {
		switch e := e.(type) {
		case PhaseStarted:
			events = append(events, "start "+e.Phase)
		case FileWritten:
			events = append(events, filepath.Base(e.Path))
		case Finished:
			events = append(events, "finished")
		}
	})
	if _, err := SynthGenerate(c, dir, obs); err != nil {
		t.Fatal(err)
	}
	want := "start synthetic model,synthetic_model_config.json,synthetic_model.safetensors,hierarchy.json,finished"
	if got := strings.Join(events, ","); got != want {
		t.Errorf("events %s, want %s", got, want)
	}
	if _, err := SynthGenerate(c, dir, nil); err == nil || !strings.Contains(err.Error(), "choose another directory") {
		t.Errorf("second generate into the same directory: %v", err)
	}
	st, err := SynthModelStats(dir, 20_000)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := modeldir.Load(dir)
	// The true L0 is the mean count of active features; the first-64 count is part of it.
	if st.Features != 256 || st.HiddenDim != 32 || len(st.FirstN) != 1 || st.FirstN[0] != 64 ||
		!(st.TrueL0 > 0) || !(st.TrueL0First[0] > 0 && st.TrueL0First[0] < st.TrueL0) {
		t.Errorf("stats = %+v", st)
	}
	if !(st.MeanMaxAbsCos > st.MeanAbsCos && st.MeanMaxAbsCos < 1) || st.CorrelationRank != 25 || st.Hierarchy.Features != 170 {
		t.Errorf("stats = %+v", st)
	}
	// Counting by hand over the same samples gives the same true L0.
	var b synth.Batch
	m.Sample(&b, nil, 4096, synthStatsSeed, 0)
	if got := float64(b.Off[4096]) / 4096; math.Abs(got-st.TrueL0) > 0.1*st.TrueL0 {
		t.Errorf("true L0 %.3f, first batch alone %.3f", st.TrueL0, got)
	}
	var sb strings.Builder
	st.WriteText(&sb)
	for _, w := range []string{"256 in 32 dimensions (8.0× superposition)", "true L0, first 64", "rank 25", "170 features in 2 trees"} {
		if !strings.Contains(sb.String(), w) {
			t.Errorf("text lacks %q:\n%s", w, sb.String())
		}
	}
	if _, err := SynthModelStats(filepath.Join(dir, "missing"), 0); err == nil || !os.IsNotExist(err) && !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing directory: %v", err)
	}
}

// A tiny model, a BatchTopK SAE trained briefly on it, evaluated and written: the metrics are
// finite and in range, and every file is there and reads back.
func TestSynthTrainEndToEnd(t *testing.T) {
	c, err := SynthConfig(synth.PresetMini, []byte(tinySynthYAML))
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	model := filepath.Join(tmp, "model")
	if _, err := SynthGenerate(c, model, nil); err != nil {
		t.Fatal(err)
	}
	var progress int
	var trained *SynthTrainResult
	obs := ObserverFunc(func(e Event) {
		switch e := e.(type) {
		case Progress:
			if e.L0 > 0 {
				progress++
			}
		case SynthTrained:
			trained = e.Result
		}
	})
	out := filepath.Join(tmp, "run")
	r, err := SynthTrain(context.Background(), SynthTrainOptions{ModelDir: model, Out: out, Arch: "batchtopk", TargetL0: 4, Samples: 500 * 1024, EvalSamples: 4096, Seed: 3, Observer: obs})
	if err != nil {
		t.Fatal(err)
	}
	m := r.Metrics
	if trained != r || progress != 500 || r.Width != 64 || r.TargetL0 != 4 || r.SavedAs != "jumprelu" || m.Samples != 4096 {
		t.Errorf("result %+v, %d progress events", r, progress)
	}
	for name, v := range map[string]float64{"L0": m.SAEL0, "EV": m.ExplainedVariance, "MCC": m.MCC, "uniqueness": m.Uniqueness, "F1": m.F1, "precision": m.Precision, "recall": m.Recall} {
		if math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 || (name != "L0" && v > 1) {
			t.Errorf("%s = %g", name, v)
		}
	}
	t.Logf("L0 %.2f EV %.3f MCC %.3f F1 %.3f in %.1f s", m.SAEL0, m.ExplainedVariance, m.MCC, m.F1, r.Seconds())
	// A trained SAE explains most of the variance at an L0 near its k.
	if m.ExplainedVariance < 0.3 || m.SAEL0 < 1 || m.SAEL0 > 3*r.TargetL0 {
		t.Errorf("explained variance %.3f at L0 %.2f (target %g): training did not work", m.ExplainedVariance, m.SAEL0, r.TargetL0)
	}
	s, err := store.ReadSAELens(filepath.Join(out, SynthSAEDir))
	if err != nil || s.Arch != "jumprelu" || s.DIn != 32 || s.DSAE != 64 {
		t.Fatalf("saved SAE: %v", err)
	}
	var sum SynthTrainResult
	data, err := os.ReadFile(filepath.Join(out, store.SummaryFile))
	if err != nil || json.Unmarshal(data, &sum) != nil || sum.Metrics != m || sum.Arch != "batchtopk" {
		t.Errorf("summary.json: %v %s", err, data)
	}
	rep, err := os.ReadFile(filepath.Join(out, SynthReportFile))
	if err != nil || !strings.Contains(string(rep), "| batchtopk | ") {
		t.Errorf("report.md: %v\n%s", err, rep)
	}
	// report.html: the metrics, the model's overlap, and the heatmaps of the 64 latents (all of
	// them here) with the encoder and decoder panels.
	page, err := os.ReadFile(filepath.Join(out, SynthHTMLFile))
	for _, want := range []string{"<td>batchtopk</td>", "Mean max |cos|", `id="synth-similarity"`, `"SAE encoder"`, `"SAE decoder"`,
		"the first 64 of 64 latents", "out of 256 (columns", "Cosine Similarity: %{marker.color:.3f}"} {
		if err != nil || !strings.Contains(string(page), want) {
			t.Errorf("report.html lacks %q (%v)", want, err)
		}
	}
	if _, err := SynthTrain(context.Background(), SynthTrainOptions{ModelDir: model, Out: filepath.Join(tmp, "x"), Arch: "relu"}); err == nil ||
		!strings.Contains(err.Error(), `--arch "relu": must be one of`) {
		t.Errorf("unknown arch: %v", err)
	}
	if _, err := os.Stat(filepath.Join(tmp, "x")); err == nil {
		t.Error("a refused run left its directory")
	}
	// The autotuner's time scale reaches the training config.
	if p, err := planSynthTrain(SynthTrainOptions{ModelDir: model, Out: filepath.Join(tmp, "y"), Arch: "standard", AutotuneTimeScale: 7}); err != nil || p.tc.AutotuneTimeScale != 7 {
		t.Errorf("AutotuneTimeScale 7: plan %v, %v", p, err)
	}
}

// A failed architecture keeps its row, with the error instead of numbers, in both tables.
func TestSynthBenchTables(t *testing.T) {
	dir := t.TempDir()
	ok := &SynthTrainResult{Arch: "topk", Width: 64, TargetL0: 4, Samples: 1024, Steps: 1, Batch: 1024, LR: 3e-4, TrainSeconds: 1.25, EvalSeconds: 0.5,
		Metrics: synth.Result{SAEL0: 4, ExplainedVariance: 0.5, MCC: 0.25, Uniqueness: 0.75, F1: 0.125, Precision: 0.5, Recall: 0.0625, DeadLatents: 3, TrueL0: 5, Samples: 2048}}
	rows := []SynthBenchRow{{Arch: "topk", Result: ok}, {Arch: "gated", Error: "gated: loss | gradient not finite"}}
	if err := writeSynthBench(dir, "mini", rows, nil, nil); err != nil {
		t.Fatal(err)
	}
	md, _ := os.ReadFile(filepath.Join(dir, SynthReportFile))
	for _, want := range []string{"# Synthetic benchmark, preset mini", "Width 64, target L0 4, 1024 training samples",
		"| topk | 4.000 | 0.500 | 0.250 | 0.750 | 0.125 | 0.500 | 0.062 | 3 | 1.8 |", "| gated | failed: gated: loss / gradient not finite |"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report.md lacks %q:\n%s", want, md)
		}
	}
	page, err := os.ReadFile(filepath.Join(dir, SynthHTMLFile))
	for _, want := range []string{"Synthetic benchmark, preset mini", "gated failed: gated: loss | gradient not finite", `id="synth-bars"`, "<td>0.250</td>"} {
		if err != nil || !strings.Contains(string(page), want) {
			t.Errorf("report.html lacks %q (%v)", want, err)
		}
	}
	csv, _ := os.ReadFile(filepath.Join(dir, SynthBenchTable))
	want := "arch,L0,explained variance,MCC,uniqueness,F1,precision,recall,dead latents,seconds,error\n" +
		"topk,4.000000,0.500000,0.250000,0.750000,0.125000,0.500000,0.062500,3,1.8,\n" +
		"gated,,,,,,,,,,gated: loss | gradient not finite\n"
	if string(csv) != want {
		t.Errorf("bench.csv:\n%s\nwant\n%s", csv, want)
	}
}
