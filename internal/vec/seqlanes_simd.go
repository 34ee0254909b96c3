//go:build goexperiment.simd && amd64

package vec

import (
	"simd/archsimd"
	"unsafe"
)

// The index vectors of the middle round of an 8×8 transpose (pairs of pairs of rows), and
// tpK[m], which keeps slots 2m and 2m+1 of a vector in slots 0 and 1 and fills the rest from a
// second vector's lane 0.
var (
	tpB0 = [8]uint64{0, 1, 8, 9, 4, 5, 12, 13}
	tpB1 = [8]uint64{2, 3, 10, 11, 6, 7, 14, 15}
	tpK  = [4][8]uint64{{0, 1, 8, 8, 8, 8, 8, 8}, {2, 3, 8, 8, 8, 8, 8, 8}, {4, 5, 8, 8, 8, 8, 8, 8}, {6, 7, 8, 8, 8, 8, 8, 8}}
)

// transpose8 returns the block p [8 slots][8 lanes] (slot j at element j·stride of p) as one
// vector per lane, in three rounds: pairs of rows within 128-bit groups, pairs of pairs across
// them, then 256-bit halves.
func transpose8(p unsafe.Pointer, stride int) (t0, t1, t2, t3, t4, t5, t6, t7 f8) {
	b0, b1 := archsimd.LoadUint64x8(&tpB0), archsimd.LoadUint64x8(&tpB1)
	v0, v1 := ld(p, 0), ld(p, stride)
	r0, r1 := v0.SelectFromPairGrouped(0, 2, v1), v0.SelectFromPairGrouped(1, 3, v1)
	v0, v1 = ld(p, 2*stride), ld(p, 3*stride)
	r2, r3 := v0.SelectFromPairGrouped(0, 2, v1), v0.SelectFromPairGrouped(1, 3, v1)
	v0, v1 = ld(p, 4*stride), ld(p, 5*stride)
	r4, r5 := v0.SelectFromPairGrouped(0, 2, v1), v0.SelectFromPairGrouped(1, 3, v1)
	v0, v1 = ld(p, 6*stride), ld(p, 7*stride)
	r6, r7 := v0.SelectFromPairGrouped(0, 2, v1), v0.SelectFromPairGrouped(1, 3, v1)
	s0, s2 := r0.ConcatPermute(r2, b0), r0.ConcatPermute(r2, b1)
	s1, s3 := r1.ConcatPermute(r3, b0), r1.ConcatPermute(r3, b1)
	s4, s6 := r4.ConcatPermute(r6, b0), r4.ConcatPermute(r6, b1)
	s5, s7 := r5.ConcatPermute(r7, b0), r5.ConcatPermute(r7, b1)
	return s0.SetHi(s4.GetLo()), s1.SetHi(s5.GetLo()), s2.SetHi(s6.GetLo()), s3.SetHi(s7.GetLo()),
		s4.SetLo(s0.GetHi()), s5.SetLo(s1.GetHi()), s6.SetLo(s2.GetHi()), s7.SetLo(s3.GetHi())
}

// seqAdd adds group g's terms of the block to its accumulators, sample 0, 1, …, 7 in turn.
func seqAdd(q *seqLanes, g int) {
	pacc := unsafe.Pointer(&q.acc[g*8])
	t0, t1, t2, t3, t4, t5, t6, t7 := transpose8(unsafe.Pointer(&q.c1[g*64]), 8)
	st(ld(pacc, 0).Add(t0).Add(t1).Add(t2).Add(t3).Add(t4).Add(t5).Add(t6).Add(t7), pacc, 0)
}

// seqAdd2 is seqAdd with second terms in slots 0 and 1 (c2): each sample's right after its
// first terms (the other slots' second terms are −0).
func seqAdd2(q *seqLanes, g int) {
	pacc := unsafe.Pointer(&q.acc[g*8])
	t0, t1, t2, t3, t4, t5, t6, t7 := transpose8(unsafe.Pointer(&q.c1[g*64]), 8)
	p2 := unsafe.Pointer(&q.c2[g*16])
	x, y := ld(p2, 0), ld(p2, 8)
	// Samples 0, 2, 4, 6's pairs (x_k, y_k) in ev's 128-bit groups, 1, 3, 5, 7's in od's; each
	// moves to slots 0 and 1 with −0 in the rest.
	ev, od, nz := x.SelectFromPairGrouped(0, 2, y), x.SelectFromPairGrouped(1, 3, y), negZero()
	k0, k1 := archsimd.LoadUint64x8(&tpK[0]), archsimd.LoadUint64x8(&tpK[1])
	acc := ld(pacc, 0)
	acc = acc.Add(t0).Add(ev.ConcatPermute(nz, k0)).Add(t1).Add(od.ConcatPermute(nz, k0))
	acc = acc.Add(t2).Add(ev.ConcatPermute(nz, k1)).Add(t3).Add(od.ConcatPermute(nz, k1))
	k2, k3 := archsimd.LoadUint64x8(&tpK[2]), archsimd.LoadUint64x8(&tpK[3])
	acc = acc.Add(t4).Add(ev.ConcatPermute(nz, k2)).Add(t5).Add(od.ConcatPermute(nz, k2))
	acc = acc.Add(t6).Add(ev.ConcatPermute(nz, k3)).Add(t7).Add(od.ConcatPermute(nz, k3))
	st(acc, pacc, 0)
}

// padLanes sets the terms of lanes from v on (past the batch) to −0 in group g.
func padLanes(q *seqLanes, g, v int) {
	m := archsimd.Mask64x8FromBits(uint8(0xff << v))
	nz := negZero()
	for s := 0; s < 8; s++ {
		nz.StoreMasked((*[8]float64)(unsafe.Pointer(&q.c1[g*64+s*8])), m)
	}
	for s := 0; s < 2; s++ {
		nz.StoreMasked((*[8]float64)(unsafe.Pointer(&q.c2[g*16+s*8])), m)
	}
}

// negZero is −0 in every lane.
func negZero() f8 { return bc(0).Mul(bc(-1)) }
