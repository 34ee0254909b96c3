package toymodel

import (
	"fmt"
	"math"

	"saelab/rng"
)

// Model is a trained or initialised toy model.
//
//	W                  [I][H][F]  Xavier-normal, std sqrt(2/(F·(H+I)))
//	BFinal             [I][F]     zero at init
//	Importance         [I][F]
//	FeatureProbability [I][F]
type Model struct {
	Cfg                Config    // the shape
	W                  []float64 // [I][H][F]
	BFinal             []float64 // [I][F]
	Importance         []float64 // [I][F], broadcast from New's Values
	FeatureProbability []float64 // [I][F], broadcast from New's Values
	units              [][]unit  // per instance: the sampling units of §1.5
}

// New initialises a model (spec §1.2) from a seed. Importance defaults to 1 and feature
// probability to 0.01 when their Values are zero.
func New(cfg Config, importance, featureProbability Values, seed uint64) (*Model, error) {
	m, err := newShell(cfg, importance, featureProbability)
	if err != nil {
		return nil, err
	}
	// Xavier normal with PyTorch's 3-D fans: fan_in = H·F, fan_out = I·F.
	std := XavierStd(cfg.NInst, cfg.DHidden, cfg.NFeatures)
	s := rng.New(seed, rng.PurposeToyInit)
	for k := range m.W {
		m.W[k] = std * s.Normal()
	}
	return m, nil
}

// FromWeights builds a model around given W [I][H][F] and b_final [I][F] (e.g. loaded from disk).
func FromWeights(cfg Config, importance, featureProbability Values, W, bFinal []float64) (*Model, error) {
	m, err := newShell(cfg, importance, featureProbability)
	if err != nil {
		return nil, err
	}
	if len(W) != len(m.W) {
		return nil, fmt.Errorf("W has %d values, want n_inst·d_hidden·n_features = %d", len(W), len(m.W))
	}
	if len(bFinal) != len(m.BFinal) {
		return nil, fmt.Errorf("b_final has %d values, want n_inst·n_features = %d", len(bFinal), len(m.BFinal))
	}
	copy(m.W, W)
	copy(m.BFinal, bFinal)
	return m, nil
}

func newShell(cfg Config, importance, featureProbability Values) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	I, H, F := cfg.NInst, cfg.DHidden, cfg.NFeatures
	imp, err := importance.withDefault(1).Broadcast("importance", I, F)
	if err != nil {
		return nil, err
	}
	p, err := featureProbability.withDefault(0.01).Broadcast("feature_probability", I, F)
	if err != nil {
		return nil, err
	}
	for k, v := range imp {
		if v < 0 {
			return nil, fmt.Errorf("importance[%d,%d] = %v: must be a finite number ≥ 0", k/F, k%F, v)
		}
	}
	for k, v := range p {
		if v < 0 || v > 1 {
			return nil, fmt.Errorf("feature_probability[%d,%d] = %v: must be in [0, 1]", k/F, k%F, v)
		}
	}
	m := &Model{Cfg: cfg, W: make([]float64, I*H*F), BFinal: make([]float64, I*F), Importance: imp, FeatureProbability: p}
	if m.units, err = buildUnits(cfg, p); err != nil {
		return nil, err
	}
	return m, nil
}

// XavierStd is sqrt(2/(fan_in+fan_out)) with fan_in = H·F and fan_out = I·F.
func XavierStd(I, H, F int) float64 { return math.Sqrt(2 / float64(F*(H+I))) }

// Clone returns a deep copy; SAE training works on a clone so the caller's model is never touched.
func (m *Model) Clone() *Model {
	c := *m
	c.W = append([]float64(nil), m.W...)
	c.BFinal = append([]float64(nil), m.BFinal...)
	c.Importance = append([]float64(nil), m.Importance...)
	c.FeatureProbability = append([]float64(nil), m.FeatureProbability...)
	return &c
}

// Forward computes x' = ReLU(W[i]ᵀ·W[i]·x + b_final[i]) for a dense x [B][I][F] into out [B][I][F].
func (m *Model) Forward(x []float64, B int, out []float64) {
	I, H, F := m.Cfg.NInst, m.Cfg.DHidden, m.Cfg.NFeatures
	h := make([]float64, H)
	for b := 0; b < B; b++ {
		for i := 0; i < I; i++ {
			W := m.W[i*H*F : (i+1)*H*F]
			xv := x[(b*I+i)*F : (b*I+i+1)*F]
			for hh := 0; hh < H; hh++ {
				h[hh] = dot(W[hh*F:(hh+1)*F], xv)
			}
			o := out[(b*I+i)*F : (b*I+i+1)*F]
			for f := 0; f < F; f++ {
				s := m.BFinal[i*F+f]
				for hh := 0; hh < H; hh++ {
					s += W[hh*F+f] * h[hh]
				}
				o[f] = math.Max(s, 0)
			}
		}
	}
}

// Loss is L = Σ_i (1/(B·F)) Σ_b Σ_f importance[i,f]·(x − x')² for dense x and x' [B][I][F].
func (m *Model) Loss(x, out []float64, B int) float64 {
	I, F := m.Cfg.NInst, m.Cfg.NFeatures
	var L float64
	for b := 0; b < B; b++ {
		for i := 0; i < I; i++ {
			for f := 0; f < F; f++ {
				d := x[(b*I+i)*F+f] - out[(b*I+i)*F+f]
				L += m.Importance[i*F+f] * d * d
			}
		}
	}
	return L / float64(B*F)
}

// Hidden returns h = W[0]·x for every instance of a dense x [B][I][F], as [B][I][H]: the
// SAE's input, where all instances share instance 0's weights (spec §2.4).
func (m *Model) Hidden(x []float64, B int) []float64 {
	I, H, F := m.Cfg.NInst, m.Cfg.DHidden, m.Cfg.NFeatures
	h := make([]float64, B*I*H)
	for b := 0; b < B; b++ {
		for i := 0; i < I; i++ {
			for hh := 0; hh < H; hh++ {
				h[(b*I+i)*H+hh] = dot(m.W[hh*F:(hh+1)*F], x[(b*I+i)*F:(b*I+i+1)*F])
			}
		}
	}
	return h
}

func dot(a, b []float64) float64 {
	var s float64
	for k := range a {
		s += a[k] * b[k]
	}
	return s
}
