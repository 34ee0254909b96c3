// Package rng holds saelab's seeded random streams and the exact sparse Bernoulli sampler.
//
// Every random draw in saelab comes from a Stream derived from (seed, keys...), one per
// instance and purpose, so results do not depend on goroutine scheduling or GOMAXPROCS.
package rng

import (
	"math"
	"math/bits"
)

// Stream is a xoshiro256++ generator. It is small, fast and has no global state; the zero
// value is not valid, use New.
type Stream struct{ s0, s1, s2, s3 uint64 }

// splitmix64 spreads a 64-bit value over the state; it is the seeding function the
// xoshiro authors recommend.
func splitmix64(x *uint64) uint64 {
	*x += 0x9e3779b97f4a7c15
	z := *x
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// New returns the stream for a seed and a path of keys (e.g. purpose, instance): streams
// with different paths are independent for practical purposes.
func New(seed uint64, keys ...uint64) *Stream {
	x := seed
	for _, k := range keys {
		// Mix each key through splitmix so (1,2) and (2,1) give different streams.
		x = splitmix64(&x) ^ (k * 0xd1b54a32d192ed03)
	}
	s := &Stream{}
	s.s0, s.s1, s.s2, s.s3 = splitmix64(&x), splitmix64(&x), splitmix64(&x), splitmix64(&x)
	return s
}

// Uint64 returns the next 64 random bits.
func (s *Stream) Uint64() uint64 {
	r := bits.RotateLeft64(s.s0+s.s3, 23) + s.s0
	t := s.s1 << 17
	s.s2 ^= s.s0
	s.s3 ^= s.s1
	s.s1 ^= s.s2
	s.s0 ^= s.s3
	s.s2 ^= t
	s.s3 = bits.RotateLeft64(s.s3, 45)
	return r
}

// Float64 returns a uniform value in [0, 1) with 53 random bits.
func (s *Stream) Float64() float64 { return float64(s.Uint64()>>11) * 0x1p-53 }

// Uniform returns a uniform value in [lo, hi).
func (s *Stream) Uniform(lo, hi float64) float64 { return lo + (hi-lo)*s.Float64() }

// Normal returns a standard normal draw (Marsaglia's polar method: exact, no tables).
func (s *Stream) Normal() float64 {
	for {
		u := 2*s.Float64() - 1
		v := 2*s.Float64() - 1
		q := u*u + v*v
		if q > 0 && q < 1 {
			return u * math.Sqrt(-2*math.Log(q)/q)
		}
	}
}

// Intn returns a uniform integer in [0, n) without modulo bias (Lemire's method).
func (s *Stream) Intn(n int) int {
	if n <= 0 {
		return 0
	}
	un := uint64(n)
	hi, lo := bits.Mul64(s.Uint64(), un)
	if lo < un {
		thresh := -un % un
		for lo < thresh {
			hi, lo = bits.Mul64(s.Uint64(), un)
		}
	}
	return int(hi)
}

// Gaps samples the positions of successes in a sequence of Bernoulli(p) trials by drawing
// the geometric gaps between them, which has exactly the distribution of one draw per trial
// but costs one draw per success. LogQ caches log(1-p).
type Gaps struct {
	P    float64
	logQ float64
}

// NewGaps prepares a gap sampler for success probability p (clamped to [0, 1]).
func NewGaps(p float64) Gaps {
	switch {
	case !(p > 0):
		return Gaps{P: 0}
	case p >= 1:
		return Gaps{P: 1}
	}
	return Gaps{P: p, logQ: math.Log1p(-p)}
}

// Next returns the number of failures before the next success: floor(log U / log(1-p)) with
// U in (0, 1]. It returns math.MaxInt for p = 0 and 0 for p = 1.
func (g Gaps) Next(s *Stream) int {
	switch g.P {
	case 0:
		return math.MaxInt
	case 1:
		return 0
	}
	u := 1 - s.Float64()
	k := math.Log(u) / g.logQ
	if k >= math.MaxInt32 {
		return math.MaxInt32
	}
	return int(k)
}

// Purposes name the independent streams of one seed, so that adding a draw for one purpose
// never shifts the draws of another.
const (
	PurposeToyInit uint64 = iota + 1
	PurposeToyBatch
	PurposeSAEInit
	PurposeSAEBatch
	PurposeSAELogBatch
	PurposeResample
	PurposeEval
)
