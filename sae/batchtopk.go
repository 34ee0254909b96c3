package sae

import (
	"fmt"
	"math"
)

// batchTopKArch is BatchTopK(k) (spec §5): training keeps the int(k·B) largest activations of
// the whole batch (batchTopK), so the samples of a batch are coupled; inference is JumpReLU with
// θ = τ, the threshold kept as non-trained state. nested is Matryoshka's inner prefix widths
// (nil here: matryoshka.go).
type batchTopKArch struct {
	topKArch
	nested []int
}

func (batchTopKArch) name() string { return "batchtopk" }

func (batchTopKArch) validate(c Config) error {
	if !(c.K > 0 && c.K <= float64(c.DSAE)) {
		return fmt.Errorf("k = %v: %s needs a number in (0, d_sae = %d]", c.K, c.Arch, c.DSAE)
	}
	return nil
}

// bind allocates b_enc, the fired counters and τ, all 0.
func (a batchTopKArch) bind(s *SAE) arch {
	a.bindTopK(s)
	s.Threshold = make([]float64, s.Cfg.NInst)
	return a
}

// state is τ as "threshold" [I], which the inference forward needs.
func (batchTopKArch) state(s *SAE) []Param {
	return []Param{{"threshold", s.Threshold, []int{s.Cfg.NInst}}}
}

// saelens is the inference forward, JumpReLU with θ = τ, as SAELens saves BatchTopK (and
// Matryoshka, which inherits this): an SAELens jumprelu SAE with threshold τ·ones, the
// decoder norms folded as for TopK (spec §11).
func (batchTopKArch) saelens(s *SAE, i int) saelensExport {
	theta := make([]float32, s.Cfg.DSAE)
	for j := range theta {
		theta[j] = float32(s.Threshold[i])
	}
	return withThreshold(s.topkExport(i), theta)
}

// prep derives the dead mask and τ.
func (a batchTopKArch) prep(s *SAE, i int, aw *archWork) {
	a.topKArch.prep(s, i, aw)
	aw.tau = s.Threshold[i]
}

// sample is the inference forward: JumpReLU with θ = τ.
func (a batchTopKArch) sample(s *SAE, i int, h []float64, scale float64, w *work, aw *archWork, grad bool) termVec {
	return s.topkSample(i, h, scale, w, aw, grad, selectThreshold, a.nested)
}

// batch is the training forward and backward with the batch-coupled selection.
func (a batchTopKArch) batch(s *SAE, i int, hb *hiddenBatch, B int, w *work, aw *archWork, counts []int) (sums [5]float64) {
	s.batchTopK(i, hb, B, w, aw, true, a.nested, func(_, mult int, t termVec) { s.addSample(&sums, counts, w, t, mult) })
	return sums
}

// afterStep updates the fired counters, then τ ← (1−lr)·τ + lr·(min positive kept activation)
// when the step kept one.
func (a batchTopKArch) afterStep(s *SAE, i int, aw *archWork) {
	a.topKArch.afterStep(s, i, aw)
	if aw.hasMin {
		lr := s.Cfg.TopKThresholdLR
		s.Threshold[i] = (1-lr)*s.Threshold[i] + lr*aw.minKept
	}
}

// forwardTraining runs the batch-coupled training forward on a dense batch, each instance's B
// samples being one batch, and returns the selection mask kept [B][I][S] too.
func (a batchTopKArch) forwardTraining(s *SAE, h []float64, B int) (Output, []bool) {
	I, D, S := s.Cfg.NInst, s.Cfg.DIn, s.Cfg.DSAE
	out := s.newOutput(B)
	kept := make([]bool, B*I*S)
	names := s.TermNames()
	w, aw := s.newWork(), &archWork{}
	for i := 0; i < I; i++ {
		hb := denseHidden(h, B, I, D, i)
		zeros := hb.zeroPositions(B)
		s.prepare(i, w)
		s.prepArch(i, aw)
		s.batchTopK(i, hb, B, w, aw, false, a.nested, func(k, mult int, t termVec) {
			var pos []int
			if k >= 0 {
				pos = []int{int(hb.Sample[k])}
			} else {
				pos, zeros = zeros[:mult], zeros[mult:] // zero classes come in sample order
			}
			for _, b := range pos {
				for n, name := range names {
					out.Terms[name][b*I+i] = t[n]
				}
				out.Loss[b*I+i] = s.lossOf(t)
				copy(out.Acts[(b*I+i)*S:], w.acts)
				copy(out.HRec[(b*I+i)*D:], w.hrec)
				copy(kept[(b*I+i)*S:(b*I+i+1)*S], aw.keep)
			}
		})
	}
	return out, kept
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
func (s *SAE) batchTopK(i int, hb *hiddenBatch, B int, w *work, aw *archWork, grad bool, nested []int, visit func(k, mult int, t termVec)) {
	S := s.Cfg.DSAE
	n := len(hb.Sample)
	vals, P := s.batchValues(i, hb, w, aw)
	c := aw.batchCut(int(s.Cfg.K*float64(B)), B*S, P)
	keep := aw.bkeep[:len(vals)]
	for r := range vals {
		keep[r] = vals[r] > c.t || (c.allTied && vals[r] == c.t)
	}
	if !c.allTied {
		c.breakTies(hb, vals, keep, B, S)
	}
	// Forward (and backward) of every distinct input with its selection.
	invB := 1 / float64(B)
	for r := 0; r < n; r++ {
		copy(aw.keep, keep[r*S:(r+1)*S])
		tv := s.topkSample(i, hb.H[r*s.Cfg.DIn:(r+1)*s.Cfg.DIn], invB, w, aw, grad, selectGiven, nested)
		visit(r, 1, tv)
	}
	if hb.NZero == 0 {
		return
	}
	for cl, m := range c.zeroClasses(aw, vals[n*S:(n+1)*S], hb.NZero) {
		if m == 0 {
			continue
		}
		copy(aw.keep, aw.zkeep[cl])
		tv := s.topkSample(i, w.zero, float64(m)*invB, w, aw, grad, selectGiven, nested)
		visit(-1-cl, m, tv)
	}
}

// batchValues computes v = ReLU(sel) for every distinct row of the batch into aw.bvals
// [rows][S] (row n, after the nonzero samples, is the all-zero group when there is one),
// lists the positive values with their multiplicities in aw.ents, and returns the values and
// P, the number of positive values in the batch counted with multiplicity.
func (s *SAE) batchValues(i int, hb *hiddenBatch, w *work, aw *archWork) (vals []float64, P int) {
	D, S := s.Cfg.DIn, s.Cfg.DSAE
	n := len(hb.Sample)
	rows := n
	if hb.NZero > 0 {
		rows++
	}
	if cap(aw.bvals) < rows*S {
		aw.bvals, aw.bkeep = make([]float64, rows*S, 2*rows*S), make([]bool, rows*S, 2*rows*S)
	}
	vals = aw.bvals[:rows*S]
	aw.ents = aw.ents[:0]
	for r := 0; r < rows; r++ {
		h, weight := w.zero, hb.NZero
		if r < n {
			h, weight = hb.H[r*D:(r+1)*D], 1
		}
		s.topkEncode(i, h, w, aw)
		for j, v := range aw.sel {
			v = max(v, 0)
			vals[r*S+j] = v
			if v > 0 {
				aw.ents = append(aw.ents, entry{v, weight})
				P += weight
			}
		}
	}
	return vals, P
}

// topKCut is where BatchTopK's selection cuts the batch's values: those > t are kept, and
// need of the eq values equal to t, the first ones in flat order (all of them when allTied).
// nFull and part say how the all-zero copies share the tied values (breakTies).
type topKCut struct {
	t           float64
	need, eq    int
	allTied     bool
	nFull, part int
}

// batchCut finds the cut keeping the K largest of the batch's total values, P of them
// positive (aw.ents), and records the minimum positive kept value in aw.minKept (hasMin).
func (aw *archWork) batchCut(K, total, P int) topKCut {
	var c topKCut
	aw.hasMin = false
	switch {
	case K >= total:
		c.t = math.Inf(-1) // everything kept
	case K <= 0:
		c.t = math.Inf(1) // nothing kept
	case P > K:
		var gt int
		c.t, gt, c.eq = kthLargest(aw.ents, K)
		c.need = K - gt
		aw.minKept, aw.hasMin = c.t, true
	default: // at most K positive values: all kept, and K − P zeros in flat order
		c.t, c.need, c.eq = 0, K-P, total-P
		for k, e := range aw.ents {
			if k == 0 || e.v < aw.minKept {
				aw.minKept = e.v
			}
		}
		aw.hasMin = P > 0
	}
	c.allTied = c.need >= c.eq
	return c
}

// breakTies gives the cut's tied values to the first ones in flat order when the cut falls
// partway through them: the nonzero samples' in keep, and for the all-zero copies (each
// holding mZero tied values) the counts c.nFull of copies keeping all of them and c.part of
// the one copy keeping a prefix (0 when none).
func (c *topKCut) breakTies(hb *hiddenBatch, vals []float64, keep []bool, B, S int) {
	n := len(hb.Sample)
	mZero := 0
	if hb.NZero > 0 {
		for j := 0; j < S; j++ {
			if vals[n*S+j] == c.t {
				mZero++
			}
		}
	}
	left, k := c.need, 0
	for b := 0; b < B && left > 0; b++ {
		if k < n && int(hb.Sample[k]) == b {
			for j := 0; j < S && left > 0; j++ {
				if vals[k*S+j] == c.t {
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
			c.nFull++
			left -= mZero
		} else {
			c.part, left = left, 0
		}
	}
}

// zeroClasses sets aw.zkeep to the selections of the all-zero group's three classes, in
// sample order (copies keeping every tied latent, the cut copy keeping the first c.part of
// them, copies keeping none), for the zero row's values zv [S], and returns their sizes.
func (c *topKCut) zeroClasses(aw *archWork, zv []float64, nZero int) [3]int {
	var counts [3]int
	switch {
	case c.allTied:
		counts = [3]int{nZero, 0, 0}
	case c.part > 0:
		counts = [3]int{c.nFull, 1, nZero - c.nFull - 1}
	default:
		counts = [3]int{c.nFull, 0, nZero - c.nFull}
	}
	for cl := range aw.zkeep {
		given := 0
		for j, v := range zv {
			tied := v == c.t && (cl == 0 || (cl == 1 && given < c.part))
			if tied && cl == 1 {
				given++
			}
			aw.zkeep[cl][j] = v > c.t || tied
		}
	}
	return counts
}
