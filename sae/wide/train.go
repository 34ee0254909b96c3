package wide

import (
	"context"
	"fmt"
	"math"

	"saelab/synth"
)

// Progress receives each step's loss and batch L0 (0-based step of steps).
type Progress func(step, steps int, loss, l0 float64)

// MaxMemoryBytes is the largest MemoryBytes estimate Train accepts.
const MaxMemoryBytes = 24 << 30

// Train trains one SAE on batches drawn from m (batch k is m.Sample(…, tc.Seed, k)) with
// SAELens's trainer (spec synthetic.md §8.3 "Trainer facts"): per step, the loss and its
// gradient, the global gradient-norm clip, Adam, then the BatchTopK threshold, the dead-latent
// counters and the L0 autotuner. It stops with ctx's error when ctx is cancelled.
func Train(ctx context.Context, m *synth.Model, c Config, tc TrainConfig, progress Progress) (*SAE, error) {
	if m == nil {
		return nil, fmt.Errorf("no synthetic model given")
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if err := tc.Validate(); err != nil {
		return nil, err
	}
	if c.DIn != m.Config.HiddenDim {
		return nil, fmt.Errorf("d_in = %d: must equal the synthetic model's hidden_dim = %d", c.DIn, m.Config.HiddenDim)
	}
	if mb := MemoryBytes(c, tc); mb > MaxMemoryBytes {
		return nil, fmt.Errorf("d_sae = %d, d_in = %d, batch = %d: needs about %d MiB, more than the %d MiB allowed", c.DSAE, c.DIn, tc.Batch, mb>>20, MaxMemoryBytes>>20)
	}
	B, D := tc.Batch, c.DIn
	steps := tc.Steps()
	var a synth.Batch
	x := make([]float32, B*D)
	f := 1.0
	if c.NormalizeActivations == "expected_average_only_in" {
		sum := 0.0
		for i := 0; i < tc.NormBatches; i++ {
			m.Sample(&a, x, B, tc.Seed, normIndexBase+uint64(i))
			for b := 0; b < B; b++ {
				r := x[b*D : (b+1)*D]
				sum += math.Sqrt(float64(dot32(r, r))) / float64(B)
			}
		}
		if mean := sum / float64(tc.NormBatches); mean > 0 {
			f = math.Sqrt(float64(D)) / mean
		}
	}
	t := newTrainer(c, B, tc.Seed)
	coefWarm, start := tc.CoeffWarmupSteps, tc.AutotuneStart
	if coefWarm < 0 {
		coefWarm = 0
		if c.Arch == "standard" {
			coefWarm = steps / 3
		}
	}
	if start < 0 {
		start = coefWarm
	}
	var tuner *Autotuner
	if tc.TargetL0 > 0 && (c.Arch == "standard" || c.Arch == "jumprelu" || c.Arch == "gated") {
		tuner = NewAutotuner(tc.TargetL0, start)
		s := tc.AutotuneTimeScale
		if s == 0 && c.Arch != "jumprelu" {
			s = AutotuneTimeScale(steps)
		}
		if s == 0 {
			// JumpReLU's L0 falls only as fast as Adam raises log θ (at most lr a step): at
			// 2,000 steps the faster controller drove the multiplier to its bound for the
			// same L0 (19 instead of 21) and cost MCC 0.58 → 0.36.
			s = 1
		}
		tuner.Rescale(s)
	}
	since := make([]int, c.DSAE)
	lrEnd := tc.LREnd
	if lrEnd == 0 {
		lrEnd = tc.LR / 10
	}
	for step := 0; step < steps; step++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		m.Sample(&a, x, B, tc.Seed, uint64(step))
		if f != 1 {
			for i, v := range x {
				x[i] = float32(float64(v) * f)
			}
		}
		t.coef = c.L1Coeff
		if coefWarm > 0 {
			t.coef *= float64(min(step, coefWarm)) / float64(coefWarm)
		}
		if tuner != nil {
			t.coef *= tuner.Multiplier
		}
		t.nDead = 0
		for j, n := range since {
			t.dead[j] = n > tc.DeadWindow
			if t.dead[j] {
				t.nDead++
			}
		}
		loss := t.lossGrad(x)
		if math.IsNaN(loss) || math.IsInf(loss, 0) || math.IsNaN(gradNorm(t.ps)) {
			return nil, fmt.Errorf("training diverged at step %d (loss %g): lower lr (now %g)", step, loss, tc.LR)
		}
		adamStep(t.ps, step+1, tc.LR*lrFactor(step, steps, tc.WarmupSteps, tc.DecaySteps, lrEnd/tc.LR), tc.Beta1, tc.Beta2, tc.Eps, tc.ClipNorm)
		t.refresh()
		if t.minKept > 0 {
			t.tau = (1-c.TopKThresholdLR)*t.tau + c.TopKThresholdLR*t.minKept
		}
		for j := range since {
			since[j]++
			if t.fired[j] {
				since[j] = 0
			}
		}
		if tuner != nil {
			tuner.Update(t.l0, step)
		}
		if progress != nil {
			progress(step, steps, loss, t.l0)
		}
	}
	return t.export(f), nil
}

// lrFactor is SAELens's constant schedule with its linear warm-up (from 1/warm to 1 over
// the first warm steps) and linear decay to end over the last decay steps.
func lrFactor(step, steps, warm, decay int, end float64) float64 {
	f := 1.0
	if warm > 0 && step < warm {
		f = float64(step+1) / float64(warm)
	}
	if decay > 0 && step >= steps-decay {
		k := float64(step-(steps-decay)+1) / float64(decay)
		f *= 1 - (1-end)*k
	}
	return f
}
