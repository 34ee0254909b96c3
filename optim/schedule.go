package optim

import (
	"fmt"
	"math"
	"strings"
)

// Schedule is an lr_scale function of spec §1.8: the factor for step in [0, steps).
type Schedule func(step, steps int) float64

// Schedule names as the reference spells them (the "_lr" suffix is optional on input).
var scheduleNames = []string{"constant", "linear", "cosine", "linear_warmup", "anthropic"}

// ScheduleNames lists the accepted schedule names.
func ScheduleNames() []string { return append([]string(nil), scheduleNames...) }

// ParseSchedule maps a name to its function.
func ParseSchedule(name string) (Schedule, error) {
	switch strings.TrimSuffix(name, "_lr") {
	case "constant", "":
		return ConstantLR, nil
	case "linear":
		return LinearLR, nil
	case "cosine", "cosine_decay":
		return CosineDecayLR, nil
	case "linear_warmup":
		return LinearWarmupLR, nil
	case "anthropic":
		return AnthropicLR, nil
	}
	return nil, fmt.Errorf("lr_schedule %q is not one of %s", name, strings.Join(scheduleNames, ", "))
}

// ConstantLR: 1.
func ConstantLR(step, steps int) float64 { return 1 }

// LinearLR: 1 − step/steps (last value 1/steps, never 0).
func LinearLR(step, steps int) float64 { return 1 - float64(step)/float64(steps) }

// CosineDecayLR: cos(½π·step/(steps−1)); 1 for steps = 1, where the reference divides by zero.
func CosineDecayLR(step, steps int) float64 {
	if steps <= 1 {
		return 1
	}
	return math.Cos(0.5 * math.Pi * float64(step) / float64(steps-1))
}

// LinearWarmupLR: step/steps (first value 0).
func LinearWarmupLR(step, steps int) float64 { return float64(step) / float64(steps) }

// AnthropicLR: linear warm-up over 2500 steps, then cosine decay over the rest. For
// steps ≤ 2501 the reference divides by zero; the decay part then returns 1 (see CosineDecayLR).
func AnthropicLR(step, steps int) float64 {
	if step < 2500 {
		return float64(step) / 2500
	}
	return CosineDecayLR(step-2500, steps-2500)
}
