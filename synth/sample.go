package synth

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sync"

	"saelab/internal/par"
	"saelab/internal/vec"
	"saelab/rng"
)

// Stream purposes of the synth package: every draw comes from rng.New(seed, purpose, …), so
// adding draws for one purpose never shifts another's (values spell "SYN" + a number).
const (
	purposeHierarchy   uint64 = 0x53594e01 // hierarchy generation (branching ranges, ME subsets)
	purposeCorrelation uint64 = 0x53594e02 // the low-rank correlation factor
	purposeDictionary  uint64 = 0x53594e03 // feature vectors and bias
	purposeFire        uint64 = 0x53594e10 // firing masks, per (batch index, chunk)
	purposeMagnitude   uint64 = 0x53594e11 // magnitudes, per (batch index, chunk)
	purposeExclusion   uint64 = 0x53594e12 // mutual-exclusion choices, per (batch index, chunk)
)

// SampleChunk is the number of samples drawn from one set of streams: sample b of a batch
// comes from the streams of chunk b/SampleChunk, whichever goroutine draws it.
const SampleChunk = 64

// Batch is a sparse batch of feature activations: sample s has the features
// Index[Off[s]:Off[s+1]] (ascending) with activations Value[Off[s]:Off[s+1]], all > 0. Features
// not listed are 0.
type Batch struct {
	N     int
	Off   []int
	Index []int32
	Value []float32
}

// Dense returns the batch as a dense [N×F] row-major matrix.
func (b *Batch) Dense(F int) []float32 {
	out := make([]float32, b.N*F)
	for s := 0; s < b.N; s++ {
		for e := b.Off[s]; e < b.Off[s+1]; e++ {
			out[s*F+int(b.Index[e])] = b.Value[e]
		}
	}
	return out
}

// Generator draws activations a ∈ ℝ^F with the distribution of SAELens's ActivationGenerator
// followed by the hierarchy modifier (spec §5, §6.4): firing mask (independent Bernoulli or the
// low-rank Gaussian copula), a = max(0, μ + σ·δ) per firing feature, then parent gating or
// rescaling and mutual exclusion, top-down. It is read-only after NewGenerator; Sample may run
// concurrently.
//
// Sampling is sparse. Given the copula's common factor ε, features fire independently, and a
// child's firing only matters when its effective parent is active (otherwise the gate zeroes
// it). So the generator draws the top-level features (roots and features outside the forest)
// first and then descends: the children of each active feature are drawn, scaled, thinned to
// one per mutually exclusive group, and their own children visited in turn. This has exactly
// the reference's distribution, and it never draws the children of inactive parents, which
// with compensated probabilities are most of the reference's firings (about 5,000 per sample
// for SynthSAEBench-16k, against 34 active).
type Generator struct {
	F                 int
	Prob, Sigma, Mean []float32 // p_f (final), σ_f, μ_f
	Corr              *LowRank  // nil: independent firing
	Roots             []*Node   // the hierarchy forest (nil: none)

	fo  *forest
	top []int32 // top-level features: no effective parent

	// Independent firing of the top level: features grouped by p ∈ (2^-(k+1), 2^-k]; candidates
	// are drawn at the group's largest p, q, with geometric gaps and kept with probability p_f/q
	// (exact thinning), so the cost follows the firings, not F.
	buckets []bucket

	// Copula firing: top-level features with 0 < p < 1 (cf), their a_f = t_f/√d_f and factor
	// rows w_f = Fm_f/√d_f transposed [R × len(cf)]; top-level features with p = 1; a and w of
	// every feature (children are tested one at a time); the bounds table.
	cf     []int32
	aT     []float64
	wT     []float32
	always []int32
	aAll   []float64
	wAll   []float32 // [F×R]
	tab    *tailTable

	pool sync.Pool // *sampleWork
}

type bucket struct {
	gaps  rng.Gaps
	feats []int32
	ratio []float64 // p_f/q
}

// NewGenerator checks and prepares a generator for F = len(p) features. p must lie in [0, 1],
// σ and μ be finite; corr (optional) must be F × r with a positive diagonal; roots (optional)
// must pass the hierarchy checks, and every rescaling parent needs μ > 0.
func NewGenerator(p, sigma, mu []float32, corr *LowRank, roots []*Node) (*Generator, error) {
	F := len(p)
	if F < 1 || F > MaxFeatures || len(sigma) != F || len(mu) != F {
		return nil, fmt.Errorf("synth: generator: need 1 to %d features with as many σ and μ (got %d, %d, %d)", MaxFeatures, F, len(sigma), len(mu))
	}
	for f := 0; f < F; f++ {
		if !(p[f] >= 0 && p[f] <= 1) {
			return nil, fmt.Errorf("synth: firing_probabilities[%d] = %g: must be in [0, 1]", f, p[f])
		}
		if !finite(float64(sigma[f])) || !finite(float64(mu[f])) {
			return nil, fmt.Errorf("synth: magnitudes of feature %d (σ %g, μ %g): must be finite", f, sigma[f], mu[f])
		}
	}
	g := &Generator{F: F, Prob: p, Sigma: sigma, Mean: mu, Corr: corr, Roots: roots}
	if len(roots) > 0 {
		fo, err := compileForest(roots, F)
		if err != nil {
			return nil, err
		}
		for f := 0; f < F; f++ {
			if P := fo.parent[f]; P >= 0 && fo.rescale[f] && !(mu[P] > 0) {
				return nil, fmt.Errorf("synth: hierarchy: feature %d rescales its children but its mean magnitude is %g: must be > 0", P, mu[P])
			}
		}
		g.fo = fo
	}
	for f := 0; f < F; f++ {
		if g.fo == nil || g.fo.parent[f] < 0 {
			g.top = append(g.top, int32(f))
		}
	}
	if corr != nil {
		if err := corr.validate(F); err != nil {
			return nil, err
		}
		g.prepareCopula()
	} else {
		g.prepareBuckets()
	}
	return g, nil
}

// Stats returns the hierarchy's counts (zero without a hierarchy).
func (g *Generator) Stats() HierarchyStats {
	if g.fo == nil {
		return HierarchyStats{}
	}
	return g.fo.stats()
}

func (g *Generator) prepareBuckets() {
	byK := map[int]*bucket{}
	var ks []int
	for _, f := range g.top {
		pf := g.Prob[f]
		if pf <= 0 {
			continue
		}
		k := -1 // p = 1
		if pf < 1 {
			k = int(math.Floor(-math.Log2(float64(pf))))
		}
		b := byK[k]
		if b == nil {
			b = &bucket{}
			byK[k] = b
			ks = append(ks, k)
		}
		b.feats = append(b.feats, f)
	}
	slices.Sort(ks)
	for _, k := range ks {
		b := byK[k]
		q := 0.0
		for _, f := range b.feats {
			q = max(q, float64(g.Prob[f]))
		}
		b.gaps = rng.NewGaps(q)
		b.ratio = make([]float64, len(b.feats))
		for j, f := range b.feats {
			b.ratio[j] = float64(g.Prob[f]) / q
		}
		g.buckets = append(g.buckets, *b)
	}
}

func (g *Generator) prepareCopula() {
	c := g.Corr
	g.aAll = make([]float64, g.F)
	g.wAll = make([]float32, g.F*c.R)
	for f := 0; f < g.F; f++ {
		sd := math.Sqrt(float64(c.Diag[f]))
		g.aAll[f] = Threshold(float64(g.Prob[f])) / sd
		for k := 0; k < c.R; k++ {
			g.wAll[f*c.R+k] = float32(float64(c.Factor[f*c.R+k]) / sd)
		}
	}
	for _, f := range g.top {
		switch pf := g.Prob[f]; {
		case pf >= 1:
			g.always = append(g.always, f)
		case pf > 0:
			g.cf = append(g.cf, f)
		}
	}
	n := len(g.cf)
	g.aT = make([]float64, n)
	g.wT = make([]float32, c.R*n)
	for j, f := range g.cf {
		g.aT[j] = g.aAll[f]
		for k := 0; k < c.R; k++ {
			g.wT[k*n+j] = g.wAll[int(f)*c.R+k]
		}
	}
	g.tab = newTailTable()
}

// tailTable decides the copula test "U < Φ̄(τ)" for a uniform U from its top 8 bits j
// (U ∈ [j/256, (j+1)/256)) in almost every case: with q_j = Φ̄⁻¹(j/256),
//
//	τ ≥ q_j     ⇒ Φ̄(τ) ≤ j/256 ≤ U:          the feature does not fire;
//	τ < q_{j+1} ⇒ Φ̄(τ) > (j+1)/256 > U:      it fires.
//
// The thresholds are moved outwards by 1e-9, far beyond the error of Φ̄⁻¹, so both
// implications are exact. Between the two (about one test in 256), 53 more bits of U are
// drawn and Φ̄(τ) is evaluated.
type tailTable struct {
	rej [257]float64 // q_j + slack (+Inf for j = 0)
	acc [257]float64 // q_j − slack (−Inf for j = 256)
}

func newTailTable() *tailTable {
	t := &tailTable{}
	const slack = 1e-9
	for j := 0; j <= 256; j++ {
		q := Threshold(float64(j) / 256) // Φ̄⁻¹(j/256)
		t.rej[j], t.acc[j] = q+slack, q-slack
	}
	return t
}

// fires reports U < Φ̄(τ) for the uniform U whose top 8 bits are j; st gives more bits when
// the table cannot decide.
func (t *tailTable) fires(tau float64, j uint64, st *rng.Stream) bool {
	if tau >= t.rej[j] {
		return false
	}
	if tau < t.acc[j+1] {
		return true
	}
	// U = (j + U')/256 < Φ̄(τ) ⇔ U' < 256·Φ̄(τ) − j, a subtraction without rounding here.
	return st.Float64() < 256*normalTail(tau)-float64(j)
}

// sampleWork is one goroutine's scratch for a chunk.
type sampleWork struct {
	keys  []uint64 // top-level firings, sample<<32 | feature
	pos   []int
	eps   []float32
	u     []float32
	cand  []member // one family's firing candidates
	queue []member // active features whose children are still to be drawn
	act   []uint64 // one sample's active features, feature<<32 | bits of a
}

// member is a firing feature with its activation and its ME group (+1; 0 for none).
type member struct {
	key uint64 // group+1 << 32 | feature
	a   float32
}

// Sample draws n samples into dst (its slices are reused; n ≤ 0 gives an empty batch). Samples are drawn in chunks of
// SampleChunk; chunk c's draws come from rng.New(seed, purpose, index, c) for each purpose,
// so the batch is the same for any GOMAXPROCS. Callers pick index (e.g. the step number) so
// that different batches of one seed are independent.
func (g *Generator) Sample(dst *Batch, n int, seed, index uint64) {
	n = max(n, 0)
	chunks := (n + SampleChunk - 1) / SampleChunk
	outs := make([]Batch, chunks)
	par.ForEach(chunks, func(c int) {
		w, _ := g.pool.Get().(*sampleWork)
		if w == nil {
			w = &sampleWork{}
		}
		cs := min(SampleChunk, n-c*SampleChunk)
		g.sampleChunk(w, &outs[c], cs, seed, index, uint64(c))
		g.pool.Put(w)
	})
	total := 0
	for c := range outs {
		total += len(outs[c].Index)
	}
	dst.N = n
	dst.Off = append(dst.Off[:0], 0)
	dst.Index, dst.Value = dst.Index[:0], dst.Value[:0]
	if cap(dst.Index) < total {
		dst.Index, dst.Value = make([]int32, 0, total), make([]float32, 0, total)
	}
	for c := range outs {
		base := len(dst.Index)
		for s := 1; s <= outs[c].N; s++ {
			dst.Off = append(dst.Off, base+outs[c].Off[s])
		}
		dst.Index = append(dst.Index, outs[c].Index...)
		dst.Value = append(dst.Value, outs[c].Value...)
	}
}

// sampleChunk draws cs samples into out: the top level of the whole chunk, then per sample
// the magnitudes, exclusions and descent.
func (g *Generator) sampleChunk(w *sampleWork, out *Batch, cs int, seed, index, c uint64) {
	fire := rng.New(seed, purposeFire, index, c)
	mag := rng.New(seed, purposeMagnitude, index, c)
	me := rng.New(seed, purposeExclusion, index, c)
	w.keys = w.keys[:0]
	if g.Corr != nil {
		g.fireCopula(w, cs, fire)
	} else {
		g.fireIndependent(w, cs, fire)
	}
	slices.Sort(w.keys)
	out.N = cs
	out.Off = make([]int, 1, cs+1)
	for lo, s := 0, 0; s < cs; s++ {
		hi := lo
		for hi < len(w.keys) && int(w.keys[hi]>>32) == s {
			hi++
		}
		w.cand, w.queue, w.act = w.cand[:0], w.queue[:0], w.act[:0]
		for _, k := range w.keys[lo:hi] {
			f := int32(uint32(k))
			if a := g.magnitude(f, mag); a > 0 {
				w.cand = append(w.cand, member{g.groupKey(f), a})
			}
		}
		slices.SortFunc(w.cand, func(x, y member) int { return cmp.Compare(x.key, y.key) })
		g.keep(w, me)
		for i := 0; i < len(w.queue); i++ {
			g.descend(w, s, w.queue[i], fire, mag, me)
		}
		slices.Sort(w.act)
		for _, k := range w.act {
			out.Index = append(out.Index, int32(k>>32))
			out.Value = append(out.Value, math.Float32frombits(uint32(k)))
		}
		out.Off = append(out.Off, len(out.Index))
		lo = hi
	}
}

// magnitude draws a = max(0, μ_f + σ_f·δ), δ ~ N(0,1) (spec §5.1 step 2).
func (g *Generator) magnitude(f int32, st *rng.Stream) float32 {
	return float32(max(0, float64(g.Mean[f])+float64(g.Sigma[f])*st.Normal()))
}

func (g *Generator) groupKey(f int32) uint64 {
	if g.fo == nil {
		return uint64(uint32(f))
	}
	return uint64(g.fo.group[f]+1)<<32 | uint64(uint32(f))
}

// keep applies mutual exclusion to w.cand (sorted by group, all a > 0): in each group with
// more than one member one is kept, uniformly (spec §6.4 step 2); the survivors become active
// and, if they have children, join the queue.
func (g *Generator) keep(w *sampleWork, me *rng.Stream) {
	c := w.cand
	for a := 0; a < len(c); {
		grp := c[a].key >> 32
		b := a + 1
		for b < len(c) && c[b].key>>32 == grp {
			b++
		}
		lo, hi := a, b
		if grp != 0 && b-a > 1 {
			lo = a + me.Intn(b-a)
			hi = lo + 1
		}
		for _, m := range c[lo:hi] {
			f := uint32(m.key)
			w.act = append(w.act, uint64(f)<<32|uint64(math.Float32bits(m.a)))
			if g.fo != nil && g.fo.kidStart[f+1] > g.fo.kidStart[f] {
				w.queue = append(w.queue, m)
			}
		}
		a = b
	}
}

// descend draws the children of the active feature P of sample s: each fires with its own
// probability (under the copula, conditionally on the sample's ε), gets its magnitude, is
// rescaled by a_P/μ_P under a rescaling parent (spec §6.4 step 1), and the nonzero ones go
// through mutual exclusion.
func (g *Generator) descend(w *sampleWork, s int, P member, fire, mag, me *rng.Stream) {
	f := int32(uint32(P.key))
	scale := P.a / g.Mean[f]
	w.cand = w.cand[:0]
	for _, c := range g.fo.children(f) {
		if !g.childFires(w, s, c, fire) {
			continue
		}
		a := g.magnitude(c, mag)
		if g.fo.rescale[c] {
			a *= scale
		}
		if a > 0 {
			w.cand = append(w.cand, member{g.groupKey(c), a})
		}
	}
	g.keep(w, me)
}

// childFires draws the firing of one child feature c of sample s.
func (g *Generator) childFires(w *sampleWork, s int, c int32, st *rng.Stream) bool {
	p := g.Prob[c]
	switch {
	case p >= 1:
		return true
	case !(p > 0):
		return false
	case g.Corr == nil:
		return st.Float64() < float64(p)
	}
	r := g.Corr.R
	eps, wc := w.eps[s*r:(s+1)*r], g.wAll[int(c)*r:int(c+1)*r]
	dot := 0.0
	for k, e := range eps {
		dot += float64(e) * float64(wc[k])
	}
	return g.tab.fires(g.aAll[c]-dot, st.Uint64()>>56, st)
}

// fireIndependent draws the Bernoulli(p_f) firing of the top level of cs samples: per bucket,
// the cs·|bucket| trials (sample-major) are visited by geometric gaps at the bucket's largest
// p, q, and each candidate is kept with probability p_f/q, so each trial fires with
// probability exactly p_f at a cost that follows the firings.
func (g *Generator) fireIndependent(w *sampleWork, cs int, st *rng.Stream) {
	for bi := range g.buckets {
		b := &g.buckets[bi]
		L := len(b.feats)
		w.pos = b.gaps.AppendPositions(w.pos[:0], st, cs*L)
		for _, p := range w.pos {
			s, j := p/L, p%L
			if r := b.ratio[j]; r < 1 && !(st.Float64() < r) {
				continue
			}
			w.keys = append(w.keys, uint64(s)<<32|uint64(b.feats[j]))
		}
	}
}

// fireCopula draws the low-rank copula firing of the top level (spec §5.1): ε ~ N(0,1)^{cs×r}
// first; then a feature fires iff ε·Fm_f + √d_f·η_f > t_f, i.e. iff a uniform U < Φ̄(τ_f) with
// τ_f = a_f − ε·w_f. The test reads 8 random bits of U and settles against the table
// (tailTable) almost always; each sample costs an r-term dot product (vec.Gemm) and a
// comparison per top-level feature.
func (g *Generator) fireCopula(w *sampleWork, cs int, st *rng.Stream) {
	r, n := g.Corr.R, len(g.cf)
	w.eps = slices.Grow(w.eps[:0], cs*r)[:cs*r]
	for k := range w.eps {
		w.eps[k] = float32(st.Normal())
	}
	w.u = slices.Grow(w.u[:0], cs*n)[:cs*n]
	clear(w.u)
	vec.Gemm(w.u, w.eps, g.wT, cs, r, n)
	tab := g.tab
	aT := g.aT[:n]
	for s := 0; s < cs; s++ {
		row := w.u[s*n : (s+1)*n]
		var bits uint64
		nb := 0
		for j, uj := range row {
			if nb == 0 {
				bits, nb = st.Uint64(), 8
			}
			b := bits >> 56
			bits <<= 8
			nb--
			tau := aT[j] - float64(uj)
			if tau >= tab.rej[b] { // the usual case: U is above Φ̄(τ)
				continue
			}
			if tau < tab.acc[b+1] || st.Float64() < 256*normalTail(tau)-float64(b) {
				w.keys = append(w.keys, uint64(s)<<32|uint64(g.cf[j]))
			}
		}
		for _, f := range g.always {
			w.keys = append(w.keys, uint64(s)<<32|uint64(f))
		}
	}
}

// Hidden writes x = a·V + b (spec §7.2) for every sample of the batch into x [N×H]: the bias,
// then the sample's feature rows in ascending feature order, one fused multiply-add each
// (vec.GemmSparse), so the cost follows the active features and the bits do not depend on
// GOMAXPROCS or the build.
func (d *Dictionary) Hidden(b *Batch, x []float32) {
	H := d.H
	x = x[:b.N*H]
	for s := 0; s < b.N; s++ {
		copy(x[s*H:(s+1)*H], d.Bias)
	}
	vec.GemmSparse(x, b.Off, b.Index, b.Value, d.V, b.N, d.F, H)
}
