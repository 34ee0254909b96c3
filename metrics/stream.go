package metrics

import "math"

// The accumulators below hold the running sums of one instance's metrics over its samples,
// added in sample order. The batch functions (ExplainedVariance, L2Ratio,
// RelativeReconstructionBias, ShrinkageSlope, FiringRatio) are these accumulators run over a
// whole batch, so a caller that measures a batch too large to hold, sample by sample or in
// chunks, gets the same bits as the batch functions on the whole of it.

// Mean accumulates the mean of equal-length rows: Σ_b row_b / n, summed in the order given.
type Mean struct {
	sum []float64
	n   int
}

// NewMean starts a mean of rows of length d.
func NewMean(d int) *Mean { return &Mean{sum: make([]float64, d)} }

// Add adds one row.
func (m *Mean) Add(row []float64) {
	for k, v := range row[:len(m.sum)] {
		m.sum[k] += v
	}
	m.n++
}

// AddZeros counts n all-zero rows (which leave the sum unchanged).
func (m *Mean) AddZeros(n int) { m.n += n }

// Value returns the mean so far (its own slice).
func (m *Mean) Value() []float64 {
	out := make([]float64, len(m.sum))
	for k, v := range m.sum {
		out[k] = v / float64(m.n)
	}
	return out
}

// Reconstruction accumulates one instance's reconstruction metrics over its samples (h, hr):
// the explained variance against a given batch mean h̄ (see ExplainedVariance), the L2 ratio
// (L2Ratio) and the relative reconstruction bias (RelativeReconstructionBias).
type Reconstruction struct {
	mean                       []float64
	resid, total, l2, num, den float64
	n2                         int
}

// NewReconstruction starts the accumulation with the batch mean of h (mean [D]).
func NewReconstruction(mean []float64) *Reconstruction { return &Reconstruction{mean: mean} }

// Add adds one sample: its input h and reconstruction hr [D].
func (r *Reconstruction) Add(h, hr []float64) {
	r.resid += sqDist(h, hr)
	r.total += sqDist(h, r.mean)
	if nh := norm(h); nh != 0 {
		r.l2 += norm(hr) / nh
		r.n2++
	}
	r.num += dot(hr, hr)
	r.den += dot(h, hr)
}

// ExplainedVariance is 1 − Σ‖h − hr‖² / Σ‖h − h̄‖² (the common 1/B factors cancel), NaN when
// h has no variance.
func (r *Reconstruction) ExplainedVariance() float64 {
	if r.total == 0 {
		return math.NaN()
	}
	return 1 - r.resid/r.total
}

// L2Ratio is the mean of ‖hr‖/‖h‖ over the samples with nonzero h (NaN without one).
func (r *Reconstruction) L2Ratio() float64 {
	if r.n2 == 0 {
		return math.NaN()
	}
	return r.l2 / float64(r.n2)
}

// RelBias is Σ‖hr‖² / Σ⟨h, hr⟩ (the 1/B factors cancel).
func (r *Reconstruction) RelBias() float64 { return r.num / r.den }

// Shrinkage accumulates one feature's Figure-15 fit (ShrinkageSlope, FiringRatio) over the
// pairs given in order: x the feature's value, y the matched latent's scaled activation, act
// its raw activation.
type Shrinkage struct {
	xy, xx, fxy, fxx float64
	n                int
}

// Add adds one pair.
func (s *Shrinkage) Add(x, y, act float64) {
	s.xy += x * y
	s.xx += x * x
	if math.Abs(act) > ActiveEps {
		s.fxy += x * y
		s.fxx += x * x
	}
	s.n++
}

// N is the number of pairs added.
func (s *Shrinkage) N() int { return s.n }

// Slope is Σxy / Σx², NaN when Σx² = 0.
func (s *Shrinkage) Slope() float64 {
	if s.xx == 0 {
		return math.NaN()
	}
	return s.xy / s.xx
}

// FiringRatio is the slope over the pairs whose act fires, NaN when none does.
func (s *Shrinkage) FiringRatio() float64 {
	if s.fxx == 0 {
		return math.NaN()
	}
	return s.fxy / s.fxx
}
