//go:build goexperiment.simd && amd64

package toymodel

import (
	"simd/archsimd"
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
