package sae

import (
	"fmt"
	"math"

	"saelab/rng"
)

// DeadMask returns dead[i][j] = all over the window of (frac_active < 1e-8) (spec §2.9) for
// a window [W][I][S] of training-batch frac_active values. The comparison is made in float32,
// as torch compares a float32 tensor with a Python scalar.
func DeadMask(window []float64, W, I, S int) []bool {
	dead := make([]bool, I*S)
	if W == 0 {
		return dead
	}
	for k := range dead {
		dead[k] = true
		for t := 0; t < W; t++ {
			if float32(window[t*I*S+k]) >= float32(1e-8) {
				dead[k] = false
				break
			}
		}
	}
	return dead
}

// unitVec writes v/(‖v‖ + eps) in place.
func unitVec(v []float64, eps float64) {
	var n float64
	for _, x := range v {
		n += x * x
	}
	inv := 1 / (math.Sqrt(n) + eps)
	for k := range v {
		v[k] *= inv
	}
}

// setEncoder writes latent j's encoder column (W_enc, or W_gate for gated); setDecoder its
// decoder row (with tied weights, one storage: the later write stays, spec §2.11).
func (s *SAE) setEncoder(i, j int, col []float64) {
	D, S := s.Cfg.DIn, s.Cfg.DSAE
	for d := 0; d < D; d++ {
		s.WEnc[i*D*S+d*S+j] = col[d]
	}
}

func (s *SAE) setDecoder(i, j int, row []float64) {
	D, S := s.Cfg.DIn, s.Cfg.DSAE
	if s.WDec != nil {
		copy(s.WDec[(i*S+j)*D:(i*S+j+1)*D], row)
		return
	}
	s.setEncoder(i, j, row) // tied: W_dec is a view of W_encᵀ
}

// resampleSimpleLatent is spec §2.9 for one dead latent with its normalised random vector v̂:
// W_enc[:,j] (W_gate for gated) ← scale·v̂ and W_dec[j] ← v̂, with the architecture's resets,
// in its reference's order (arch.resampleLatent; tied: v̂ wins).
func (s *SAE) resampleSimpleLatent(i, j int, vhat []float64, scale float64) {
	col := make([]float64, len(vhat))
	for d, v := range vhat {
		col[d] = scale * v
	}
	s.arch.resampleLatent(s, i, j, col, vhat, false)
}

// ResampleSimpleWith runs resample_simple over all instances with the random vectors given:
// v [n_dead][D] in the order torch's boolean mask visits dead (i, j) (row-major over I, S).
// It returns the number of latents reset. The Adam state is not touched (the reference's).
func (s *SAE) ResampleSimpleWith(dead []bool, v []float64, scale float64) (int, error) {
	D, S := s.Cfg.DIn, s.Cfg.DSAE
	n := 0
	for k, dk := range dead {
		if !dk {
			continue
		}
		if (n+1)*D > len(v) {
			return n, fmt.Errorf("resample: %d random vectors given for more dead latents", len(v)/D)
		}
		vh := append([]float64(nil), v[n*D:(n+1)*D]...)
		unitVec(vh, s.Cfg.WeightNormalizeEps)
		s.resampleSimpleLatent(k/S, k%S, vh, scale)
		n++
	}
	return n, nil
}

// resampleSimpleInstance draws v ~ N(0,1)^D per dead latent of instance i from r.
func (s *SAE) resampleSimpleInstance(i int, dead []bool, scale float64, r *rng.Stream) int {
	D := s.Cfg.DIn
	v := make([]float64, D)
	n := 0
	for j, dj := range dead {
		if !dj {
			continue
		}
		for d := range v {
			v[d] = r.Normal()
		}
		unitVec(v, s.Cfg.WeightNormalizeEps)
		s.resampleSimpleLatent(i, j, v, scale)
		n++
	}
	return n
}

// aliveEncoderNorm is the mean over alive latents of ‖W_enc[i,:,j]‖, or 1 with none alive or
// no encoder (matching pursuit, whose resampling writes the decoder only).
func (s *SAE) aliveEncoderNorm(i int, dead []bool) float64 {
	D, S := s.Cfg.DIn, s.Cfg.DSAE
	if s.WEnc == nil {
		return 1
	}
	var sum float64
	n := 0
	for j := 0; j < S; j++ {
		if dead[j] {
			continue
		}
		var q float64
		for d := 0; d < D; d++ {
			x := s.WEnc[i*D*S+d*S+j]
			q += x * x
		}
		sum += math.Sqrt(q)
		n++
	}
	if n == 0 {
		return 1
	}
	return sum / float64(n)
}

// resampleAdvancedInstance is spec §2.10 for instance i given its dead latents, a fresh
// batch's samples picked by the caller (rows of hs [n_dead][D], already drawn with P ∝ MSE²):
// W_dec[j] ← v̂ and W_enc[:,j] ← v̂·a·scale with the architecture's resets, in its reference's
// order (arch.resampleLatent; tied: the encoder value wins), with v̂ = normalise(h − b_dec) and
// a the mean alive encoder norm (of W_gate's columns for gated).
func (s *SAE) resampleAdvancedInstance(i int, dead []bool, hs []float64, scale float64) int {
	D := s.Cfg.DIn
	a := s.aliveEncoderNorm(i, dead)
	bDec := s.BDec[i*D : (i+1)*D]
	v, col := make([]float64, D), make([]float64, D)
	n := 0
	for j, dj := range dead {
		if !dj {
			continue
		}
		for d := range v {
			v[d] = hs[n*D+d] - bDec[d]
		}
		unitVec(v, s.Cfg.WeightNormalizeEps)
		for d := range col {
			col[d] = v[d] * a * scale
		}
		s.arch.resampleLatent(s, i, j, col, v, true)
		n++
	}
	return n
}

// ResampleAdvancedWith runs resample_advanced over all instances on a given batch
// h [B][I][D] with the sample indices given per instance (idx[i] has one entry per dead
// latent of instance i, in latent order). Instances whose max per-sample MSE is < 1e-6 are
// skipped, as in the reference.
func (s *SAE) ResampleAdvancedWith(dead []bool, h []float64, B int, idx [][]int, scale float64) (int, error) {
	I, D, S := s.Cfg.NInst, s.Cfg.DIn, s.Cfg.DSAE
	lrec := s.Forward(h, B).LReconstruction
	total := 0
	for i := 0; i < I; i++ {
		d := dead[i*S : (i+1)*S]
		nd := count(d)
		if nd == 0 {
			continue
		}
		mx := 0.0
		for b := 0; b < B; b++ {
			mx = math.Max(mx, lrec[b*I+i])
		}
		if mx < 1e-6 {
			continue
		}
		if len(idx[i]) != nd {
			return total, fmt.Errorf("resample: instance %d has %d dead latents but %d indices", i, nd, len(idx[i]))
		}
		hs := make([]float64, 0, nd*D)
		for _, b := range idx[i] {
			if b < 0 || b >= B {
				return total, fmt.Errorf("resample: index %d out of [0, %d)", b, B)
			}
			hs = append(hs, h[(b*I+i)*D:(b*I+i+1)*D]...)
		}
		total += s.resampleAdvancedInstance(i, d, hs, scale)
	}
	return total, nil
}

// pickAdvanced draws, for instance i, a fresh batch of B inputs and nDead of its samples with
// replacement and P ∝ (per-sample MSE)², returning their h rows [nDead][D], or nil when the
// batch's max MSE is below 1e-6. All-zero samples are one weighted group of NZero equal samples.
func (s *SAE) pickAdvanced(i, B, nDead int, r *rng.Stream, hb *hiddenBatch, w *work) []float64 {
	D := s.Cfg.DIn
	s.drawHidden(i, B, r, hb)
	s.prepare(i, w)
	zero := make([]float64, D)
	l0 := s.sample(i, zero, 0, w, false)[0]
	n := len(hb.Sample)
	cum := make([]float64, n+1) // cum[0] is the zero group's weight
	mx := 0.0
	if hb.NZero > 0 {
		cum[0] = float64(hb.NZero) * l0 * l0
		mx = l0
	}
	for k := 0; k < n; k++ {
		l := s.sample(i, hb.H[k*D:(k+1)*D], 0, w, false)[0]
		mx = math.Max(mx, l)
		cum[k+1] = cum[k] + l*l
	}
	if mx < 1e-6 {
		return nil
	}
	out := make([]float64, 0, nDead*D)
	for t := 0; t < nDead; t++ {
		k := drawWeighted(cum, r) // k = 0 is the zero group
		if k == 0 {
			out = append(out, zero...)
		} else {
			out = append(out, hb.H[(k-1)*D:k*D]...)
		}
	}
	return out
}

func count(b []bool) int {
	n := 0
	for _, x := range b {
		if x {
			n++
		}
	}
	return n
}
