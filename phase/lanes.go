package phase

import "saelab/rng"

// The packed trainer runs eight instances at once, one per lane of a vector: every per-instance
// quantity (a weight, a bias, a gradient sum, a random state) is eight numbers side by side,
// and every lane does exactly the arithmetic it would do alone. An instance's result therefore
// does not depend on which instances share its block, on the block's position, on GOMAXPROCS
// or on the build (the archsimd kernels of lanes_simd.go and the plain loops here give the
// same bits).

const lanes = 8

// laneRNG is eight xoshiro256++ generators (the algorithm of rng.Stream), s[k][l] being word k
// of lane l's state, so that the vector kernels step all eight with one instruction per word.
type laneRNG struct{ s [4][lanes]uint64 }

// seed gives lane l the state of four draws of st: one stream per instance, derived from the
// instance's own rng stream.
func (g *laneRNG) seed(l int, st *rng.Stream) {
	var z uint64
	for k := range g.s {
		g.s[k][l] = st.Uint64()
		z |= g.s[k][l]
	}
	if z == 0 { // the one state xoshiro cannot leave
		g.s[0][l] = 1
	}
}

// next returns lane l's next 64 bits (xoshiro256++).
func (g *laneRNG) next(l int) uint64 {
	s0, s1, s2, s3 := g.s[0][l], g.s[1][l], g.s[2][l], g.s[3][l]
	r := rotl(s0+s3, 23) + s0
	t := s1 << 17
	s2 ^= s0
	s3 ^= s1
	s1 ^= s2
	s0 ^= s3
	s2 ^= t
	s3 = rotl(s3, 45)
	g.s[0][l], g.s[1][l], g.s[2][l], g.s[3][l] = s0, s1, s2, s3
	return r
}

func rotl(x uint64, k uint) uint64 { return x<<k | x>>(64-k) }

// presenceThreshold is the lane threshold of a feature probability p: a 64-bit draw r makes
// the feature present iff r>>32 < presenceThreshold(p), i.e. iff the 32-bit uniform
// (r>>32)·2⁻³² is ≤ p, the reference's `seed <= p` rule (spec §1.5) at 32-bit resolution.
func presenceThreshold(p float64) uint64 {
	if !(p > 0) {
		p = 0
	}
	return min(uint64(p*(1<<32))+1, 1<<32)
}

// magnitude is the feature's value U[0,1) from the low 32 bits of the same draw (independent of
// the presence bits): x = uint32(r)·2⁻³², finer than the reference's float32 uniforms.
func magnitude(r uint64) float64 { return float64(uint32(r)) * 0x1p-32 }

// block is the training state of up to eight instances, lane l holding one instance (an unused
// lane has importance 0 and probability 0: its gradient is 0 and its parameters stay 0).
//
//	theta, grad  [H·F + F][lanes]  W[j][f] at (j·F + f)·lanes + l, then b[f] at (H·F + f)·lanes + l
//	c            [F][lanes]        2·importance_f/(B·F): ∂L/∂x'_f = c_f·(x'_f − x_f)
//	thr          [lanes]           presenceThreshold(p)
type block struct {
	H, F        int
	theta, grad []float64
	c           []float64
	thr         [lanes]uint64
	rng         laneRNG
}

func newBlock(H, F int) *block {
	P := H*F + F
	return &block{H: H, F: F, theta: make([]float64, P*lanes), grad: make([]float64, P*lanes), c: make([]float64, F*lanes)}
}

// Small enough for fixed-size scratch in the plain kernel.
const (
	maxF = 3
	maxH = 2
)

// gradStep draws a fresh batch of B samples per lane and writes its gradient to grad (spec §1.6
// loss, mean over batch and features; the loss itself is not computed). It is gradPlain, run by
// the archsimd kernels (lanes_simd.go) or the unrolled plain ones (lanes_plain.go) where they
// exist.
func (bl *block) gradStep(B int) {
	if laneSIMD && gradSIMD(bl, B) {
		return
	}
	if gradPlainFast(bl, B) {
		return
	}
	gradPlain(bl, B)
}

// gradPlain is the plain loop of every lane kernel. Per lane l and per sample, in order:
//
//	for f: r = next(l);  x_f = r>>32 < thr ? uint32(r)·2⁻³² : 0       (batch, §1.5)
//	h_j   = W[j][0]·x_0 + W[j][1]·x_1 + …                             (h = W·x, §1.4)
//	pre_f = (b_f + W[0][f]·h_0) + W[1][f]·h_1 + …                     (x' = ReLU(pre))
//	g_f   = pre_f > 0 ? c_f·(pre_f − x_f) : 0                          (∂L/∂pre_f, §1.6)
//	∂W[j][f] += g_f·h_j                                                (W as decoder)
//	dh_j  = W[j][0]·g_0 + W[j][1]·g_1 + …                             (∂L/∂h = W·g)
//	∂W[j][f] += dh_j·x_f                                               (W as encoder)
//	∂b_f += g_f
//
// A sample with no feature present has h = ±0, pre_f = b_f, and adds only
// gz_f = b_f > 0 ? c_f·b_f : 0 to ∂b_f: its ∂W terms are ±0, which leave a sum that is never −0
// unchanged. Kernels may therefore skip such samples' ∂W work and stay bit-identical.
func gradPlain(bl *block, B int) {
	H, F := bl.H, bl.F
	HF := H * F
	for l := 0; l < lanes; l++ {
		var w [maxH][maxF]float64
		var b, c, gz, x, g, gb [maxF]float64
		var gw [maxH][maxF]float64
		var h, dh [maxH]float64
		for j := 0; j < H; j++ {
			for f := 0; f < F; f++ {
				w[j][f] = bl.theta[(j*F+f)*lanes+l]
			}
		}
		for f := 0; f < F; f++ {
			b[f], c[f] = bl.theta[(HF+f)*lanes+l], bl.c[f*lanes+l]
			if b[f] > 0 {
				gz[f] = c[f] * b[f]
			}
		}
		thr := bl.thr[l]
		for s := 0; s < B; s++ {
			any := false
			for f := 0; f < F; f++ {
				r := bl.rng.next(l)
				x[f] = 0
				if r>>32 < thr {
					x[f], any = magnitude(r), true
				}
			}
			if !any {
				for f := 0; f < F; f++ {
					gb[f] += gz[f]
				}
				continue
			}
			for j := 0; j < H; j++ {
				v := w[j][0] * x[0]
				for f := 1; f < F; f++ {
					v += w[j][f] * x[f]
				}
				h[j] = v
			}
			for f := 0; f < F; f++ {
				pre := b[f]
				for j := 0; j < H; j++ {
					pre += w[j][f] * h[j]
				}
				g[f] = 0
				if pre > 0 {
					g[f] = c[f] * (pre - x[f])
				}
				for j := 0; j < H; j++ {
					gw[j][f] += g[f] * h[j]
				}
			}
			for j := 0; j < H; j++ {
				v := w[j][0] * g[0]
				for f := 1; f < F; f++ {
					v += w[j][f] * g[f]
				}
				dh[j] = v
			}
			for j := 0; j < H; j++ {
				for f := 0; f < F; f++ {
					gw[j][f] += dh[j] * x[f]
				}
			}
			for f := 0; f < F; f++ {
				gb[f] += g[f]
			}
		}
		for j := 0; j < H; j++ {
			for f := 0; f < F; f++ {
				bl.grad[(j*F+f)*lanes+l] = gw[j][f]
			}
		}
		for f := 0; f < F; f++ {
			bl.grad[(HF+f)*lanes+l] = gb[f]
		}
	}
}
