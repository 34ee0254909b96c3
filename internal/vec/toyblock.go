package vec

// ToyBlock is the phase-diagram packed trainer's kernel (the phase package). It runs eight
// tiny toy models at once, one per lane of a vector: every per-instance
// quantity (a weight, a bias, a gradient sum, a random state) is eight numbers side by side,
// and every lane does exactly the arithmetic it would do alone. An instance's result therefore
// does not depend on which instances share its block, on the block's position, on GOMAXPROCS
// or on the build (the archsimd kernels of toyblock_simd.go, the unrolled plain loops of
// toyblock_plain.go and the plain loop here give the same bits).

const blockLanes = 8

// LaneRNG is eight xoshiro256++ generators (the algorithm of rng.Stream), s[k][l] being word k
// of lane l's state, so that the vector kernels step all eight with one instruction per word.
type LaneRNG struct{ s [4][blockLanes]uint64 }

// SetLane gives lane l the state words (four draws of the instance's own stream).
func (g *LaneRNG) SetLane(l int, words [4]uint64) {
	var z uint64
	for k := range g.s {
		g.s[k][l] = words[k]
		z |= g.s[k][l]
	}
	if z == 0 { // the one state laneRNG8 cannot leave
		g.s[0][l] = 1
	}
}

// Next returns lane l's next 64 bits (xoshiro256++).
func (g *LaneRNG) Next(l int) uint64 {
	s0, s1, s2, s3 := g.s[0][l], g.s[1][l], g.s[2][l], g.s[3][l]
	r := rotl64(s0+s3, 23) + s0
	t := s1 << 17
	s2 ^= s0
	s3 ^= s1
	s1 ^= s2
	s0 ^= s3
	s2 ^= t
	s3 = rotl64(s3, 45)
	g.s[0][l], g.s[1][l], g.s[2][l], g.s[3][l] = s0, s1, s2, s3
	return r
}

func rotl64(x uint64, k uint) uint64 { return x<<k | x>>(64-k) }

// PresenceThreshold is the lane threshold of a feature probability p: a 64-bit blockDraw r makes
// the feature present iff r>>32 < PresenceThreshold(p), i.e. iff the 32-bit uniform
// (r>>32)·2⁻³² is ≤ p, the reference's `seed <= p` rule (spec §1.5) at 32-bit resolution.
func PresenceThreshold(p float64) uint64 {
	if !(p > 0) {
		p = 0
	}
	return min(uint64(p*(1<<32))+1, 1<<32)
}

// LaneMagnitude is the feature's value U[0,1) from the low 32 bits of the same draw (independent of
// the presence bits): x = uint32(r)·2⁻³², finer than the reference's float32 uniforms.
func LaneMagnitude(r uint64) float64 { return float64(uint32(r)) * 0x1p-32 }

// ToyBlock is the training state of up to eight instances, lane l holding one instance (an unused
// lane has importance 0 and probability 0: its gradient is 0 and its parameters stay 0).
//
//	Theta, Grad  [H·F + F][8]  W[j][f] at (j·F + f)·8 + l, then b[f] at (H·F + f)·8 + l
//	C            [F][8]        2·importance_f/(B·F): ∂L/∂x'_f = c_f·(x'_f − x_f)
//	Thr          [8]           PresenceThreshold(p)
type ToyBlock struct {
	H, F        int
	Theta, Grad []float64
	C           []float64
	Thr         [blockLanes]uint64
	RNG         LaneRNG
}

func NewToyBlock(H, F int) *ToyBlock {
	P := H*F + F
	return &ToyBlock{H: H, F: F, Theta: make([]float64, P*blockLanes), Grad: make([]float64, P*blockLanes), C: make([]float64, F*blockLanes)}
}

// Small enough for fixed-size scratch in the plain kernel.
const (
	maxF = 3
	maxH = 2
)

// Run draws a fresh batch of B samples per lane and writes its gradient to Grad (spec §1.6
// loss, mean over batch and features; the loss itself is not computed): toyBlockGo, run by
// the archsimd kernels (toyblock_simd.go) or the unrolled plain ones (toyblock_plain.go) for
// the shapes that have them (H = 1, F = 2 and H = 2, F = 3).
func (bl *ToyBlock) Run(B int) {
	if SIMD && toyBlockSIMD(bl, B) {
		return
	}
	if toyBlockFastGo(bl, B) {
		return
	}
	toyBlockGo(bl, B)
}

// toyBlockGo is the plain loop of every lane kernel. Per lane l and per sample, in order:
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
func toyBlockGo(bl *ToyBlock, B int) {
	H, F := bl.H, bl.F
	HF := H * F
	for l := 0; l < blockLanes; l++ {
		var w [maxH][maxF]float64
		var b, c, gzLanes, x, g, gb [maxF]float64
		var gw [maxH][maxF]float64
		var h, dh [maxH]float64
		for j := 0; j < H; j++ {
			for f := 0; f < F; f++ {
				w[j][f] = bl.Theta[(j*F+f)*blockLanes+l]
			}
		}
		for f := 0; f < F; f++ {
			b[f], c[f] = bl.Theta[(HF+f)*blockLanes+l], bl.C[f*blockLanes+l]
			if b[f] > 0 {
				gzLanes[f] = c[f] * b[f]
			}
		}
		thr := bl.Thr[l]
		for s := 0; s < B; s++ {
			any := false
			for f := 0; f < F; f++ {
				r := bl.RNG.Next(l)
				x[f] = 0
				if r>>32 < thr {
					x[f], any = LaneMagnitude(r), true
				}
			}
			if !any {
				for f := 0; f < F; f++ {
					gb[f] += gzLanes[f]
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
				bl.Grad[(j*F+f)*blockLanes+l] = gw[j][f]
			}
		}
		for f := 0; f < F; f++ {
			bl.Grad[(HF+f)*blockLanes+l] = gb[f]
		}
	}
}
