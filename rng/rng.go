package rng

import (
	"math"
	"math/bits"
	"slices"
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

// Next is Uint64 for a stream held by value: u, st = st.Next(). A loop that works on a local
// copy (st := *s; …; *s = st) keeps the state in registers this way; the draws are the
// stream's own.
func (x Stream) Next() (uint64, Stream) {
	r := bits.RotateLeft64(x.s0+x.s3, 23) + x.s0
	t := x.s1 << 17
	x.s2 ^= x.s0
	x.s3 ^= x.s1
	x.s1 ^= x.s2
	x.s0 ^= x.s3
	x.s2 ^= t
	x.s3 = bits.RotateLeft64(x.s3, 45)
	return r, x
}

// NextFloat64 is Float64 for a stream held by value (see Next).
func (x Stream) NextFloat64() (float64, Stream) {
	u, x := x.Next()
	return float64(u>>11) * 0x1p-53, x
}

// FillFloat64 fills dst with uniform values in [0, 1), the stream's next len(dst) Float64s.
func (s *Stream) FillFloat64(dst []float64) {
	st := *s
	for k := range dst {
		v, st1 := st.NextFloat64()
		st = st1
		dst[k] = v
	}
	*s = st
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
// but costs one draw per success.
//
// A gap is ⌊E/λ⌋ with E ~ Exp(1) and λ = −log(1−p): P(⌊E/λ⌋ ≥ k) = e^(−λk) = (1−p)^k, the
// geometric law of the number of failures before a success. E comes from Exp, an exact
// (rejection) sampler, so no logarithm is evaluated per gap.
type Gaps struct {
	P    float64 // the success probability
	inv  float64 // 1/λ
	edge int     // the constant gap for p = 0 (MaxInt) or p = 1 (0); −1 otherwise
}

// NewGaps prepares a gap sampler for success probability p (clamped to [0, 1]).
func NewGaps(p float64) Gaps {
	switch {
	case !(p > 0):
		return Gaps{P: 0, edge: math.MaxInt}
	case p >= 1:
		return Gaps{P: 1, edge: 0}
	}
	return Gaps{P: p, inv: -1 / math.Log1p(-p), edge: -1}
}

// Next returns the number of failures before the next success, capped at MaxInt32. It
// returns math.MaxInt for p = 0 and 0 for p = 1, without drawing.
func (g Gaps) Next(s *Stream) int {
	if g.edge >= 0 {
		return g.edge
	}
	k := s.Exp() * g.inv
	if k >= math.MaxInt32 {
		return math.MaxInt32
	}
	return int(k)
}

// AppendPositions appends to dst the positions in [0, n) of the successes of n Bernoulli(p)
// trials, in ascending order, drawing one gap per success (and one past the end).
func (g Gaps) AppendPositions(dst []int, s *Stream, n int) []int {
	if g.edge >= 0 {
		if g.edge == 0 {
			for pos := 0; pos < n; pos++ {
				dst = append(dst, pos)
			}
		}
		return dst
	}
	pos := -1
	st := *s
	for {
		if len(dst) == cap(dst) {
			dst = slices.Grow(dst, max(64, len(dst)))
		}
		w, st1, p, status, i, j := positionsFast(st, dst[len(dst):cap(dst)], pos, n, g.inv)
		st, pos, dst = st1, p, dst[:len(dst)+w]
		switch status {
		case posEnd:
			*s = st
			return dst
		case posSlow: // this gap's exponential needs the ziggurat's slow path
			*s = st
			k := s.expSlow(i, j) * g.inv
			st = *s
			if k >= 0x1p52 || pos+1+int(k) >= n {
				*s = st
				return dst
			}
			pos += 1 + int(k)
			dst = append(dst, pos)
		}
	}
}

const (
	posFull = iota
	posEnd
	posSlow
)

// positionsFast is AppendPositions' loop while the ziggurat's fast path accepts: it writes
// positions into buf and stops when buf is full, the sequence passes n, or a draw needs the
// slow path (returning that draw's layer i and bits j). It calls nothing, so that its values
// stay in registers.
func positionsFast(st Stream, buf []int, pos, n int, inv float64) (w int, _ Stream, _ int, status int, i, j uint64) {
	for w < len(buf) {
		u, st1 := st.Next()
		st = st1
		i, j = u&0xff, u>>11
		if j >= zigK[i] {
			return w, st, pos, posSlow, i, j
		}
		k := float64(j) * zigW[i] * inv
		if k >= 0x1p52 { // past any n (n < 2⁵²); guards the conversion
			return w, st, pos, posEnd, 0, 0
		}
		pos += 1 + int(k)
		if pos >= n {
			return w, st, pos, posEnd, 0, 0
		}
		buf[w] = pos
		w++
	}
	return w, st, pos, posFull, 0, 0
}

// Exp returns an Exp(1) draw by Marsaglia & Tsang's ziggurat (2000) with 256 layers of equal
// area: a layer is picked with 8 random bits and a point x of it with 53 others; x is kept
// outright when it lies in the layer's part that is wholly under e^(−x) (≈ 99% of draws),
// tested against e^(−x) in the layer's wedge, and the base layer's excess is the tail beyond
// r, drawn as r + Exp(1). This is an exact rejection sampler: every kept point is uniform
// under the density, so the result is Exp(1) up to floating-point resolution.
func (s *Stream) Exp() float64 {
	u := s.Uint64()
	i, j := u&0xff, u>>11
	if j < zigK[i] {
		return float64(j) * zigW[i]
	}
	return s.expSlow(i, j)
}

func (s *Stream) expSlow(i, j uint64) float64 {
	for {
		x := float64(j) * zigW[i]
		switch {
		case j < zigK[i]:
			return x
		case i == 0:
			return zigR - math.Log(1-s.Float64()) // the tail: memoryless beyond r
		}
		if wedgeUnder(i, x, zigF[i]+s.Float64()*(zigF[i+1]-zigF[i])) {
			return x // under the curve in the wedge
		}
		u := s.Uint64()
		i, j = u&0xff, u>>11
	}
}

// wedgeUnder reports y < math.Exp(−x) for a point of layer i's wedge (X[i+1] ≤ x ≤ X[i]),
// mostly without the exponential: e^(−x) is convex, so on the layer it lies above its tangent
// at X[i], e^(−X[i])·(1 + X[i] − x), and below its chord. A point below the tangent or above
// the chord by more than a relative 10⁻⁹ — far beyond the rounding of these bounds and of
// math.Exp — is decided as the comparison with math.Exp would decide it; the rest (about
// 10⁻⁹ of the wedge, and the wedge's few percent between tangent and chord) compares with
// math.Exp itself. The result is math.Exp's comparison exactly, so the draws are unchanged.
func wedgeUnder(i uint64, x, y float64) bool {
	if y < zigF[i]*(1+zigX[i]-x)*(1-1e-9) {
		return true
	}
	if y > (zigF[i]+(zigF[i+1]-zigF[i])*zigC[i]*(zigX[i]-x))*(1+1e-9) {
		return false
	}
	return y < math.Exp(-x)
}

// The ziggurat's layers: edges X[0] = v/e^(−r) (the base layer, tail included), X[1] = r,
// X[k+1] = −log(e^(−X[k]) + v/X[k]), X[256] = 0, with r and the layer area v from Marsaglia
// & Tsang. zigW[k] = X[k]/2⁵³ scales 53 bits to [0, X[k]); zigK[k] = ⌊2⁵³·X[k+1]/X[k]⌋ is the
// fast acceptance bound; zigF[k] = e^(−X[k]).
const zigR = 7.69711747013104972

var (
	zigW [256]float64
	zigK [256]uint64
	zigF [257]float64
	zigX [257]float64 // the edges X[k]
	zigC [256]float64 // 1/(X[k] − X[k+1]): the chord's slope factor
)

func init() {
	v := (zigR + 1) * math.Exp(-zigR)
	var x [257]float64
	x[0], x[1] = v/math.Exp(-zigR), zigR
	for k := 1; k < 255; k++ {
		x[k+1] = -math.Log(math.Exp(-x[k]) + v/x[k])
	}
	x[256] = 0
	for k := 0; k < 256; k++ {
		zigW[k] = x[k] * 0x1p-53
		zigK[k] = uint64(x[k+1] / x[k] * 0x1p53)
		zigF[k] = math.Exp(-x[k])
	}
	zigF[256] = 1
	zigX = x
	for k := 0; k < 256; k++ {
		zigC[k] = 1 / (x[k] - x[k+1])
	}
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
