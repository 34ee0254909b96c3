//go:build goexperiment.simd && amd64

package vec

import (
	"simd/archsimd"
)

type u64x8 = archsimd.Uint64x8

func ldLanes(s []float64, k int) f8 {
	return archsimd.LoadFloat64x8((*[blockLanes]float64)(s[k*blockLanes : (k+1)*blockLanes]))
}
func stLanes(v f8, s []float64, k int) {
	v.Store((*[blockLanes]float64)(s[k*blockLanes : (k+1)*blockLanes]))
}

// laneRNG8 is the eight lanes' generators, held in registers by the kernels.
type laneRNG8 struct{ s0, s1, s2, s3 u64x8 }

func loadLaneRNG(g *LaneRNG) laneRNG8 {
	return laneRNG8{archsimd.LoadUint64x8(&g.s[0]), archsimd.LoadUint64x8(&g.s[1]), archsimd.LoadUint64x8(&g.s[2]), archsimd.LoadUint64x8(&g.s[3])}
}

func (x laneRNG8) store(g *LaneRNG) {
	x.s0.Store(&g.s[0])
	x.s1.Store(&g.s[1])
	x.s2.Store(&g.s[2])
	x.s3.Store(&g.s[3])
}

// next is LaneRNG.next on every lane, the state passed by value (u, x = x.next()) so that it
// stays in registers.
func (x laneRNG8) next() (u64x8, laneRNG8) {
	r := x.s0.Add(x.s3).RotateAllLeft(23).Add(x.s0)
	t := x.s1.ShiftAllLeft(17)
	s2 := x.s2.Xor(x.s0)
	s3 := x.s3.Xor(x.s1)
	s1 := x.s1.Xor(s2)
	s0 := x.s0.Xor(s3)
	return r, laneRNG8{s0, s1, s2.Xor(t), s3.RotateAllLeft(45)}
}

var (
	lanesLo32    = archsimd.BroadcastUint64x8(0xffffffff)
	lanesScale32 = archsimd.BroadcastFloat64x8(0x1p-32)
	lanesZero    = archsimd.BroadcastFloat64x8(0)
)

// laneValue is a draw's magnitude, uint32(r)·2⁻³² (toyBlockGo's first line, before the presence
// mask r>>32 < thr is applied).
func laneValue(r u64x8) f8 { return r.And(lanesLo32).ConvertToFloat64().Mul(lanesScale32) }

// toyBlockSIMD runs the archsimd kernel of the block's shape, if there is one.
func toyBlockSIMD(bl *ToyBlock, B int) bool {
	switch {
	case bl.H == 1 && bl.F == 2:
		toyBlock12SIMD(bl, B)
	case bl.H == 2 && bl.F == 3:
		toyBlock23SIMD(bl, B)
	default:
		return false
	}
	ClearUpper()
	return true
}

// gzLanes is toyBlockGo's zero-sample gradient of b: b > 0 ? c·b : 0.
func gzLanes(b, c f8) f8 { return c.Mul(b).Masked(b.Greater(lanesZero)) }

// toyBlock12SIMD is toyBlockGo for H = 1, F = 2 (phase-diagram experiment 1), one lane per instance.
func toyBlock12SIMD(bl *ToyBlock, B int) {
	th := bl.Theta
	w0, w1, b0, b1 := ldLanes(th, 0), ldLanes(th, 1), ldLanes(th, 2), ldLanes(th, 3)
	c := bl.C
	var zs [2 * blockLanes]float64 // gzLanes, read from memory on the rare path: the loop is short of registers
	stLanes(gzLanes(b0, ldLanes(c, 0)), zs[:], 0)
	stLanes(gzLanes(b1, ldLanes(c, 1)), zs[:], 1)
	thr := archsimd.LoadUint64x8(&bl.Thr)
	x := loadLaneRNG(&bl.RNG)
	a0, a1, ab0, ab1 := lanesZero, lanesZero, lanesZero, lanesZero
	var r0, r1 u64x8
	for s := 0; s < B; s++ {
		r0, x = x.next()
		r1, x = x.next()
		u0, u1 := r0.ShiftAllRight(32), r1.ShiftAllRight(32)
		if u0.Min(u1).Less(thr).ToBits() == 0 { // no feature present in any lane
			ab0, ab1 = ab0.Add(ldLanes(zs[:], 0)), ab1.Add(ldLanes(zs[:], 1))
			continue
		}
		x0, x1 := laneValue(r0).Masked(u0.Less(thr)), laneValue(r1).Masked(u1.Less(thr))
		c0, c1 := ldLanes(c, 0), ldLanes(c, 1)
		h := w0.Mul(x0).Add(w1.Mul(x1))
		p0, p1 := b0.Add(w0.Mul(h)), b1.Add(w1.Mul(h))
		g0 := c0.Mul(p0.Sub(x0)).Masked(p0.Greater(lanesZero))
		g1 := c1.Mul(p1.Sub(x1)).Masked(p1.Greater(lanesZero))
		a0, a1 = a0.Add(g0.Mul(h)), a1.Add(g1.Mul(h))
		dh := w0.Mul(g0).Add(w1.Mul(g1))
		a0, a1 = a0.Add(dh.Mul(x0)), a1.Add(dh.Mul(x1))
		ab0, ab1 = ab0.Add(g0), ab1.Add(g1)
	}
	x.store(&bl.RNG)
	g := bl.Grad
	stLanes(a0, g, 0)
	stLanes(a1, g, 1)
	stLanes(ab0, g, 2)
	stLanes(ab1, g, 3)
}

// toyBlock23SIMD is toyBlockGo for H = 2, F = 3 (phase-diagram experiment 2), one lane per instance.
func toyBlock23SIMD(bl *ToyBlock, B int) {
	th := bl.Theta
	w00, w01, w02 := ldLanes(th, 0), ldLanes(th, 1), ldLanes(th, 2)
	w10, w11, w12 := ldLanes(th, 3), ldLanes(th, 4), ldLanes(th, 5)
	b0, b1, b2 := ldLanes(th, 6), ldLanes(th, 7), ldLanes(th, 8)
	c := bl.C
	var zs [3 * blockLanes]float64 // gzLanes, read from memory on the rare path: the loop is short of registers
	stLanes(gzLanes(b0, ldLanes(c, 0)), zs[:], 0)
	stLanes(gzLanes(b1, ldLanes(c, 1)), zs[:], 1)
	stLanes(gzLanes(b2, ldLanes(c, 2)), zs[:], 2)
	thr := archsimd.LoadUint64x8(&bl.Thr)
	x := loadLaneRNG(&bl.RNG)
	a00, a01, a02, a10, a11, a12 := lanesZero, lanesZero, lanesZero, lanesZero, lanesZero, lanesZero
	ab0, ab1, ab2 := lanesZero, lanesZero, lanesZero
	var r0, r1, r2 u64x8
	for s := 0; s < B; s++ {
		r0, x = x.next()
		r1, x = x.next()
		r2, x = x.next()
		u0, u1, u2 := r0.ShiftAllRight(32), r1.ShiftAllRight(32), r2.ShiftAllRight(32)
		if u0.Min(u1).Min(u2).Less(thr).ToBits() == 0 { // no feature present in any lane
			ab0, ab1, ab2 = ab0.Add(ldLanes(zs[:], 0)), ab1.Add(ldLanes(zs[:], 1)), ab2.Add(ldLanes(zs[:], 2))
			continue
		}
		x0, x1, x2 := laneValue(r0).Masked(u0.Less(thr)), laneValue(r1).Masked(u1.Less(thr)), laneValue(r2).Masked(u2.Less(thr))
		c0, c1, c2 := ldLanes(c, 0), ldLanes(c, 1), ldLanes(c, 2)
		h0 := w00.Mul(x0).Add(w01.Mul(x1)).Add(w02.Mul(x2))
		h1 := w10.Mul(x0).Add(w11.Mul(x1)).Add(w12.Mul(x2))
		p0 := b0.Add(w00.Mul(h0)).Add(w10.Mul(h1))
		p1 := b1.Add(w01.Mul(h0)).Add(w11.Mul(h1))
		p2 := b2.Add(w02.Mul(h0)).Add(w12.Mul(h1))
		g0 := c0.Mul(p0.Sub(x0)).Masked(p0.Greater(lanesZero))
		g1 := c1.Mul(p1.Sub(x1)).Masked(p1.Greater(lanesZero))
		g2 := c2.Mul(p2.Sub(x2)).Masked(p2.Greater(lanesZero))
		a00, a01, a02 = a00.Add(g0.Mul(h0)), a01.Add(g1.Mul(h0)), a02.Add(g2.Mul(h0))
		a10, a11, a12 = a10.Add(g0.Mul(h1)), a11.Add(g1.Mul(h1)), a12.Add(g2.Mul(h1))
		d0 := w00.Mul(g0).Add(w01.Mul(g1)).Add(w02.Mul(g2))
		d1 := w10.Mul(g0).Add(w11.Mul(g1)).Add(w12.Mul(g2))
		a00, a01, a02 = a00.Add(d0.Mul(x0)), a01.Add(d0.Mul(x1)), a02.Add(d0.Mul(x2))
		a10, a11, a12 = a10.Add(d1.Mul(x0)), a11.Add(d1.Mul(x1)), a12.Add(d1.Mul(x2))
		ab0, ab1, ab2 = ab0.Add(g0), ab1.Add(g1), ab2.Add(g2)
	}
	x.store(&bl.RNG)
	g := bl.Grad
	for k, v := range [...]f8{a00, a01, a02, a10, a11, a12, ab0, ab1, ab2} {
		stLanes(v, g, k)
	}
}
