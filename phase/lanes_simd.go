//go:build goexperiment.simd && amd64

package phase

import (
	"simd/archsimd"

	"saelab/internal/vec"
)

// laneSIMD selects the archsimd kernels (AVX-512 present at run time).
var laneSIMD = vec.SIMD

type (
	f8 = archsimd.Float64x8
	u8 = archsimd.Uint64x8
)

func ldF(s []float64, k int) f8 {
	return archsimd.LoadFloat64x8((*[lanes]float64)(s[k*lanes : (k+1)*lanes]))
}
func stF(v f8, s []float64, k int) { v.Store((*[lanes]float64)(s[k*lanes : (k+1)*lanes])) }

// xoshiro is the eight lanes' generators, held in registers by the kernels.
type xoshiro struct{ s0, s1, s2, s3 u8 }

func loadRNG(g *laneRNG) xoshiro {
	return xoshiro{archsimd.LoadUint64x8(&g.s[0]), archsimd.LoadUint64x8(&g.s[1]), archsimd.LoadUint64x8(&g.s[2]), archsimd.LoadUint64x8(&g.s[3])}
}

func (x xoshiro) store(g *laneRNG) {
	x.s0.Store(&g.s[0])
	x.s1.Store(&g.s[1])
	x.s2.Store(&g.s[2])
	x.s3.Store(&g.s[3])
}

// next is laneRNG.next on every lane, the state passed by value (u, x = x.next()) so that it
// stays in registers.
func (x xoshiro) next() (u8, xoshiro) {
	r := x.s0.Add(x.s3).RotateAllLeft(23).Add(x.s0)
	t := x.s1.ShiftAllLeft(17)
	s2 := x.s2.Xor(x.s0)
	s3 := x.s3.Xor(x.s1)
	s1 := x.s1.Xor(s2)
	s0 := x.s0.Xor(s3)
	return r, xoshiro{s0, s1, s2.Xor(t), s3.RotateAllLeft(45)}
}

var (
	lo32    = archsimd.BroadcastUint64x8(0xffffffff)
	scale32 = archsimd.BroadcastFloat64x8(0x1p-32)
	zero8   = archsimd.BroadcastFloat64x8(0)
)

// value is a draw's magnitude, uint32(r)·2⁻³² (gradPlain's first line, before the presence
// mask r>>32 < thr is applied).
func value(r u8) f8 { return r.And(lo32).ConvertToFloat64().Mul(scale32) }

// gradSIMD runs the archsimd kernel of the block's shape, if there is one.
func gradSIMD(bl *block, B int) bool {
	switch {
	case bl.H == 1 && bl.F == 2:
		grad12(bl, B)
	case bl.H == 2 && bl.F == 3:
		grad23(bl, B)
	default:
		return false
	}
	return true
}

// gz is gradPlain's zero-sample gradient of b: b > 0 ? c·b : 0.
func gz(b, c f8) f8 { return c.Mul(b).Masked(b.Greater(zero8)) }

// grad12 is gradPlain for H = 1, F = 2 (phase-diagram experiment 1), one lane per instance.
func grad12(bl *block, B int) {
	th := bl.theta
	w0, w1, b0, b1 := ldF(th, 0), ldF(th, 1), ldF(th, 2), ldF(th, 3)
	c := bl.c
	var zs [2 * lanes]float64 // gz, read from memory on the rare path: the loop is short of registers
	stF(gz(b0, ldF(c, 0)), zs[:], 0)
	stF(gz(b1, ldF(c, 1)), zs[:], 1)
	thr := archsimd.LoadUint64x8(&bl.thr)
	x := loadRNG(&bl.rng)
	a0, a1, ab0, ab1 := zero8, zero8, zero8, zero8
	var r0, r1 u8
	for s := 0; s < B; s++ {
		r0, x = x.next()
		r1, x = x.next()
		u0, u1 := r0.ShiftAllRight(32), r1.ShiftAllRight(32)
		if u0.Min(u1).Less(thr).ToBits() == 0 { // no feature present in any lane
			ab0, ab1 = ab0.Add(ldF(zs[:], 0)), ab1.Add(ldF(zs[:], 1))
			continue
		}
		x0, x1 := value(r0).Masked(u0.Less(thr)), value(r1).Masked(u1.Less(thr))
		c0, c1 := ldF(c, 0), ldF(c, 1)
		h := w0.Mul(x0).Add(w1.Mul(x1))
		p0, p1 := b0.Add(w0.Mul(h)), b1.Add(w1.Mul(h))
		g0 := c0.Mul(p0.Sub(x0)).Masked(p0.Greater(zero8))
		g1 := c1.Mul(p1.Sub(x1)).Masked(p1.Greater(zero8))
		a0, a1 = a0.Add(g0.Mul(h)), a1.Add(g1.Mul(h))
		dh := w0.Mul(g0).Add(w1.Mul(g1))
		a0, a1 = a0.Add(dh.Mul(x0)), a1.Add(dh.Mul(x1))
		ab0, ab1 = ab0.Add(g0), ab1.Add(g1)
	}
	x.store(&bl.rng)
	g := bl.grad
	stF(a0, g, 0)
	stF(a1, g, 1)
	stF(ab0, g, 2)
	stF(ab1, g, 3)
}

// grad23 is gradPlain for H = 2, F = 3 (phase-diagram experiment 2), one lane per instance.
func grad23(bl *block, B int) {
	th := bl.theta
	w00, w01, w02 := ldF(th, 0), ldF(th, 1), ldF(th, 2)
	w10, w11, w12 := ldF(th, 3), ldF(th, 4), ldF(th, 5)
	b0, b1, b2 := ldF(th, 6), ldF(th, 7), ldF(th, 8)
	c := bl.c
	var zs [3 * lanes]float64 // gz, read from memory on the rare path: the loop is short of registers
	stF(gz(b0, ldF(c, 0)), zs[:], 0)
	stF(gz(b1, ldF(c, 1)), zs[:], 1)
	stF(gz(b2, ldF(c, 2)), zs[:], 2)
	thr := archsimd.LoadUint64x8(&bl.thr)
	x := loadRNG(&bl.rng)
	a00, a01, a02, a10, a11, a12 := zero8, zero8, zero8, zero8, zero8, zero8
	ab0, ab1, ab2 := zero8, zero8, zero8
	var r0, r1, r2 u8
	for s := 0; s < B; s++ {
		r0, x = x.next()
		r1, x = x.next()
		r2, x = x.next()
		u0, u1, u2 := r0.ShiftAllRight(32), r1.ShiftAllRight(32), r2.ShiftAllRight(32)
		if u0.Min(u1).Min(u2).Less(thr).ToBits() == 0 { // no feature present in any lane
			ab0, ab1, ab2 = ab0.Add(ldF(zs[:], 0)), ab1.Add(ldF(zs[:], 1)), ab2.Add(ldF(zs[:], 2))
			continue
		}
		x0, x1, x2 := value(r0).Masked(u0.Less(thr)), value(r1).Masked(u1.Less(thr)), value(r2).Masked(u2.Less(thr))
		c0, c1, c2 := ldF(c, 0), ldF(c, 1), ldF(c, 2)
		h0 := w00.Mul(x0).Add(w01.Mul(x1)).Add(w02.Mul(x2))
		h1 := w10.Mul(x0).Add(w11.Mul(x1)).Add(w12.Mul(x2))
		p0 := b0.Add(w00.Mul(h0)).Add(w10.Mul(h1))
		p1 := b1.Add(w01.Mul(h0)).Add(w11.Mul(h1))
		p2 := b2.Add(w02.Mul(h0)).Add(w12.Mul(h1))
		g0 := c0.Mul(p0.Sub(x0)).Masked(p0.Greater(zero8))
		g1 := c1.Mul(p1.Sub(x1)).Masked(p1.Greater(zero8))
		g2 := c2.Mul(p2.Sub(x2)).Masked(p2.Greater(zero8))
		a00, a01, a02 = a00.Add(g0.Mul(h0)), a01.Add(g1.Mul(h0)), a02.Add(g2.Mul(h0))
		a10, a11, a12 = a10.Add(g0.Mul(h1)), a11.Add(g1.Mul(h1)), a12.Add(g2.Mul(h1))
		d0 := w00.Mul(g0).Add(w01.Mul(g1)).Add(w02.Mul(g2))
		d1 := w10.Mul(g0).Add(w11.Mul(g1)).Add(w12.Mul(g2))
		a00, a01, a02 = a00.Add(d0.Mul(x0)), a01.Add(d0.Mul(x1)), a02.Add(d0.Mul(x2))
		a10, a11, a12 = a10.Add(d1.Mul(x0)), a11.Add(d1.Mul(x1)), a12.Add(d1.Mul(x2))
		ab0, ab1, ab2 = ab0.Add(g0), ab1.Add(g1), ab2.Add(g2)
	}
	x.store(&bl.rng)
	g := bl.grad
	for k, v := range [...]f8{a00, a01, a02, a10, a11, a12, ab0, ab1, ab2} {
		stF(v, g, k)
	}
}
