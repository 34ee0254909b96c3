package phase

import "math"

// Plain-Go kernels for the two phase-diagram shapes: gradPlain with the shape's loops unrolled
// and each lane's values in local variables (the plain build's speed). Each performs
// gradPlain's operations in gradPlain's order and gives its bits.

// gradPlainFast runs the unrolled plain kernel of the block's shape, if there is one.
func gradPlainFast(bl *block, B int) bool {
	switch {
	case bl.H == 1 && bl.F == 2:
		grad12Plain(bl, B)
	case bl.H == 2 && bl.F == 3:
		grad23Plain(bl, B)
	default:
		return false
	}
	return true
}

// xo is one lane's xoshiro256++ state in locals (laneRNG.next).
type xo struct{ s0, s1, s2, s3 uint64 }

func (x xo) next() (uint64, xo) {
	r := rotl(x.s0+x.s3, 23) + x.s0
	t := x.s1 << 17
	s2 := x.s2 ^ x.s0
	s3 := x.s3 ^ x.s1
	s1 := x.s1 ^ s2
	s0 := x.s0 ^ s3
	return r, xo{s0, s1, s2 ^ t, rotl(s3, 45)}
}

func (g *laneRNG) lane(l int) xo { return xo{g.s[0][l], g.s[1][l], g.s[2][l], g.s[3][l]} }
func (g *laneRNG) setLane(l int, x xo) {
	g.s[0][l], g.s[1][l], g.s[2][l], g.s[3][l] = x.s0, x.s1, x.s2, x.s3
}

// skipBelow is the presence threshold (p = 0.04) under which the plain kernels take the
// zero-sample shortcut; above it the branch would be mispredicted too often to pay.
const skipBelow = 171798692 // ⌊0.04·2³²⌋ + 1

// gzOf is gradPlain's zero-sample gradient of b: b > 0 ? c·b : 0.
func gzOf(b, c float64) float64 {
	if b > 0 {
		return c * b
	}
	return 0
}

// all1 is all ones if b, else 0: a mask that the compiler makes with a conditional move, which
// keeps the kernels free of unpredictable branches (+0 where the mask is 0, as gradPlain).
func all1(b bool) uint64 {
	var m uint64
	if b {
		m = ^uint64(0)
	}
	return m
}

func masked(v float64, m uint64) float64 { return math.Float64frombits(math.Float64bits(v) & m) }

// gOf is gradPlain's g: pre > 0 ? c·(pre − x) : 0.
func gOf(pre, x, c float64) float64 { return masked(c*(pre-x), all1(pre > 0)) }

// draw is gradPlain's feature value of a draw.
func draw(r, thr uint64) float64 { return masked(magnitude(r), all1(r>>32 < thr)) }

// grad12Plain is gradPlain for H = 1, F = 2.
func grad12Plain(bl *block, B int) {
	th, c := bl.theta, bl.c
	for l := 0; l < lanes; l++ {
		w0, w1, b0, b1 := th[l], th[lanes+l], th[2*lanes+l], th[3*lanes+l]
		c0, c1 := c[l], c[lanes+l]
		gz0, gz1 := gzOf(b0, c0), gzOf(b1, c1)
		thr := bl.thr[l]
		x := bl.rng.lane(l)
		var a0, a1, ab0, ab1 float64
		var r0, r1 uint64
		skip := thr <= skipBelow // sparse lane: the zero-sample branch is predictable and pays
		for s := 0; s < B; s++ {
			r0, x = x.next()
			r1, x = x.next()
			if skip && r0>>32 >= thr && r1>>32 >= thr {
				ab0 += gz0
				ab1 += gz1
				continue
			}
			x0, x1 := draw(r0, thr), draw(r1, thr)
			h := w0*x0 + w1*x1
			g0, g1 := gOf(b0+w0*h, x0, c0), gOf(b1+w1*h, x1, c1)
			a0 += g0 * h
			a1 += g1 * h
			dh := w0*g0 + w1*g1
			a0 += dh * x0
			a1 += dh * x1
			ab0 += g0
			ab1 += g1
		}
		bl.rng.setLane(l, x)
		g := bl.grad
		g[l], g[lanes+l], g[2*lanes+l], g[3*lanes+l] = a0, a1, ab0, ab1
	}
}

// grad23Plain is gradPlain for H = 2, F = 3.
func grad23Plain(bl *block, B int) {
	th, c := bl.theta, bl.c
	for l := 0; l < lanes; l++ {
		w00, w01, w02 := th[l], th[lanes+l], th[2*lanes+l]
		w10, w11, w12 := th[3*lanes+l], th[4*lanes+l], th[5*lanes+l]
		b0, b1, b2 := th[6*lanes+l], th[7*lanes+l], th[8*lanes+l]
		c0, c1, c2 := c[l], c[lanes+l], c[2*lanes+l]
		gz0, gz1, gz2 := gzOf(b0, c0), gzOf(b1, c1), gzOf(b2, c2)
		thr := bl.thr[l]
		x := bl.rng.lane(l)
		var a00, a01, a02, a10, a11, a12, ab0, ab1, ab2 float64
		var r0, r1, r2 uint64
		skip := thr <= skipBelow
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
			x0, x1, x2 := draw(r0, thr), draw(r1, thr), draw(r2, thr)
			h0 := w00*x0 + w01*x1 + w02*x2
			h1 := w10*x0 + w11*x1 + w12*x2
			g0 := gOf(b0+w00*h0+w10*h1, x0, c0)
			g1 := gOf(b1+w01*h0+w11*h1, x1, c1)
			g2 := gOf(b2+w02*h0+w12*h1, x2, c2)
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
		bl.rng.setLane(l, x)
		g := bl.grad
		for k, v := range [...]float64{a00, a01, a02, a10, a11, a12, ab0, ab1, ab2} {
			g[k*lanes+l] = v
		}
	}
}
