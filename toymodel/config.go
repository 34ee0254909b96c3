package toymodel

import (
	"fmt"
	"math"
)

// Config is the toy model's shape (spec §1.1).
type Config struct {
	NInst                int    `yaml:"n_inst"`                 // independent instances I
	NFeatures            int    `yaml:"n_features"`             // features F
	DHidden              int    `yaml:"d_hidden"`               // hidden size H
	NCorrelatedPairs     int    `yaml:"n_correlated_pairs"`     // feature pairs active together (first 2·n features)
	NAnticorrelatedPairs int    `yaml:"n_anticorrelated_pairs"` // feature pairs never active together (next 2·n)
	FeatMagDistn         string `yaml:"feat_mag_distn"`         // "unif" or "normal"
}

// DefaultConfig is the reference's default shape with the SAE base model's 16 instances.
func DefaultConfig() Config {
	return Config{NInst: 16, NFeatures: 5, DHidden: 2, FeatMagDistn: "unif"}
}

// Validate reports the first field that is out of range.
func (c Config) Validate() error {
	switch {
	case c.NInst < 1 || c.NInst > 1<<16:
		return fmt.Errorf("n_inst = %d: must be in [1, 65536]", c.NInst)
	case c.NFeatures < 1 || c.NFeatures > 1<<16:
		return fmt.Errorf("n_features = %d: must be in [1, 65536]", c.NFeatures)
	case c.DHidden < 1 || c.DHidden > 1<<14:
		return fmt.Errorf("d_hidden = %d: must be in [1, 16384]", c.DHidden)
	case c.NCorrelatedPairs < 0:
		return fmt.Errorf("n_correlated_pairs = %d: must be ≥ 0", c.NCorrelatedPairs)
	case c.NAnticorrelatedPairs < 0:
		return fmt.Errorf("n_anticorrelated_pairs = %d: must be ≥ 0", c.NAnticorrelatedPairs)
	case c.NCorrelatedPairs > c.NFeatures: // (and below) the sum could overflow
		return fmt.Errorf("n_correlated_pairs = %d: must be at most n_features/2 = %d (each pair takes 2 features)", c.NCorrelatedPairs, c.NFeatures/2)
	case c.NAnticorrelatedPairs > c.NFeatures:
		return fmt.Errorf("n_anticorrelated_pairs = %d: must be at most n_features/2 = %d (each pair takes 2 features)", c.NAnticorrelatedPairs, c.NFeatures/2)
	case 2*(c.NCorrelatedPairs+c.NAnticorrelatedPairs) > c.NFeatures:
		return fmt.Errorf("n_correlated_pairs + n_anticorrelated_pairs = %d: the pairs need %d features but n_features = %d",
			c.NCorrelatedPairs+c.NAnticorrelatedPairs, 2*(c.NCorrelatedPairs+c.NAnticorrelatedPairs), c.NFeatures)
	case c.FeatMagDistn != "unif" && c.FeatMagDistn != "normal":
		return fmt.Errorf("feat_mag_distn = %q: must be \"unif\" or \"normal\"", c.FeatMagDistn)
	}
	if c.NInst*c.NFeatures*c.DHidden > 1<<26 {
		return fmt.Errorf("n_inst·n_features·d_hidden = %d: must be at most %d", c.NInst*c.NFeatures*c.DHidden, 1<<26)
	}
	return nil
}

// Axis says which axes of (I, F) a Values varies over. It replaces NumPy broadcasting, where
// a length-I vector silently means "per feature" (spec §1.3).
type Axis int

const (
	AxisScalar   Axis = iota // one value
	AxisInstance             // one value per instance, length I
	AxisFeature              // one value per feature, length F
	AxisFull                 // one value per (instance, feature), length I·F row-major
)

// String names the axis as error messages do: "scalar", "per-instance", "per-feature", "full".
func (a Axis) String() string {
	return [...]string{"scalar", "per-instance", "per-feature", "full"}[a]
}

// Values is an importance or feature-probability specification: V's numbers along Axis. The
// zero Values means "the default" (New's).
type Values struct {
	Axis Axis      // which axes V varies over
	V    []float64 // 1, I, F or I·F numbers, as Axis says
}

// Scalar is one value for every instance and feature.
func Scalar(v float64) Values { return Values{AxisScalar, []float64{v}} }

// PerInstance is one value per instance (length I), the same for every feature.
func PerInstance(v []float64) Values { return Values{AxisInstance, v} }

// PerFeature is one value per feature (length F), the same for every instance.
func PerFeature(v []float64) Values { return Values{AxisFeature, v} }

// Full is one value per (instance, feature), I·F numbers row-major.
func Full(m []float64) Values { return Values{AxisFull, m} }

// IsZero reports whether v is the zero Values (no numbers): the default applies.
func (v Values) IsZero() bool { return v.V == nil }

func (v Values) withDefault(d float64) Values {
	if v.IsZero() {
		return Scalar(d)
	}
	return v
}

// Broadcast expands v to (I, F) row-major; name is used in errors ("importance", ...).
func (v Values) Broadcast(name string, I, F int) ([]float64, error) {
	want := map[Axis]int{AxisScalar: 1, AxisInstance: I, AxisFeature: F, AxisFull: I * F}[v.Axis]
	if len(v.V) != want {
		return nil, fmt.Errorf("%s: %s values need %d numbers, got %d", name, v.Axis, want, len(v.V))
	}
	out := make([]float64, I*F)
	for i := 0; i < I; i++ {
		for f := 0; f < F; f++ {
			var x float64
			switch v.Axis {
			case AxisScalar:
				x = v.V[0]
			case AxisInstance:
				x = v.V[i]
			case AxisFeature:
				x = v.V[f]
			default:
				x = v.V[i*F+f]
			}
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("%s[%d,%d] = %v: must be finite", name, i, f, x)
			}
			out[i*F+f] = x
		}
	}
	return out, nil
}
