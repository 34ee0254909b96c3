//go:build goexperiment.simd && amd64

package vec

import (
	"simd/archsimd"
	"unsafe"
)

// laneSumsSIMD reduces eight accumulators at a time with three rounds of two-source permutes and
// adds, pairing the lanes as the tree does: l0+l4 … l3+l7, then (l0+l4)+(l2+l6) and
// (l1+l5)+(l3+l7), then their sum.
func laneSumsSIMD(dst, acc []float64) {
	n := len(dst)
	lo4 := archsimd.LoadUint64x8(&[8]uint64{0, 1, 2, 3, 8, 9, 10, 11})
	hi4 := archsimd.LoadUint64x8(&[8]uint64{4, 5, 6, 7, 12, 13, 14, 15})
	lo2 := archsimd.LoadUint64x8(&[8]uint64{0, 1, 4, 5, 8, 9, 12, 13})
	hi2 := archsimd.LoadUint64x8(&[8]uint64{2, 3, 6, 7, 10, 11, 14, 15})
	ev := archsimd.LoadUint64x8(&[8]uint64{0, 2, 4, 6, 8, 10, 12, 14})
	od := archsimd.LoadUint64x8(&[8]uint64{1, 3, 5, 7, 9, 11, 13, 15})
	pa, pd := unsafe.Pointer(unsafe.SliceData(acc)), unsafe.Pointer(unsafe.SliceData(dst))
	k := 0
	for ; k+8 <= n; k += 8 {
		var s1 [4]archsimd.Float64x8
		for q := 0; q < 4; q++ {
			a, b := ld(pa, (k+2*q)*8), ld(pa, (k+2*q+1)*8)
			s1[q] = a.ConcatPermute(b, lo4).Add(a.ConcatPermute(b, hi4))
		}
		s2a := s1[0].ConcatPermute(s1[1], lo2).Add(s1[0].ConcatPermute(s1[1], hi2))
		s2b := s1[2].ConcatPermute(s1[3], lo2).Add(s1[2].ConcatPermute(s1[3], hi2))
		st(s2a.ConcatPermute(s2b, ev).Add(s2a.ConcatPermute(s2b, od)), pd, k)
	}
	archsimd.ClearAVXUpperBits() // scalar code follows: see ClearUpper
	if k < n {
		laneSumsGo(dst[k:], acc[8*k:])
	}
}
