package synth

import "fmt"

// Preset names accepted by Preset.
const (
	PresetSynthSAEBench16k = "synthsaebench-16k"
	PresetMini             = "mini"
)

// Preset returns the config of a named preset: "synthsaebench-16k" or "mini".
func Preset(name string) (Config, error) {
	switch name {
	case PresetSynthSAEBench16k:
		return SynthSAEBench16k(), nil
	case PresetMini:
		return Mini(), nil
	}
	return Config{}, fmt.Errorf("synth: preset %q: must be %s or %s", name, PresetSynthSAEBench16k, PresetMini)
}

// SynthSAEBench16k returns the config of SynthSAEBench-16k v2 (spec §11.1): 16384 features
// in 768 dimensions; Zipfian firing (exponent 0.5, 0.4 down to 5e-4); 128 trees of branching
// 4 and depth 3, all parents mutually exclusive and rescaling, probabilities compensated;
// rank-25 correlation of scale 0.1; 100 orthogonalisation steps at lr 3e-4; μ linear from 5
// to 4; σ folded normal (0.5, 0.5); bias norm 0.5; seed 42.
func SynthSAEBench16k() Config {
	seed := int64(42)
	meMax := (*int)(nil)
	return Config{
		NumFeatures:       16384,
		HiddenDim:         768,
		FiringProbability: ProbabilityConfig{Generator: Zipfian, Exponent: 0.5, MaxProb: 0.4, MinProb: 5e-4},
		Hierarchy: &HierarchyConfig{TotalRootNodes: 128, Branching: [2]int{4, 4}, MaxDepth: 3,
			MEPortion: 1, MEMinDepth: 0, MEMaxDepth: meMax, CompensateProbabilities: true, ScaleChildrenByParent: true},
		Orthogonalization: &OrthogonalizationConfig{NumSteps: 100, LR: 3e-4, ChunkSize: 1024},
		Correlation:       &CorrelationConfig{Rank: 25, Scale: 0.1},
		StdMagnitudes:     Magnitude{Generator: FoldedNormal, Mean: 0.5, Std: 0.5},
		MeanMagnitudes:    Magnitude{Generator: Linear, Start: 5, End: 4},
		Bias:              0.5,
		DType:             "float32",
		Seed:              &seed,
	}
}

// Mini returns the mini preset: SynthSAEBench-16k scaled down by 4 in features and 3 in
// dimensions for a CPU benchmark (see the package documentation for its sizes): 4096 features
// in 256 dimensions (superposition 16×), 32 trees of branching 4 and depth 3 (2720 hierarchy
// features, two thirds as in the full benchmark), and otherwise the full benchmark's settings.
func Mini() Config {
	c := SynthSAEBench16k()
	c.NumFeatures, c.HiddenDim = 4096, 256
	c.Hierarchy.TotalRootNodes = 32
	return c
}
