package sae

import (
	"math"
	"slices"
)

// TopK family (spec §5, after SAELens 6): TopK, BatchTopK and the AuxK loss; Matryoshka's extra
// terms are in matryoshka.go. Forward and hand-derived backward side by side. Shapes for one
// sample of instance i (D = DIn, S = DSAE):
//
//	h, h_cent, h_rec [D];  W_enc [D][S];  Ŵ = W_dec_normalized [S][D] (w.wn);  n = ‖W_dec,j‖ [S] (w.norm)
//	pre, sel, keep, acts, dpre [S]
//
// pre = (h − b_dec)·W_enc + b_enc; sel = pre·n with rescale_acts_by_decoder_norm, else pre.
// Latents are selected on sel and acts_j = ReLU(sel_j)/n_j (= ReLU(pre_j)) for kept ones; the
// decode is the standard SAE's, acts·Ŵ + b_dec (spec §5: "decode as in the standard SAE"), and
// the training loop renormalises an untied decoder. With rescaling the n_j in the activation
// cancels exactly (ReLU(pre·n)/n = ReLU(pre) for n > 0), so its gradient through n is 0.

// selMode is how topkSample picks the latents of a sample.
type selMode int

const (
	selectTopK      selMode = iota // the k largest sel (ties → lower index)
	selectThreshold                // sel_j > τ: BatchTopK's inference forward, JumpReLU with θ = τ
	selectGiven                    // aw.keep as set by the caller (BatchTopK's batch selection)
)

// keepLargest sets keep to the k largest values of v among the candidates (cand nil = all),
// ties going to the lower index, and returns how many it kept (fewer when there are fewer
// candidates). order is scratch of len(v).
func keepLargest(v []float64, cand, keep []bool, k int, order []int) int {
	clear(keep)
	n := 0
	for j := range v {
		if cand == nil || cand[j] {
			order[n] = j
			n++
		}
	}
	if k >= n {
		for _, j := range order[:n] {
			keep[j] = true
		}
		return n
	}
	if k <= 0 {
		return 0
	}
	idx := order[:n]
	if k <= 4 {
		for r := 0; r < k; r++ { // k passes: the first maximum wins, so ties go to the lower index
			best := -1
			for _, j := range idx {
				if !keep[j] && (best < 0 || v[j] > v[best]) {
					best = j
				}
			}
			keep[best] = true
		}
		return k
	}
	slices.SortStableFunc(idx, func(a, b int) int { return descending(v[a], v[b]) })
	for _, j := range idx[:k] {
		keep[j] = true
	}
	return k
}

// descending orders larger values first (the package cannot import cmp: a test declares cmp).
func descending(a, b float64) int {
	switch {
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return 0
}

// topkEncode computes h_cent (w.hc), pre (w.pre) and the selection values sel (aw.sel).
func (s *SAE) topkEncode(i int, h []float64, w *work, aw *archWork) {
	D, S := s.Cfg.DIn, s.Cfg.DSAE
	enc := s.WEnc[i*D*S : (i+1)*D*S]
	bEnc, bDec := s.BEnc[i*S:(i+1)*S], s.BDec[i*D:(i+1)*D]
	hc, pre := w.hc, w.pre
	for d := 0; d < D; d++ {
		hc[d] = h[d] - bDec[d]
	}
	copy(pre, bEnc)
	for d := 0; d < D; d++ {
		row, x := enc[d*S:(d+1)*S], hc[d]
		for j := range pre {
			pre[j] += x * row[j]
		}
	}
	for j, p := range pre {
		if s.Cfg.RescaleActsByDecoderNorm {
			aw.sel[j] = p * w.norm[j]
		} else {
			aw.sel[j] = p
		}
	}
}

// topkSample runs one sample through the TopK family: selection by mode, decode, the terms
// (L_reconstruction, L_sparsity = L0, L_auxk, L_matryoshka) and, with grad, scale·∂loss/∂θ
// (the decoder part in w.gWn, finished by finishDecoderGrad). acts are left in w.acts, h_rec
// in w.hrec and the selection in aw.keep.
func (s *SAE) topkSample(i int, h []float64, scale float64, w *work, aw *archWork, grad bool, mode selMode) termVec {
	D := s.Cfg.DIn
	bDec := s.BDec[i*D : (i+1)*D]
	s.topkEncode(i, h, w, aw)
	sel, keep, acts, hrec := aw.sel, aw.keep, w.acts, w.hrec
	switch mode {
	case selectTopK: // keep the k largest sel per sample (ties → lower index)
		keepLargest(sel, nil, keep, int(s.Cfg.K), aw.order)
	case selectThreshold: // JumpReLU with θ = τ: ReLU(sel)·1[sel > τ]
		for j, v := range sel {
			keep[j] = v > aw.tau
		}
	}
	// acts_j = keep_j·ReLU(sel_j)/n_j;  h_rec = acts·Ŵ + b_dec;  L0 = #{acts_j > 0}
	copy(hrec, bDec)
	var l0 float64
	for j := range acts {
		acts[j] = 0
		if !keep[j] || !(sel[j] > 0) {
			continue
		}
		if s.Cfg.RescaleActsByDecoderNorm {
			acts[j] = sel[j] / w.norm[j]
		} else {
			acts[j] = sel[j]
		}
		l0++
		wn := w.wn[j*D : (j+1)*D]
		for d := range hrec {
			hrec[d] += acts[j] * wn[d]
		}
	}
	// L_reconstruction = mean_d (h_rec − h)²
	var lrec float64
	for d := range hrec {
		e := hrec[d] - h[d]
		lrec += e * e
	}
	lrec /= float64(D)
	t := termVec{lrec, l0}
	if s.arch == archMatryoshka {
		t[3] = s.matryoshkaTerms(i, h, w, aw)
	}
	if !grad {
		t[2] = s.auxK(i, h, 0, w, aw, false)
		return t
	}

	// ∂/∂h_rec = scale·2(h_rec − h)/D (to b_dec directly);  for kept active j:
	// ∂acts_j = dh·Ŵ_j, ∂Ŵ_j += acts_j·dh, ∂pre_j = ∂acts_j (ReLU′ = 1; n's path cancels)
	gBDec := w.g[s.ix.bDec]
	dh, dpre := w.dh, aw.dpre
	clear(dpre)
	for d := range dh {
		dh[d] = scale * 2 * (hrec[d] - h[d]) / float64(D)
		gBDec[d] += dh[d]
	}
	for j, a := range acts {
		if a <= 0 {
			continue
		}
		wn, gwn := w.wn[j*D:(j+1)*D], w.gWn[j*D:(j+1)*D]
		for d := range dh {
			dpre[j] += dh[d] * wn[d]
			gwn[d] += a * dh[d]
		}
	}
	if s.arch == archMatryoshka {
		s.matryoshkaGrad(i, scale, w, aw)
	}
	t[2] = s.auxK(i, h, scale, w, aw, true)
	s.topkEncoderGrad(i, w, aw)
	return t
}

// topkEncoderGrad takes ∂pre (aw.dpre) back through pre = (h − b_dec)·W_enc + b_enc:
// ∂b_enc_j += ∂pre_j;  ∂W_enc[d,j] += h_cent_d·∂pre_j;  ∂b_dec_d −= Σ_j W_enc[d,j]·∂pre_j.
func (s *SAE) topkEncoderGrad(i int, w *work, aw *archWork) {
	D, S := s.Cfg.DIn, s.Cfg.DSAE
	enc := s.WEnc[i*D*S : (i+1)*D*S]
	gWEnc, gBEnc, gBDec := w.g[s.ix.wEnc], w.g[s.ix.bEnc], w.g[s.ix.bDec]
	hc, dhc := w.hc, w.dhc
	clear(dhc)
	for j, g := range aw.dpre {
		if g == 0 {
			continue
		}
		gBEnc[j] += g
		for d := 0; d < D; d++ {
			gWEnc[d*S+j] += hc[d] * g
			dhc[d] += enc[d*S+j] * g
		}
	}
	for d := range dhc {
		gBDec[d] -= dhc[d]
	}
}

// auxK is the AuxK loss of one sample (spec §5), after the main decode (w.hrec) and, with grad,
// adds its gradient (∂pre into aw.dpre, the decoder part into w.gWn, b_dec directly):
//
//	k_aux = d_in/2;  sc = min(n_dead/k_aux, 1);  k_aux = min(k_aux, n_dead)
//	A = the k_aux largest sel among dead latents (ties → lower index); aux_j = sel_j raw (no ReLU)
//	e = Σ_{j∈A} (aux_j/n_j)·Ŵ_j + b_dec  (= Σ pre_j·Ŵ_j + b_dec);  r = stopgrad(h − h_rec)
//	L_auxk = coeff·sc·Σ_d (e − r)²
//	∂e = scale·coeff·sc·2(e − r):  ∂b_dec += ∂e;  ∂Ŵ_j += pre_j·∂e;  ∂pre_j += ∂e·Ŵ_j
//
// It is 0 with no dead latent, a zero coefficient, or d_in = 1 (k_aux = 0).
func (s *SAE) auxK(i int, h []float64, scale float64, w *work, aw *archWork, grad bool) float64 {
	D := s.Cfg.DIn
	kAux := D / 2
	if aw.nDead == 0 || kAux == 0 || s.Cfg.AuxKCoeff == 0 {
		return 0
	}
	sc := min(float64(aw.nDead)/float64(kAux), 1)
	kAux = min(kAux, aw.nDead)
	aux, chosen := aw.aux, aw.auxKeep // aux_j/n_j for the chosen latents A, 0 elsewhere
	keepLargest(aw.sel, aw.dead, chosen, kAux, aw.order)
	bDec := s.BDec[i*D : (i+1)*D]
	e := aw.v1
	copy(e, bDec)
	for j := range aux {
		aux[j] = 0
		if !chosen[j] {
			continue
		}
		if s.Cfg.RescaleActsByDecoderNorm {
			if w.norm[j] > 0 {
				aux[j] = aw.sel[j] / w.norm[j]
			}
		} else {
			aux[j] = aw.sel[j]
		}
		wn := w.wn[j*D : (j+1)*D]
		for d := range e {
			e[d] += aux[j] * wn[d]
		}
	}
	c := s.Cfg.AuxKCoeff * sc
	var l float64
	for d := range e {
		e[d] -= h[d] - w.hrec[d] // e − r
		l += e[d] * e[d]
	}
	if !grad {
		return c * l
	}
	gBDec := w.g[s.ix.bDec]
	for d := range e {
		e[d] *= scale * c * 2 // ∂e
		gBDec[d] += e[d]
	}
	for j, a := range aux {
		if !chosen[j] {
			continue
		}
		wn, gwn := w.wn[j*D:(j+1)*D], w.gWn[j*D:(j+1)*D]
		for d := range e {
			aw.dpre[j] += e[d] * wn[d]
			gwn[d] += a * e[d]
		}
	}
	return c * l
}

// kthLargest returns the value t of the K-th largest entry counted with multiplicity
// (1 ≤ K ≤ total weight), the weight gt of the entries > t and eq of those = t, so that
// gt < K ≤ gt + eq. It reorders ents (a three-way quickselect, expected linear time).
func kthLargest(ents []entry, K int) (t float64, gt, eq int) {
	for {
		a, b, c := ents[0].v, ents[len(ents)/2].v, ents[len(ents)-1].v
		p := max(min(a, b), min(max(a, b), c)) // median of three
		// [0, lt) > p, [lt, i) = p, (hi, end) < p
		lt, i, hi := 0, 0, len(ents)-1
		wGt, wEq := 0, 0
		for i <= hi {
			switch e := ents[i]; {
			case e.v > p:
				ents[lt], ents[i] = ents[i], ents[lt]
				wGt += e.w
				lt++
				i++
			case e.v < p:
				ents[i], ents[hi] = ents[hi], ents[i]
				hi--
			default:
				wEq += e.w
				i++
			}
		}
		switch {
		case gt+wGt >= K:
			ents = ents[:lt]
		case gt+wGt+wEq >= K:
			return p, gt + wGt, wEq
		default:
			gt += wGt + wEq
			ents = ents[i:]
		}
	}
}

// batchTopK runs instance i's training batch through BatchTopK's (and Matryoshka's) training
// forward, and with grad its backward, calling visit(k, mult, terms) once per distinct input
// with w.acts, w.hrec and aw.keep set: k ≥ 0 is nonzero sample k of hb, k < 0 a class of mult
// identical all-zero samples (classes in the order of their sample positions).
//
// Selection (spec §5): v = ReLU(sel) over the flattened B×S batch, keep the K = int(k·B)
// largest, ties to the lower flat index b·S+j. The all-zero samples are NZero identical rows
// at their own positions (the complement of hb.Sample); when the cut falls among their tied
// values, the first copies in sample order keep them, which splits the group into at most
// three classes: copies keeping every tied latent, one copy keeping a prefix of them, and the
// rest keeping none. It also leaves the minimum positive kept value in aw.minKept (hasMin).
func (s *SAE) batchTopK(i int, hb *hiddenBatch, B int, w *work, aw *archWork, grad bool, visit func(k, mult int, t termVec)) {
	D, S := s.Cfg.DIn, s.Cfg.DSAE
	n := len(hb.Sample)
	rows := n
	if hb.NZero > 0 {
		rows++ // row n is the zero group
	}
	input := func(r int) []float64 {
		if r == n {
			return w.zero
		}
		return hb.H[r*D : (r+1)*D]
	}
	if cap(aw.bvals) < rows*S {
		aw.bvals, aw.bkeep = make([]float64, rows*S, 2*rows*S), make([]bool, rows*S, 2*rows*S)
	}
	vals, keep := aw.bvals[:rows*S], aw.bkeep[:rows*S]
	weight := func(r int) int {
		if r == n {
			return hb.NZero
		}
		return 1
	}
	// v = ReLU(sel) of every distinct row
	aw.ents = aw.ents[:0]
	P := 0 // number of positive values in the batch
	for r := 0; r < rows; r++ {
		s.topkEncode(i, input(r), w, aw)
		for j, v := range aw.sel {
			v = max(v, 0)
			vals[r*S+j] = v
			if v > 0 {
				aw.ents = append(aw.ents, entry{v, weight(r)})
				P += weight(r)
			}
		}
	}
	// The cut: values > t are kept, and `need` of the eq values equal to t, first in flat order.
	K := int(s.Cfg.K * float64(B))
	var t float64
	var need, eq int
	aw.hasMin = false
	switch {
	case K >= B*S:
		t = math.Inf(-1) // everything kept
	case K <= 0:
		t = math.Inf(1) // nothing kept
	case P > K:
		var gt int
		t, gt, eq = kthLargest(aw.ents, K)
		need = K - gt
		aw.minKept, aw.hasMin = t, true
	default: // at most K positive values: all kept, and K − P zeros in flat order
		t, need, eq = 0, K-P, B*S-P
		for k, e := range aw.ents {
			if k == 0 || e.v < aw.minKept {
				aw.minKept = e.v
			}
		}
		aw.hasMin = P > 0
	}
	allTied := need >= eq
	for r := range vals {
		keep[r] = vals[r] > t || (allTied && vals[r] == t)
	}
	// Ties cut partway: walk the batch in flat order, giving the tied values to the first ones.
	// A zero copy holds mZero tied values; nFull copies get all of them, then the cut copy
	// gets `part` (0 < part < mZero) or none.
	nFull, part, mZero := 0, 0, 0
	if hb.NZero > 0 {
		for j := 0; j < S; j++ {
			if vals[n*S+j] == t {
				mZero++
			}
		}
	}
	if !allTied {
		left, k := need, 0
		for b := 0; b < B && left > 0; b++ {
			if k < n && int(hb.Sample[k]) == b {
				for j := 0; j < S && left > 0; j++ {
					if vals[k*S+j] == t {
						keep[k*S+j] = true
						left--
					}
				}
				k++
				continue
			}
			if mZero == 0 {
				continue
			}
			if left >= mZero {
				nFull++
				left -= mZero
			} else {
				part, left = left, 0
			}
		}
	}
	// Forward (and backward) of every distinct input with its selection.
	invB := 1 / float64(B)
	for r := 0; r < n; r++ {
		copy(aw.keep, keep[r*S:(r+1)*S])
		tv := s.topkSample(i, input(r), invB, w, aw, grad, selectGiven)
		visit(r, 1, tv)
	}
	if hb.NZero == 0 {
		return
	}
	// Zero classes in sample order: copies keeping every tied latent, the cut copy keeping the
	// first `part` of them, copies keeping none.
	var counts [3]int
	switch {
	case allTied:
		counts = [3]int{hb.NZero, 0, 0}
	case part > 0:
		counts = [3]int{nFull, 1, hb.NZero - nFull - 1}
	default:
		counts = [3]int{nFull, 0, hb.NZero - nFull}
	}
	for c := range aw.zkeep {
		given := 0
		for j := 0; j < S; j++ {
			v := vals[n*S+j]
			tied := v == t && (c == 0 || (c == 1 && given < part))
			if tied && c == 1 {
				given++
			}
			aw.zkeep[c][j] = v > t || tied
		}
	}
	for c, m := range counts {
		if m == 0 {
			continue
		}
		copy(aw.keep, aw.zkeep[c])
		tv := s.topkSample(i, w.zero, float64(m)*invB, w, aw, grad, selectGiven)
		visit(-1-c, m, tv)
	}
}
