package sae

import (
	"fmt"
	"math"
)

// Matching Pursuit SAE (spec §11.3, after SAELens's matching_pursuit): no encoder of its own;
// it encodes by greedy matching pursuit on the residual with the decoder's unit rows as the
// dictionary, for exactly max_iterations steps (Config.K; residual_threshold 0 and
// stop_on_duplicate_support false, the spec's settings). Forward and hand-derived backward
// side by side. Shapes for one sample of instance i (D = DIn, S = DSAE, T = K):
//
//	h, h_rec, g [D];  Ŵ = W_dec_normalized [S][D] (w.wn);  acts, dacts [S] (w.acts, aw.dpre)
//	r_0 … r_T [T+1][D], j_t [T], v_t [T] (mpScratch, made by prep)
//
//	r_0 = h − b_dec
//	step t: j_t = argmax_j ReLU(r_t·Ŵ_j) (ties → lower index);  v_t = ReLU(r_t·Ŵ_{j_t})
//	        acts_{j_t} += v_t;  r_{t+1} = r_t − v_t·Ŵ_{j_t}
//	h_rec = acts·Ŵ + b_dec;  L_reconstruction = mean_d (h_rec − h)²;  L_sparsity = L0
//
// A latent can be picked again. Once every r_t·Ŵ_j ≤ 0 the step adds v_t = 0 and leaves the
// residual unchanged, so every later step does too: the pursuit stops there, which gives the
// same codes. The loss is L_reconstruction alone (L0 is reported, bounded by the T steps).
//
// The gradient flows through the values v_t with the chosen atoms j_t held fixed (SAELens
// picks them without gradient), through the residual chain, into Ŵ and b_dec; the training
// loop renormalises the decoder after each step, and finishDecoderGrad takes ∂Ŵ back to the
// raw W_dec. SAELens forces decoder_init_norm 1: bind starts the rows at unit norm.
//
// Tied weights are refused (the decoder is the encoder already). Resampling writes only the
// decoder row (there is no encoder column and no per-latent bias to reset).
type matchingPursuitArch struct{ base }

// maxPursuitSteps bounds max_iterations (k): the backward keeps every step's residual.
const maxPursuitSteps = 256

func (matchingPursuitArch) name() string            { return "matching_pursuit" }
func (matchingPursuitArch) animationRows() []string { return []string{"_W_dec", "h", "h_r"} }
func (matchingPursuitArch) encoderName() string     { return "_W_dec" }
func (matchingPursuitArch) describe(c Config) []string {
	return []string{"max iterations " + num(c.K)}
}

func (matchingPursuitArch) validate(c Config) error {
	if !(c.K >= 1 && c.K <= maxPursuitSteps) || c.K != math.Trunc(c.K) {
		return fmt.Errorf("k = %v: matching_pursuit takes k as its max_iterations, an integer in [1, %d]", c.K, maxPursuitSteps)
	}
	if c.TiedWeights {
		return fmt.Errorf("tied_weights = true: matching_pursuit encodes with its decoder and has no encoder to tie; set tied_weights to false")
	}
	return nil
}

// bind drops the encoder New drew (matching pursuit has none) and starts the decoder rows at
// unit norm.
func (a matchingPursuitArch) bind(s *SAE) arch {
	s.WEnc = nil
	normalizeRows(s.WDec, s.WDec, nil, s.Cfg.NInst*s.Cfg.DSAE, s.Cfg.DIn, s.Cfg.WeightNormalizeEps)
	return a
}

// params: _W_dec, b_dec.
func (matchingPursuitArch) params(s *SAE) []Param {
	I, D, S := s.Cfg.NInst, s.Cfg.DIn, s.Cfg.DSAE
	return []Param{{"_W_dec", s.WDec, []int{I, S, D}}, {"b_dec", s.BDec, []int{I, D}}}
}

// loss is L_reconstruction: the step count bounds the sparsity.
func (matchingPursuitArch) loss(_ *Config, t termVec) float64 { return t[0] }

func (matchingPursuitArch) normalizedDecoder() bool { return true }

// mpScratch is one pursuit's record, kept for the backward: the residuals r_0 … r_T [T+1][D],
// the chosen latents and their values [T].
type mpScratch struct {
	res []float64
	idx []int
	val []float64
}

// prep makes the pursuit's scratch for K steps.
func (matchingPursuitArch) prep(s *SAE, _ int, aw *archWork) {
	T, D := int(s.Cfg.K), s.Cfg.DIn
	if m, ok := aw.ext.(*mpScratch); ok && len(m.idx) == T && len(m.res) == (T+1)*D {
		return
	}
	aw.ext = &mpScratch{res: make([]float64, (T+1)*D), idx: make([]int, T), val: make([]float64, T)}
}

// resetLatent: no per-latent parameter besides the decoder row.
func (matchingPursuitArch) resetLatent(*SAE, int, int) {}

// resampleLatent writes the decoder row v̂ only, for either method.
func (matchingPursuitArch) resampleLatent(s *SAE, i, j int, _, dec []float64, _ bool) {
	s.setDecoder(i, j, dec)
}

func (matchingPursuitArch) sample(s *SAE, i int, h []float64, scale float64, w *work, aw *archWork, grad bool) termVec {
	D := s.Cfg.DIn
	bDec := s.BDec[i*D : (i+1)*D]
	m := aw.ext.(*mpScratch)
	acts, hrec, wn := w.acts, w.hrec, w.wn
	clear(acts)
	r0 := m.res[:D]
	for d := range r0 {
		r0[d] = h[d] - bDec[d]
	}
	T := pursue(m, wn, acts, D, len(m.idx))
	// h_rec = acts·Ŵ + b_dec;  L0 = #{acts_j > 0}
	copy(hrec, bDec)
	var l0 float64
	for j, a := range acts {
		if a == 0 {
			continue
		}
		l0++
		u := wn[j*D : (j+1)*D]
		for d := range hrec {
			hrec[d] += a * u[d]
		}
	}
	var lrec float64
	for d := range hrec {
		e := hrec[d] - h[d]
		lrec += e * e
	}
	lrec /= float64(D)
	if grad {
		s.pursuitGrad(i, h, scale, w, aw, m, T)
	}
	return termVec{lrec, l0}
}

// pursue runs at most T pursuit steps from the residual m.res[:D] over the unit rows wn,
// adding the values to acts, and returns the number of steps that added a value.
func pursue(m *mpScratch, wn, acts []float64, D, T int) int {
	S := len(acts)
	for t := range T {
		r := m.res[t*D : (t+1)*D]
		best, bv := -1, 0.0
		for j := 0; j < S; j++ {
			u := wn[j*D : (j+1)*D]
			var c float64
			for d, x := range r {
				c += x * u[d]
			}
			if c > bv { // the first maximum of ReLU(r·Ŵ): ties → lower index
				best, bv = j, c
			}
		}
		if best < 0 {
			return t // every value is 0 from here on
		}
		m.idx[t], m.val[t] = best, bv
		acts[best] += bv
		u, next := wn[best*D:(best+1)*D], m.res[(t+1)*D:(t+2)*D]
		for d, x := range r {
			next[d] = x - bv*u[d]
		}
	}
	return T
}

// pursuitGrad adds scale·∂L_reconstruction/∂θ of the pursuit run in m (T steps): the decoder
// part into w.gWn, b_dec's into its gradient.
//
//	dh = scale·2(h_rec − h)/D:  ∂b_dec += dh;  ∂Ŵ_j += acts_j·dh;  dacts_j = dh·Ŵ_j
//	g = ∂/∂r_T = 0 (the decode does not read the last residual); for t = T−1 … 0, u = Ŵ_{j_t}:
//	  dv = dacts_{j_t} − g·u  (ReLU′ = 1: v_t > 0);  ∂Ŵ_{j_t} += dv·r_t − v_t·g;  g += dv·u
//	∂b_dec −= g  (r_0 = h − b_dec)
func (s *SAE) pursuitGrad(i int, h []float64, scale float64, w *work, aw *archWork, m *mpScratch, T int) {
	D := s.Cfg.DIn
	gBDec := w.g[s.ix.bDec]
	dh, dacts, g := w.dh, aw.dpre, aw.v1
	for d := range dh {
		dh[d] = scale * 2 * (w.hrec[d] - h[d]) / float64(D)
		gBDec[d] += dh[d]
	}
	for j, a := range w.acts {
		dacts[j] = 0
		if a == 0 {
			continue
		}
		u, gu := w.wn[j*D:(j+1)*D], w.gWn[j*D:(j+1)*D]
		for d, x := range dh {
			dacts[j] += x * u[d]
			gu[d] += a * x
		}
	}
	clear(g)
	for t := T - 1; t >= 0; t-- {
		j, v, r := m.idx[t], m.val[t], m.res[t*D:(t+1)*D]
		u, gu := w.wn[j*D:(j+1)*D], w.gWn[j*D:(j+1)*D]
		dv := dacts[j]
		for d, x := range g {
			dv -= x * u[d]
		}
		for d, x := range g {
			gu[d] += dv*r[d] - v*x
			g[d] = x + dv*u[d]
		}
	}
	for d, x := range g {
		gBDec[d] -= x
	}
}

// saelens is SAELens's matching_pursuit SAE: only the unit decoder rows the pursuit uses and
// b_dec, with max_iterations = k and the early stops off (SAELens's residual_threshold 0 and
// stop_on_duplicate_support false pursue exactly k steps, as saelab does).
func (matchingPursuitArch) saelens(s *SAE, i int) saelensExport {
	D, S := s.Cfg.DIn, s.Cfg.DSAE
	return saelensExport{arch: "matching_pursuit", tensors: []SAELensTensor{
		{"W_dec", []int{S, D}, f32(s.DecoderDirections(i))},
		{"b_dec", []int{D}, f32(s.BDec[i*D : (i+1)*D])},
	}, extra: map[string]any{"max_iterations": int(s.Cfg.K), "residual_threshold": 0.0, "stop_on_duplicate_support": false}}
}
