package synth

import (
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

// Generator draws activations a ∈ ℝ^F as SAELens's ActivationGenerator with the hierarchy
// modifier does (spec §5, §6.4): firing mask (independent Bernoulli or the low-rank Gaussian
// copula), then a = max(0, μ + σ·δ) per firing feature, then parent gating or rescaling and
// mutual exclusion, top-down. It is read-only after NewGenerator; Sample may run concurrently.
type Generator struct {
	F                 int
	Prob, Sigma, Mean []float32 // p_f (final), σ_f, μ_f
	Corr              *LowRank  // nil: independent firing
	Roots             []*Node   // the hierarchy forest (nil: none)

	fo *forest

	// Independent firing: features grouped by p ∈ (2^-(k+1), 2^-k]; candidates are drawn at the
	// group's largest p with geometric gaps and kept with probability p_f/q (exact thinning).
	buckets []bucket

	// Copula firing: features with 0 < p < 1, their a_f = t_f/√d_f, the factor rows
	// w_f = Fm_f/√d_f transposed [R × len(cf)], features with p = 1, and the bounds table.
	cf     []int32
	aT     []float64
	wT     []float32
	always []int32
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
	for f, pf := range g.Prob {
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
		b.feats = append(b.feats, int32(f))
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
	for f, pf := range g.Prob {
		switch {
		case pf >= 1:
			g.always = append(g.always, int32(f))
		case pf > 0:
			g.cf = append(g.cf, int32(f))
		}
	}
	n := len(g.cf)
	g.aT = make([]float64, n)
	g.wT = make([]float32, c.R*n)
	for j, f := range g.cf {
		sd := math.Sqrt(float64(c.Diag[f]))
		g.aT[j] = Threshold(float64(g.Prob[f])) / sd
		for k := 0; k < c.R; k++ {
			g.wT[k*n+j] = float32(float64(c.Factor[int(f)*c.R+k]) / sd)
		}
	}
	g.tab = newTailTable()
}

// tailTable bounds Φ̄(τ) on cells of width 1/32 over [−8, 9) (cell 0 below, the last above),
// scaled by 2¹⁶: for τ in cell k, lo[k] ≤ 2¹⁶·Φ̄(τ) ≤ hi[k]. The bounds are taken 1/1024
// beyond the cell's edges, so a rounding of τ onto the wrong side of an edge keeps them valid.
type tailTable struct{ hi, lo [546]float64 }

const (
	tabLo    = -8.0
	tabCells = 544 // 17 units × 32
	tabScale = 32.0
	tabSlack = 1.0 / 1024
)

func newTailTable() *tailTable {
	t := &tailTable{}
	t.hi[0], t.lo[0] = 65536, 65536*normalTail(tabLo+tabSlack)
	for k := 1; k <= tabCells; k++ {
		left := tabLo + float64(k-1)/tabScale
		t.hi[k] = 65536 * normalTail(left-tabSlack)
		t.lo[k] = 65536 * normalTail(left+1/tabScale+tabSlack)
	}
	t.hi[tabCells+1], t.lo[tabCells+1] = 65536*normalTail(tabLo+tabCells/tabScale-tabSlack), 0
	return t
}

func (t *tailTable) cell(tau float64) int {
	x := (tau - tabLo) * tabScale
	switch {
	case !(x >= 0):
		return 0
	case x >= tabCells:
		return tabCells + 1
	}
	return int(x) + 1
}

// sampleWork is one goroutine's scratch for a chunk.
type sampleWork struct {
	keys  []uint64 // firing entries, sample<<32 | feature
	vals  []float32
	pos   []int
	eps   []float32
	u     []float32
	dense []float32 // current activation of every feature of one sample (hierarchy)
	ord   []uint64
}

// Sample draws n samples into dst (its slices are reused). Samples are drawn in chunks of
// SampleChunk; chunk c's draws come from rng.New(seed, purpose, index, c) for each purpose,
// so the batch is the same for any GOMAXPROCS. Callers pick index (e.g. the step number) so
// that different batches of one seed are independent.
func (g *Generator) Sample(dst *Batch, n int, seed, index uint64) {
	chunks := (n + SampleChunk - 1) / SampleChunk
	outs := make([]Batch, chunks)
	par.ForEach(chunks, func(c int) {
		w, _ := g.pool.Get().(*sampleWork)
		if w == nil {
			w = &sampleWork{dense: make([]float32, g.F)}
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

// sampleChunk draws cs samples (spec §5.1 then §6.4) into out.
func (g *Generator) sampleChunk(w *sampleWork, out *Batch, cs int, seed, index, c uint64) {
	fire := rng.New(seed, purposeFire, index, c)
	w.keys = w.keys[:0]
	if g.Corr != nil {
		g.fireCopula(w, cs, fire)
	} else {
		g.fireIndependent(w, cs, fire)
	}
	slices.Sort(w.keys)
	// Magnitudes: one δ per firing entry, in (sample, feature) order.
	mag := rng.New(seed, purposeMagnitude, index, c)
	w.vals = slices.Grow(w.vals[:0], len(w.keys))[:len(w.keys)]
	for i, k := range w.keys {
		f := uint32(k)
		w.vals[i] = float32(max(0, float64(g.Mean[f])+float64(g.Sigma[f])*mag.Normal()))
	}
	me := rng.New(seed, purposeExclusion, index, c)
	out.N = cs
	out.Off = make([]int, 1, cs+1)
	for lo, s := 0, 0; s < cs; s++ {
		hi := lo
		for hi < len(w.keys) && int(w.keys[hi]>>32) == s {
			hi++
		}
		if g.fo != nil {
			g.applyHierarchy(w, w.keys[lo:hi], w.vals[lo:hi], me)
		}
		for i := lo; i < hi; i++ {
			if w.vals[i] > 0 {
				out.Index = append(out.Index, int32(uint32(w.keys[i])))
				out.Value = append(out.Value, w.vals[i])
			}
		}
		out.Off = append(out.Off, len(out.Index))
		lo = hi
	}
}

// fireIndependent draws the Bernoulli(p_f) firing of cs samples: per bucket, the cs·|bucket|
// trials (sample-major) are visited by geometric gaps at the bucket's largest p, q, and each
// candidate is kept with probability p_f/q, so each trial fires with probability exactly p_f
// and the cost follows the number of firings, not F.
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

// fireCopula draws the low-rank copula firing (spec §5.1): ε ~ N(0,1)^{cs×r} first; then a
// feature fires iff ε·Fm_f + √d_f·η_f > t_f, i.e. iff a uniform U < Φ̄(τ_f) with
// τ_f = a_f − ε·w_f. The test reads 16 random bits of U first and settles against the table's
// bounds on Φ̄(τ_f); only when those bits cannot decide does it draw 53 more and evaluate Φ̄.
// Each sample costs one r-term dot product and one comparison per feature.
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
	for s := 0; s < cs; s++ {
		row := w.u[s*n : (s+1)*n]
		var bits uint64
		nb := 0
		for j, uj := range row {
			tau := g.aT[j] - float64(uj)
			k := tab.cell(tau)
			if nb == 0 {
				bits, nb = st.Uint64(), 4
			}
			v := float64(bits & 0xffff)
			bits >>= 16
			nb--
			if v >= tab.hi[k] {
				continue
			}
			if v+1 > tab.lo[k] && !(v+st.Float64() < 65536*normalTail(tau)) {
				continue
			}
			w.keys = append(w.keys, uint64(s)<<32|uint64(g.cf[j]))
		}
		for _, f := range g.always {
			w.keys = append(w.keys, uint64(s)<<32|uint64(f))
		}
	}
}

// applyHierarchy applies spec §6.4 to one sample's firing features (ascending) and their
// activations, in place: level by level from the roots, a feature whose effective parent P is
// inactive becomes 0, and under a rescaling parent node it is multiplied by a_P/μ_P (a_P the
// parent's value after its own level); then each mutually exclusive group with more than one
// active member keeps one, chosen uniformly. Processing all gating of a level before its
// exclusions equals the reference's order: a group is only processed under an active parent,
// and gating under an active parent never zeroes a member.
func (g *Generator) applyHierarchy(w *sampleWork, keys []uint64, vals []float32, st *rng.Stream) {
	fo := g.fo
	w.ord = w.ord[:0]
	for i, k := range keys {
		f := uint32(k)
		w.dense[f] = vals[i]
		if d := fo.depth[f]; d >= 0 && vals[i] > 0 {
			w.ord = append(w.ord, uint64(d)<<48|uint64(fo.group[f]+1)<<24|uint64(i))
		}
	}
	slices.Sort(w.ord)
	ord := w.ord
	for lo := 0; lo < len(ord); {
		depth := ord[lo] >> 48
		hi := lo
		for hi < len(ord) && ord[hi]>>48 == depth {
			hi++
		}
		for _, o := range ord[lo:hi] { // gating
			i := int(o & (1<<24 - 1))
			f := uint32(keys[i])
			P := fo.parent[f]
			if P < 0 {
				continue
			}
			aP := w.dense[P]
			switch {
			case !(aP > 0):
				vals[i] = 0
			case fo.rescale[f]:
				vals[i] *= aP / g.Mean[P]
			}
			w.dense[f] = vals[i]
		}
		for a := lo; a < hi; { // mutual exclusion, group by group
			grp := ord[a] >> 24 & (1<<24 - 1)
			b := a
			active := 0
			for b < hi && ord[b]>>24&(1<<24-1) == grp {
				if vals[ord[b]&(1<<24-1)] > 0 {
					active++
				}
				b++
			}
			if grp != 0 && active > 1 {
				keep := st.Intn(active)
				for _, o := range ord[a:b] {
					i := o & (1<<24 - 1)
					if vals[i] > 0 {
						if keep != 0 {
							vals[i] = 0
							w.dense[uint32(keys[i])] = 0
						}
						keep--
					}
				}
			}
			a = b
		}
		lo = hi
	}
	for _, k := range keys {
		w.dense[uint32(k)] = 0
	}
}

// Hidden writes x = a·V + b (spec §7.2) for every sample of the batch into x [N×H]. Each x
// row is the bias plus the sample's feature rows in ascending feature order (float32, no
// fused multiply-add), so the result does not depend on GOMAXPROCS.
func (d *Dictionary) Hidden(b *Batch, x []float32) {
	H := d.H
	x = x[:b.N*H]
	par.ForEachRange(b.N, func(s0, s1 int) {
		for s := s0; s < s1; s++ {
			row := x[s*H : (s+1)*H]
			copy(row, d.Bias)
			for e := b.Off[s]; e < b.Off[s+1]; e++ {
				a := b.Value[e]
				v := d.V[int(b.Index[e])*H : int(b.Index[e])*H+H]
				for k := range row {
					row[k] += float32(a * v[k])
				}
			}
		}
	})
}
