package sae

import (
	"saelab/internal/par"
	"saelab/internal/vec"
	"saelab/rng"
	"saelab/toymodel"
)

// hiddenBatch is one instance's batch of SAE inputs h = W[0]·x (spec §2.4). Samples whose
// features are all zero have h = 0 exactly; they are only counted, since they share one
// forward and one gradient contribution.
//
//	H [len(Sample)][D]
type hiddenBatch struct {
	x      toymodel.InstBatch
	Sample []int32
	H      []float64
	NZero  int

	// The same samples d_in-major, hd [D][stride] zero-padded, when soa is set (drawHiddenSoA
	// fills only these, not H).
	soa    bool
	hd     []float64
	stride int

	w0t []float64 // [F][D] the frozen model's W0ᵀ, for the vectorised projection
	off []int32
}

// drawHidden fills hb with instance i's part of a fresh batch of B inputs.
func (s *SAE) drawHidden(i, B int, r *rng.Stream, hb *hiddenBatch) {
	m := s.Model
	D, F := m.Cfg.DHidden, m.Cfg.NFeatures
	m.GenerateInstance(i, B, r, &hb.x)
	ib := &hb.x
	n := len(ib.Sample)
	hb.Sample = ib.Sample
	hb.NZero = B - n
	hb.soa = false
	if cap(hb.H) < n*D {
		hb.H = make([]float64, n*D, 2*n*D)
	}
	hb.H = hb.H[:n*D]
	W0 := m.W[:D*F]
	if D < 8 {
		for k := 0; k < n; k++ {
			h := hb.H[k*D : (k+1)*D]
			clear(h)
			for e := ib.Start[k]; e < ib.Start[k+1]; e++ {
				f, v := int(ib.Feat[e]), ib.Val[e]
				for d := 0; d < D; d++ {
					h[d] += W0[d*F+f] * v
				}
			}
		}
		return
	}
	// h = Σ_e v_e·W0[:, f_e] in entry order, as rows of W0ᵀ (the frozen model's, made once).
	if len(hb.w0t) != F*D {
		hb.w0t = make([]float64, F*D)
		for d := 0; d < D; d++ {
			for f := 0; f < F; f++ {
				hb.w0t[f*D+d] = W0[d*F+f]
			}
		}
	}
	for k := 0; k < n; k++ {
		h := hb.H[k*D : (k+1)*D]
		clear(h)
		lo, hi := ib.Start[k], ib.Start[k+1]
		off := hb.off[:0]
		for _, f := range ib.Feat[lo:hi] {
			off = append(off, f*int32(D))
		}
		hb.off = off
		vec.AddRows(h, ib.Val[lo:hi], hb.w0t, off)
	}
}

// drawHiddenSoA is drawHidden (the same draws, the same h) leaving the samples d_in-major in
// hb.hd, padded to whole blocks of the lane kernel, and hb.H unset.
func (s *SAE) drawHiddenSoA(i, B int, r *rng.Stream, hb *hiddenBatch) {
	m := s.Model
	D, F := m.Cfg.DHidden, m.Cfg.NFeatures
	hb.Sample, hb.hd, hb.stride = m.GenerateProjected(i, B, r, m.W[:D*F], D, lanes, &hb.x, hb.Sample, hb.hd)
	hb.NZero = B - len(hb.Sample)
	hb.H = hb.H[:0]
	hb.soa = true
}

// toSoA lays out hb's samples d_in-major (for a batch drawn by drawHidden or given dense).
func (hb *hiddenBatch) toSoA(D int) {
	if hb.soa {
		return
	}
	n := len(hb.Sample)
	hb.stride = (n + lanes - 1) &^ (lanes - 1)
	if cap(hb.hd) < D*hb.stride {
		hb.hd = make([]float64, D*hb.stride, 2*D*hb.stride)
	}
	hb.hd = hb.hd[:D*hb.stride]
	for d := 0; d < D; d++ {
		row := hb.hd[d*hb.stride : (d+1)*hb.stride]
		for k := 0; k < n; k++ {
			row[k] = hb.H[k*D+d]
		}
		clear(row[n:])
	}
	hb.soa = true
}

// denseHidden writes instance i's part of hb into h [B][I][D].
func (hb *hiddenBatch) denseInto(h []float64, i, I, D int) {
	for k, b := range hb.Sample {
		copy(h[(int(b)*I+i)*D:(int(b)*I+i+1)*D], hb.H[k*D:(k+1)*D])
	}
}

// GenerateHidden returns a dense batch h [B][I][D] drawn from the SAE's frozen toy model,
// instance i from streams[i] (e.g. for evaluation). The instances are drawn on GOMAXPROCS
// workers, each from its own stream, so the batch does not depend on the schedule. h equals
// GenerateWithFeatures's h bit for bit (a projection's zero terms never change its sum).
func (s *SAE) GenerateHidden(B int, streams []*rng.Stream) []float64 {
	I, D := s.Cfg.NInst, s.Cfg.DIn
	h := make([]float64, B*I*D)
	par.ForEachRange(I, func(lo, hi int) {
		var hb hiddenBatch
		for i := lo; i < hi; i++ {
			s.drawHidden(i, B, streams[i], &hb)
			hb.denseInto(h, i, I, D)
		}
	})
	return h
}

// GenerateWithFeatures returns a dense batch of features x [B][I][F] and the matching SAE
// inputs h [B][I][D], instance i from streams[i]; used where the ground truth is needed.
func (s *SAE) GenerateWithFeatures(B int, streams []*rng.Stream) (x, h []float64) {
	I := s.Cfg.NInst
	bt := toymodel.NewBatch(B, I, s.Model.Cfg.NFeatures)
	s.Model.Generate(B, streams, bt)
	x = bt.Dense()
	return x, s.Model.Hidden(x, B)
}

// ProjectSample writes into h [D] the SAE input of one sample of a sparse batch: h = W[0]·x
// over its entries (feat ascending, val), summed in feature order as Model.Hidden sums the
// dense x (the zero features add nothing), so that it equals GenerateWithFeatures's h bit for
// bit.
func (s *SAE) ProjectSample(h []float64, feat []int32, val []float64) {
	D, F := s.Cfg.DIn, s.Model.Cfg.NFeatures
	W0 := s.Model.W[:D*F]
	h = h[:D]
	clear(h)
	for e, f := range feat {
		v := val[e]
		for d := range h {
			h[d] += W0[d*F+int(f)] * v
		}
	}
}
