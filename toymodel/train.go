package toymodel

import (
	"time"

	"saelab/internal/par"
	"saelab/internal/vec"
	"saelab/optim"
	"saelab/rng"
)

// TrainConfig holds optimize's arguments (spec §1.7).
type TrainConfig struct {
	BatchSize int     `yaml:"batch_size"`  // samples per step B
	Steps     int     `yaml:"steps"`       // training steps
	LogFreq   int     `yaml:"log_freq"`    // a log entry every LogFreq steps, and at the last
	LR        float64 `yaml:"lr"`          // Adam's learning rate before the schedule
	Schedule  string  `yaml:"lr_schedule"` // an optim.ScheduleNames name
	Beta1     float64 `yaml:"adam_beta1"`  // Adam β1
	Beta2     float64 `yaml:"adam_beta2"`  // Adam β2
	Eps       float64 `yaml:"adam_eps"`    // Adam ε
	// Optimizer is "adam" (spec §1.7; "" means adam) or "adamw": the same Adam step after a
	// decoupled weight decay θ ← θ·(1 − lr·wd) of W and b_final (spec §1.9, optim.Decay).
	Optimizer string `yaml:"optimizer,omitempty"`
	// WeightDecay is AdamW's decoupled weight decay wd; 0 means optim.DefaultWeightDecay
	// (0.01; an AdamW without decay is Adam). Adam ignores it.
	WeightDecay float64 `yaml:"weight_decay,omitempty"`
	// Workers bounds the instances trained at once (0: GOMAXPROCS), for a caller that trains
	// several models side by side (a sweep's parallel cells). It is not part of the config
	// format and cannot change a result.
	Workers int `yaml:"-"`
}

// DecoupledDecay is the weight decay Train applies before each Adam step: 0 for adam, and for
// adamw WeightDecay (0 meaning optim.DefaultWeightDecay).
func (c TrainConfig) DecoupledDecay() float64 {
	switch {
	case c.Optimizer != optim.NameAdamW:
		return 0
	case c.WeightDecay == 0:
		return optim.DefaultWeightDecay
	}
	return c.WeightDecay
}

// DefaultTrainConfig is the reference's optimize defaults.
func DefaultTrainConfig() TrainConfig {
	return TrainConfig{BatchSize: 1024, Steps: 5000, LogFreq: 50, LR: 1e-3, Schedule: "constant", Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
}

// Validate reports the first field out of range.
func (c TrainConfig) Validate() error {
	if err := optim.ValidateLoop(c.BatchSize, c.Steps, c.LogFreq, c.LR, c.Schedule, c.Beta1, c.Beta2, c.Eps); err != nil {
		return err
	}
	return optim.ValidateOptimizer(c.Optimizer, c.WeightDecay)
}

// LogEntry is one logged step of toy-model training: loss/I and the lr (spec §1.7 step 7).
type LogEntry struct {
	Step     int     // the step (0-based) after whose update the loss was taken
	Loss, LR float64 // the batch loss / I and the step's learning rate
}

// Progress is what a progress callback sees. Each worker trains a contiguous block of
// instances one after the other: Step is the mean over instances of the steps done (the
// run's fraction done), Loss the mean over the started instances of their latest logged loss
// (loss/I as in the log, without the instances not started yet counting 0). Both are
// published every few steps and may lag by up to progressEvery steps; the final callback
// carries the last log entry.
type Progress struct {
	Step, Steps int     // steps done (mean over instances) and in all
	Loss, LR    float64 // the started instances' mean latest loss, and the lr at Step
}

// Train runs optimize (spec §1.7) in place on m and returns the log (every LogFreq steps and
// the last). Instances share nothing but the step counter and lr, so each one runs its whole
// training on one worker; results are bit-identical whatever GOMAXPROCS is.
func Train(m *Model, tc TrainConfig, seed uint64, progress func(Progress)) ([]LogEntry, error) {
	return TrainWith(m, tc, seed, progress, Control{})
}

// TrainWith is Train steered by ctl: stopped by a context, checkpointed, resumed (Control).
// A loss or parameter that is not finite at a logged step stops the run with ErrDiverged.
func TrainWith(m *Model, tc TrainConfig, seed uint64, progress func(Progress), ctl Control) ([]LogEntry, error) {
	if err := tc.Validate(); err != nil {
		return nil, err
	}
	sched, _ := optim.ParseSchedule(tc.Schedule)
	I, H, F := m.Cfg.NInst, m.Cfg.DHidden, m.Cfg.NFeatures
	logSteps := LogSteps(tc.Steps, tc.LogFreq)
	losses := make([]float64, len(logSteps)*I) // [log][I]
	adam := optim.NewAdam(tc.Beta1, tc.Beta2, tc.Eps, I*H*F, I*F)
	ctrl, err := newController(m, tc, adam, losses, len(logSteps), ctl)
	if err != nil {
		return nil, err
	}
	board := par.NewBoard(I) // each instance's [steps done, latest logged loss] for the progress callback
	run := func(i int) {
		t := m.newTrainer(i, tc.BatchSize, rng.New(seed, rng.PurposeToyBatch, uint64(i)))
		t.wd = tc.DecoupledDecay()
		from, li, err := ctrl.restore(i, t, ctl.Resume)
		if err != nil {
			ctrl.errs[i] = err
			return
		}
		var latest float64
		if li > 0 {
			latest = losses[(li-1)*I+i]
			if progress != nil {
				board.Publish(i, []float64{float64(from), latest})
			}
		}
		step := from
		for ; step < tc.Steps && !ctrl.stop.Stopped(); step++ {
			logged := li < len(logSteps) && logSteps[li] == step
			// One shared step counter, as in torch: step s uses the corrections of t = s+1.
			bc1, bc2 := optim.BiasCorrections(tc.Beta1, tc.Beta2, step+1)
			L := t.step(adam, tc.LR*sched(step, tc.Steps), bc1, bc2, logged)
			if logged {
				losses[li*I+i] = L
				latest = L
				li++
				if !ctrl.logged(i, t, step+1, li, L) {
					return
				}
			}
			if progress != nil && (logged || step%progressEvery == progressEvery-1 || step == tc.Steps-1) {
				board.Publish(i, []float64{float64(step + 1), latest})
			}
		}
		if step > from {
			ctrl.end(i, t, step, li)
		}
	}
	var tick func()
	if progress != nil {
		tick = func() {
			var v [2]float64
			var done, started, loss float64
			for i := 0; i < I; i++ {
				board.Read(i, v[:])
				done += v[0]
				if v[0] > 0 {
					started++
					loss += v[1]
				}
			}
			st := int(done / float64(I))
			p := Progress{Step: st, Steps: tc.Steps, LR: tc.LR * sched(min(st, tc.Steps-1), tc.Steps)}
			if started > 0 {
				p.Loss = loss / started
			}
			progress(p)
		}
	}
	par.ForEachBlockTickingN(I, tc.Workers, run, 100*time.Millisecond, tick)
	if err := ctrl.close(); err != nil {
		return nil, err
	}
	log := make([]LogEntry, len(logSteps))
	for k, st := range logSteps {
		var L float64
		for i := 0; i < I; i++ {
			L += losses[k*I+i]
		}
		log[k] = LogEntry{Step: st, Loss: L / float64(I), LR: tc.LR * sched(st, tc.Steps)}
	}
	if progress != nil {
		last := log[len(log)-1]
		progress(Progress{Step: tc.Steps, Steps: tc.Steps, Loss: last.Loss, LR: last.LR})
	}
	return log, nil
}

// progressEvery is how often (in steps) a training instance publishes its progress: a
// publication is a few atomic stores, too many for every step.
const progressEvery = 16

// trainer is one instance's training state: its batch stream and reusable buffers. One step
// allocates nothing.
type trainer struct {
	m      *Model
	i, B   int
	s      *rng.Stream
	ib     InstBatch
	sc     *Scratch
	gW, gB []float64
	wd     float64 // AdamW's decoupled weight decay; 0 for Adam
}

func (m *Model) newTrainer(i, B int, s *rng.Stream) *trainer {
	H, F := m.Cfg.DHidden, m.Cfg.NFeatures
	return &trainer{m: m, i: i, B: B, s: s, sc: m.NewScratch(), gW: make([]float64, H*F), gB: make([]float64, F)}
}

// step runs one training step of the instance (spec §1.7 steps 2–6): zero the gradients, draw
// a fresh batch, forward and backward, Adam. It returns the loss when wantLoss.
func (t *trainer) step(adam *optim.Adam, lr, bc1, bc2 float64, wantLoss bool) float64 {
	m, i := t.m, t.i
	H, F := m.Cfg.DHidden, m.Cfg.NFeatures
	clear(t.gW)
	clear(t.gB)
	// The SIMD lane kernel reads its own layout: draw straight into it where possible.
	if !(vec.SIMD && t.sc.ls != nil && m.generateLanes(i, t.B, t.s, t.sc.ls, &t.ib)) {
		m.GenerateInstance(i, t.B, t.s, &t.ib)
	}
	L := m.lossGrad(i, &t.ib, t.B, t.gW, t.gB, t.sc, wantLoss)
	wlo, blo := i*H*F, i*F
	optim.Decay(m.W[wlo:wlo+H*F], lr, t.wd) // AdamW (spec §1.9); nothing for wd = 0
	optim.Decay(m.BFinal[blo:blo+F], lr, t.wd)
	adam.Update(0, wlo, m.W[wlo:wlo+H*F], t.gW, lr, bc1, bc2)
	adam.Update(1, blo, m.BFinal[blo:blo+F], t.gB, lr, bc1, bc2)
	return L
}
