package toymodel

import (
	"fmt"
	"math"
	"math/bits"
	"slices"

	"saelab/internal/par"
	"saelab/internal/vec"
	"saelab/rng"
)

// Batch is a sparse batch of feature vectors x [B][I][F]. Most samples of a sparse toy model
// are all zero, so per instance only the samples with at least one active feature are kept;
// the rest are counted (their hidden state is exactly 0, so they share one forward pass).
type Batch struct {
	B, I, F int         // samples, instances, features
	Inst    []InstBatch // [I]
}

// InstBatch holds one instance's nonzero samples. The entries of nonzero sample k are
// Feat[Start[k]:Start[k+1]] (ascending feature index) with values Val[...].
type InstBatch struct {
	Sample []int32   // sample index b, ascending
	Start  []int32   // len(Sample)+1
	Feat   []int32   // active features of every sample, in order
	Val    []float64 // their values
	pos    []int     // scratch: candidate positions of the gap sampler
	p      []float64 // scratch: the units' probabilities
	gaps   rng.Gaps  // the gap sampler of gapsQ (NewGaps takes a logarithm)
	gapsQ  float64
	leap   rng.Leap // rng.NewLeap(leapN) for drawing in lanes (denseSinglesLanes)
	leapN  uint64
	draws  []float64 // scratch: the lanes' draws
	pPad   []float64 // scratch: the probabilities padded to whole vectors
}

// gapsFor returns rng.NewGaps(q), made once per probability.
func (ib *InstBatch) gapsFor(q float64) rng.Gaps {
	if ib.gapsQ != q || ib.gaps == (rng.Gaps{}) {
		ib.gaps, ib.gapsQ = rng.NewGaps(q), q
	}
	return ib.gaps
}

// Zeros is the number of all-zero samples.
func (ib *InstBatch) Zeros(B int) int { return B - len(ib.Sample) }

// NewBatch allocates an empty batch; GenerateInstance fills it and reuses its storage.
func NewBatch(B, I, F int) *Batch {
	return &Batch{B: B, I: I, F: F, Inst: make([]InstBatch, I)}
}

// Dense writes x [B][I][F].
func (bt *Batch) Dense() []float64 {
	x := make([]float64, bt.B*bt.I*bt.F)
	for i := range bt.Inst {
		ib := &bt.Inst[i]
		for k, b := range ib.Sample {
			for e := ib.Start[k]; e < ib.Start[k+1]; e++ {
				x[(int(b)*bt.I+i)*bt.F+int(ib.Feat[e])] = ib.Val[e]
			}
		}
	}
	return x
}

// unit is one independent draw of §1.5: a correlated pair, an anticorrelated pair or one
// uncorrelated feature, with the probability q that it produces any active feature.
type unit struct {
	kind  uint8 // unitCorrelated, unitAnti, unitSingle
	first int32 // first feature index
	p     float64
	q     float64 // event probability: p, 2p for an anticorrelated pair
}

const (
	unitCorrelated = iota
	unitAnti
	unitSingle
)

// buildUnits lays out the feature axis as [correlated | anticorrelated | uncorrelated] and
// checks the reference's assertions (constant p per instance with pairs; p ≤ 0.5 with
// anticorrelated pairs).
func buildUnits(cfg Config, p []float64) ([][]unit, error) {
	I, F := cfg.NInst, cfg.NFeatures
	nc, na := cfg.NCorrelatedPairs, cfg.NAnticorrelatedPairs
	pairs := nc+na > 0
	out := make([][]unit, I)
	for i := 0; i < I; i++ {
		row := p[i*F : (i+1)*F]
		p0 := row[0]
		if pairs {
			for f, v := range row {
				if v != p0 {
					return nil, fmt.Errorf("feature_probability[%d,%d] = %v differs from feature_probability[%d,0] = %v: with correlated or anticorrelated pairs it must be constant across features", i, f, v, i, p0)
				}
			}
		}
		if na > 0 && p0 > 0.5 {
			return nil, fmt.Errorf("feature_probability[%d] = %v: anticorrelated pairs need p ≤ 0.5", i, p0)
		}
		us := make([]unit, 0, nc+na+F-2*(nc+na))
		for k := 0; k < nc; k++ {
			us = append(us, unit{kind: unitCorrelated, first: int32(2 * k), p: p0, q: p0})
		}
		for k := 0; k < na; k++ {
			us = append(us, unit{kind: unitAnti, first: int32(2*nc + 2*k), p: p0, q: 2 * p0})
		}
		for f := 2 * (nc + na); f < F; f++ {
			us = append(us, unit{kind: unitSingle, first: int32(f), p: row[f], q: row[f]})
		}
		out[i] = us
	}
	return out, nil
}

// denseThreshold: above this event probability one uniform per unit is cheaper than gaps.
const denseThreshold = 0.25

// GenerateInstance draws instance i's part of a batch of B samples into ib (spec §1.5).
//
// Sparse units use exact gap sampling with thinning: candidate positions over the flattened
// (sample, unit) axis come from Bernoulli(q_max) gaps, and a candidate of unit u is kept with
// probability q_u/q_max, which makes every unit an independent Bernoulli(q_u) draw. An
// anticorrelated event then picks one of its two features with probability ½ each, which is
// the one-seed rule's distribution (never both, each with marginal p).
func (m *Model) GenerateInstance(i, B int, s *rng.Stream, ib *InstBatch) {
	vec.ClearUpper() // scalar floating point ahead (see vec.ClearUpper)
	g := gen{sample: ib.Sample[:0], start: ib.Start[:0], feat: ib.Feat[:0], val: ib.Val[:0], last: -1,
		normal: m.Cfg.FeatMagDistn == "normal", pos: ib.pos[:0], p: ib.p}
	us := m.units[i]
	qmax, uniform := unitsQ(us)
	switch {
	case qmax == 0:
	case qmax > denseThreshold && !g.normal && m.Cfg.NCorrelatedPairs+m.Cfg.NAnticorrelatedPairs == 0:
		g.denseSingles(us, B, s, ib)
	case qmax > denseThreshold:
		g.dense(us, B, s)
	case uniform && !g.normal && m.Cfg.NCorrelatedPairs+m.Cfg.NAnticorrelatedPairs == 0:
		g.sparseSingles(len(us), B, s, ib.gapsFor(qmax))
	default:
		g.sparse(us, B, s, qmax, uniform, ib.gapsFor(qmax))
	}
	ib.Sample, ib.Start, ib.Feat, ib.Val, ib.pos, ib.p = g.sample, append(g.start, int32(len(g.feat))), g.feat, g.val, g.pos, g.p
}

// GenerateProjected draws instance i's part of a batch of B samples exactly as
// GenerateInstance does (the same random draws in the same order) but keeps, for each nonzero
// sample, only its projection h = P·x for a fixed P [D][F] (the SAE's input, spec §2.4),
// feature-summed in entry order as projecting GenerateInstance's batch would. It returns the
// nonzero samples' indices (ascending) and h d-major: h[d·stride + k] for sample k, with
// stride a multiple of pad and the padding zero. ib is scratch for the general case.
func (m *Model) GenerateProjected(i, B int, s *rng.Stream, P []float64, D, pad int, ib *InstBatch, sample []int32, h []float64) ([]int32, []float64, int) {
	F := m.Cfg.NFeatures
	P = P[:D*F]
	vec.ClearUpper() // scalar floating point ahead (see vec.ClearUpper)
	us := m.units[i]
	qmax, uniform := unitsQ(us)
	if !(qmax > 0 && qmax <= denseThreshold && uniform && m.Cfg.FeatMagDistn != "normal" && m.Cfg.NCorrelatedPairs+m.Cfg.NAnticorrelatedPairs == 0) {
		m.GenerateInstance(i, B, s, ib)
		n := len(ib.Sample)
		stride := (n + pad - 1) / pad * pad
		h = sized(h, D*stride)
		start := ib.Start[:n+1]
		for k := 0; k < n; k++ {
			for e := start[k]; e < start[k+1]; e++ {
				f, v := int(ib.Feat[e]), ib.Val[e]
				for d := 0; d < D; d++ {
					h[d*stride+k] += P[d*F+f] * v
				}
			}
		}
		return append(sample[:0], ib.Sample...), h, stride
	}
	// sparseSingles, projecting as it goes.
	total := B * F
	div := newDivider(F, total)
	ib.pos = ib.gapsFor(qmax).AppendPositions(ib.pos[:0], s, total)
	stride := (len(ib.pos) + pad - 1) / pad * pad // ≥ the number of nonzero samples
	if D == 2 {
		h = grown(h, D*stride) // vec.ProjectD2 writes every element
	} else {
		h = sized(h, D*stride)
	}
	// The magnitudes, in entry order (a separate pass keeps each loop's registers free).
	pos := ib.pos
	ib.Val = slices.Grow(ib.Val[:0], len(pos)+8)[:len(pos)] // +8: see vec.ProjectD2
	vals := ib.Val[:len(pos)]
	s.FillFloat64(vals)
	if D == 2 {
		ib.pos = slices.Grow(ib.pos, 8)
		return vec.ProjectD2(ib.pos, vals, F, P, h, stride, sample), h, stride
	}
	sample = sample[:0]
	last, k := int32(-1), -1
	for e, p := range pos {
		b := div.div(p)
		f := p - b*F
		if int32(b) != last {
			last = int32(b)
			sample = append(sample, last)
			k++
		}
		v := vals[e]
		for d := 0; d < D; d++ {
			h[d*stride+k] += P[d*F+f] * v
		}
	}
	return sample, h, stride
}

// grown returns h with length n and room for 8 more (see vec.ProjectD2), reusing its storage
// (the contents are stale).
func grown(h []float64, n int) []float64 {
	if cap(h) < n+8 {
		h = make([]float64, n, 2*n+8)
	}
	return h[:n]
}

// sized returns h with length n, zeroed, reusing its storage.
func sized(h []float64, n int) []float64 {
	if cap(h) < n {
		h = make([]float64, n, 2*n)
	}
	h = h[:n]
	clear(h)
	return h
}

// unitsQ returns the largest event probability of the units and whether they all share it.
func unitsQ(us []unit) (qmax float64, uniform bool) {
	uniform = true
	for k := range us {
		q := us[k].q
		if q > qmax {
			qmax = q
		}
		if q != us[0].q {
			uniform = false
		}
	}
	return qmax, uniform
}

// gen accumulates one instance's sparse batch; its slices are the InstBatch's, reused.
type gen struct {
	sample, start, feat []int32
	val                 []float64
	last                int32
	normal              bool
	pos                 []int
	p                   []float64
}

// emit appends feature f of sample b (samples arrive in ascending order) with a fresh magnitude.
func (g *gen) emit(b, f int32, s *rng.Stream) {
	if b != g.last {
		g.sample = append(g.sample, b)
		g.start = append(g.start, int32(len(g.feat)))
		g.last = b
	}
	g.feat = append(g.feat, f)
	var v float64
	if g.normal {
		v = normalMagnitude(s)
	} else {
		v = s.Float64()
	}
	g.val = append(g.val, v)
}

// fire emits unit u's features for an event of sample b.
func (g *gen) fire(u *unit, b int32, s *rng.Stream) {
	switch u.kind {
	case unitSingle:
		g.emit(b, u.first, s)
	case unitCorrelated:
		g.emit(b, u.first, s)
		g.emit(b, u.first+1, s)
	case unitAnti:
		if s.Float64() < 0.5 {
			g.emit(b, u.first, s)
		} else {
			g.emit(b, u.first+1, s)
		}
	}
}

// dense is the reference's literal rule: one seed per (sample, unit), present iff seed ≤ p.
func (g *gen) dense(us []unit, B int, s *rng.Stream) {
	for b := int32(0); b < int32(B); b++ {
		for k := range us {
			u := &us[k]
			seed := s.Float64()
			switch u.kind {
			case unitSingle:
				if seed <= u.p {
					g.emit(b, u.first, s)
				}
			case unitCorrelated:
				if seed <= u.p {
					g.emit(b, u.first, s)
					g.emit(b, u.first+1, s)
				}
			case unitAnti:
				if seed <= u.p {
					g.emit(b, u.first, s)
				} else if 1-seed <= u.p {
					g.emit(b, u.first+1, s)
				}
			}
		}
	}
}

// denseSingles is the reference's literal rule for uncorrelated features with uniform
// magnitudes, as the reference draws it: for every (sample, feature) a seed and a magnitude,
// x = mag if seed ≤ p. Drawing the magnitude of an absent feature too keeps the loop free of
// data-dependent branches; the batch's distribution is the same. With a SIMD generator
// (rng.FastLanes) it draws the same numbers eight stretches at a time (denseSinglesLanes).
func (g *gen) denseSingles(us []unit, B int, s *rng.Stream, ib *InstBatch) {
	F := len(us)
	p := g.probs(us)
	if denseLanes && B >= 8 && B%8 == 0 {
		g.denseSinglesLanes(p, B, s, ib)
		return
	}
	n0 := len(g.feat)
	g.feat = slices.Grow(g.feat, B*F)[:n0+B*F]
	g.val = slices.Grow(g.val, B*F)[:n0+B*F]
	g.sample = slices.Grow(g.sample, B)[:len(g.sample)+B]
	g.start = slices.Grow(g.start, B)[:len(g.start)+B]
	feat, val := g.feat, g.val
	sample, start := g.sample, g.start
	ns := len(sample) - B
	n := n0
	st := *s
	for b := 0; b < B; b++ {
		first := n
		for f, pf := range p {
			u, st1 := st.NextFloat64()
			v, st2 := st1.NextFloat64()
			st = st2
			feat[n], val[n] = int32(f), v
			if u <= pf {
				n++
			}
		}
		sample[ns], start[ns] = int32(b), int32(first)
		if n > first {
			ns++
		}
	}
	*s = st
	g.feat, g.val = feat[:n], val[:n]
	g.sample, g.start = sample[:ns], start[:ns]
	if ns > 0 {
		g.last = sample[ns-1]
	}
}

// probs returns the units' probabilities (unit k is feature k when all are singles).
func (g *gen) probs(us []unit) []float64 {
	g.p = g.p[:0]
	for k := range us {
		g.p = append(g.p, us[k].p)
	}
	return g.p
}

// sparse walks the Bernoulli(qmax) candidates of the flattened (sample, unit) axis; with
// unequal event probabilities each candidate is thinned to its unit's own probability.
func (g *gen) sparse(us []unit, B int, s *rng.Stream, qmax float64, uniform bool, gaps rng.Gaps) {
	U := len(us)
	total := B * U
	div := newDivider(U, total)
	g.pos = gaps.AppendPositions(g.pos, s, total)
	for _, pos := range g.pos {
		b := div.div(pos)
		u := &us[pos-b*U]
		if !uniform && u.q < qmax && s.Float64()*qmax >= u.q {
			continue
		}
		g.fire(u, int32(b), s)
	}
}

// sparseSingles is sparse for the common case of uncorrelated features sharing one
// probability with uniform magnitudes (unit k is feature k, no thinning), kept inline.
func (g *gen) sparseSingles(F, B int, s *rng.Stream, gaps rng.Gaps) {
	total := B * F
	div := newDivider(F, total)
	g.pos = gaps.AppendPositions(g.pos, s, total)
	pos := g.pos
	n0 := len(g.feat)
	g.feat = slices.Grow(g.feat, len(pos))[:n0+len(pos)]
	g.val = slices.Grow(g.val, len(pos))[:n0+len(pos)]
	feat, val := g.feat[n0:], g.val[n0:]
	feat, val = feat[:len(pos)], val[:len(pos)]
	sample, start, last := g.sample, g.start, g.last
	s.FillFloat64(val)
	for e, p := range pos {
		b := div.div(p)
		feat[e] = int32(p - b*F)
		if int32(b) != last {
			last = int32(b)
			sample = append(sample, last)
			start = append(start, int32(n0+e))
		}
	}
	g.sample, g.start, g.last = sample, start, last
}

// divider divides by a fixed d with a multiply when the dividends fit in 32 bits
// (Lemire, Kaser & Kurz: with M = ⌊(2⁶⁴−1)/d⌋+1, ⌊n/d⌋ = ⌊M·n/2⁶⁴⌋ for every n < 2³²).
type divider struct {
	d     int
	m     uint64
	small bool
}

func newDivider(d, maxN int) divider {
	return divider{d: d, m: ^uint64(0)/uint64(d) + 1, small: maxN <= 1<<32 && d > 1}
}

func (v divider) div(n int) int {
	if v.small {
		hi, _ := bits.Mul64(v.m, uint64(n))
		return int(hi)
	}
	return n / v.d
}

// normalMagnitude draws clip(0.5 + 0.2·N(0,1), 0, 1) (the "normal" magnitudes; "unif" is U[0,1)).
func normalMagnitude(s *rng.Stream) float64 {
	return math.Min(math.Max(0.5+0.2*s.Normal(), 0), 1)
}

// Streams returns one batch stream per instance for a seed and purpose.
func Streams(seed uint64, purpose uint64, I int) []*rng.Stream {
	ss := make([]*rng.Stream, I)
	for i := range ss {
		ss[i] = rng.New(seed, purpose, uint64(i))
	}
	return ss
}

// Generate draws a whole batch, instance i from streams[i], the instances on GOMAXPROCS
// workers (each from its own stream into its own part: the batch does not depend on the
// schedule).
func (m *Model) Generate(B int, streams []*rng.Stream, bt *Batch) {
	par.ForEach(len(bt.Inst), func(i int) {
		m.GenerateInstance(i, B, streams[i], &bt.Inst[i])
	})
	bt.B = B
}
