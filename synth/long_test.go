package synth

import (
	"os"
	"testing"
	"time"
)

// longTests reports whether the slow checks run: they need `go test` without -short and the
// environment variable SAELAB_SYNTH_LONG set ("full" adds the 16k model's orthogonalisation,
// about ten minutes on two cores).
func longTests(t *testing.T) string {
	v := os.Getenv("SAELAB_SYNTH_LONG")
	if testing.Short() || v == "" {
		t.Skip("slow: set SAELAB_SYNTH_LONG=1 (or full) and run without -short")
	}
	return v
}

// TestPresetsLong builds the presets completely (orthogonalisation included) and logs what
// the package documentation quotes: construction time, superposition statistics, true L0.
func TestPresetsLong(t *testing.T) {
	mode := longTests(t)
	presets := []string{PresetMini}
	if mode == "full" {
		presets = append(presets, PresetSynthSAEBench16k)
	}
	for _, name := range presets {
		cfg, _ := Preset(name)
		t0 := time.Now()
		m, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		build := time.Since(t0)
		t0 = time.Now()
		st, err := Superposition(m.Dict.V, cfg.NumFeatures, cfg.HiddenDim, []int{95, 99})
		if err != nil {
			t.Fatal(err)
		}
		stats := time.Since(t0)
		rms, mean := m.Gen.Corr.CorrelationStats()
		const n = 20480
		var b Batch
		t0 = time.Now()
		m.Gen.Sample(&b, n, 1, 0)
		sample := time.Since(t0)
		width := cfg.NumFeatures / 4
		all, first := 0, 0
		for _, f := range b.Index {
			all++
			if int(f) < width {
				first++
			}
		}
		t.Logf("%s: built in %v; mean max |cos| %.4f, p95 %.4f, p99 %.4f, mean |cos| %.4f (%v); correlation rms %.4f mean %.5f; "+
			"true L0 %.2f, over the first %d features %.2f; %d samples in %v",
			name, build.Round(time.Millisecond), st.MeanMaxAbsCos, st.MeanPercentileAbs[95], st.MeanPercentileAbs[99], st.MeanAbsCos,
			stats.Round(time.Millisecond), rms, mean, float64(all)/n, width, float64(first)/n, n, sample.Round(time.Millisecond))
	}
}
