package synth

import (
	"fmt"
	"math"
)

// Names of the firing-probability generators (spec §2), as in generator_name.
const (
	Zipfian  = "zipfian"
	Linear   = "linear"
	Random   = "random"
	Constant = "constant"
)

// ProbabilityConfig is one of SAELens's firing-probability configs (spec §2). Generator picks
// the formula; only that generator's fields are used and serialised:
//
//	zipfian:  Exponent, MaxProb, MinProb   (defaults 1.0, 0.3, 0.01)
//	linear:   MaxProb, MinProb             (0.3, 0.01)
//	random:   MaxProb, MinProb             (0.5, 0.01)
//	constant: Probability                  (0.1)
type ProbabilityConfig struct {
	Generator   string
	Exponent    float64
	MaxProb     float64
	MinProb     float64
	Probability float64
}

// DefaultProbability returns the defaults of the named generator (an unknown name gives a
// config that fails validation).
func DefaultProbability(generator string) ProbabilityConfig {
	switch generator {
	case Zipfian:
		return ProbabilityConfig{Generator: Zipfian, Exponent: 1, MaxProb: 0.3, MinProb: 0.01}
	case Linear:
		return ProbabilityConfig{Generator: Linear, MaxProb: 0.3, MinProb: 0.01}
	case Random:
		return ProbabilityConfig{Generator: Random, MaxProb: 0.5, MinProb: 0.01}
	case Constant:
		return ProbabilityConfig{Generator: Constant, Probability: 0.1}
	}
	return ProbabilityConfig{Generator: generator}
}

func (c *ProbabilityConfig) validate(F int) error {
	const f = "firing_probability"
	lohi := func(strictMin bool) error {
		if !finite(c.MinProb) || !(c.MinProb > 0) || c.MinProb > 1 {
			return fieldErr(f+".min_prob", c.MinProb, "in (0, 1]")
		}
		if !finite(c.MaxProb) || c.MaxProb > 1 || c.MaxProb < c.MinProb || (strictMin && c.MaxProb == c.MinProb) {
			rel := "≥"
			if strictMin {
				rel = ">"
			}
			return fieldErr(f+".max_prob", c.MaxProb, fmt.Sprintf("≤ 1 and %s min_prob (%g)", rel, c.MinProb))
		}
		return nil
	}
	switch c.Generator {
	case Zipfian:
		if !(c.Exponent > 0) || math.IsInf(c.Exponent, 0) {
			return fieldErr(f+".exponent", c.Exponent, "a finite number > 0")
		}
		return lohi(true)
	case Linear:
		return lohi(false)
	case Random:
		return lohi(true)
	case Constant:
		// SAELens does not check; a probability must lie in [0, 1].
		if !(c.Probability >= 0 && c.Probability <= 1) {
			return fieldErr(f+".probability", c.Probability, "in [0, 1]")
		}
		return nil
	}
	return fieldErr(f+".generator_name", fmt.Sprintf("%q", c.Generator), "one of zipfian, linear, random, constant")
}

// generate returns the F firing probabilities in float32 (spec §2). seed is the model seed,
// used by "random" only (torch.rand on a CPU generator seeded with it).
func (c *ProbabilityConfig) generate(F int, seed int64) []float32 {
	p := make([]float32, F)
	switch c.Generator {
	case Zipfian:
		// q_i = (i+1)^(−exponent) in float32, min-max scaled onto [min_prob, max_prob].
		q := func(i int) float64 { return float64(float32(math.Pow(float64(i+1), -c.Exponent))) }
		qmax, qmin := q(0), q(F-1)
		for i := range p {
			if F == 1 {
				p[i] = float32(c.MaxProb)
				continue
			}
			p[i] = float32(c.MinProb + (c.MaxProb-c.MinProb)*(q(i)-qmin)/(qmax-qmin))
		}
	case Linear:
		linspace(p, c.MaxProb, c.MinProb)
	case Random:
		u := TorchRand(F, seed)
		lo, span := float32(c.MinProb), float32(c.MaxProb-c.MinProb)
		for i := range p {
			p[i] = lo + span*u[i]
		}
	case Constant:
		for i := range p {
			p[i] = float32(c.Probability)
		}
	}
	return p
}

// linspace fills dst with torch.linspace(start, end, len(dst)): start + (end − start)·i/(n−1),
// and [start] for n = 1.
func linspace(dst []float32, start, end float64) {
	n := len(dst)
	for i := range dst {
		if n == 1 {
			dst[i] = float32(start)
			continue
		}
		dst[i] = float32(start + (end-start)*float64(i)/float64(n-1))
	}
}
