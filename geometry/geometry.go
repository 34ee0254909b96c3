package geometry

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"saelab/metrics"
	"saelab/optim"
	"saelab/rng"
	"saelab/toymodel"
)

// Setups.
const (
	// Uniform is the feature-dimensionality setup of Elhage et al. (2022): n = 400 features of
	// importance 1 in m = 30 dimensions, one model per density, density swept.
	Uniform = "uniform"
	// Reference is the "feature geometry" experiment of the reference: 20 instances of 200
	// features in 20 dimensions, importance 1, p = 20^(−linspace(0, 1, 20)), 10k steps.
	Reference = "reference"
)

// Config is one density sweep. Instance k trains at density Densities[k].
type Config struct {
	Setup     string    `json:"setup" yaml:"setup"`
	NFeatures int       `json:"n_features" yaml:"n_features"`
	DHidden   int       `json:"d_hidden" yaml:"d_hidden"`
	Densities []float64 `json:"densities" yaml:"densities"`

	Steps       int     `json:"steps" yaml:"steps"`
	BatchSize   int     `json:"batch_size" yaml:"batch_size"`
	LR          float64 `json:"lr" yaml:"lr"`
	Schedule    string  `json:"lr_schedule" yaml:"lr_schedule"`
	Optimizer   string  `json:"optimizer" yaml:"optimizer"`
	WeightDecay float64 `json:"weight_decay" yaml:"weight_decay"`
	Beta1       float64 `json:"adam_beta1" yaml:"adam_beta1"`
	Beta2       float64 `json:"adam_beta2" yaml:"adam_beta2"`
	Eps         float64 `json:"adam_eps" yaml:"adam_eps"`

	Seed uint64 `json:"seed" yaml:"seed"`
	// Show lists the instances drawn as N-d feature plots; empty means a few spread over the
	// sweep.
	Show []int `json:"show" yaml:"show"`
}

// DefaultConfig is the setup's default sweep: for Uniform 24 densities from 1 to 1/300 (log
// spaced), for Reference the reference's 20; 10,000 steps of batch 1024 with the reference's
// Adam at lr 1e-3.
func DefaultConfig(setup string) (Config, error) {
	c := Config{Setup: setup, Steps: 10000, BatchSize: 1024, LR: 1e-3, Schedule: "constant",
		Optimizer: optim.NameAdam, WeightDecay: optim.DefaultWeightDecay, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
	switch setup {
	case Uniform:
		c.NFeatures, c.DHidden = 400, 30
		c.Densities = Sweep(1, 1.0/300, 24)
	case Reference:
		c.NFeatures, c.DHidden = 200, 20
		c.Densities = Sweep(1, 1.0/20, 20) // 20^(−linspace(0, 1, 20))
	default:
		return Config{}, fmt.Errorf("setup = %q: must be %q or %q", setup, Uniform, Reference)
	}
	return c, nil
}

// Sweep is n densities from hi down to lo, evenly spaced in log: hi·(lo/hi)^(k/(n−1)).
func Sweep(hi, lo float64, n int) []float64 {
	out := make([]float64, n)
	for k := range out {
		out[k] = hi * math.Pow(lo/hi, float64(k)/float64(max(n-1, 1)))
	}
	return out
}

// Validate reports the first field out of range, naming it.
func (c Config) Validate() error {
	switch {
	case c.Setup != Uniform && c.Setup != Reference:
		return fmt.Errorf("setup = %q: must be %q or %q", c.Setup, Uniform, Reference)
	case len(c.Densities) < 1 || len(c.Densities) > 4096:
		return fmt.Errorf("densities: %d values, must be 1 to 4096", len(c.Densities))
	}
	for k, p := range c.Densities {
		if !(p > 0 && p <= 1) {
			return fmt.Errorf("densities[%d] = %v: must be in (0, 1]", k, p)
		}
	}
	for _, k := range c.Show {
		if k < 0 || k >= len(c.Densities) {
			return fmt.Errorf("show: instance %d: must be in [0, %d)", k, len(c.Densities))
		}
	}
	if err := c.model().Validate(); err != nil {
		return err
	}
	return c.trainConfig().Validate()
}

func (c Config) model() toymodel.Config {
	return toymodel.Config{NInst: len(c.Densities), NFeatures: c.NFeatures, DHidden: c.DHidden, FeatMagDistn: "unif"}
}

func (c Config) trainConfig() toymodel.TrainConfig {
	return toymodel.TrainConfig{BatchSize: c.BatchSize, Steps: c.Steps, LogFreq: max(c.Steps/100, 1), LR: c.LR, Schedule: c.Schedule,
		Beta1: c.Beta1, Beta2: c.Beta2, Eps: c.Eps, Optimizer: c.Optimizer, WeightDecay: c.WeightDecay}
}

// Shown is the instances drawn as N-d feature plots: Show, or four spread over the sweep.
func (c Config) Shown() []int {
	if len(c.Show) > 0 {
		return c.Show
	}
	n := len(c.Densities)
	var out []int
	for _, k := range []int{0, n / 3, 2 * n / 3, n - 1} {
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// purposeGeometry keys the uniform setup's per-instance init streams.
const purposeGeometry uint64 = 0x67656f6d // "geom"

// newModel initialises the sweep's toy model: for Reference the reference's own model
// (toymodel.New, Xavier over all instances); for Uniform each instance as a model of its own
// (I = 1 Xavier std, its own stream), so that an instance's init does not depend on the others.
func (c Config) newModel() (*toymodel.Model, error) {
	mc := c.model()
	p := toymodel.PerInstance(c.Densities)
	if c.Setup == Reference {
		return toymodel.New(mc, toymodel.Scalar(1), p, c.Seed)
	}
	I, H, F := mc.NInst, mc.DHidden, mc.NFeatures
	std := toymodel.XavierStd(1, H, F)
	W := make([]float64, I*H*F)
	for k := 0; k < I; k++ {
		s := rng.New(c.Seed, purposeGeometry, uint64(k))
		for j := k * H * F; j < (k+1)*H*F; j++ {
			W[j] = std * s.Normal()
		}
	}
	return toymodel.FromWeights(mc, toymodel.Scalar(1), p, W, make([]float64, I*F))
}

// Result is a trained sweep and its geometry (reference-semantics §6.1).
type Result struct {
	Config Config `json:"config"`
	// W is each instance's weights [H][F] (flat), B its b_final [F].
	W [][]float64 `json:"W"`
	B [][]float64 `json:"b"`
	// DimsPerFeature is m/‖W‖²_F per instance; Dims is D_f per instance and feature.
	DimsPerFeature []float64   `json:"dims_per_feature"`
	Dims           [][]float64 `json:"D"`
	// Loss is each instance's loss (spec §1.6) on a fresh batch of 4096 samples.
	Loss []float64 `json:"loss"`
}

// Progress is the training's progress: steps done of the total, the mean logged loss per
// instance and the time since the start.
type Progress struct {
	Step, Steps int
	Loss        float64
	Elapsed     time.Duration
}

// Observer receives progress during training (toymodel.Train's callback).
type Observer func(Progress)

// Run trains the sweep with toymodel.Train and measures its geometry.
func Run(ctx context.Context, c Config, obs Observer) (*Result, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	m, err := c.newModel()
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	var prog func(toymodel.Progress)
	if obs != nil {
		prog = func(p toymodel.Progress) {
			obs(Progress{Step: p.Step, Steps: p.Steps, Loss: p.Loss, Elapsed: time.Since(t0)})
		}
	}
	// toymodel.Train runs to the end; a cancelled context is reported once it returns.
	if _, err := toymodel.Train(m, c.trainConfig(), c.Seed, prog); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return c.measure(m)
}

// measure computes the geometry of a trained model and each instance's loss on a fresh batch.
func (c Config) measure(m *toymodel.Model) (*Result, error) {
	I, H, F := m.Cfg.NInst, m.Cfg.DHidden, m.Cfg.NFeatures
	for _, v := range m.W {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("training diverged: non-finite weights")
		}
	}
	r := &Result{Config: c, DimsPerFeature: metrics.DimsPerFeature(m.W, I, H, F), Loss: make([]float64, I)}
	D := metrics.Dimensionality(m.W, I, H, F)
	sc := m.NewScratch()
	var ib toymodel.InstBatch
	for k := 0; k < I; k++ {
		if math.IsInf(r.DimsPerFeature[k], 0) {
			return nil, fmt.Errorf("instance %d (p = %.4g) learned no feature (W = 0): its dimensions per feature are undefined", k, c.Densities[k])
		}
		r.W = append(r.W, slices.Clone(m.W[k*H*F:(k+1)*H*F]))
		r.B = append(r.B, slices.Clone(m.BFinal[k*F:(k+1)*F]))
		r.Dims = append(r.Dims, D[k*F:(k+1)*F])
		m.GenerateInstance(k, evalBatch, rng.New(c.Seed, purposeGeometry, keyEval, uint64(k)), &ib)
		r.Loss[k] = m.LossGradInstance(k, &ib, evalBatch, nil, nil, sc)
	}
	return r, nil
}

// evalBatch is the size of the fresh batch each instance's loss is measured on.
const (
	evalBatch        = 4096
	keyEval   uint64 = 1 << 32
)
