package wide

import "math"

// ProtocolSteps is the training length the autotuner's gains were chosen for: SynthSAEBench's
// 200,000,000 samples in batches of 1,024 (spec synthetic.md §11.3).
const ProtocolSteps = 195312

// Autotuner is EXP's CoefficientAutotuner (spec synthetic.md §11.4): a rate-damped integral
// controller on a multiplicative multiplier of the sparsity coefficient, in float64.
type Autotuner struct {
	Target, StartStep                   float64
	Alpha, Beta, Ki, Min, Max, Deadband float64
	GainScale, ConvergenceGain          float64

	Smoothed, Prev, Rate, Multiplier float64
	Initialized                      bool
}

// NewAutotuner returns the autotuner with EXP's defaults for a target L0, acting from
// startStep on.
func NewAutotuner(target float64, startStep int) *Autotuner {
	return &Autotuner{Target: target, StartStep: float64(startStep), Alpha: 0.99, Beta: 0.95, Ki: 3e-4,
		Min: 0.01, Max: 100, GainScale: 10, ConvergenceGain: 0.01, Multiplier: 1}
}

// MaxAutotuneTimeScale bounds the time scale at about that of a 2,000-step run, the fastest
// controller measured to hold its target: the SAE takes tens of steps to answer a change of
// its coefficient, and with an integral gain of 0.1 a step a 200-step standard SAE overshot
// to an L0 near 0 and lost its reconstruction (TestTrainLearns).
const MaxAutotuneTimeScale = 100.0

// AutotuneTimeScale is the automatic time scale of a run of steps steps: ProtocolSteps/steps
// for shorter runs (at most MaxAutotuneTimeScale) and exactly 1 from ProtocolSteps on.
//
// The §11.4 gains move the multiplier by at most a factor 1 + Ki per step, which at 2,000
// steps adds up to at most ×1.5: a short run never reaches its target L0. The time scale
// says how many protocol steps one step of the run stands for; Rescale turns it into gains.
func AutotuneTimeScale(steps int) float64 {
	if steps <= 0 || steps >= ProtocolSteps {
		return 1
	}
	return min(float64(ProtocolSteps)/float64(steps), MaxAutotuneTimeScale)
}

// Rescale speeds the controller up for a run s ≥ 1 times shorter than the protocol's: the
// integral gain, the convergence gain and the L0 smoothing's weight 1−α each grow by s^¾
// (capped at 1). The SAE's own response time is counted in optimiser steps and does not
// shrink with the run, so a full compression of the controller's time (gain ×s, smoothing
// ×s) is too fast for it. Measured on the mini model at 2,000 steps: without damping the
// multiplier swung between its bounds; with the protocol's damping it froze as soon as L0
// started to fall and the run ended at twice its target; gain ×s with damping and smoothing
// ×√s ended oscillating by ±20%; ×s^¾ for all three holds 12 ± 0.5 over the last 300 steps
// (and passes TestAutotunerShortRunReachesTarget, which ×√s smoothing fails). The damped rate
// Ki·κ grows by s^1.5, so the multiplier still moves while L0 falls slowly. s = 1 leaves the
// §11.4 settings untouched.
func (a *Autotuner) Rescale(s float64) {
	if s == 1 {
		return
	}
	r := math.Pow(s, 0.75)
	a.Ki *= r
	a.ConvergenceGain = min(1, a.ConvergenceGain*r)
	a.Alpha = max(0, 1-(1-a.Alpha)*r)
}

// Update feeds the batch L0 of 0-based step and returns the new multiplier.
func (a *Autotuner) Update(l0 float64, step int) float64 {
	if !a.Initialized {
		a.Smoothed, a.Prev, a.Rate, a.Initialized = l0, l0, 0, true
	} else {
		a.Prev = a.Smoothed
		a.Smoothed = a.Alpha*a.Smoothed + (1-a.Alpha)*l0
		a.Rate = a.Beta*a.Rate + (1-a.Beta)*(a.Smoothed-a.Prev)
	}
	if float64(step) < a.StartStep {
		return a.Multiplier
	}
	e := a.Smoothed - a.Target
	if math.Abs(e) <= a.Deadband {
		return a.Multiplier
	}
	gain := 1.0
	if e*a.Rate < 0 { // already moving toward the target: damp
		gain = a.ConvergenceGain
	}
	adj := a.Ki * gain * math.Tanh(a.GainScale*math.Abs(e/a.Target))
	if e > 0 {
		a.Multiplier *= 1 + adj
	} else {
		a.Multiplier *= 1 - adj
	}
	a.Multiplier = min(max(a.Multiplier, a.Min), a.Max)
	return a.Multiplier
}
