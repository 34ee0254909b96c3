package sae

import (
	"fmt"
	"strconv"
	"strings"
)

// matryoshkaArch is Matryoshka BatchTopK (SAELens 6 MatryoshkaBatchTopKTrainingSAE): BatchTopK
// (batchtopk.go) plus one reconstruction term per inner prefix width, forward and backward side
// by side. Shapes for one sample of instance i (D = DIn, S = DSAE, M = len(widths),
// widths[M−1] = S):
//
//	acts [S] (BatchTopK's, after the selection);  Ŵ [S][D] (w.wn);  ĥ_m − h [M−1][D] (aw.inner)
//
// The outer level is the BatchTopK reconstruction itself (L_reconstruction), so only the M−1
// inner widths add a term; the AuxK loss is BatchTopK's (SAELens's use_matryoshka_aux_loss
// = false). Reconstruction terms use the ARENA convention (mean over d_in), like
// L_reconstruction. Default widths: DefaultMatryoshkaWidths (halving d_sae: 5 → [1 2 5]).
type matryoshkaArch struct{ batchTopKArch }

func (matryoshkaArch) name() string { return "matryoshka" }

// validate checks k as BatchTopK does, then the widths: strictly increasing, in [1, d_sae].
func (a matryoshkaArch) validate(c Config) error {
	if err := a.batchTopKArch.validate(c); err != nil {
		return err
	}
	prev := 0
	for _, w := range c.MatryoshkaWidths {
		if w <= prev || w > c.DSAE {
			return fmt.Errorf("matryoshka_widths = %v: must be strictly increasing widths in [1, d_sae = %d]", c.MatryoshkaWidths, c.DSAE)
		}
		prev = w
	}
	return nil
}

func (matryoshkaArch) describe(c Config) []string {
	ws := make([]string, 0, len(c.Widths()))
	for _, w := range c.Widths() {
		ws = append(ws, strconv.Itoa(w))
	}
	return describeTopK(c, "widths "+strings.Join(ws, ","))
}

// bind is BatchTopK's, with the inner widths (all but d_sae) kept for the extra terms.
func (a matryoshkaArch) bind(s *SAE) arch {
	a.batchTopKArch = a.batchTopKArch.bind(s).(batchTopKArch)
	ws := s.Cfg.Widths()
	a.nested = ws[:len(ws)-1]
	return a
}

func (matryoshkaArch) termNames() []string {
	return []string{"L_reconstruction", "L_sparsity", "L_auxk", "L_matryoshka"}
}

// prep is BatchTopK's, and sizes the inner reconstructions' scratch.
func (a matryoshkaArch) prep(s *SAE, i int, aw *archWork) {
	a.batchTopKArch.prep(s, i, aw)
	if n := len(a.nested) * s.Cfg.DIn; len(aw.inner) != n {
		aw.inner = make([]float64, n)
	}
}

// matryoshkaTerms returns L_matryoshka = Σ_{m<M−1} mean_d (ĥ_m − h)², where
// ĥ_m = b_dec + Σ_{j<widths[m]} acts_j·Ŵ_j is the reconstruction from the first widths[m]
// latents, over the inner widths nested, and leaves ĥ_m − h in aw.inner for matryoshkaGrad.
func (s *SAE) matryoshkaTerms(i int, h []float64, w *work, aw *archWork, nested []int) float64 {
	D := s.Cfg.DIn
	acc := aw.v2
	copy(acc, s.BDec[i*D:(i+1)*D])
	var total float64
	j := 0
	for m, wm := range nested {
		for ; j < wm; j++ {
			if a := w.acts[j]; a != 0 {
				wn := w.wn[j*D : (j+1)*D]
				for d := range acc {
					acc[d] += a * wn[d]
				}
			}
		}
		diff := aw.inner[m*D : (m+1)*D]
		var l float64
		for d := range diff {
			diff[d] = acc[d] - h[d]
			l += diff[d] * diff[d]
		}
		total += l / float64(D)
	}
	return total
}

// matryoshkaGrad adds the inner terms' gradient: per inner width m, ∂ĥ_m = scale·2(ĥ_m − h)/D
// goes to b_dec directly and, for active j < widths[m], ∂acts_j += ∂ĥ_m·Ŵ_j (into aw.dpre,
// ReLU′ = 1) and ∂Ŵ_j += acts_j·∂ĥ_m (into w.gWn). The selection has no gradient.
func (s *SAE) matryoshkaGrad(i int, scale float64, w *work, aw *archWork, nested []int) {
	D := s.Cfg.DIn
	gBDec := w.g[s.ix.bDec]
	for m, wm := range nested {
		dh := aw.inner[m*D : (m+1)*D]
		for d := range dh {
			dh[d] *= scale * 2 / float64(D)
			gBDec[d] += dh[d]
		}
		for j := 0; j < wm; j++ {
			a := w.acts[j]
			if a <= 0 {
				continue
			}
			wn, gwn := w.wn[j*D:(j+1)*D], w.gWn[j*D:(j+1)*D]
			for d := range dh {
				aw.dpre[j] += dh[d] * wn[d]
				gwn[d] += a * dh[d]
			}
		}
	}
}
