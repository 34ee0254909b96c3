package wide

import (
	"context"
	"math"
	"testing"
)

// At and beyond the protocol's length the controller is exactly §11.4's; shorter runs get a
// proportionally faster one, bounded by MaxAutotuneTimeScale.
func TestAutotuneTimeScaleProtocol(t *testing.T) {
	for _, n := range []int{ProtocolSteps, ProtocolSteps + 1, 10 * ProtocolSteps} {
		if s := AutotuneTimeScale(n); s != 1 {
			t.Errorf("AutotuneTimeScale(%d) = %g, want 1", n, s)
		}
	}
	if s, want := AutotuneTimeScale(2000), float64(ProtocolSteps)/2000; s != want {
		t.Errorf("AutotuneTimeScale(2000) = %g, want %g", s, want)
	}
	if s := AutotuneTimeScale(10); s != MaxAutotuneTimeScale {
		t.Errorf("AutotuneTimeScale(10) = %g, want the bound %g", s, MaxAutotuneTimeScale)
	}
	a, b := NewAutotuner(25, 0), NewAutotuner(25, 0)
	b.Rescale(AutotuneTimeScale(ProtocolSteps))
	if *a != *b {
		t.Fatalf("rescaled at protocol length: %+v, want the spec's %+v", *b, *a)
	}
	b.Rescale(4)
	r := 2 * math.Sqrt2 // 4^¾
	if math.Abs(b.Ki-r*a.Ki) > 1e-18 || math.Abs(b.ConvergenceGain-r*a.ConvergenceGain) > 1e-15 || math.Abs(b.Alpha-(1-0.01*r)) > 1e-15 {
		t.Fatalf("Rescale(4): Ki %g, κ %g, α %g; want %g, %g, %g", b.Ki, b.ConvergenceGain, b.Alpha, r*a.Ki, r*a.ConvergenceGain, 1-0.01*r)
	}
}

// plant is a toy SAE: its L0 relaxes, with a time constant of tau steps, toward
// l0At(multiplier) = l0One / multiplier^p, a monotone falling response.
func runPlant(a *Autotuner, steps int, l0One, p, tau float64) []float64 {
	l0 := l0One
	out := make([]float64, steps)
	for step := range steps {
		want := l0One / math.Pow(a.Multiplier, p)
		l0 += (want - l0) / tau
		out[step] = l0
		a.Update(l0, step)
	}
	return out
}

// With a third of 2,000 steps of warm-up and a plant that needs a multiplier of 4 to reach
// the target, the rescaled controller ends within 10% of the target; the protocol's
// controller, whose multiplier moves by at most ×1.0003 a step, cannot.
func TestAutotunerShortRunReachesTarget(t *testing.T) {
	const steps, target = 2000, 12.0
	l0One := target * math.Pow(4, 1.5)
	fast := NewAutotuner(target, steps/3)
	fast.Rescale(AutotuneTimeScale(steps))
	l0 := runPlant(fast, steps, l0One, 1.5, 30)
	for _, v := range l0[steps-200:] {
		if math.Abs(v-target) > 0.1*target {
			t.Fatalf("rescaled controller: L0 %g in the last 200 steps (multiplier %g), want within 10%% of %g", v, fast.Multiplier, target)
		}
	}
	slow := NewAutotuner(target, steps/3)
	if end := runPlant(slow, steps, l0One, 1.5, 30)[steps-1]; end < 2*target {
		t.Fatalf("protocol controller ended at L0 %g; the test's plant should keep it far above %g", end, target)
	}
}

// Gated's L1 coefficient is steered too: with a target its L0 ends near it after 2,000
// steps, without one it stays where the fixed coefficient leaves it.
func TestTrainSteersGated(t *testing.T) {
	if testing.Short() {
		t.Skip("trains two SAEs for 2,400 steps")
	}
	m := small(t)
	endL0 := func(steps int, target float64) float64 {
		c, tc := smallRun("gated", steps)
		tc.TargetL0 = target
		sum := 0.0
		if _, err := Train(context.Background(), m, c, tc, func(step, steps int, _, l0 float64) {
			if step >= steps-50 {
				sum += l0 / 50
			}
		}); err != nil {
			t.Fatal(err)
		}
		return sum
	}
	free, steered := endL0(400, 0), endL0(2000, 6)
	t.Logf("gated L0 over the last 50 steps: %.2f unsteered, %.2f steered to 6", free, steered)
	if math.Abs(steered-6) > 0.15*6 || math.Abs(free-6) < 2*0.15*6 {
		t.Fatalf("gated L0 %.2f steered to 6 (want within 15%%), %.2f unsteered (want far from 6)", steered, free)
	}
}
