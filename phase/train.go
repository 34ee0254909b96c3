package phase

import (
	"context"
	"sync/atomic"

	"saelab/internal/par"
	"saelab/internal/vec"
	"saelab/optim"
	"saelab/rng"
	"saelab/toymodel"
)

// Stream keys. Every random draw of a run comes from a stream keyed by the seed, the purpose,
// and the cell's grid position (ip, ir) and instance k: an instance's training does not depend
// on the shard, the block or the worker that trains it.
const (
	purposePhase uint64 = 0x7068617365 // "phase": apart from rng's own purposes
	keyInit      uint64 = 1
	keyBatch     uint64 = 2
	keyEval      uint64 = 3
)

// instance identifies one (cell, instance) pair of a shard and its setting.
type instance struct {
	cell, ip, ir, k int
	r, p            float64
}

// instances lists the instances of cells [lo, hi), cell-major then k.
func (c Config) instances(lo, hi int) []instance {
	R, P := c.Axes()
	out := make([]instance, 0, (hi-lo)*c.Instances)
	for cell := lo; cell < hi; cell++ {
		ip, ir := cell/c.Grid, cell%c.Grid
		for k := 0; k < c.Instances; k++ {
			out = append(out, instance{cell: cell, ip: ip, ir: ir, k: k, r: R[ir], p: P[ip]})
		}
	}
	return out
}

// importance is the instance's importance row: 1 for every feature but the extra (last) one,
// which has r (§4.1).
func (in instance) importance(F int) []float64 {
	imp := make([]float64, F)
	for f := range imp {
		imp[f] = 1
	}
	imp[F-1] = in.r
	return imp
}

// initW draws the instance's W [H][F] ~ N(0, σ²) (§4.2) from its own stream.
func (c Config) initW(in instance) []float64 {
	e := c.Exp()
	s := rng.New(c.Seed, purposePhase, keyInit, uint64(in.ip), uint64(in.ir), uint64(in.k))
	std := c.InitStd()
	W := make([]float64, e.Hidden()*e.Features())
	for j := range W {
		W[j] = std * s.Normal()
	}
	return W
}

// trained holds the final parameters of a shard's instances: W [n][H][F] and b [n][F].
type trained struct {
	W, B []float64
}

// biasCorrections returns Adam's bias corrections for every step (one shared step counter, as
// in torch and toymodel.Train).
func (c Config) biasCorrections() (bc1, bc2 []float64) {
	a := optim.NewAdam(c.Beta1, c.Beta2, c.Eps)
	bc1, bc2 = make([]float64, c.Steps), make([]float64, c.Steps)
	for s := range bc1 {
		bc1[s], bc2[s] = a.Begin()
	}
	return bc1, bc2
}

// progressEvery is how many steps a block trains between progress updates and cancellation
// checks.
const progressEvery = 256

// trainPacked trains the instances eight to a block (vec.ToyBlock) on GOMAXPROCS workers. done
// counts instance-steps.
func trainPacked(ctx context.Context, c Config, ins []instance, done *atomic.Int64) (trained, error) {
	e := c.Exp()
	H, F := e.Hidden(), e.Features()
	n := len(ins)
	out := trained{W: make([]float64, n*H*F), B: make([]float64, n*F)}
	bc1, bc2 := c.biasCorrections()
	sched, _ := optim.ParseSchedule(c.Schedule)
	decay := c.toyTrainConfig().DecoupledDecay() // as toymodel.Train applies it
	nb := (n + lanes - 1) / lanes
	var failed atomic.Bool
	par.ForEach(nb, func(blk int) {
		if failed.Load() {
			return
		}
		lo, hi := blk*lanes, min((blk+1)*lanes, n)
		bl := vec.NewToyBlock(H, F)
		for l := 0; l < hi-lo; l++ {
			setLane(bl, l, c, ins[lo+l])
		}
		opt, _ := optim.New(c.Optimizer, c.Beta1, c.Beta2, c.Eps, decay, len(bl.Theta))
		m, reported := int64(hi-lo), 0
		for step := 0; step < c.Steps; step++ {
			if step%progressEvery == 0 && step > 0 {
				done.Add(int64(step-reported) * m)
				reported = step
				if ctx.Err() != nil {
					failed.Store(true)
					return
				}
			}
			bl.Run(c.BatchSize)
			opt.Update(0, 0, bl.Theta, bl.Grad, c.LR*sched(step, c.Steps), bc1[step], bc2[step])
		}
		done.Add(int64(c.Steps-reported) * m)
		for l := 0; l < hi-lo; l++ {
			getLane(bl, l, out.W[(lo+l)*H*F:(lo+l+1)*H*F], out.B[(lo+l)*F:(lo+l+1)*F])
		}
	})
	if err := ctx.Err(); err != nil {
		return trained{}, err
	}
	return out, nil
}

// setLane puts instance in into lane l: its initial W (b = 0), importance, probability and
// batch stream.
func setLane(bl *vec.ToyBlock, l int, c Config, in instance) {
	H, F := bl.H, bl.F
	W := c.initW(in)
	for j := 0; j < H*F; j++ {
		bl.Theta[j*lanes+l] = W[j]
	}
	for f, imp := range in.importance(F) {
		bl.C[f*lanes+l] = 2 * imp / float64(c.BatchSize*F)
	}
	bl.Thr[l] = vec.PresenceThreshold(in.p)
	st := rng.New(c.Seed, purposePhase, keyBatch, uint64(in.ip), uint64(in.ir), uint64(in.k))
	bl.RNG.SetLane(l, [4]uint64{st.Uint64(), st.Uint64(), st.Uint64(), st.Uint64()})
}

// getLane copies lane l's W [H][F] and b [F] out.
func getLane(bl *vec.ToyBlock, l int, W, b []float64) {
	HF := bl.H * bl.F
	for j := range W[:HF] {
		W[j] = bl.Theta[j*lanes+l]
	}
	for f := range b[:bl.F] {
		b[f] = bl.Theta[(HF+f)*lanes+l]
	}
}

// lanes is the instances a vec.ToyBlock trains at once.
const lanes = 8

// trainToyModel trains each cell's K instances as one multi-instance toymodel.Model with
// toymodel.Train (importance and feature probability per instance, Full form), from the same
// initial W as the packed engine. The batch seed of a cell is drawn from its own stream.
func trainToyModel(ctx context.Context, c Config, ins []instance, done *atomic.Int64) (trained, error) {
	e := c.Exp()
	H, F, K := e.Hidden(), e.Features(), c.Instances
	out := trained{W: make([]float64, len(ins)*H*F), B: make([]float64, len(ins)*F)}
	tc := c.toyTrainConfig()
	for q := 0; q < len(ins); q += K {
		if err := ctx.Err(); err != nil {
			return trained{}, err
		}
		cellIns := ins[q : q+K]
		imp, p, W := make([]float64, 0, K*F), make([]float64, 0, K*F), make([]float64, 0, K*H*F)
		for _, in := range cellIns {
			imp = append(imp, in.importance(F)...)
			for f := 0; f < F; f++ {
				p = append(p, in.p)
			}
			W = append(W, c.initW(in)...)
		}
		m, err := toymodel.FromWeights(toymodel.Config{NInst: K, NFeatures: F, DHidden: H, FeatMagDistn: "unif"},
			toymodel.Full(imp), toymodel.Full(p), W, make([]float64, K*F))
		if err != nil {
			return trained{}, err
		}
		in0 := cellIns[0]
		seed := rng.New(c.Seed, purposePhase, keyBatch, uint64(in0.ip), uint64(in0.ir)).Uint64()
		if _, err := toymodel.Train(m, tc, seed, nil); err != nil {
			return trained{}, err
		}
		copy(out.W[q*H*F:], m.W)
		copy(out.B[q*F:], m.BFinal)
		done.Add(int64(K * c.Steps))
	}
	return out, nil
}

// toyTrainConfig is the config's training settings as toymodel.Train takes them.
func (c Config) toyTrainConfig() toymodel.TrainConfig {
	return toymodel.TrainConfig{BatchSize: c.BatchSize, Steps: c.Steps, LogFreq: c.Steps, LR: c.LR, Schedule: c.Schedule,
		Beta1: c.Beta1, Beta2: c.Beta2, Eps: c.Eps, Optimizer: c.Optimizer, WeightDecay: c.WeightDecay}
}
