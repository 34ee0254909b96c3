//go:build goexperiment.simd && amd64

package toymodel

import (
	"math/bits"
	"simd/archsimd"
	"slices"
	"unsafe"

	"saelab/internal/vec"
)

// laneSIMD selects the archsimd lane kernel (AVX-512 present at run time).
var laneSIMD = vec.SIMD

type f8 = archsimd.Float64x8

func ld8(p unsafe.Pointer, k int) f8 {
	return archsimd.LoadFloat64x8((*[8]float64)(unsafe.Add(p, k*8)))
}
func st8(v f8, p unsafe.Pointer, k int) { v.Store((*[8]float64)(unsafe.Add(p, k*8))) }
func bc8(x float64) f8                  { return archsimd.BroadcastFloat64x8(x) }

// lanesKernelSIMD is lanesKernel with one archsimd vector per 8 lanes.
func lanesKernelSIMD(W, bias, imp []float64, norm float64, lb *laneBatch, ls *laneScratch, H, F int, wantLoss bool) {
	if lb.n == 0 {
		return
	}
	if H == 2 {
		lanesKernelSIMD2(W, bias, imp, norm, lb, ls, F, wantLoss)
		return
	}
	_, _, _ = W[H*F-1], bias[F-1], imp[F-1]
	_ = lb.x[F*lb.stride-1]
	_ = ls.acc[(H*F+F+1)*lanes-1]
	_, _ = ls.h[H*lanes-1], ls.dh[H*lanes-1]
	pw := unsafe.Pointer(unsafe.SliceData(W))
	pacc, ph, pdh := unsafe.Pointer(unsafe.SliceData(ls.acc)), unsafe.Pointer(unsafe.SliceData(ls.h)), unsafe.Pointer(unsafe.SliceData(ls.dh))
	px := unsafe.Pointer(unsafe.SliceData(lb.x))
	stride := lb.stride
	gBAt, lossAt := H*F, ls.lossAt
	zero := bc8(0)
	vnorm := bc8(norm)
	for blk := 0; blk < lb.n; blk += lanes {
		valid := archsimd.Mask64x8FromBits(uint8(1<<min(lanes, lb.n-blk) - 1))
		for hh := 0; hh < H; hh++ {
			st8(zero, ph, hh*lanes)
			st8(zero, pdh, hh*lanes)
		}
		for f := 0; f < F; f++ {
			xf := ld8(px, f*stride+blk)
			for hh := 0; hh < H; hh++ {
				w := bc8(*(*float64)(unsafe.Add(pw, (hh*F+f)*8)))
				st8(ld8(ph, hh*lanes).Add(w.Mul(xf)), ph, hh*lanes)
			}
		}
		for f := 0; f < F; f++ {
			xf := ld8(px, f*stride+blk)
			pre := bc8(bias[f])
			for hh := 0; hh < H; hh++ {
				w := bc8(*(*float64)(unsafe.Add(pw, (hh*F+f)*8)))
				pre = pre.Add(w.Mul(ld8(ph, hh*lanes)))
			}
			out := zero.Merge(pre, pre.LessEqual(zero)) // max(pre, 0), NaN kept
			d := out.Sub(xf).Masked(valid)
			g := bc8(2 * imp[f]).Mul(d).Mul(vnorm).Masked(pre.Greater(zero))
			if wantLoss {
				st8(ld8(pacc, lossAt*lanes).Add(bc8(imp[f]).Mul(d).Mul(d)), pacc, lossAt*lanes)
			}
			for hh := 0; hh < H; hh++ {
				a := (hh*F + f) * lanes
				st8(ld8(pacc, a).Add(g.Mul(ld8(ph, hh*lanes))), pacc, a)
				w := bc8(*(*float64)(unsafe.Add(pw, (hh*F+f)*8)))
				st8(ld8(pdh, hh*lanes).Add(w.Mul(g)), pdh, hh*lanes)
			}
			a := (gBAt + f) * lanes
			st8(ld8(pacc, a).Add(g), pacc, a)
		}
		for f := 0; f < F; f++ {
			xf := ld8(px, f*stride+blk)
			for hh := 0; hh < H; hh++ {
				a := (hh*F + f) * lanes
				st8(ld8(pacc, a).Add(ld8(pdh, hh*lanes).Mul(xf)), pacc, a)
			}
		}
	}
	archsimd.ClearAVXUpperBits() // scalar code follows: see vec.ClearUpper
}

// lanesKernelSIMD2 is lanesKernelSIMD for d_hidden = 2 (the seed's toy model), with h and W·δ
// in registers.
func lanesKernelSIMD2(W, bias, imp []float64, norm float64, lb *laneBatch, ls *laneScratch, F int, wantLoss bool) {
	const H = 2
	_, _, _ = W[H*F-1], bias[F-1], imp[F-1]
	_ = lb.x[F*lb.stride-1]
	_ = ls.acc[(H*F+F+1)*lanes-1]
	pw0, pw1 := unsafe.Pointer(unsafe.SliceData(W)), unsafe.Pointer(unsafe.SliceData(W[F:]))
	pb, pi := unsafe.Pointer(unsafe.SliceData(bias)), unsafe.Pointer(unsafe.SliceData(imp))
	pacc := unsafe.Pointer(unsafe.SliceData(ls.acc))
	pa0, pa1, paB := pacc, unsafe.Add(pacc, F*lanes*8), unsafe.Add(pacc, 2*F*lanes*8)
	paL := unsafe.Add(pacc, ls.lossAt*lanes*8)
	px := unsafe.Pointer(unsafe.SliceData(lb.x))
	stride := lb.stride
	zero, vnorm := bc8(0), bc8(norm)
	at := func(p unsafe.Pointer, k int) float64 { return *(*float64)(unsafe.Add(p, k*8)) }
	for blk := 0; blk < lb.n; blk += lanes {
		valid := archsimd.Mask64x8FromBits(uint8(1<<min(lanes, lb.n-blk) - 1))
		h0, h1 := zero, zero
		for f := 0; f < F; f++ {
			xf := ld8(px, f*stride+blk)
			h0 = h0.Add(bc8(at(pw0, f)).Mul(xf))
			h1 = h1.Add(bc8(at(pw1, f)).Mul(xf))
		}
		dh0, dh1 := zero, zero
		for f := 0; f < F; f++ {
			xf := ld8(px, f*stride+blk)
			w0, w1 := bc8(at(pw0, f)), bc8(at(pw1, f))
			pre := bc8(at(pb, f)).Add(w0.Mul(h0)).Add(w1.Mul(h1))
			out := zero.Merge(pre, pre.LessEqual(zero)) // max(pre, 0), NaN kept
			d := out.Sub(xf).Masked(valid)
			im := at(pi, f)
			g := bc8(2 * im).Mul(d).Mul(vnorm).Masked(pre.Greater(zero))
			if wantLoss {
				st8(ld8(paL, 0).Add(bc8(im).Mul(d).Mul(d)), paL, 0)
			}
			a := f * lanes
			st8(ld8(pa0, a).Add(g.Mul(h0)), pa0, a)
			st8(ld8(pa1, a).Add(g.Mul(h1)), pa1, a)
			dh0 = dh0.Add(w0.Mul(g))
			dh1 = dh1.Add(w1.Mul(g))
			st8(ld8(paB, a).Add(g), paB, a)
		}
		for f := 0; f < F; f++ {
			xf := ld8(px, f*stride+blk)
			a := f * lanes
			st8(ld8(pa0, a).Add(dh0.Mul(xf)), pa0, a)
			st8(ld8(pa1, a).Add(dh1.Mul(xf)), pa1, a)
		}
	}
	archsimd.ClearAVXUpperBits() // scalar code follows: see vec.ClearUpper
}

// projectSIMD reports whether projectD2SIMD applies: F ≤ 8 (the projection's rows fit a
// vector) and positions below 2³¹ (their quotient by F is then exact in float64).
func projectSIMD(F, total int) bool { return laneSIMD && F <= 8 && total < 1<<31 }

// projectD2SIMD is projectD2 (the same bits) eight entries at a time: each entry's sample
// b = ⌊pos/F⌋ and feature f, its two products P[d][f]·v, and whether it starts a new sample
// (b differs from the previous entry's). The first entries of samples are written packed
// (compressed) as 0 + P·v, which is projectD2's sum into a cleared h; the rare later entries
// of a sample are then added one by one in entry order. h needs no clearing: its padding
// (from the last sample to stride) is zeroed here. Vectors are loaded and stored with masks,
// so pos, vals and h must have room (capacity) for 8 elements past their lengths: a vector
// must not straddle the end of its allocation.
func projectD2SIMD(pos []int, vals []float64, F int, P, h []float64, stride int, sample []int32) []int32 {
	n := len(pos)
	if cap(pos)-n < 8 || cap(vals)-n < 8 || cap(h)-2*stride < 8 {
		panic("toymodel: projectD2SIMD needs 8 elements of room past pos, vals and h")
	}
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
	fF, iF, zero := bc8(float64(F)), archsimd.BroadcastInt64x8(int64(F)), bc8(0)
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
	archsimd.ClearAVXUpperBits() // scalar code follows: see vec.ClearUpper
	clear(h[k+1 : stride])
	clear(h[stride+k+1 : 2*stride])
	return sample[:k+1]
}
