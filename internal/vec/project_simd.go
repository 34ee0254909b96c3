//go:build goexperiment.simd && amd64

package vec

import (
	"math/bits"
	"simd/archsimd"
	"slices"
	"unsafe"
)

// projectD2SIMD is projectD2Go (the same bits) eight entries at a time: each entry's sample
// b = ⌊pos/F⌋ and feature f, its two products P[d][f]·v, and whether it starts a new sample
// (b differs from the previous entry's). The first entries of samples are written packed
// (compressed) as 0 + P·v, which is projectD2Go's sum into a cleared h; the rare later entries
// of a sample are then added one by one in entry order. h needs no clearing: its padding
// (from the last sample to stride) is zeroed here. Vectors are loaded and stored with masks,
// so pos, vals and h must have room (capacity) for 8 elements past their lengths (ProjectD2
// checks it): a vector must not straddle the end of its allocation. F ≤ 8 (P's rows fit a
// vector) and positions below 2³¹ (their quotient by F is exact in float64).
func projectD2SIMD(pos []int, vals []float64, F int, P, h []float64, stride int, sample []int32) []int32 {
	n := len(pos)
	sample = slices.Grow(sample[:0], n+8)[:n]
	if n == 0 {
		clear(h[:2*stride])
		return sample[:0]
	}
	_, _, _ = P[2*F-1], h[2*stride-1], vals[n-1]
	pp, pv := unsafe.Pointer(unsafe.SliceData(pos)), unsafe.Pointer(unsafe.SliceData(vals))
	ph0, ph1 := unsafe.Pointer(unsafe.SliceData(h)), unsafe.Pointer(unsafe.SliceData(h[stride:]))
	ps := unsafe.Pointer(unsafe.SliceData(sample))
	var p0, p1 [8]float64 // P's rows, padded to a vector
	copy(p0[:], P[:F])
	copy(p1[:], P[F:2*F])
	w0s, w1s := archsimd.LoadFloat64x8(&p0), archsimd.LoadFloat64x8(&p1)
	fF, iF, zero := bc(float64(F)), archsimd.BroadcastInt64x8(int64(F)), bc(0)
	shift := archsimd.LoadUint64x8(&[8]uint64{7, 8, 9, 10, 11, 12, 13, 14}) // [prev[7], b[0..6]]
	prev := archsimd.BroadcastInt64x8(-1)
	var r0, r1 [8]float64
	k := -1 // the current sample's index in h and sample
	for e := 0; e < n; e += 8 {
		valid := archsimd.Mask64x8FromBits(uint8(1<<min(8, n-e) - 1))
		p := archsimd.LoadMaskedInt64x8((*[8]int64)(unsafe.Add(pp, e*8)), valid)
		v := archsimd.LoadMaskedFloat64x8((*[8]float64)(unsafe.Add(pv, e*8)), valid)
		b := p.ConvertToFloat64().Div(fF).FloorScaled(0).ConvertToInt64()
		f := p.Sub(b.Mul(iF)).AsUint64x8()
		q0, q1 := w0s.Permute(f).Mul(v), w1s.Permute(f).Mul(v)
		newBits := b.NotEqual(prev.ConcatPermute(b, shift)).And(valid).ToBits()
		if cnt := bits.OnesCount8(newBits); cnt > 0 {
			isNew := archsimd.Mask64x8FromBits(newBits)
			first := archsimd.Mask64x8FromBits(uint8(1<<cnt - 1))
			zero.Add(q0).Compress(isNew).StoreMasked((*[8]float64)(unsafe.Add(ph0, (k+1)*8)), first)
			zero.Add(q1).Compress(isNew).StoreMasked((*[8]float64)(unsafe.Add(ph1, (k+1)*8)), first)
			b.Compress(isNew).TruncateToInt32().StoreMasked((*[8]int32)(unsafe.Add(ps, (k+1)*4)), archsimd.Mask32x8FromBits(uint8(1<<cnt-1)))
		}
		if more := uint8(1<<min(8, n-e)-1) &^ newBits; more != 0 { // later entries of a sample
			q0.Store(&r0)
			q1.Store(&r1)
			for ; more != 0; more &= more - 1 {
				l := bits.TrailingZeros8(more)
				kk := k + bits.OnesCount8(newBits&uint8(1<<l-1)) // l is not new: its sample is the last new one before it
				*(*float64)(unsafe.Add(ph0, kk*8)) += r0[l]
				*(*float64)(unsafe.Add(ph1, kk*8)) += r1[l]
			}
		}
		k += bits.OnesCount8(newBits)
		prev = b
	}
	archsimd.ClearAVXUpperBits() // scalar code follows: see ClearUpper
	clear(h[k+1 : stride])
	clear(h[stride+k+1 : 2*stride])
	return sample[:k+1]
}
