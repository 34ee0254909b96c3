package sae

import (
	"math"
	"sort"

	"saelab/rng"
)

// drawWeighted returns k with probability (cum[k] − cum[k−1])/cum[n−1] (cum[−1] = 0): one
// draw with replacement from the weights whose running sums are cum.
func drawWeighted(cum []float64, r *rng.Stream) int {
	u := r.Float64() * cum[len(cum)-1]
	return sort.Search(len(cum), func(k int) bool { return cum[k] > u })
}

// ResampleAdvanced runs resample_advanced (spec §2.10) on a given batch h [B][I][D]: for each
// instance with dead latents and max per-sample MSE ≥ 1e-6 it draws one sample per dead latent
// with replacement, P ∝ MSE², from r.
func (s *SAE) ResampleAdvanced(dead []bool, h []float64, B int, scale float64, r *rng.Stream) (int, error) {
	I, S := s.Cfg.NInst, s.Cfg.DSAE
	lrec := s.Forward(h, B).LReconstruction
	idx := make([][]int, I)
	cum := make([]float64, B)
	for i := 0; i < I; i++ {
		var run float64
		for b := 0; b < B; b++ {
			run += lrec[b*I+i] * lrec[b*I+i]
			cum[b] = run
		}
		if run == 0 || math.IsNaN(run) {
			continue // max MSE < 1e-6 too: ResampleAdvancedWith skips it
		}
		for n := count(dead[i*S : (i+1)*S]); n > 0; n-- {
			idx[i] = append(idx[i], drawWeighted(cum, r))
		}
	}
	return s.ResampleAdvancedWith(dead, h, B, idx, scale)
}
