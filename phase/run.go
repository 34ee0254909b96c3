package phase

import (
	"context"
	"fmt"
	"math"
	"sync/atomic"
	"time"

	"saelab/internal/par"
)

// Cell is one (r, p) point of the diagram: its K instances and their aggregate.
type Cell struct {
	// Index is ip·Grid + ir: cells are stored by rows of equal density, p rising.
	Index int     `json:"index"`
	IR    int     `json:"ir"`
	IP    int     `json:"ip"`
	R     float64 `json:"r"`
	P     float64 `json:"p"`

	Instances []Instance `json:"instances"`
	Aggregate Aggregate  `json:"aggregate"`
}

// Aggregate is a cell's combined statistics and labels (§4.4, §4.5).
type Aggregate struct {
	NBar     float64 `json:"n_bar"`
	SigmaBar float64 `json:"sigma_bar"`
	// SameSign is the kept weight of instances with c_e > 0 (the confused rule's majority).
	SameSign float64 `json:"same_sign"`
	// Loss is the weighted mean eval loss of the kept instances.
	Loss     float64 `json:"loss"`
	Label    Label   `json:"label"`
	Majority Label   `json:"majority_label"`
	// Config names the configuration the label stands for (as the theory names them, or
	// "confused").
	Config string `json:"config"`
	// Theory and TheoryConfig are the closed-form argmin of §2 at (r, p).
	Theory       Label  `json:"theory_label"`
	TheoryConfig string `json:"theory_config"`
}

// Agrees reports whether the cell's label is the theory's.
func (a Aggregate) Agrees() bool { return a.Label == a.Theory }

// Shard is the cells [Lo, Hi) of a grid, by Index: a part of a run that can train on its own
// and be merged back (Merge) into exactly the result of one run.
type Shard struct{ Lo, Hi int }

// Shards splits the grid into n contiguous shards of nearly equal size (n is clamped to
// [1, cells]).
func (c Config) Shards(n int) []Shard {
	cells := c.Cells()
	n = min(max(n, 1), cells)
	out := make([]Shard, n)
	for k := range out {
		out[k] = Shard{k * cells / n, (k + 1) * cells / n}
	}
	return out
}

// Progress is what an Observer sees while a run trains: instance-steps done of the total, and
// the time since the run started.
type Progress struct {
	Done, Total int64
	Elapsed     time.Duration
}

// Observer receives progress, from one goroutine at a time, about every tenth of a second and
// once at the end of training.
type Observer func(Progress)

// Run trains and classifies the whole grid (phase-diagrams §4).
func Run(ctx context.Context, c Config, obs Observer) (*Result, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return RunShard(ctx, c, Shard{0, c.Cells()}, obs)
}

// RunShard trains and classifies the cells of one shard. Every instance's training depends
// only on the seed and its cell and index, so the shards of a grid, merged, give the result of
// Run bit for bit.
func RunShard(ctx context.Context, c Config, sh Shard, obs Observer) (*Result, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if sh.Lo < 0 || sh.Hi > c.Cells() || sh.Lo >= sh.Hi {
		return nil, fmt.Errorf("shard = [%d, %d): must be a non-empty range of the %d cells", sh.Lo, sh.Hi, c.Cells())
	}
	ins := c.instances(sh.Lo, sh.Hi)
	var done atomic.Int64
	total := int64(len(ins)) * int64(c.Steps)
	stop := watch(obs, &done, total)
	train := trainPacked
	if c.Engine == EngineToyModel {
		train = trainToyModel
	}
	tr, err := train(ctx, c, ins, &done)
	stop()
	if err != nil {
		return nil, err
	}
	cells := make([]Cell, sh.Hi-sh.Lo)
	errs := make([]error, len(cells))
	par.ForEach(len(cells), func(k int) {
		cells[k], errs[k] = c.evaluateCell(ins[k*c.Instances:(k+1)*c.Instances], tr, k*c.Instances)
	})
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	R, P := c.Axes()
	return &Result{Config: c, R: R, P: P, Cells: cells}, nil
}

// watch calls obs every 100 ms with the progress until the returned stop is called, and once
// more then.
func watch(obs Observer, done *atomic.Int64, total int64) (stop func()) {
	if obs == nil {
		return func() {}
	}
	t0 := time.Now()
	quit, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		tk := time.NewTicker(100 * time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-quit:
				obs(Progress{Done: done.Load(), Total: total, Elapsed: time.Since(t0)})
				return
			case <-tk.C:
				obs(Progress{Done: done.Load(), Total: total, Elapsed: time.Since(t0)})
			}
		}
	}()
	return func() { close(quit); <-finished }
}

// evaluateCell ranks a cell's instances on its eval batch, computes their statistics and the
// cell's aggregate and labels. ins are the cell's instances, whose parameters start at
// instance q0 of tr.
func (c Config) evaluateCell(ins []instance, tr trained, q0 int) (Cell, error) {
	e := c.Exp()
	H, F, K := e.Hidden(), e.Features(), len(ins)
	W, b := tr.W[q0*H*F:(q0+K)*H*F], tr.B[q0*F:(q0+K)*F]
	for _, v := range W {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return Cell{}, fmt.Errorf("cell r = %.4g, p = %.4g: training diverged (non-finite weights)", ins[0].r, ins[0].p)
		}
	}
	losses, err := c.evalLosses(ins, W, b)
	if err != nil {
		return Cell{}, err
	}
	in0 := ins[0]
	cell := Cell{Index: in0.cell, IR: in0.ir, IP: in0.ip, R: in0.r, P: in0.p, Instances: make([]Instance, K)}
	for k := range ins {
		cell.Instances[k] = newInstance(W[k*H*F:(k+1)*H*F], b[k*F:(k+1)*F], H, F, losses[k])
	}
	c.aggregate(&cell)
	if !finiteCell(&cell) {
		return Cell{}, fmt.Errorf("cell r = %.4g, p = %.4g: a statistic is not finite", in0.r, in0.p)
	}
	return cell, nil
}

// aggregate labels a cell's instances and computes the cell's aggregate (§4.4, §4.5) and its
// theory label (§2) from the instances' losses and statistics.
func (c Config) aggregate(cell *Cell) {
	e := c.Exp()
	th := Thresholds{c.TauN, c.TauS}
	losses := make([]float64, len(cell.Instances))
	for k, it := range cell.Instances {
		losses[k] = it.Loss
	}
	w := aggregateWeights(c.Aggregate, losses)
	a := Aggregate{}
	var minOther float64
	labels := make([]Label, len(cell.Instances))
	for k := range cell.Instances {
		it := &cell.Instances[k]
		same := 0.0
		if it.C > 0 {
			same = 1
		}
		it.Label, it.Weight = th.classify(it.Ne, it.Sigma, same), w[k]
		labels[k] = it.Label
		a.NBar += w[k] * it.Ne
		a.SigmaBar += w[k] * it.Sigma
		a.SameSign += w[k] * same
		a.Loss += w[k] * it.Loss
		if len(it.Norms) == 3 {
			minOther += w[k] * math.Min(it.Norms[0], it.Norms[1])
		}
	}
	a.Label = th.classify(a.NBar, a.SigmaBar, a.SameSign)
	a.Majority = majority(labels)
	a.Config = configName(e, a.Label, minOther, c.TauN)
	a.Theory, a.TheoryConfig = TheoryLabel(e, cell.R, cell.P)
	cell.Aggregate = a
}

func finiteCell(c *Cell) bool {
	fin := func(v ...float64) bool {
		for _, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return false
			}
		}
		return true
	}
	a := c.Aggregate
	if !fin(a.NBar, a.SigmaBar, a.SameSign, a.Loss) {
		return false
	}
	for _, in := range c.Instances {
		if !fin(in.Loss, in.Ne, in.Sigma, in.D, in.Weight) || !fin(in.B...) || !fin(in.Norms...) {
			return false
		}
	}
	return true
}
