package synth

import (
	"fmt"
	"math"
)

// Names of the magnitude generators (spec §3). A plain number in the config is
// Magnitude{Generator: ""} with Value set.
const (
	Exponential  = "exponential"
	FoldedNormal = "folded_normal"
	// Constant and Linear are shared with the probability generators.
)

// Magnitude is a per-feature mean or std magnitude (spec §3): a plain number (Generator "")
// broadcast to every feature, or one of the generators:
//
//	constant:      Value                       (default 1.0)
//	linear:        Start, End                  (required; both > 0)
//	exponential:   Start, End                  (required; both > 0)
//	folded_normal: Mean, Std, Min, Max         (defaults 0.0, 0.1, none, none)
type Magnitude struct {
	Generator  string
	Value      float64
	Start, End float64
	Mean, Std  float64
	Min, Max   *float64 // folded_normal clamps; nil for none (JSON null)
}

// ConstantMagnitude is the plain number v.
func ConstantMagnitude(v float64) Magnitude { return Magnitude{Value: v} }

func (m *Magnitude) validate(field string) error {
	switch m.Generator {
	case "", Constant:
		if !finite(m.Value) {
			return fieldErr(field, m.Value, "a finite number")
		}
	case Linear, Exponential:
		if !finite(m.Start) || !(m.Start > 0) {
			return fieldErr(field+".start", m.Start, "a finite number > 0")
		}
		if !finite(m.End) || !(m.End > 0) {
			return fieldErr(field+".end", m.End, "a finite number > 0")
		}
	case FoldedNormal:
		if !finite(m.Mean) {
			return fieldErr(field+".mean", m.Mean, "a finite number")
		}
		if !finite(m.Std) || !(m.Std > 0) {
			return fieldErr(field+".std", m.Std, "a finite number > 0")
		}
		if m.Min != nil && (!finite(*m.Min) || *m.Min < 0) {
			return fieldErr(field+".min_value", *m.Min, "null or a finite number ≥ 0")
		}
		if m.Max != nil && (!finite(*m.Max) || !(*m.Max > 0)) {
			return fieldErr(field+".max_value", *m.Max, "null or a finite number > 0")
		}
		if m.Min != nil && m.Max != nil && *m.Min > *m.Max {
			return fieldErr(field+".min_value", *m.Min, fmt.Sprintf("≤ max_value (%g)", *m.Max))
		}
	default:
		return fieldErr(field+".generator_name", fmt.Sprintf("%q", m.Generator), "one of constant, linear, exponential, folded_normal")
	}
	return nil
}

// generate returns the F magnitudes in float32 (spec §3). seed seeds the CPU generator of
// folded_normal (torch.randn, reproduced exactly: Appendix A).
func (m Magnitude) generate(F int, seed int64) []float32 {
	out := make([]float32, F)
	switch m.Generator {
	case "", Constant:
		for i := range out {
			out[i] = float32(m.Value)
		}
	case Linear:
		linspace(out, m.Start, m.End)
	case Exponential:
		for i := range out {
			if F == 1 {
				out[i] = float32(m.Start)
				continue
			}
			out[i] = float32(m.Start * math.Pow(m.End/m.Start, float64(i)/float64(F-1)))
		}
	case FoldedNormal:
		// |mean + std·z| in float32, as torch computes it on a float32 tensor.
		z := TorchRandn(F, seed)
		mean, std := float32(m.Mean), float32(m.Std)
		for i, zi := range z {
			v := float32(math.Abs(float64(mean + float32(std*zi)))) // float32(): no fused multiply-add
			if m.Min != nil {
				v = max(v, float32(*m.Min))
			}
			if m.Max != nil {
				v = min(v, float32(*m.Max))
			}
			out[i] = v
		}
	}
	return out
}
