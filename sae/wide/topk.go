package wide

import (
	"math"
	"sync"

	"saelab/internal/par"
)

// topKLossGrad is the forward and backward pass of TopK, BatchTopK and Matryoshka BatchTopK
// (SAELens topk_sae.py, batchtopk_sae.py, matryoshka_batchtopk_sae.py; spec
// reference-semantics.md §5, synthetic.md §11.3). With n_j = ‖W_dec,j‖ (rescale on, else 1):
//
//	pre = xc·W_enc + b_enc;  s = pre·n              (hidden_pre: what the selection sees)
//	TopK: keep each sample's k largest s, ReLU;  BatchTopK: ReLU, keep the k·B largest of the batch
//	x̂ = b_dec + Σ_kept (s_j/n_j)·W_dec,j = b_dec + Σ_kept pre_j·W_dec,j
//	L = mean_b Σ_d (x̂ − x)²  [+ Matryoshka's inner levels] [+ AuxK]
//
// Backward: the selection is piecewise constant, so ∂L/∂pre_j = ∂L/∂c_j with c_j = pre_j the
// decoder coefficient; the paths through n_j (×n in s, ÷n in the decoder) cancel exactly, so
// W_dec gets only the decoder's gradient Σ_b c_bj·g_b.
func (t *trainer) topKLossGrad() float64 {
	B, S := t.B, t.S
	t.sc = grow(t.sc, B*S)
	copy(t.sc, t.pre)
	if t.c.RescaleActsByDecoderNorm {
		n := t.decoderNorms()
		par.ForEachRange(B, func(lo, hi int) {
			for b := lo; b < hi; b++ {
				row := t.sc[b*S : (b+1)*S]
				for j, v := range row {
					row[j] = v * n[j]
				}
			}
		})
	}
	if t.c.Arch == "topk" {
		t.selectTopK(&t.main, t.c.K, nil)
	} else {
		t.selectBatchTopK()
	}
	loss := t.decodeMain()
	G, ends := [][]float32{t.g}, []int{S}
	if t.c.Arch == "matryoshka" {
		loss += t.matryoshkaInner()
		G, ends = t.band, t.c.MatryoshkaWidths
	}
	t.lat.build(&t.main, S)
	e := &t.main
	t.decodeBack(e, e.c, e.dc, G, ends, t.wDec, t.wDecT, t.gWDec)
	copy(e.dpre, e.dc)
	encodeBack(e, &t.lat, t.xc, t.wEncT, t.gWEncT, t.gBEnc, t.bDecGrad(), B, S, t.D)
	t.l0 = t.countFired(e, e.pre)
	if t.nDead > 0 {
		if t.c.Arch == "matryoshka" && t.c.UseMatryoshkaAuxLoss {
			loss += t.matryoshkaAux()
		} else {
			loss += t.auxK()
		}
	}
	return loss
}

// bDecGrad is b_dec's gradient when the encoder sees x − b_dec, else nil.
func (t *trainer) bDecGrad() []float32 {
	if t.c.ApplyBDecToInput {
		return t.gBDec
	}
	return nil
}

// selectTopK fills e with each sample's k largest scores among the latents allowed (allowed
// nil: all; otherwise the ascending list of allowed latents), in latent order. Main selections
// drop values ≤ 0 (the ReLU after TopK); AuxK selections (allowed ≠ nil) keep raw values.
func (t *trainer) selectTopK(e *entries, k int, allowed []int32) {
	B, S := t.B, t.S
	t.sel, t.selN = grow(t.sel, B*k), grow(t.selN, B)
	par.ForEachRange(B, func(lo, hi int) {
		var h topHeap
		h.h = make([]cand, 0, k)
		for b := lo; b < hi; b++ {
			row := t.sc[b*S : (b+1)*S]
			h.reset(k)
			if allowed == nil {
				for j, v := range row {
					h.push(cand{v, int32(j)})
				}
			} else {
				for _, j := range allowed {
					h.push(cand{row[j], j})
				}
			}
			out := t.sel[b*k : b*k]
			for _, c := range h.sortedByPos() {
				if allowed != nil || c.v > 0 {
					out = append(out, c)
				}
			}
			t.selN[b] = len(out)
		}
	})
	e.build(B, func(b int) int { return t.selN[b] }, func(b, lo, hi int) {
		for i, c := range t.sel[b*k : b*k+t.selN[b]] {
			p := lo + i
			e.idx[p], e.pre[p], e.c[p] = c.f, c.v, t.pre[b*S+int(c.f)]
		}
	})
}

// selectBatchTopK keeps the int(k·B) largest positive scores of the whole batch and records
// the smallest kept one for the threshold's moving average. The bits of a positive float32
// order like its value, so a histogram of their top 16 bits finds the bucket holding the
// cut; only that bucket's candidates go through the exact selection (nth).
func (t *trainer) selectBatchTopK() {
	B, S := t.B, t.S
	keep := t.c.K * B
	const shift = 16
	key := func(v float32) int { return int(math.Float32bits(v) >> shift) }
	hist := make([]int, 1<<(32-shift))
	var mu sync.Mutex
	par.ForEachRange(B, func(lo, hi int) { // integer counts: any merge order gives the same sums
		h := make([]int32, len(hist))
		for _, v := range t.sc[lo*S : hi*S] {
			if v > 0 {
				h[key(v)]++
			}
		}
		mu.Lock()
		for q, n := range h {
			hist[q] += int(n)
		}
		mu.Unlock()
	})
	cut, above := -1, 0 // bucket of the cut (−1: every positive score is kept); candidates above it
	for q := len(hist) - 1; q >= 0; q-- {
		if above+hist[q] >= keep {
			cut = q
			break
		}
		above += hist[q]
	}
	cs := t.cands[:0]
	for f, v := range t.sc {
		if v > 0 && key(v) == cut {
			cs = append(cs, cand{v, int32(f)})
		}
	}
	t.cands = cs
	var last cand // every bucket above the cut holds larger values than last: kept = not after last
	if cut >= 0 {
		last = nth(cs, keep-above)
	}
	t.minKept = 0
	kept := func(v float32, f int) bool {
		return v > 0 && (v > last.v || (v == last.v && int32(f) <= last.f))
	}
	e := &t.main
	e.build(B, func(b int) int {
		n := 0
		for j, v := range t.sc[b*S : (b+1)*S] {
			if kept(v, b*S+j) {
				n++
			}
		}
		return n
	}, func(b, lo, hi int) {
		p := lo
		for j, v := range t.sc[b*S : (b+1)*S] {
			if kept(v, b*S+j) {
				e.idx[p], e.pre[p], e.c[p] = int32(j), v, t.pre[b*S+j]
				p++
			}
		}
	})
	for _, v := range e.pre {
		if t.minKept == 0 || float64(v) < t.minKept {
			t.minKept = float64(v)
		}
	}
}

// deadList returns the dead latents in [lo, hi), ascending.
func (t *trainer) deadList(lo, hi int) []int32 {
	var out []int32
	for j := lo; j < hi; j++ {
		if t.dead[j] {
			out = append(out, int32(j))
		}
	}
	return out
}

// residual returns level k's detached residual x − x̂ (kept as is while frozen).
func (t *trainer) residual(k int, xhat []float32) []float32 {
	for len(t.res) <= k {
		t.res = append(t.res, nil)
	}
	if !t.freeze || t.res[k] == nil {
		t.res[k] = grow(t.res[k], len(xhat))
		for i, v := range xhat {
			t.res[k][i] = t.x[i] - v
		}
	}
	return t.res[k]
}

// auxK is SAELens's AuxK loss (calculate_topk_aux_loss; spec reference-semantics.md §5): with
// k_aux = d_in/2, scale = min(n_dead/k_aux, 1) and r = stopgrad(x − x̂),
//
//	a = each sample's min(k_aux, n_dead) largest s among dead latents (raw, no ReLU)
//	L_aux = coeff·scale·mean_b Σ_d (b_dec + Σ_j (a_j/n_j)·W_dec,j − r)²
//
// and its gradient reaches W_dec, b_dec and the encoder through a_j/n_j = pre_j, as above.
func (t *trainer) auxK() float64 {
	B, S, D := t.B, t.S, t.D
	kAux := D / 2
	scale := min(float64(t.nDead)/float64(kAux), 1)
	if len(t.aux) < 1 {
		t.aux = make([]entries, 1)
	}
	e := &t.aux[0]
	t.selectTopK(e, min(kAux, t.nDead), t.deadList(0, S))
	r := t.residual(0, t.xhat)
	t.tmp = grow(t.tmp, B*D)
	for b := 0; b < B; b++ {
		copy(t.tmp[b*D:(b+1)*D], t.bDec)
	}
	decodeInto(t.tmp, e, e.c, t.wDec, B, S, D)
	ga := t.tmp
	loss := reconGrad(ga, t.tmp, r, t.c.AuxLossCoeff*scale, B)
	addRowSum(t.gBDec, ga, B, D)
	t.lat.build(e, S)
	t.decodeBack(e, e.c, e.dc, [][]float32{ga}, []int{S}, t.wDec, t.wDecT, t.gWDec)
	copy(e.dpre, e.dc)
	encodeBack(e, &t.lat, t.xc, t.wEncT, t.gWEncT, t.gBEnc, t.bDecGrad(), B, S, D)
	return loss
}
