package sae

import (
	"math"

	"saelab/internal/vec"
	"saelab/rng"
)

// Gated toy SAE (spec §3), forward and hand-derived backward side by side. Shapes for one
// sample of instance i (D = DIn, S = DSAE):
//
//	h, h_cent, h_rec, via [D];  W_gate [D][S] (stored in WEnc);  W_dec [S][D] raw (aw.dec)
//	b_gate, r_mag, b_mag, u = h_cent·W_gate, π_gate, π_mag, acts [S]
//
// There is no b_enc; W_mag[:,j] = exp(r_mag_j)·W_gate[:,j]; tied means W_dec = W_gateᵀ. The
// decoder is used raw (spec §10), although the training loop still renormalises an untied one.
// Resampling writes W_gate as the encoder, in the standard SAE's order (spec §2.11), and
// resets b_gate, r_mag and b_mag.
type gatedArch struct {
	base
	bGate, rMag, bMag int // positions in Params
}

func (gatedArch) name() string            { return "gated" }
func (gatedArch) animationRows() []string { return []string{"W_gate", "_W_dec", "h", "h_r"} }
func (gatedArch) animatesBestOnly() bool  { return true }
func (gatedArch) encoderName() string     { return "W_gate" }

// bind allocates b_gate, r_mag and b_mag = 0 (no b_enc).
func (a gatedArch) bind(s *SAE) arch {
	n := s.Cfg.NInst * s.Cfg.DSAE
	s.BGate, s.RMag, s.BMag = make([]float64, n), make([]float64, n), make([]float64, n)
	a.bGate, a.rMag, a.bMag = s.slotOf(s.BGate), s.slotOf(s.RMag), s.slotOf(s.BMag)
	return a
}

// params: _W_dec, b_dec, W_gate, b_gate, r_mag, b_mag (the reference's order).
func (gatedArch) params(s *SAE) []Param {
	I, D, S := s.Cfg.NInst, s.Cfg.DIn, s.Cfg.DSAE
	var ps []Param
	if s.WDec != nil {
		ps = append(ps, Param{"_W_dec", s.WDec, []int{I, S, D}})
	}
	return append(ps, Param{"b_dec", s.BDec, []int{I, D}}, Param{"W_gate", s.WEnc, []int{I, D, S}},
		Param{"b_gate", s.BGate, []int{I, S}}, Param{"r_mag", s.RMag, []int{I, S}}, Param{"b_mag", s.BMag, []int{I, S}})
}

// saelens is SAELens's gated SAE, which computes the same gate and magnitude: W_gate as
// W_enc, b_gate, r_mag and b_mag as they are, the raw decoder (spec §11).
func (gatedArch) saelens(s *SAE, i int) saelensExport {
	D, S := s.Cfg.DIn, s.Cfg.DSAE
	return saelensExport{arch: "gated", tensors: []SAELensTensor{
		{"W_enc", []int{D, S}, f32(s.WEnc[i*D*S : (i+1)*D*S])},
		{"b_gate", []int{S}, f32(s.BGate[i*S : (i+1)*S])},
		{"r_mag", []int{S}, f32(s.RMag[i*S : (i+1)*S])},
		{"b_mag", []int{S}, f32(s.BMag[i*S : (i+1)*S])},
		{"W_dec", []int{S, D}, f32(s.DecoderRows(i))},
		{"b_dec", []int{D}, f32(s.BDec[i*D : (i+1)*D])},
	}}
}

func (gatedArch) termNames() []string { return []string{"L_reconstruction", "L_sparsity", "L_aux"} }

// loss = L_reconstruction + λ·L_sparsity + L_aux.
func (gatedArch) loss(c *Config, t termVec) float64 { return t[0] + c.SparsityCoeff*t[1] + t[2] }

// prep derives exp(r_mag) and the raw decoder rows, and makes the lane kernel (in aw.ext)
// when batch will use it.
func (gatedArch) prep(s *SAE, i int, aw *archWork) {
	S := s.Cfg.DSAE
	for j := range aw.emag {
		aw.emag[j] = math.Exp(s.RMag[i*S+j])
	}
	s.rawDecoder(i, aw.dec)
	if _, ok := aw.ext.(*vec.GatedLanes); !ok && s.lanes2() {
		aw.ext = vec.NewGatedLanes(S)
	}
}

func (gatedArch) resetLatent(s *SAE, i, j int) {
	k := i*s.Cfg.DSAE + j
	s.BMag[k], s.BGate[k], s.RMag[k] = 0, 0, 0
}

// draw draws the lane kernel's layout when batch will use it.
func (gatedArch) draw(s *SAE, i, B int, r *rng.Stream, hb *hiddenBatch) { drawLanes2(s, i, B, r, hb) }

// batch is perSampleBatch, bit for bit: the all-zero samples once through sample, weighted,
// then, when lanes2, the nonzero samples through vec.GatedLanes, which runs sample and
// backward's arithmetic eight samples at a time and accumulates in sample order. (The
// per-sample path adds the unused fourth term, +0, to a sum that is never −0: no change, so
// the kernel leaves it.)
func (ga gatedArch) batch(s *SAE, i int, hb *hiddenBatch, B int, w *work, aw *archWork, counts []int) (sums [5]float64) {
	if !s.lanes2() {
		return s.perSampleBatch(i, hb, B, w, aw, counts)
	}
	const D = 2
	S := s.Cfg.DSAE
	invB := 1 / float64(B)
	if hb.NZero > 0 {
		s.addSample(&sums, counts, w, ga.sample(s, i, w.zero, float64(hb.NZero)*invB, w, aw, true), hb.NZero)
	}
	if len(hb.Sample) == 0 {
		return sums
	}
	gl := aw.ext.(*vec.GatedLanes) // made by prep
	hb.toSoA(D)
	var gDec []float64 // tied: the decoder's gradient goes to W_gate's
	if s.WDec != nil {
		gDec = w.g[s.ix.wDec]
	}
	gl.Run(vec.GatedParams{WGate: s.WEnc[i*D*S : (i+1)*D*S], Dec: aw.dec, BGate: s.BGate[i*S : (i+1)*S], EMag: aw.emag,
		BMag: s.BMag[i*S : (i+1)*S], BDec: s.BDec[i*D : (i+1)*D]},
		vec.GatedGrads{WGate: w.g[s.ix.wEnc], Dec: gDec, BGate: w.g[ga.bGate], RMag: w.g[ga.rMag], BMag: w.g[ga.bMag],
			BDec: w.g[s.ix.bDec], Sums: sums[:4], Counts: counts},
		hb.hd, hb.stride, len(hb.Sample), s.Cfg.SparsityCoeff, invB)
	return sums
}

// sample runs one sample through the Gated SAE, leaving acts in w.acts and h_rec in w.hrec,
// and returns (L_reconstruction, L_sparsity, L_aux). With grad it adds scale·∂loss/∂θ.
func (ga gatedArch) sample(s *SAE, i int, h []float64, scale float64, w *work, aw *archWork, grad bool) termVec {
	D, S := s.Cfg.DIn, s.Cfg.DSAE
	Wg := s.WEnc[i*D*S : (i+1)*D*S]
	bGate, bMag, bDec := s.BGate[i*S:(i+1)*S], s.BMag[i*S:(i+1)*S], s.BDec[i*D:(i+1)*D]
	hc, u, pg, pm, acts, hrec, via := w.hc, aw.u, aw.gate, w.pre, w.acts, w.hrec, aw.v1

	// h_cent = h − b_dec;  u = h_cent·W_gate;  π_gate = u + b_gate;  π_mag = exp(r_mag)⊙u + b_mag
	for d := 0; d < D; d++ {
		hc[d] = h[d] - bDec[d]
	}
	clear(u)
	for d := 0; d < D; d++ {
		row, x := Wg[d*S:(d+1)*S], hc[d]
		for j := range u {
			u[j] += x * row[j]
		}
	}
	for j := range u {
		pg[j] = u[j] + bGate[j]
		pm[j] = aw.emag[j]*u[j] + bMag[j]
	}
	// acts = 1[π_gate > 0]⊙ReLU(π_mag);  h_rec = acts·W_dec + b_dec;  via = ReLU(π_gate)·sg(W_dec) + sg(b_dec)
	copy(hrec, bDec)
	copy(via, bDec)
	var lsp float64
	for j := range acts {
		acts[j] = 0
		if pg[j] <= 0 {
			continue
		}
		row := aw.dec[j*D : (j+1)*D]
		lsp += pg[j] // L_sparsity = Σ_j ReLU(π_gate_j)
		for d := range via {
			via[d] += pg[j] * row[d]
		}
		if pm[j] > 0 {
			acts[j] = pm[j]
			for d := range hrec {
				hrec[d] += pm[j] * row[d]
			}
		}
	}
	// L_reconstruction = mean_d (h_rec − h)²;  L_aux = Σ_d (via − h)²  (sum, not mean: spec §10)
	var lrec, laux float64
	for d := range hrec {
		e, a := hrec[d]-h[d], via[d]-h[d]
		lrec += e * e
		laux += a * a
	}
	lrec /= float64(D)
	if grad {
		ga.backward(s, i, h, scale, w, aw)
	}
	return termVec{lrec, lsp, laux}
}

// backward adds scale·∂loss/∂θ for the sample sample just ran (its values in w and aw).
func (ga gatedArch) backward(s *SAE, i int, h []float64, scale float64, w *work, aw *archWork) {
	D, S := s.Cfg.DIn, s.Cfg.DSAE
	Wg := s.WEnc[i*D*S : (i+1)*D*S]
	hc, u, pg, acts, hrec, via := w.hc, aw.u, aw.gate, w.acts, w.hrec, aw.v1
	// ∂/∂h_rec = scale·2(h_rec − h)/D (to b_dec directly);  ∂/∂via = scale·2(via − h) (W_dec and
	// the additive b_dec detached: it reaches only π_gate).
	gWg, gBGate, gRMag, gBMag, gBDec := w.g[s.ix.wEnc], w.g[ga.bGate], w.g[ga.rMag], w.g[ga.bMag], w.g[s.ix.bDec]
	dh, dv, dhc := w.dh, aw.v2, w.dhc
	for d := range dh {
		dh[d] = scale * 2 * (hrec[d] - h[d]) / float64(D)
		dv[d] = scale * 2 * (via[d] - h[d])
		gBDec[d] += dh[d]
		dhc[d] = 0
	}
	lam := scale * s.Cfg.SparsityCoeff
	for j := 0; j < S; j++ {
		if pg[j] <= 0 {
			continue // f_gate = 0 and ReLU′(π_gate) = 0: latent j gets nothing
		}
		row := aw.dec[j*D : (j+1)*D]
		// ∂π_gate_j = λ·scale + dv·W_dec_j  (L_sparsity and L_aux through ReLU(π_gate))
		dpg := lam
		for d := range dv {
			dpg += dv[d] * row[d]
		}
		gBGate[j] += dpg
		// ∂π_mag_j = f_j·1[π_mag_j > 0]·(dh·W_dec_j);  ∂W_dec_j += acts_j·dh
		var dpm float64
		if a := acts[j]; a > 0 {
			for d := range dh {
				dpm += dh[d] * row[d]
				s.addDecoderGrad(w, j, d, a*dh[d])
			}
		}
		// π_mag = e^r·u + b_mag:  ∂b_mag = ∂π_mag;  ∂r_mag = ∂π_mag·e^r·u (∂W_mag/∂r_mag = W_mag);
		// ∂u = ∂π_gate + e^r·∂π_mag, and u = h_cent·W_gate: ∂W_gate[d,j] += h_cent_d·∂u, ∂h_cent_d += W_gate[d,j]·∂u
		gBMag[j] += dpm
		gRMag[j] += dpm * aw.emag[j] * u[j]
		du := dpg + aw.emag[j]*dpm
		for d := 0; d < D; d++ {
			gWg[d*S+j] += hc[d] * du
			dhc[d] += Wg[d*S+j] * du
		}
	}
	for d := range dhc {
		gBDec[d] -= dhc[d] // h_cent = h − b_dec (this b_dec is not detached)
	}
}
