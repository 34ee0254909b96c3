//go:build goexperiment.simd && amd64

package vec

import (
	"simd/archsimd"
	"unsafe"
)

// The index vectors of an 8×8 transpose in three rounds of two-vector permutes: pairs of rows
// (A), pairs of pairs (B), then halves (C); and tpK[k], which puts lane k of two vectors in
// slots 0 and 1.
var (
	tpA0 = [8]uint64{0, 8, 2, 10, 4, 12, 6, 14}
	tpA1 = [8]uint64{1, 9, 3, 11, 5, 13, 7, 15}
	tpB0 = [8]uint64{0, 1, 8, 9, 4, 5, 12, 13}
	tpB1 = [8]uint64{2, 3, 10, 11, 6, 7, 14, 15}
	tpC0 = [8]uint64{0, 1, 2, 3, 8, 9, 10, 11}
	tpC1 = [8]uint64{4, 5, 6, 7, 12, 13, 14, 15}
	tpK  = [8][8]uint64{{0, 8}, {1, 9}, {2, 10}, {3, 11}, {4, 12}, {5, 13}, {6, 14}, {7, 15}}
)

// transpose8 returns the block p [8 slots][8 lanes] as one vector per lane (sample).
func transpose8(p unsafe.Pointer) (t0, t1, t2, t3, t4, t5, t6, t7 f8) {
	a0, a1 := archsimd.LoadUint64x8(&tpA0), archsimd.LoadUint64x8(&tpA1)
	b0, b1 := archsimd.LoadUint64x8(&tpB0), archsimd.LoadUint64x8(&tpB1)
	c0, c1 := archsimd.LoadUint64x8(&tpC0), archsimd.LoadUint64x8(&tpC1)
	r0, r1 := ld(p, 0).ConcatPermute(ld(p, 8), a0), ld(p, 0).ConcatPermute(ld(p, 8), a1)
	r2, r3 := ld(p, 16).ConcatPermute(ld(p, 24), a0), ld(p, 16).ConcatPermute(ld(p, 24), a1)
	r4, r5 := ld(p, 32).ConcatPermute(ld(p, 40), a0), ld(p, 32).ConcatPermute(ld(p, 40), a1)
	r6, r7 := ld(p, 48).ConcatPermute(ld(p, 56), a0), ld(p, 48).ConcatPermute(ld(p, 56), a1)
	s0, s2 := r0.ConcatPermute(r2, b0), r0.ConcatPermute(r2, b1)
	s1, s3 := r1.ConcatPermute(r3, b0), r1.ConcatPermute(r3, b1)
	s4, s6 := r4.ConcatPermute(r6, b0), r4.ConcatPermute(r6, b1)
	s5, s7 := r5.ConcatPermute(r7, b0), r5.ConcatPermute(r7, b1)
	return s0.ConcatPermute(s4, c0), s1.ConcatPermute(s5, c0), s2.ConcatPermute(s6, c0), s3.ConcatPermute(s7, c0),
		s0.ConcatPermute(s4, c1), s1.ConcatPermute(s5, c1), s2.ConcatPermute(s6, c1), s3.ConcatPermute(s7, c1)
}

// seqAdd adds group g's terms of the block to its accumulators, sample 0, 1, …, 7 in turn.
func seqAdd(q *seqLanes, g int) {
	pacc := unsafe.Pointer(&q.acc[g*8])
	t0, t1, t2, t3, t4, t5, t6, t7 := transpose8(unsafe.Pointer(&q.c1[g*64]))
	st(ld(pacc, 0).Add(t0).Add(t1).Add(t2).Add(t3).Add(t4).Add(t5).Add(t6).Add(t7), pacc, 0)
}

// seqAdd2 is seqAdd with second terms in slots 0 and 1 (c2): each sample's right after its
// first terms (the other slots' second terms are −0).
func seqAdd2(q *seqLanes, g int) {
	pacc := unsafe.Pointer(&q.acc[g*8])
	t0, t1, t2, t3, t4, t5, t6, t7 := transpose8(unsafe.Pointer(&q.c1[g*64]))
	p2 := unsafe.Pointer(&q.c2[g*16])
	x, y := ld(p2, 0), ld(p2, 8)
	nz, keep := negZero(), archsimd.Mask64x8FromBits(0b11)
	second := func(k int) f8 { return x.ConcatPermute(y, archsimd.LoadUint64x8(&tpK[k])).Merge(nz, keep) }
	acc := ld(pacc, 0)
	acc = acc.Add(t0).Add(second(0)).Add(t1).Add(second(1)).Add(t2).Add(second(2)).Add(t3).Add(second(3))
	acc = acc.Add(t4).Add(second(4)).Add(t5).Add(second(5)).Add(t6).Add(second(6)).Add(t7).Add(second(7))
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
