package optim

import (
	"fmt"
	"math"
	"strings"
)

// MaxSteps bounds a training loop's steps: 2³⁰ steps already take days at the smallest
// shapes, and the loop's per-run bookkeeping (log records, resampling events) scales with it.
const MaxSteps = 1 << 30

// ValidateLoop checks the settings every training loop shares (batch size, steps, log
// frequency, lr and its schedule, Adam's betas and eps), naming the first bad field.
func ValidateLoop(batchSize, steps, logFreq int, lr float64, schedule string, beta1, beta2, eps float64) error {
	switch {
	case batchSize < 1 || batchSize > 1<<22:
		return fmt.Errorf("batch_size = %d: must be in [1, 4194304]", batchSize)
	case steps < 1 || steps > MaxSteps:
		return fmt.Errorf("steps = %d: must be in [1, %d]", steps, MaxSteps)
	case logFreq < 1:
		return fmt.Errorf("log_freq = %d: must be ≥ 1", logFreq)
	case !(lr > 0) || lr > 10:
		return fmt.Errorf("lr = %v: must be in (0, 10]", lr)
	case !(beta1 >= 0 && beta1 < 1):
		return fmt.Errorf("adam_beta1 = %v: must be in [0, 1)", beta1)
	case !(beta2 >= 0 && beta2 < 1):
		return fmt.Errorf("adam_beta2 = %v: must be in [0, 1)", beta2)
	case !(eps > 0) || math.IsInf(eps, 0):
		return fmt.Errorf("adam_eps = %v: must be a finite number > 0", eps)
	}
	if _, err := ParseSchedule(schedule); err != nil {
		return err
	}
	if strings.TrimSuffix(schedule, "_lr") == "anthropic" && steps <= 2501 {
		return fmt.Errorf("steps = %d: lr_schedule anthropic needs steps > 2501", steps)
	}
	return nil
}
