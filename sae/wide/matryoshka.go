package wide

import (
	"saelab/internal/par"
	"saelab/internal/vec"
)

// matryoshkaInner adds Matryoshka BatchTopK's inner levels (SAELens
// MatryoshkaBatchTopKTrainingSAE.training_forward_pass; spec synthetic.md §11.3): for each
// width w_L but the last,
//
//	x̂_L = b_dec + Σ_{kept j < w_L} c_j·W_dec,j;   L += mean_b Σ_d (x̂_L − x)²
//
// and sets band[k], the decoder gradient seen by latents in [w_{k−1}, w_k): the outer g plus
// every inner level's gradient that includes the band, g_L for L ≥ k. The main entries are in
// latent order, so a level's latents are a prefix of each sample's list.
func (t *trainer) matryoshkaInner() float64 {
	B, S, D := t.B, t.S, t.D
	ws := t.c.MatryoshkaWidths
	M := len(ws)
	for len(t.inner) < M-1 {
		t.inner, t.ginner = append(t.inner, nil), append(t.ginner, nil)
	}
	for len(t.band) < M {
		t.band = append(t.band, nil)
	}
	e := &t.main
	loss := 0.0
	for L := 0; L < M-1; L++ {
		xl := grow(t.inner[L], B*D)
		t.inner[L] = xl
		par.ForEachRange(B, func(lo, hi int) {
			for b := lo; b < hi; b++ {
				row := xl[b*D : (b+1)*D]
				copy(row, t.bDec)
				end := e.off[b]
				for end < e.off[b+1] && int(e.idx[end]) < ws[L] {
					end++
				}
				vec.GemmSparse(row, []int{e.off[b], end}, e.idx, e.c, t.wDec, 1, S, D)
			}
		})
		t.ginner[L] = grow(t.ginner[L], B*D)
		loss += reconGrad(t.ginner[L], xl, t.x, 1, B)
		addRowSum(t.gBDec, t.ginner[L], B, D)
	}
	t.band[M-1] = t.g
	for k := M - 2; k >= 0; k-- {
		bk := grow(t.band[k], B*D) // own buffers: only band[M−1] aliases g
		for i, v := range t.band[k+1] {
			bk[i] = v + t.ginner[k][i]
		}
		t.band[k] = bk
	}
	return loss
}

// matryoshkaAux is SAELens's calculate_matryoshka_aux_loss: one AuxK term per level L with
// dead latents in its band [w_{L−1}, w_L), against that level's own residual, without b_dec:
//
//	a = each sample's min(k_aux, n_dead,L) largest s among the band's dead latents
//	L_aux += coeff·min(n_dead,L/k_aux, 1)·mean_b Σ_d (Σ_j a_j·(W_dec,j/n_j) − stopgrad(x − x̂_L))²
//
// (x̂_L for the last level is the full reconstruction). a_j·W_dec,j/n_j = pre_j·W_dec,j, and
// the n_j paths cancel as in AuxK, so the gradient reaches W_dec and the encoder only.
func (t *trainer) matryoshkaAux() float64 {
	B, S, D := t.B, t.S, t.D
	ws := t.c.MatryoshkaWidths
	kAux := D / 2
	for len(t.aux) < len(ws) {
		t.aux = append(t.aux, entries{})
	}
	loss, lo := 0.0, 0
	for L, w := range ws {
		dead := t.deadList(lo, w)
		lo = w
		if len(dead) == 0 {
			continue
		}
		scale := min(float64(len(dead))/float64(kAux), 1)
		e := &t.aux[L]
		t.selectTopK(e, min(kAux, len(dead)), dead)
		xl := t.xhat
		if L < len(ws)-1 {
			xl = t.inner[L]
		}
		r := t.residual(L, xl)
		t.tmp = grow(t.tmp, B*D)
		clear(t.tmp)
		decodeInto(t.tmp, e, e.c, t.wDec, B, S, D)
		ga := t.tmp
		loss += reconGrad(ga, t.tmp, r, t.c.AuxLossCoeff*scale, B)
		t.lat.build(e, S)
		t.decodeBack(e, e.c, e.dc, [][]float32{ga}, []int{S}, t.wDec, t.wDecT, t.gWDec)
		copy(e.dpre, e.dc)
		encodeBack(e, &t.lat, t.xc, t.wEncT, t.gWEncT, t.gBEnc, t.bDecGrad(), B, S, D)
	}
	return loss
}
