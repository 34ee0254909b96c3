package sae

// archWork is the per-instance scratch of the architectures beyond the standard SAE, next to work (one
// per worker; the training loop keeps one per instance in SAE.tw). Shapes (S = DSAE, D = DIn):
//
//	derived from the parameters by prepArch, per instance:
//	  emag [S]    gated: exp(r_mag)
//	  theta [S]   jumprelu: exp(log_theta)
//	  dec [S][D]  gated, jumprelu: the raw W_dec rows (_W_dec, or the encoder transposed when tied)
//	  dead [S]    TopK family: AuxK's dead mask (steps since fired > dead_feature_window); nDead
//	  tau         batchtopk, matryoshka: the threshold τ
//	per sample: gate, u, sel, dpre, aux [S]; keep, auxKeep [S]; order [S]; v1, v2 [D];
//	  inner [M−1][D] (matryoshka: sized by its prep)
//	per batch (batchTopK): bvals [rows][S], bkeep [rows][S], ents, zkeep [3][S]
//	left for afterStep: fired [S], minKept/hasMin, pending
//	ext: the scratch of an architecture whose needs the fields above do not cover, made by
//	  its prep (prepArch clears it when the shape changes)
type archWork struct {
	emag, theta, dec []float64
	dead             []bool
	nDead            int
	tau              float64

	gate, u, sel, dpre []float64
	keep               []bool
	aux                []float64
	auxKeep            []bool
	order              []int
	v1, v2             []float64
	inner              []float64

	bvals []float64
	bkeep []bool
	ents  []entry
	zkeep [3][]bool

	fired   []bool
	minKept float64
	hasMin  bool
	pending bool

	ext any
}

// entry is one value of a BatchTopK selection with its multiplicity.
type entry struct {
	v float64
	w int
}

// prepArch sizes aw and derives instance i's per-instance values from the current parameters
// (the architecture's prep).
func (s *SAE) prepArch(i int, aw *archWork) {
	D, S := s.Cfg.DIn, s.Cfg.DSAE
	if len(aw.sel) != S || len(aw.v1) != D {
		*aw = archWork{emag: make([]float64, S), theta: make([]float64, S), dec: make([]float64, S*D), dead: make([]bool, S),
			gate: make([]float64, S), u: make([]float64, S), sel: make([]float64, S), dpre: make([]float64, S),
			keep: make([]bool, S), aux: make([]float64, S), auxKeep: make([]bool, S), order: make([]int, S), v1: make([]float64, D), v2: make([]float64, D),
			fired: make([]bool, S)}
		for c := range aw.zkeep {
			aw.zkeep[c] = make([]bool, S)
		}
	}
	s.arch.prep(s, i, aw)
}

// rawDecoder copies instance i's raw W_dec rows [S][D] into dec: _W_dec, or the encoder
// transposed when tied (the decoder Gated and JumpReLU use, spec §10).
func (s *SAE) rawDecoder(i int, dec []float64) {
	D, S := s.Cfg.DIn, s.Cfg.DSAE
	if s.WDec != nil {
		copy(dec, s.WDec[i*S*D:(i+1)*S*D])
		return
	}
	enc := s.WEnc[i*D*S : (i+1)*D*S]
	for d := 0; d < D; d++ {
		for j := 0; j < S; j++ {
			dec[j*D+d] = enc[d*S+j]
		}
	}
}

// addDecoderGrad adds g to ∂/∂W_dec[j,d] of the raw decoder (gated, jumprelu): into _W_dec's
// gradient, or, when tied, into the encoder's (W_dec = W_encᵀ).
func (s *SAE) addDecoderGrad(w *work, j, d int, g float64) {
	if s.WDec != nil {
		w.g[s.ix.wDec][j*s.Cfg.DIn+d] += g
	} else {
		w.g[s.ix.wEnc][d*s.Cfg.DSAE+j] += g
	}
}
