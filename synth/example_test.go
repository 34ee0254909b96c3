package synth_test

import (
	"fmt"

	"saelab/synth"
)

// Generate a small model with a hierarchy and a low-rank correlation, draw a batch of hidden
// activations, and summarise it.
func Example() {
	cfg := synth.DefaultConfig(256, 32) // 256 features in 32 dimensions
	cfg.FiringProbability = synth.ProbabilityConfig{Generator: synth.Zipfian, Exponent: 0.5, MaxProb: 0.4, MinProb: 0.01}
	cfg.Hierarchy = &synth.HierarchyConfig{TotalRootNodes: 8, Branching: [2]int{3, 3}, MaxDepth: 2,
		MEPortion: 1, CompensateProbabilities: true, ScaleChildrenByParent: true}
	cfg.Correlation = &synth.CorrelationConfig{Rank: 4, Scale: 0.1}
	cfg.Orthogonalization = &synth.OrthogonalizationConfig{NumSteps: 50, LR: 0.01, ChunkSize: 256}
	cfg.StdMagnitudes = synth.Magnitude{Generator: synth.FoldedNormal, Mean: 0.5, Std: 0.5}
	cfg.MeanMagnitudes = synth.Magnitude{Generator: synth.Linear, Start: 5, End: 4}
	seed := int64(42)
	cfg.Seed = &seed

	m, err := synth.New(cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	st := m.Gen.Stats()
	fmt.Printf("hierarchy: %d features in %d trees, %d mutually exclusive parents\n", st.Features, st.Roots, st.MEGroups)

	const n = 4096
	var batch synth.Batch
	x := make([]float32, n*cfg.HiddenDim) // x = a·V + b, one row per sample
	m.Sample(&batch, x, n, 1, 0)          // run seed 1, batch 0
	fmt.Printf("true L0: %.1f active features per sample\n", float64(len(batch.Index))/n)
	fmt.Printf("sample 0: features %v\n", batch.Index[batch.Off[0]:batch.Off[1]])
	// Output:
	// hierarchy: 104 features in 8 trees, 32 mutually exclusive parents
	// true L0: 7.4 active features per sample
	// sample 0: features [1 4 11 20 42 68 106 214]
}
