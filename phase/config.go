package phase

import (
	"fmt"
	"math"

	"saelab/optim"
)

// Config is one phase-diagram run (phase-diagrams §4). The zero value is not valid; start from
// DefaultConfig.
type Config struct {
	// Experiment is 1 (n = 2 features, m = 1 dimension) or 2 (n = 3, m = 2).
	Experiment int `json:"experiment" yaml:"experiment"`
	// Grid is N, the cells per axis: r = 10^linspace(−1, 1, N), p = 10^linspace(−2, 0, N) (§4.1).
	Grid int `json:"grid" yaml:"grid"`
	// Instances is K, the models trained per cell (§4.2).
	Instances int `json:"instances" yaml:"instances"`

	Steps     int     `json:"steps" yaml:"steps"`
	BatchSize int     `json:"batch_size" yaml:"batch_size"`
	LR        float64 `json:"lr" yaml:"lr"`
	Schedule  string  `json:"lr_schedule" yaml:"lr_schedule"`
	// Optimizer is "adamw" (the default, §4.2) or "adam"; WeightDecay is AdamW's decoupled
	// weight decay (0 means 0.01, as in toymodel.TrainConfig).
	Optimizer   string  `json:"optimizer" yaml:"optimizer"`
	WeightDecay float64 `json:"weight_decay" yaml:"weight_decay"`
	Beta1       float64 `json:"adam_beta1" yaml:"adam_beta1"`
	Beta2       float64 `json:"adam_beta2" yaml:"adam_beta2"`
	Eps         float64 `json:"adam_eps" yaml:"adam_eps"`

	// EvalBatch is the size of the fresh batch, one per cell, on which the cell's instances are
	// ranked (§4.3).
	EvalBatch int `json:"eval_batch" yaml:"eval_batch"`
	// Aggregate is how a cell's instances are combined: paper, best, zf or all (§4.4).
	Aggregate string `json:"aggregate" yaml:"aggregate"`
	// TauN and TauS are the classification thresholds on n̄ and σ̄ (§4.5).
	TauN float64 `json:"tau_n" yaml:"tau_n"`
	TauS float64 `json:"tau_s" yaml:"tau_s"`

	Seed uint64 `json:"seed" yaml:"seed"`
	// Engine is "packed" (the default: the lane trainer of this package) or "toymodel"
	// (toymodel.Train, one multi-instance model per cell; slower, for cross-checks).
	Engine string `json:"engine" yaml:"engine"`
}

// DefaultConfig is the protocol of phase-diagrams §4 for an experiment (1 or 2).
func DefaultConfig(experiment int) Config {
	return Config{
		Experiment: experiment, Grid: 40, Instances: 10,
		Steps: 10000, BatchSize: 1024, LR: 1e-3, Schedule: "constant",
		Optimizer: optim.NameAdamW, WeightDecay: optim.DefaultWeightDecay, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8,
		EvalBatch: 10000, Aggregate: AggPaper, TauN: 0.5, TauS: 0.25,
		Engine: EnginePacked,
	}
}

// Aggregation modes (§4.4) and engines.
const (
	AggPaper = "paper"
	AggBest  = "best"
	AggZF    = "zf"
	AggAll   = "all"

	EnginePacked   = "packed"
	EngineToyModel = "toymodel"
)

// Bounds on the sizes a config may ask for.
const (
	maxGrid      = 1000
	maxInstances = 1000
	maxModels    = 4_000_000 // Grid²·Instances
	maxSteps     = 10_000_000
	maxBatch     = 1 << 20
)

// Exp returns the config's experiment.
func (c Config) Exp() Experiment { return Experiment(c.Experiment) }

// Cells is the number of cells, Grid².
func (c Config) Cells() int { return c.Grid * c.Grid }

// Validate reports the first field out of range, naming it, its value and what is allowed.
func (c Config) Validate() error {
	switch {
	case c.Experiment != 1 && c.Experiment != 2:
		return fmt.Errorf("experiment = %d: must be 1 (2 features, 1 dimension) or 2 (3 features, 2 dimensions)", c.Experiment)
	case c.Grid < 2 || c.Grid > maxGrid:
		return fmt.Errorf("grid = %d: must be in [2, %d]", c.Grid, maxGrid)
	case c.Instances < 1 || c.Instances > maxInstances:
		return fmt.Errorf("instances = %d: must be in [1, %d]", c.Instances, maxInstances)
	case c.Grid*c.Grid*c.Instances > maxModels:
		return fmt.Errorf("grid²·instances = %d: must be at most %d", c.Grid*c.Grid*c.Instances, maxModels)
	case c.Steps > maxSteps:
		return fmt.Errorf("steps = %d: must be at most %d", c.Steps, maxSteps)
	case c.BatchSize > maxBatch:
		return fmt.Errorf("batch_size = %d: must be at most %d", c.BatchSize, maxBatch)
	case c.EvalBatch < 1 || c.EvalBatch > maxBatch:
		return fmt.Errorf("eval_batch = %d: must be in [1, %d]", c.EvalBatch, maxBatch)
	case c.Aggregate != AggPaper && c.Aggregate != AggBest && c.Aggregate != AggZF && c.Aggregate != AggAll:
		return fmt.Errorf("aggregate = %q: must be paper, best, zf or all", c.Aggregate)
	case !finiteNonNeg(c.TauN):
		return fmt.Errorf("tau_n = %v: must be a finite number ≥ 0", c.TauN)
	case !finiteNonNeg(c.TauS):
		return fmt.Errorf("tau_s = %v: must be a finite number ≥ 0", c.TauS)
	case c.Engine != EnginePacked && c.Engine != EngineToyModel:
		return fmt.Errorf("engine = %q: must be packed or toymodel", c.Engine)
	case c.Optimizer == "":
		return fmt.Errorf("optimizer = \"\": must be adamw or adam")
	}
	if err := optim.ValidateLoop(c.BatchSize, c.Steps, 1, c.LR, c.Schedule, c.Beta1, c.Beta2, c.Eps); err != nil {
		return err
	}
	return optim.ValidateOptimizer(c.Optimizer, c.WeightDecay)
}

func finiteNonNeg(v float64) bool { return v >= 0 && !math.IsInf(v, 0) }

// Axes returns the grid's importance and density axes (§4.1): r = 10^linspace(−1, 1, N) and
// p = 10^linspace(−2, 0, N), both inclusive.
func (c Config) Axes() (r, p []float64) {
	return logLinspace(-1, 1, c.Grid), logLinspace(-2, 0, c.Grid)
}

func logLinspace(lo, hi float64, n int) []float64 {
	out := make([]float64, n)
	for k := range out {
		e := lo + (hi-lo)*float64(k)/float64(n-1)
		if k == n-1 {
			e = hi
		}
		out[k] = math.Pow(10, e)
	}
	return out
}

// InitStd is the init σ of W (§4.2): the Xavier std of a K-instance toy model,
// sqrt(2/(F·(H + K))), which does not depend on the grid size.
func (c Config) InitStd() float64 {
	e := c.Exp()
	return math.Sqrt(2 / float64(e.Features()*(e.Hidden()+c.Instances)))
}
