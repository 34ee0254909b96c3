package wide

import (
	"math"

	"saelab/internal/par"
	"saelab/internal/vec"
)

// SAE is a trained SAE in the inference form SAELens saves: the activation-norm factor and
// (topk family) the decoder norms are folded into the weights, BatchTopK and Matryoshka
// become JumpReLU with one shared threshold, and JumpReLU's log-threshold is exponentiated.
// It implements synth.SAE.
type SAE struct {
	cfg  Config
	arch string // SAELens architecture it saves as

	WEnc                       []float32 // [d_in×d_sae]; nil for matching_pursuit
	BEnc, WDec, BDec           []float32 // b_enc is b_gate for gated
	Threshold, RMag, BMag      []float32
	TopKThreshold, ScaleFactor float64 // batchtopk/matryoshka τ; the folded input scale (1: none)
	wDecT                      []float32
}

// Config returns the configuration the SAE was trained with.
func (s *SAE) Config() Config { return s.cfg }

// Width is d_sae.
func (s *SAE) Width() int { return s.cfg.DSAE }

// DecoderRows returns W_dec [d_sae×d_in] as saved.
func (s *SAE) DecoderRows() []float32 { return s.WDec }

// Encode sets z [n×d_sae] = encode(x [n×d_in]) with the saved architecture's activation.
func (s *SAE) Encode(x, z []float32) {
	S, D := s.cfg.DSAE, s.cfg.DIn
	n := len(x) / D
	xc := make([]float32, n*D)
	copy(xc, x[:n*D])
	if s.cfg.ApplyBDecToInput {
		for b := 0; b < n; b++ {
			axpy32(xc[b*D:(b+1)*D], -1, s.BDec)
		}
	}
	z = z[:n*S]
	if s.arch == "matching_pursuit" {
		clear(z)
		done := make([]bool, n)
		mpEncode(s.cfg, xc, s.WDec, s.wDecT, make([]float32, n*S), n, done, func(b, _, j int, _, v float32, _ []float32) {
			z[b*S+j] += v
		})
		return
	}
	for b := 0; b < n; b++ {
		if s.arch == "gated" {
			clear(z[b*S : (b+1)*S])
		} else {
			copy(z[b*S:(b+1)*S], s.BEnc)
		}
	}
	vec.Gemm(z, xc, s.WEnc, n, D, S)
	par.ForEachRange(n, func(lo, hi int) {
		var h topHeap
		for b := lo; b < hi; b++ {
			row := z[b*S : (b+1)*S]
			switch s.arch {
			case "standard":
				for j, v := range row {
					row[j] = max(v, 0)
				}
			case "jumprelu":
				for j, v := range row {
					if !(v > s.Threshold[j]) {
						row[j] = 0
					}
				}
			case "gated":
				for j, p := range row {
					row[j] = 0
					if p+s.BEnc[j] > 0 {
						row[j] = max(float32(math.Exp(float64(s.RMag[j])))*p+s.BMag[j], 0)
					}
				}
			case "topk":
				h.reset(s.cfg.K)
				for j, v := range row {
					h.push(cand{v, int32(j)})
				}
				kept := append([]cand(nil), h.h...)
				clear(row)
				for _, c := range kept {
					row[c.f] = max(c.v, 0)
				}
			}
		}
	})
}

// Decode sets xhat [n×d_in] = z·W_dec + b_dec, touching only the nonzero z.
func (s *SAE) Decode(z, xhat []float32) {
	S, D := s.cfg.DSAE, s.cfg.DIn
	n := len(z) / S
	off := make([]int, n+1)
	var idx []int32
	var val []float32
	for b := 0; b < n; b++ {
		for j, v := range z[b*S : (b+1)*S] {
			if v != 0 {
				idx, val = append(idx, int32(j)), append(val, v)
			}
		}
		off[b+1] = len(idx)
		row := xhat[b*D : (b+1)*D]
		if s.arch == "matching_pursuit" && !s.cfg.ApplyBDecToInput {
			clear(row)
		} else {
			copy(row, s.BDec)
		}
	}
	vec.GemmSparse(xhat, off, idx, val, s.WDec, n, S, D)
}

// export builds the inference SAE from the trainer, folding the input scale f (inputs were
// multiplied by f: W_enc·f, W_dec/f, b_dec/f) and, for the topk family with rescaling, the
// decoder norms (W_enc[:,j]·n_j, b_enc·n, W_dec,j/n_j).
func (t *trainer) export(f float64) *SAE {
	c := t.c
	S, D := t.S, t.D
	s := &SAE{cfg: c, arch: c.Arch, ScaleFactor: f, TopKThreshold: t.tau}
	s.WDec = append([]float32(nil), t.wDec...)
	s.BDec = append([]float32(nil), t.bDec...)
	if t.wEncT != nil {
		s.WEnc = make([]float32, D*S)
		transpose(s.WEnc, t.wEncT, S, D)
		s.BEnc = append([]float32(nil), t.bEnc...)
	}
	if c.topkFamily() && c.RescaleActsByDecoderNorm {
		n := t.decoderNorms()
		for j := 0; j < S; j++ {
			if n[j] > 0 {
				s.BEnc[j] *= n[j]
				for d := 0; d < D; d++ {
					s.WEnc[d*S+j] *= n[j]
					s.WDec[j*D+d] /= n[j]
				}
			}
		}
	}
	if f != 1 {
		for i := range s.WEnc {
			s.WEnc[i] = float32(float64(s.WEnc[i]) * f)
		}
		for i := range s.WDec {
			s.WDec[i] = float32(float64(s.WDec[i]) / f)
		}
		for i := range s.BDec {
			s.BDec[i] = float32(float64(s.BDec[i]) / f)
		}
	}
	switch c.Arch {
	case "batchtopk", "matryoshka":
		s.arch = "jumprelu"
		s.Threshold = make([]float32, S)
		for j := range s.Threshold {
			s.Threshold[j] = float32(t.tau)
		}
	case "jumprelu":
		s.Threshold = make([]float32, S)
		for j, l := range t.logTh {
			s.Threshold[j] = float32(math.Exp(float64(l)))
		}
	case "gated":
		s.RMag = append([]float32(nil), t.rMag...)
		s.BMag = append([]float32(nil), t.bMag...)
	case "matching_pursuit":
		s.wDecT = make([]float32, D*S)
		transpose(s.wDecT, s.WDec, S, D)
	}
	return s
}
