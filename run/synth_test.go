package run

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
