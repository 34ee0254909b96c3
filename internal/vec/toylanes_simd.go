//go:build goexperiment.simd && amd64

package vec

import (
	"simd/archsimd"
	"unsafe"
)

// toyLanesSIMD is toyLanesGo with one archsimd vector per 8 lanes: per block, per lane, the
// same arithmetic in the same order, with padding lanes masked out of the loss.
func toyLanesSIMD(ls *ToyLanes, W, bias, imp []float64, norm float64, x []float64, stride, n int, wantLoss bool) {
	H, F := ls.H, ls.F
	const lanes = 8
	_ = x[F*stride-1]
	_ = ls.Acc[(H*F+F+1)*lanes-1]
	_, _ = ls.h[H*lanes-1], ls.dh[H*lanes-1]
	pw := unsafe.Pointer(unsafe.SliceData(W))
	pacc, ph, pdh := unsafe.Pointer(unsafe.SliceData(ls.Acc)), unsafe.Pointer(unsafe.SliceData(ls.h)), unsafe.Pointer(unsafe.SliceData(ls.dh))
	px := unsafe.Pointer(unsafe.SliceData(x))
	gBAt, lossAt := H*F, H*F+F
	zero := bc(0)
	vnorm := bc(norm)
	for blk := 0; blk < n; blk += lanes {
		valid := archsimd.Mask64x8FromBits(uint8(1<<min(lanes, n-blk) - 1))
		for hh := 0; hh < H; hh++ {
			st(zero, ph, hh*lanes)
			st(zero, pdh, hh*lanes)
		}
		for f := 0; f < F; f++ {
			xf := ld(px, f*stride+blk)
			for hh := 0; hh < H; hh++ {
				w := bc(*(*float64)(unsafe.Add(pw, (hh*F+f)*8)))
				st(ld(ph, hh*lanes).Add(w.Mul(xf)), ph, hh*lanes)
			}
		}
		for f := 0; f < F; f++ {
			xf := ld(px, f*stride+blk)
			pre := bc(bias[f])
			for hh := 0; hh < H; hh++ {
				w := bc(*(*float64)(unsafe.Add(pw, (hh*F+f)*8)))
				pre = pre.Add(w.Mul(ld(ph, hh*lanes)))
			}
			out := zero.Merge(pre, pre.LessEqual(zero)) // max(pre, 0), NaN kept
			d := out.Sub(xf).Masked(valid)
			g := bc(2 * imp[f]).Mul(d).Mul(vnorm).Masked(pre.Greater(zero))
			if wantLoss {
				st(ld(pacc, lossAt*lanes).Add(bc(imp[f]).Mul(d).Mul(d)), pacc, lossAt*lanes)
			}
			for hh := 0; hh < H; hh++ {
				a := (hh*F + f) * lanes
				st(ld(pacc, a).Add(g.Mul(ld(ph, hh*lanes))), pacc, a)
				w := bc(*(*float64)(unsafe.Add(pw, (hh*F+f)*8)))
				st(ld(pdh, hh*lanes).Add(w.Mul(g)), pdh, hh*lanes)
			}
			a := (gBAt + f) * lanes
			st(ld(pacc, a).Add(g), pacc, a)
		}
		for f := 0; f < F; f++ {
			xf := ld(px, f*stride+blk)
			for hh := 0; hh < H; hh++ {
				a := (hh*F + f) * lanes
				st(ld(pacc, a).Add(ld(pdh, hh*lanes).Mul(xf)), pacc, a)
			}
		}
	}
	archsimd.ClearAVXUpperBits() // scalar code follows: see ClearUpper
}

// toyLanes2SIMD is toyLanesSIMD for d_hidden = 2 (the seed's toy model), with h and W·δ in
// registers.
func toyLanes2SIMD(ls *ToyLanes, W, bias, imp []float64, norm float64, x []float64, stride, n int, wantLoss bool) {
	const H, lanes = 2, 8
	F := ls.F
	_ = x[F*stride-1]
	_ = ls.Acc[(H*F+F+1)*lanes-1]
	pw0, pw1 := unsafe.Pointer(unsafe.SliceData(W)), unsafe.Pointer(unsafe.SliceData(W[F:]))
	pb, pi := unsafe.Pointer(unsafe.SliceData(bias)), unsafe.Pointer(unsafe.SliceData(imp))
	pacc := unsafe.Pointer(unsafe.SliceData(ls.Acc))
	pa0, pa1, paB := pacc, unsafe.Add(pacc, F*lanes*8), unsafe.Add(pacc, 2*F*lanes*8)
	paL := unsafe.Add(pacc, (H*F+F)*lanes*8)
	px := unsafe.Pointer(unsafe.SliceData(x))
	zero, vnorm := bc(0), bc(norm)
	for blk := 0; blk < n; blk += lanes {
		valid := archsimd.Mask64x8FromBits(uint8(1<<min(lanes, n-blk) - 1))
		h0, h1 := zero, zero
		for f := 0; f < F; f++ {
			xf := ld(px, f*stride+blk)
			h0 = h0.Add(bc(at(pw0, f)).Mul(xf))
			h1 = h1.Add(bc(at(pw1, f)).Mul(xf))
		}
		dh0, dh1 := zero, zero
		for f := 0; f < F; f++ {
			xf := ld(px, f*stride+blk)
			w0, w1 := bc(at(pw0, f)), bc(at(pw1, f))
			pre := bc(at(pb, f)).Add(w0.Mul(h0)).Add(w1.Mul(h1))
			out := zero.Merge(pre, pre.LessEqual(zero)) // max(pre, 0), NaN kept
			d := out.Sub(xf).Masked(valid)
			im := at(pi, f)
			g := bc(2 * im).Mul(d).Mul(vnorm).Masked(pre.Greater(zero))
			if wantLoss {
				st(ld(paL, 0).Add(bc(im).Mul(d).Mul(d)), paL, 0)
			}
			a := f * lanes
			st(ld(pa0, a).Add(g.Mul(h0)), pa0, a)
			st(ld(pa1, a).Add(g.Mul(h1)), pa1, a)
			dh0 = dh0.Add(w0.Mul(g))
			dh1 = dh1.Add(w1.Mul(g))
			st(ld(paB, a).Add(g), paB, a)
		}
		for f := 0; f < F; f++ {
			xf := ld(px, f*stride+blk)
			a := f * lanes
			st(ld(pa0, a).Add(dh0.Mul(xf)), pa0, a)
			st(ld(pa1, a).Add(dh1.Mul(xf)), pa1, a)
		}
	}
	archsimd.ClearAVXUpperBits() // scalar code follows: see ClearUpper
}
