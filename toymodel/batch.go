package toymodel

import (
	"fmt"
	"math"

	"saelab/rng"
)

// Batch is a sparse batch of feature vectors x [B][I][F]. Most samples of a sparse toy model
// are all zero, so per instance only the samples with at least one active feature are kept;
// the rest are counted (their hidden state is exactly 0, so they share one forward pass).
type Batch struct {
	B, I, F int
	Inst    []InstBatch // [I]
}

// InstBatch holds one instance's nonzero samples. The entries of nonzero sample k are
// Feat[Start[k]:Start[k+1]] (ascending feature index) with values Val[...].
type InstBatch struct {
	Sample []int32 // sample index b, ascending
	Start  []int32 // len(Sample)+1
	Feat   []int32
	Val    []float64
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
	us := m.units[i]
	U := len(us)
	ib.Sample, ib.Start, ib.Feat, ib.Val = ib.Sample[:0], ib.Start[:0], ib.Feat[:0], ib.Val[:0]
	qmax := 0.0
	for _, u := range us {
		qmax = math.Max(qmax, u.q)
	}
	if qmax == 0 {
		ib.Start = append(ib.Start, 0)
		return
	}
	normal := m.Cfg.FeatMagDistn == "normal"
	last := int32(-1)
	emit := func(b int32, f int32) {
		if b != last {
			ib.Sample = append(ib.Sample, b)
			ib.Start = append(ib.Start, int32(len(ib.Feat)))
			last = b
		}
		ib.Feat = append(ib.Feat, f)
		ib.Val = append(ib.Val, magnitude(s, normal))
	}
	if qmax > denseThreshold {
		// The reference's literal rule: one seed per (sample, unit), present iff seed ≤ p.
		for b := int32(0); b < int32(B); b++ {
			for _, u := range us {
				seed := s.Float64()
				switch u.kind {
				case unitSingle:
					if seed <= u.p {
						emit(b, u.first)
					}
				case unitCorrelated:
					if seed <= u.p {
						emit(b, u.first)
						emit(b, u.first+1)
					}
				case unitAnti:
					if seed <= u.p {
						emit(b, u.first)
					} else if 1-seed <= u.p {
						emit(b, u.first+1)
					}
				}
			}
		}
	} else {
		g := rng.NewGaps(qmax)
		total := B * U
		for pos := g.Next(s); pos < total; pos += 1 + g.Next(s) {
			b, u := int32(pos/U), us[pos%U]
			if u.q < qmax && s.Float64()*qmax >= u.q {
				continue
			}
			switch u.kind {
			case unitSingle:
				emit(b, u.first)
			case unitCorrelated:
				emit(b, u.first)
				emit(b, u.first+1)
			case unitAnti:
				if s.Float64() < 0.5 {
					emit(b, u.first)
				} else {
					emit(b, u.first+1)
				}
			}
		}
	}
	ib.Start = append(ib.Start, int32(len(ib.Feat)))
}

// magnitude draws U[0,1) ("unif") or clip(0.5 + 0.2·N(0,1), 0, 1) ("normal").
func magnitude(s *rng.Stream, normal bool) float64 {
	if !normal {
		return s.Float64()
	}
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

// Generate draws a whole batch, instance i from streams[i].
func (m *Model) Generate(B int, streams []*rng.Stream, bt *Batch) {
	for i := range bt.Inst {
		m.GenerateInstance(i, B, streams[i], &bt.Inst[i])
	}
	bt.B = B
}
