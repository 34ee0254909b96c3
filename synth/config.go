package synth

import (
	"fmt"
	"math"
)

// Size limits, checked before anything is allocated. They are far above SynthSAEBench-16k
// (16384 × 768) and keep every buffer addressable and every loop bounded.
const (
	MaxFeatures  = 1 << 20 // num_features
	MaxHiddenDim = 1 << 16 // hidden_dim
	MaxDictSize  = 1 << 28 // num_features · hidden_dim (1 GiB of float32)
	MaxRank      = 1024    // correlation.rank
	MaxDepth     = 64      // hierarchy.max_depth
	MaxSteps     = 100_000 // orthogonalization.num_steps

	maxSeed = 1 << 62 // seed+1 and seed+2 (§7.2) must not overflow
)

// Config is SAELens's SyntheticModelConfig (spec §7.1): every field, in serialisation order.
// Its zero value is not valid; start from DefaultConfig.
type Config struct {
	NumFeatures       int                      // F ≥ 1
	HiddenDim         int                      // H ≥ 1
	FiringProbability ProbabilityConfig        // §2
	Hierarchy         *HierarchyConfig         // nil (or TotalRootNodes = 0): no hierarchy
	Orthogonalization *OrthogonalizationConfig // nil: plain random unit vectors
	Correlation       *CorrelationConfig       // nil: features fire independently
	StdMagnitudes     Magnitude                // σ_f (§3)
	MeanMagnitudes    Magnitude                // μ_f (§3)
	Bias              float64                  // norm of the dictionary bias b; 0 means b = 0
	DType             string                   // "float32" (the dtype of stored probabilities and correlation)
	Seed              *int64                   // base seed; nil (JSON null) is taken as 0
}

// OrthogonalizationConfig holds orthogonalize_embeddings' settings (spec §1.1).
type OrthogonalizationConfig struct {
	NumSteps  int     // Adam steps, default 200
	LR        float64 // Adam learning rate, default 0.01
	ChunkSize int     // rows per gradient block (memory only), default 1024
}

// CorrelationConfig asks for a low-rank Gaussian-copula correlation (spec §4.1).
type CorrelationConfig struct {
	Rank  int     // r, default 32
	Scale float64 // correlation_scale, default 0.1
	Seed  *int64  // kept for the file; ignored (the model uses its own seed, §7.2)
}

// DefaultConfig returns SAELens's defaults for F features in H dimensions: Zipfian firing
// (exponent 1, 0.3 down to 0.01), no hierarchy, no orthogonalisation, no correlation, σ = 0,
// μ = 1, bias norm 1, float32, seed null.
func DefaultConfig(F, H int) Config {
	return Config{
		NumFeatures:       F,
		HiddenDim:         H,
		FiringProbability: DefaultProbability(Zipfian),
		StdMagnitudes:     ConstantMagnitude(0),
		MeanMagnitudes:    ConstantMagnitude(1),
		Bias:              1,
		DType:             "float32",
	}
}

// DefaultOrthogonalization returns orthogonalize_embeddings' defaults (200 steps, lr 0.01,
// chunk 1024).
func DefaultOrthogonalization() *OrthogonalizationConfig {
	return &OrthogonalizationConfig{NumSteps: 200, LR: 0.01, ChunkSize: 1024}
}

// DefaultCorrelation returns the config defaults (rank 32, scale 0.1).
func DefaultCorrelation() *CorrelationConfig { return &CorrelationConfig{Rank: 32, Scale: 0.1} }

// dtypes are the accepted values of Config.DType. Computation is float32 whatever the value;
// it sets the element type of the stored probabilities and correlation tensors.
var dtypes = []string{"float32", "float64", "float16", "bfloat16"}

// seed returns the base seed (0 for null).
func (c *Config) seed() int64 {
	if c.Seed == nil {
		return 0
	}
	return *c.Seed
}

// hasHierarchy reports whether the config asks for a hierarchy.
func (c *Config) hasHierarchy() bool { return c.Hierarchy != nil && c.Hierarchy.TotalRootNodes != 0 }

// Validate checks every field against its allowed range. It allocates nothing.
func (c *Config) Validate() error {
	if c.NumFeatures < 1 || c.NumFeatures > MaxFeatures {
		return fieldErr("num_features", c.NumFeatures, fmt.Sprintf("an integer from 1 to %d", MaxFeatures))
	}
	if c.HiddenDim < 1 || c.HiddenDim > MaxHiddenDim {
		return fieldErr("hidden_dim", c.HiddenDim, fmt.Sprintf("an integer from 1 to %d", MaxHiddenDim))
	}
	if c.NumFeatures*c.HiddenDim > MaxDictSize {
		return fmt.Errorf("synth: num_features × hidden_dim = %d × %d: the dictionary may hold at most %d values",
			c.NumFeatures, c.HiddenDim, MaxDictSize)
	}
	if err := c.FiringProbability.validate(c.NumFeatures); err != nil {
		return err
	}
	if c.hasHierarchy() {
		if err := c.Hierarchy.validate(); err != nil {
			return err
		}
	}
	if o := c.Orthogonalization; o != nil {
		if o.NumSteps < 0 || o.NumSteps > MaxSteps {
			return fieldErr("orthogonalization.num_steps", o.NumSteps, fmt.Sprintf("an integer from 0 to %d", MaxSteps))
		}
		if !(o.LR > 0) || math.IsInf(o.LR, 0) {
			return fieldErr("orthogonalization.lr", o.LR, "a finite number > 0")
		}
		if o.ChunkSize < 1 || o.ChunkSize > MaxFeatures {
			return fieldErr("orthogonalization.chunk_size", o.ChunkSize, fmt.Sprintf("an integer from 1 to %d", MaxFeatures))
		}
	}
	if r := c.Correlation; r != nil {
		if r.Rank < 1 || r.Rank > MaxRank {
			return fieldErr("correlation.rank", r.Rank, fmt.Sprintf("an integer from 1 to %d", MaxRank))
		}
		if !(r.Scale >= 0) || math.IsInf(r.Scale, 0) {
			return fieldErr("correlation.correlation_scale", r.Scale, "a finite number ≥ 0")
		}
	}
	if err := c.StdMagnitudes.validate("std_firing_magnitudes"); err != nil {
		return err
	}
	if err := c.MeanMagnitudes.validate("mean_firing_magnitudes"); err != nil {
		return err
	}
	if !finite(c.Bias) || c.Bias < 0 {
		return fieldErr("bias", c.Bias, "true, false or a finite number ≥ 0")
	}
	if c.Seed != nil && (*c.Seed < -maxSeed || *c.Seed > maxSeed) {
		return fieldErr("seed", *c.Seed, fmt.Sprintf("null or an integer from %d to %d", -maxSeed, maxSeed))
	}
	for _, d := range dtypes {
		if c.DType == d {
			return nil
		}
	}
	return fieldErr("dtype", fmt.Sprintf("%q", c.DType), "one of float32, float64, float16, bfloat16")
}

// fieldErr is the error for a field outside its range.
func fieldErr(field string, value any, allowed string) error {
	return fmt.Errorf("synth: %s = %v: must be %s", field, value, allowed)
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
