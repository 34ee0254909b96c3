package synth

import (
	"fmt"
	"math"

	"saelab/rng"
)

// Model is SAELens's SyntheticModel (spec §7): a feature dictionary and an activation
// generator built from one config.
type Model struct {
	Config Config
	Dict   *Dictionary
	Gen    *Generator
	// Warnings are the notices construction or loading produced (capped correlation rows,
	// probabilities pushed to 1 by compensation, stored probabilities that differ from the
	// config's). They are not errors.
	Warnings []string
}

// New builds a model from cfg in the component order of spec §7.2: hierarchy, correlation,
// dictionary, probabilities (then compensation and the clamp at 1), σ then μ, generator.
//
// Randomness: σ (folded normal, seed+1), μ (seed+2) and "random" probabilities (seed) are
// PyTorch's CPU draws exactly (Appendix A). The hierarchy's optional draws, the correlation
// factor and the dictionary come from saelab streams of the seed: the same distributions as
// SAELens, not the same values (SAELens's files are loaded, not rebuilt; see the modeldir
// package). A null seed is taken as 0, so every model is reproducible.
func New(cfg Config) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m := &Model{Config: cfg}
	gen, warn, err := buildGenerator(&cfg, nil, nil, true)
	if err != nil {
		return nil, err
	}
	m.Gen, m.Warnings = gen, warn
	seed := uint64(cfg.seed())
	m.Dict = NewDictionary(cfg.NumFeatures, cfg.HiddenDim, cfg.Bias, cfg.Orthogonalization, rng.New(seed, purposeDictionary))
	return m, nil
}

// NewGeneratorFromConfig builds only the activation side of a model (hierarchy, correlation,
// probabilities, magnitudes): everything sampling needs but the dictionary, whose
// orthogonalisation dominates construction time. It equals New(cfg).Gen.
func NewGeneratorFromConfig(cfg Config) (*Generator, []string, error) {
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	return buildGenerator(&cfg, nil, nil, true)
}

// buildGenerator runs spec §7.2 steps 1, 2, 4, 5 and 6. roots and corr, when given, are used
// as they are (a loaded model); with makeCorr false and corr nil there is no correlation.
func buildGenerator(cfg *Config, roots []*Node, corr *LowRank, makeCorr bool) (*Generator, []string, error) {
	F := cfg.NumFeatures
	seed := cfg.seed()
	var warn []string
	if roots == nil && cfg.hasHierarchy() {
		roots = GenerateHierarchy(F, cfg.Hierarchy, rng.New(uint64(seed), purposeHierarchy))
	}
	if corr == nil && makeCorr && cfg.Correlation != nil {
		var capped int
		corr, capped = GenerateLowRank(F, cfg.Correlation.Rank, cfg.Correlation.Scale, rng.New(uint64(seed), purposeCorrelation))
		if capped > 0 {
			warn = append(warn, fmt.Sprintf("correlation: %d rows of the factor had squared norm above 0.99 and were capped", capped))
		}
	}
	p := cfg.FiringProbability.generate(F, seed)
	if cfg.hasHierarchy() && cfg.Hierarchy.CompensateProbabilities && len(roots) > 0 {
		if _, err := compileForest(roots, F); err != nil { // the factors walk the trees: check them first
			return nil, nil, err
		}
		if pushed := compensate(p, CompensationFactors(roots, p)); pushed > 0 {
			warn = append(warn, fmt.Sprintf("hierarchy: probability compensation pushed %d probabilities to 1", pushed))
		}
	}
	for i := range p {
		p[i] = min(p[i], 1)
	}
	sigma := cfg.StdMagnitudes.generate(F, seed+1)
	mu := cfg.MeanMagnitudes.generate(F, seed+2)
	g, err := NewGenerator(p, sigma, mu, corr, roots)
	if err != nil {
		return nil, nil, err
	}
	return g, warn, nil
}

// Parts are the tensors and hierarchy of a stored model (spec §7.3), as a loader found them.
type Parts struct {
	V, Bias []float32 // [F×H], [H]
	Prob    []float32 // stored (final) firing probabilities [F]
	Corr    *LowRank  // nil if the file has no correlation_factor
	Roots   []*Node   // from hierarchy.json; nil if the file is absent
	HasTree bool      // hierarchy.json was present (even with no roots)
}

// Assemble builds a model from its config and stored parts as load_from_disk does (spec
// §7.3.2): the stored V, b and correlation are used as they are; the hierarchy comes from the
// stored file or, if there was none, is regenerated from the config; p, σ and μ are
// regenerated from the config and then p is replaced by the stored probabilities. Unlike
// SAELens 6.39, the copula thresholds are computed from the stored p. A stored p that differs
// from the regenerated one by more than 1e-6 gives a warning.
func Assemble(cfg Config, parts Parts) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	F, H := cfg.NumFeatures, cfg.HiddenDim
	if len(parts.V) != F*H || len(parts.Bias) != H || len(parts.Prob) != F {
		return nil, fmt.Errorf("synth: stored tensors do not match the config: feature_vectors %d values (want %d × %d), bias %d (want %d), firing_probabilities %d (want %d)",
			len(parts.V), F, H, len(parts.Bias), H, len(parts.Prob), F)
	}
	for i, v := range parts.V {
		if !finite(float64(v)) {
			return nil, fmt.Errorf("synth: feature_vectors[%d] = %g: must be finite", i, v)
		}
	}
	for i, v := range parts.Bias {
		if !finite(float64(v)) {
			return nil, fmt.Errorf("synth: bias[%d] = %g: must be finite", i, v)
		}
	}
	roots := parts.Roots
	if !parts.HasTree {
		roots = nil // regenerated from the config by buildGenerator
	} else if roots == nil {
		roots = []*Node{} // an empty stored forest: no hierarchy, not a regenerated one
	}
	regen, warn, err := buildGenerator(&cfg, roots, parts.Corr, false)
	if err != nil {
		return nil, err
	}
	worst, at := 0.0, -1
	for i := range parts.Prob {
		if d := math.Abs(float64(parts.Prob[i]) - float64(regen.Prob[i])); d > worst || math.IsNaN(d) {
			worst, at = d, i
		}
	}
	if at >= 0 && !(worst <= 1e-6) {
		warn = append(warn, fmt.Sprintf("stored firing probabilities differ from the config's by up to %.3g (feature %d): the stored ones are used", worst, at))
	}
	if parts.Corr == nil && cfg.Correlation != nil {
		warn = append(warn, "the config asks for a correlation but the file has no correlation_factor: features fire independently")
	}
	gen, err := NewGenerator(parts.Prob, regen.Sigma, regen.Mean, parts.Corr, regen.Roots)
	if err != nil {
		return nil, err
	}
	d := &Dictionary{F: F, H: H, V: parts.V, Bias: parts.Bias}
	return &Model{Config: cfg, Dict: d, Gen: gen, Warnings: warn}, nil
}

// Sample draws n activation samples (see Generator.Sample) and, if x is not nil, writes their
// hidden vectors x = a·V + b into x [n×H].
func (m *Model) Sample(dst *Batch, x []float32, n int, seed, index uint64) {
	m.Gen.Sample(dst, n, seed, index)
	if x != nil {
		m.Dict.Hidden(dst, x)
	}
}
