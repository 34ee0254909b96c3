package synth

import (
	"fmt"
	"math"

	"saelab/rng"
)

// LowRank is a correlation matrix C = Fm·Fmᵀ + diag(d) with unit diagonal (spec §4.1).
type LowRank struct {
	F, R   int
	Factor []float32 // Fm [F×R]
	Diag   []float32 // d [F], every entry > 0
}

// GenerateLowRank draws Fm = N(0,1)·scale (F×rank, float32) from s, caps every row with
// squared norm s_i > 0.99 at 0.99 (multiplying it by √(0.99/s_i)), and sets d_i = 1 − s_i.
// It returns how many rows were capped.
func GenerateLowRank(F, rank int, scale float64, s *rng.Stream) (*LowRank, int) {
	lr := &LowRank{F: F, R: rank, Factor: make([]float32, F*rank), Diag: make([]float32, F)}
	for k := range lr.Factor {
		lr.Factor[k] = float32(s.Normal() * scale)
	}
	capped := 0
	for i := 0; i < F; i++ {
		row := lr.Factor[i*rank : (i+1)*rank]
		ss := sumSquares(row)
		if 1-ss < 0.01 {
			c := float32(math.Sqrt(0.99 / ss))
			for k := range row {
				row[k] *= c
			}
			ss = sumSquares(row)
			capped++
		}
		lr.Diag[i] = float32(1 - ss)
	}
	return lr, capped
}

func sumSquares(v []float32) float64 {
	s := 0.0
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return s
}

// validate checks shapes and that the diagonal is positive and everything finite.
func (lr *LowRank) validate(F int) error {
	if lr.F != F || lr.R < 1 || lr.R > MaxRank || len(lr.Factor) != F*lr.R || len(lr.Diag) != F {
		return fmt.Errorf("synth: correlation: factor must be %d × r (1 ≤ r ≤ %d) and diag %d long", F, MaxRank, F)
	}
	for i, d := range lr.Diag {
		if !(d > 0) || math.IsInf(float64(d), 0) {
			return fmt.Errorf("synth: correlation_diag[%d] = %g: must be a finite number > 0", i, d)
		}
	}
	for i, v := range lr.Factor {
		if !finite(float64(v)) {
			return fmt.Errorf("synth: correlation_factor[%d] = %g: must be finite", i, v)
		}
	}
	return nil
}

// CorrelationStats are compute_low_rank_correlation_matrix_stats (spec §9.1) over the
// off-diagonal entries of C, computed without building C:
//
//	Σ offdiag² = ‖FmᵀFm‖_F² − Σ_i ‖Fm_i‖⁴,   Σ offdiag = ‖Σ_i Fm_i‖² − Σ_i ‖Fm_i‖²,
//
// each divided by F(F−1). F < 2 gives zeros.
func (lr *LowRank) CorrelationStats() (rms, mean float64) {
	F, r := lr.F, lr.R
	if F < 2 {
		return 0, 0
	}
	gram := make([]float64, r*r) // FmᵀFm
	colSum := make([]float64, r)
	sum4, sum2 := 0.0, 0.0
	for i := 0; i < F; i++ {
		row := lr.Factor[i*r : (i+1)*r]
		n2 := 0.0
		for a, x := range row {
			xa := float64(x)
			n2 += xa * xa
			colSum[a] += xa
			for b := range row {
				gram[a*r+b] += xa * float64(row[b])
			}
		}
		sum4 += n2 * n2
		sum2 += n2
	}
	fro, cs := 0.0, 0.0
	for _, g := range gram {
		fro += g * g
	}
	for _, c := range colSum {
		cs += c * c
	}
	pairs := float64(F) * float64(F-1)
	return math.Sqrt(max(0, fro-sum4) / pairs), (cs - sum2) / pairs
}

// Threshold is t = Φ⁻¹(1 − p) = √2·erfc⁻¹(2p), the copula threshold of a feature that fires
// with probability p (spec §5): p = 1 gives −Inf (always fires), p = 0 gives +Inf (never).
func Threshold(p float64) float64 {
	switch {
	case p >= 1:
		return math.Inf(-1)
	case p <= 0:
		return math.Inf(1)
	}
	return math.Sqrt2 * math.Erfcinv(2*p)
}

// normalTail is Φ̄(x) = P(N(0,1) > x).
func normalTail(x float64) float64 { return 0.5 * math.Erfc(x/math.Sqrt2) }
