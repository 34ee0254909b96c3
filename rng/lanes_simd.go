//go:build goexperiment.simd && amd64

package rng

import "simd/archsimd"

// FastLanes reports whether Lanes.FillFloat64 runs a SIMD kernel, which makes drawing in
// lanes worth its bookkeeping: on a machine with AVX-512, as for internal/vec's kernels (rng
// cannot import internal/vec, whose tests draw from rng). Tests set it false to run the plain
// twin in this build; nothing else writes it.
var FastLanes = archsimd.X86.AVX512()

func fillLanes(ls *Lanes, dst []float64) {
	if FastLanes {
		fillLanesSIMD(ls, dst)
		return
	}
	fillLanesGo(ls, dst)
}

// fillLanesSIMD is Stream.NextFloat64 on eight lanes at once: xoshiro256++'s output
// rotl(s0+s3, 23)+s0 and state update, then the top 53 bits scaled by 2⁻⁵³ (exact in float64).
func fillLanesSIMD(ls *Lanes, dst []float64) {
	s0, s1 := archsimd.LoadUint64x8(&ls.s0), archsimd.LoadUint64x8(&ls.s1)
	s2, s3 := archsimd.LoadUint64x8(&ls.s2), archsimd.LoadUint64x8(&ls.s3)
	scale := archsimd.BroadcastFloat64x8(0x1p-53)
	for t := 0; t+8 <= len(dst); t += 8 {
		r := s0.Add(s3).RotateAllLeft(23).Add(s0)
		u := s1.ShiftAllLeft(17)
		s2 = s2.Xor(s0)
		s3 = s3.Xor(s1)
		s1 = s1.Xor(s2)
		s0 = s0.Xor(s3)
		s2 = s2.Xor(u)
		s3 = s3.RotateAllLeft(45)
		r.ShiftAllRight(11).ConvertToFloat64().Mul(scale).Store((*[8]float64)(dst[t : t+8]))
	}
	s0.Store(&ls.s0)
	s1.Store(&ls.s1)
	s2.Store(&ls.s2)
	s3.Store(&ls.s3)
	archsimd.ClearAVXUpperBits() // scalar code follows: see internal/vec's ClearUpper
}
