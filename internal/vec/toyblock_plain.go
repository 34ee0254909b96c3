package vec

import "math"

// Plain-Go kernels for the two phase-diagram shapes: toyBlockGo with the shape's loops unrolled
// and each lane's values in local variables (the plain build's speed). Each performs
// toyBlockGo's operations in toyBlockGo's order and gives its bits.

// toyBlockFastGo runs the unrolled plain kernel of the block's shape, if there is one.
func toyBlockFastGo(bl *ToyBlock, B int) bool {
	switch {
	case bl.H == 1 && bl.F == 2:
		toyBlock12Go(bl, B)
	case bl.H == 2 && bl.F == 3:
		toyBlock23Go(bl, B)
	default:
		return false
	}
	return true
}

// laneState is one lane's xoshiro256++ state in locals (LaneRNG.next).
type laneState struct{ s0, s1, s2, s3 uint64 }

func (x laneState) next() (uint64, laneState) {
	r := rotl64(x.s0+x.s3, 23) + x.s0
	t := x.s1 << 17
	s2 := x.s2 ^ x.s0
	s3 := x.s3 ^ x.s1
	s1 := x.s1 ^ s2
	s0 := x.s0 ^ s3
	return r, laneState{s0, s1, s2 ^ t, rotl64(s3, 45)}
}

func (g *LaneRNG) lane(l int) laneState { return laneState{g.s[0][l], g.s[1][l], g.s[2][l], g.s[3][l]} }
func (g *LaneRNG) setLane(l int, x laneState) {
	g.s[0][l], g.s[1][l], g.s[2][l], g.s[3][l] = x.s0, x.s1, x.s2, x.s3
}

// blockSkipBelow is the presence threshold (p = 0.04) under which the plain kernels take the
// zero-sample shortcut; above it the branch would be mispredicted too often to pay.
const blockSkipBelow = 171798692 // ⌊0.04·2³²⌋ + 1

// blockGz is toyBlockGo's zero-sample gradient of b: b > 0 ? c·b : 0.
func blockGz(b, c float64) float64 {
	if b > 0 {
		return c * b
	}
	return 0
}

// allOnes is all ones if b, else 0: a mask that the compiler makes with a conditional move, which
// keeps the kernels free of unpredictable branches (+0 where the mask is 0, as toyBlockGo).
func allOnes(b bool) uint64 {
	var m uint64
	if b {
		m = ^uint64(0)
	}
	return m
}

func maskBits(v float64, m uint64) float64 { return math.Float64frombits(math.Float64bits(v) & m) }

// blockG is toyBlockGo's g: pre > 0 ? c·(pre − x) : 0.
func blockG(pre, x, c float64) float64 { return maskBits(c*(pre-x), allOnes(pre > 0)) }

// blockDraw is toyBlockGo's feature value of a draw.
func blockDraw(r, thr uint64) float64 { return maskBits(LaneMagnitude(r), allOnes(r>>32 < thr)) }

// toyBlock12Go is toyBlockGo for H = 1, F = 2.
func toyBlock12Go(bl *ToyBlock, B int) {
	th, c := bl.Theta, bl.C
	for l := 0; l < blockLanes; l++ {
		w0, w1, b0, b1 := th[l], th[blockLanes+l], th[2*blockLanes+l], th[3*blockLanes+l]
		c0, c1 := c[l], c[blockLanes+l]
		gz0, gz1 := blockGz(b0, c0), blockGz(b1, c1)
		thr := bl.Thr[l]
		x := bl.RNG.lane(l)
		var a0, a1, ab0, ab1 float64
		var r0, r1 uint64
		skip := thr <= blockSkipBelow // sparse lane: the zero-sample branch is predictable and pays
		for s := 0; s < B; s++ {
			r0, x = x.next()
			r1, x = x.next()
			if skip && r0>>32 >= thr && r1>>32 >= thr {
				ab0 += gz0
				ab1 += gz1
				continue
			}
			x0, x1 := blockDraw(r0, thr), blockDraw(r1, thr)
			h := w0*x0 + w1*x1
			g0, g1 := blockG(b0+w0*h, x0, c0), blockG(b1+w1*h, x1, c1)
			a0 += g0 * h
			a1 += g1 * h
			dh := w0*g0 + w1*g1
			a0 += dh * x0
			a1 += dh * x1
			ab0 += g0
			ab1 += g1
		}
		bl.RNG.setLane(l, x)
		g := bl.Grad
		g[l], g[blockLanes+l], g[2*blockLanes+l], g[3*blockLanes+l] = a0, a1, ab0, ab1
	}
}

// toyBlock23Go is toyBlockGo for H = 2, F = 3.
func toyBlock23Go(bl *ToyBlock, B int) {
	th, c := bl.Theta, bl.C
	for l := 0; l < blockLanes; l++ {
		w00, w01, w02 := th[l], th[blockLanes+l], th[2*blockLanes+l]
		w10, w11, w12 := th[3*blockLanes+l], th[4*blockLanes+l], th[5*blockLanes+l]
		b0, b1, b2 := th[6*blockLanes+l], th[7*blockLanes+l], th[8*blockLanes+l]
		c0, c1, c2 := c[l], c[blockLanes+l], c[2*blockLanes+l]
		gz0, gz1, gz2 := blockGz(b0, c0), blockGz(b1, c1), blockGz(b2, c2)
		thr := bl.Thr[l]
		x := bl.RNG.lane(l)
		var a00, a01, a02, a10, a11, a12, ab0, ab1, ab2 float64
		var r0, r1, r2 uint64
		skip := thr <= blockSkipBelow
		for s := 0; s < B; s++ {
			r0, x = x.next()
			r1, x = x.next()
			r2, x = x.next()
			if skip && r0>>32 >= thr && r1>>32 >= thr && r2>>32 >= thr {
				ab0 += gz0
				ab1 += gz1
				ab2 += gz2
				continue
			}
			x0, x1, x2 := blockDraw(r0, thr), blockDraw(r1, thr), blockDraw(r2, thr)
			h0 := w00*x0 + w01*x1 + w02*x2
			h1 := w10*x0 + w11*x1 + w12*x2
			g0 := blockG(b0+w00*h0+w10*h1, x0, c0)
			g1 := blockG(b1+w01*h0+w11*h1, x1, c1)
			g2 := blockG(b2+w02*h0+w12*h1, x2, c2)
			a00 += g0 * h0
			a01 += g1 * h0
			a02 += g2 * h0
			a10 += g0 * h1
			a11 += g1 * h1
			a12 += g2 * h1
			d0 := w00*g0 + w01*g1 + w02*g2
			d1 := w10*g0 + w11*g1 + w12*g2
			a00 += d0 * x0
			a01 += d0 * x1
			a02 += d0 * x2
			a10 += d1 * x0
			a11 += d1 * x1
			a12 += d1 * x2
			ab0 += g0
			ab1 += g1
			ab2 += g2
		}
		bl.RNG.setLane(l, x)
		g := bl.Grad
		for k, v := range [...]float64{a00, a01, a02, a10, a11, a12, ab0, ab1, ab2} {
			g[k*blockLanes+l] = v
		}
	}
}
