package wide

import "math"

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
