package synth

import (
	"math"
	"testing"
)

// TestSynthSAEBench16kProbabilities checks the derived structure of spec §11.1: base and
// compensated probabilities at the printed digits, 128 roots, 10,880 hierarchy features,
// 2,688 parents all mutually exclusive and rescaling, nothing clamped.
func TestSynthSAEBench16kProbabilities(t *testing.T) {
	cfg := SynthSAEBench16k()
	base := cfg.FiringProbability.generate(cfg.NumFeatures, 42)
	for f, want := range map[int]float64{0: 0.4, 1: 0.282068, 127: 0.032944, 4095: 0.003646, 16383: 0.0005} {
		if math.Abs(float64(base[f])-want) > 5e-7 {
			t.Errorf("base p[%d] = %.7f, want %.6f", f, base[f], want)
		}
	}
	sum, sum4096 := 0.0, 0.0
	for f, p := range base {
		sum += float64(p)
		if f < 4096 {
			sum4096 += float64(p)
		}
	}
	if math.Abs(sum-59.14) > 0.005 || math.Abs(sum4096-40.12) > 0.005 {
		t.Errorf("Σp = %.3f (first 4096: %.3f), want 59.14 and 40.12", sum, sum4096)
	}
	g, warn, err := NewGeneratorFromConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range warn {
		t.Logf("warning: %s", w)
	}
	for f, want := range map[int]float64{128: 0.102025, 640: 0.893207, 2688: 0.833122, 10879: 0.406008, 10880: 0.001214} {
		if math.Abs(float64(g.Prob[f])-want) > 5e-7 {
			t.Errorf("stored p[%d] = %.7f, want %.6f", f, g.Prob[f], want)
		}
	}
	pmax := float32(0)
	for _, p := range g.Prob {
		pmax = max(pmax, p)
	}
	if math.Abs(float64(pmax)-0.915) > 5e-4 {
		t.Errorf("largest stored p = %.4f, want 0.915", pmax)
	}
	st := g.Stats()
	if st.Roots != 128 || st.Features != 10880 || st.Parents != 2688 || st.MEGroups != 2688 || st.MaxDepth != 3 {
		t.Errorf("hierarchy %+v, want 128 roots, 10880 features, 2688 parents and ME groups, depth 3", st)
	}
	rescaling := 0
	for f := range g.fo.rescale {
		if g.fo.parent[f] >= 0 && g.fo.rescale[f] {
			rescaling++
		}
	}
	if rescaling != 10880-128 {
		t.Errorf("%d features under rescaling parents, want %d", rescaling, 10880-128)
	}
	t.Logf("σ[0..3] = %v, μ[0], μ[16383] = %v, %v", g.Sigma[:4], g.Mean[0], g.Mean[16383])
}
