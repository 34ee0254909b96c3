package phase

import (
	"math"

	"saelab/metrics"
	"saelab/rng"
	"saelab/toymodel"
)

// normEps guards Ŵ_e = W_e/(‖W_e‖ + 1e-8) (§4.3, as compute_dimensionality does).
const normEps = 1e-8

// Instance is one trained model of a cell and its statistics (§4.3), the extra feature e being
// the last.
type Instance struct {
	// Loss is the eval loss: importance-weighted MSE on the cell's eval batch (§1.6, §4.3).
	Loss float64 `json:"loss"`
	// W is [H][F] (row j is hidden dimension j; column f is feature f), B is b_final [F].
	W [][]float64 `json:"W"`
	B []float64   `json:"b"`
	// Ne = ‖W_e‖; Sigma = Σ_{j≠e} (Ŵ_e·W_j)²; D = D_e (reference-semantics §6.1); C is the sign
	// of Ŵ_e·W_k for the feature k ≠ e that overlaps W_e most (0 if there is no overlap).
	Ne    float64 `json:"n_e"`
	Sigma float64 `json:"sigma_e"`
	D     float64 `json:"D_e"`
	C     int     `json:"c_e"`
	// Norms is ‖W_f‖ of every feature.
	Norms []float64 `json:"norms"`
	// Label is the instance classified alone by the cell rule (§4.5).
	Label Label `json:"label"`
	// Weight is the instance's weight in its cell's aggregate (§4.4); 0 means not kept.
	Weight float64 `json:"weight"`
}

// newInstance computes the statistics of §4.3 for W [H][F] (flat) and b [F].
func newInstance(W, b []float64, H, F int, loss float64) Instance {
	in := Instance{Loss: loss, B: append([]float64(nil), b...), W: make([][]float64, H), Norms: make([]float64, F)}
	for j := range in.W {
		in.W[j] = append([]float64(nil), W[j*F:(j+1)*F]...)
	}
	col := func(f int) []float64 {
		v := make([]float64, H)
		for j := range v {
			v[j] = W[j*F+f]
		}
		return v
	}
	for f := range in.Norms {
		in.Norms[f] = math.Sqrt(dot(col(f), col(f)))
	}
	e := F - 1
	we := col(e)
	in.Ne = in.Norms[e]
	best := 0.0
	for k := 0; k < F; k++ {
		if k == e {
			continue
		}
		o := dot(we, col(k)) / (in.Ne + normEps) // Ŵ_e·W_k
		in.Sigma += o * o
		if math.Abs(o) > math.Abs(best) { // strict: ties keep the lower k
			best = o
		}
	}
	switch {
	case best > 0:
		in.C = 1
	case best < 0:
		in.C = -1
	}
	in.D = metrics.Dimensionality(W, 1, H, F)[e]
	return in
}

func dot(a, b []float64) float64 {
	var s float64
	for k := range a {
		s += a[k] * b[k]
	}
	return s
}

// evalBatch draws the cell's eval batch (§4.3): n samples of F features present with
// probability p each (the reference's rule, spec §1.5: a uniform seed ≤ p, then a U[0,1)
// magnitude), from the cell's own stream, as a sparse toymodel batch.
func (c Config) evalBatch(ip, ir int, p float64, F int) toymodel.InstBatch {
	s := rng.New(c.Seed, purposePhase, keyEval, uint64(ip), uint64(ir))
	var ib toymodel.InstBatch
	for b := 0; b < c.EvalBatch; b++ {
		first := true
		for f := 0; f < F; f++ {
			seed, mag := s.Float64(), s.Float64()
			if seed > p {
				continue
			}
			if first {
				ib.Sample = append(ib.Sample, int32(b))
				ib.Start = append(ib.Start, int32(len(ib.Feat)))
				first = false
			}
			ib.Feat = append(ib.Feat, int32(f))
			ib.Val = append(ib.Val, mag)
		}
	}
	ib.Start = append(ib.Start, int32(len(ib.Feat)))
	return ib
}

// evalLosses returns the eval loss of each of a cell's K instances (W [K][H][F], b [K][F]) on
// the cell's batch, computed by toymodel's own loss.
func (c Config) evalLosses(ins []instance, W, b []float64) ([]float64, error) {
	e := c.Exp()
	H, F, K := e.Hidden(), e.Features(), len(ins)
	imp := make([]float64, 0, K*F)
	for _, in := range ins {
		imp = append(imp, in.importance(F)...)
	}
	m, err := toymodel.FromWeights(toymodel.Config{NInst: K, NFeatures: F, DHidden: H, FeatMagDistn: "unif"},
		toymodel.Full(imp), toymodel.Scalar(ins[0].p), W, b)
	if err != nil {
		return nil, err
	}
	ib := c.evalBatch(ins[0].ip, ins[0].ir, ins[0].p, F)
	sc := m.NewScratch()
	out := make([]float64, K)
	for k := range out {
		out[k] = m.LossGradInstance(k, &ib, c.EvalBatch, nil, nil, sc)
	}
	return out, nil
}
