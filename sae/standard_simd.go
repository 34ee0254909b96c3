//go:build goexperiment.simd && amd64

package sae

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
func at(p unsafe.Pointer, k int) float64 {
	return *(*float64)(unsafe.Add(p, k*8))
}

// lanesKernelSIMD is lanesKernel with one archsimd vector per 8 lanes: per block, per lane,
// standardSample's arithmetic in its order, with padding lanes masked out.
func (s *SAE) lanesKernelSIMD(i int, ln *saeLanes, w *work, x []float64, stride, n int, scale float64) {
	D, S := s.Cfg.DIn, s.Cfg.DSAE
	if D == 2 {
		s.lanesKernelSIMD2(i, ln, w, x, stride, n, scale)
		return
	}
	enc := s.WEnc[i*D*S : (i+1)*D*S]
	bEnc, bDec := s.BEnc[i*S:(i+1)*S], s.BDec[i*D:(i+1)*D]
	wn := w.wn[:S*D]
	_, _, _ = enc[D*S-1], bEnc[S-1], bDec[D-1]
	_ = ln.acc[(ln.aN+S)*lanes-1]
	_ = ln.v[(3*D+2*S)*lanes-1]
	_ = x[D*stride-1]
	pe, pwn, pbe, pbd := unsafe.Pointer(unsafe.SliceData(enc)), unsafe.Pointer(unsafe.SliceData(wn)), unsafe.Pointer(unsafe.SliceData(bEnc)), unsafe.Pointer(unsafe.SliceData(bDec))
	pacc, pv, px := unsafe.Pointer(unsafe.SliceData(ln.acc)), unsafe.Pointer(unsafe.SliceData(ln.v)), unsafe.Pointer(unsafe.SliceData(x))
	// scratch vectors: hc [D] at 0, dh [D] at D, dhc [D] at 2D, pre [S] at 3D, a [S] at 3D+S
	vHC, vDH, vDHC, vPre, vA := 0, D, 2*D, 3*D, 3*D+S
	aWn, aBEnc, aBDec, aSum, aN := ln.aWn, ln.aBEnc, ln.aBDec, ln.aSum, ln.aN
	zero, one, tiny := bc8(0), bc8(1), bc8(1e-8)
	lambda := bc8(s.Cfg.SparsityCoeff)
	l1 := bc8(scale * s.Cfg.SparsityCoeff)
	s2 := bc8(scale * 2)
	fD := bc8(float64(D))
	for blk := 0; blk < n; blk += lanes {
		vbits := uint8(1<<min(lanes, n-blk) - 1)
		valid, invalid := archsimd.Mask64x8FromBits(vbits), archsimd.Mask64x8FromBits(^vbits)
		for d := 0; d < D; d++ {
			st8(ld8(px, d*stride+blk).Sub(bc8(at(pbd, d))), pv, (vHC+d)*lanes)
		}
		for j := 0; j < S; j++ {
			p := bc8(at(pbe, j))
			for d := 0; d < D; d++ {
				p = p.Add(ld8(pv, (vHC+d)*lanes).Mul(bc8(at(pe, d*S+j))))
			}
			st8(p, pv, (vPre+j)*lanes)
		}
		var lsp f8 = zero
		for d := 0; d < D; d++ {
			st8(bc8(at(pbd, d)), pv, (vDHC+d)*lanes) // hrec, reusing dhc's slots
		}
		for j := 0; j < S; j++ {
			p := ld8(pv, (vPre+j)*lanes)
			inactive := p.LessEqual(zero).Or(invalid)
			a := zero.Merge(p, inactive) // max(pre, 0) (NaN kept), 0 in padding lanes
			st8(a, pv, (vA+j)*lanes)
			pos := a.Masked(p.Greater(zero)) // the activations L_sparsity and h_rec use
			lsp = lsp.Add(pos)
			for d := 0; d < D; d++ {
				st8(ld8(pv, (vDHC+d)*lanes).Add(pos.Mul(bc8(at(pwn, j*D+d)))), pv, (vDHC+d)*lanes)
			}
		}
		var lrec f8 = zero
		for d := 0; d < D; d++ {
			e := ld8(pv, (vDHC+d)*lanes).Sub(ld8(px, d*stride+blk))
			lrec = lrec.Add(e.Mul(e))
			dh := s2.Mul(e).Div(fD).Masked(valid)
			st8(dh, pv, (vDH+d)*lanes)
			st8(ld8(pacc, (aBDec+d)*lanes).Add(dh), pacc, (aBDec+d)*lanes)
			st8(zero, pv, (vDHC+d)*lanes)
		}
		lrec = lrec.Div(fD).Masked(valid)
		st8(ld8(pacc, aSum*lanes).Add(lrec.Add(lambda.Mul(lsp))), pacc, aSum*lanes)
		st8(ld8(pacc, (aSum+1)*lanes).Add(lrec), pacc, (aSum+1)*lanes)
		st8(ld8(pacc, (aSum+2)*lanes).Add(lsp), pacc, (aSum+2)*lanes)
		for j := 0; j < S; j++ {
			p := ld8(pv, (vPre+j)*lanes)
			a := ld8(pv, (vA+j)*lanes)
			inactive := p.LessEqual(zero).Or(invalid)
			da := l1
			for d := 0; d < D; d++ {
				dh := ld8(pv, (vDH+d)*lanes)
				da = da.Add(dh.Mul(bc8(at(pwn, j*D+d))))
				k := (aWn + j*D + d) * lanes
				st8(ld8(pacc, k).Add(a.Mul(dh)), pacc, k)
			}
			da = zero.Merge(da, inactive)
			st8(ld8(pacc, (aBEnc+j)*lanes).Add(da), pacc, (aBEnc+j)*lanes)
			for d := 0; d < D; d++ {
				k := (d*S + j) * lanes
				st8(ld8(pacc, k).Add(ld8(pv, (vHC+d)*lanes).Mul(da)), pacc, k)
				st8(ld8(pv, (vDHC+d)*lanes).Add(bc8(at(pe, d*S+j)).Mul(da)), pv, (vDHC+d)*lanes)
			}
			st8(ld8(pacc, (aN+j)*lanes).Add(one.Masked(a.Greater(tiny))), pacc, (aN+j)*lanes)
		}
		for d := 0; d < D; d++ {
			st8(ld8(pacc, (aBDec+d)*lanes).Sub(ld8(pv, (vDHC+d)*lanes)), pacc, (aBDec+d)*lanes)
		}
	}
	archsimd.ClearAVXUpperBits() // scalar code follows: see vec.ClearUpper
}

// lanesKernelSIMD2 is lanesKernelSIMD for d_in = 2 (the seed's SAE), with the per-sample
// vectors of the input dimension in registers.
func (s *SAE) lanesKernelSIMD2(i int, ln *saeLanes, w *work, x []float64, stride, n int, scale float64) {
	const D = 2
	S := s.Cfg.DSAE
	enc := s.WEnc[i*D*S : (i+1)*D*S]
	bEnc, bDec := s.BEnc[i*S:(i+1)*S], s.BDec[i*D:(i+1)*D]
	wn := w.wn[:S*D]
	_, _, _ = enc[D*S-1], bEnc[S-1], bDec[D-1]
	_ = ln.acc[(ln.aN+S)*lanes-1]
	_ = ln.v[(3*D+2*S)*lanes-1]
	_ = x[D*stride-1]
	pe0, pe1 := unsafe.Pointer(unsafe.SliceData(enc)), unsafe.Pointer(unsafe.SliceData(enc[S:]))
	pwn, pbe := unsafe.Pointer(unsafe.SliceData(wn)), unsafe.Pointer(unsafe.SliceData(bEnc))
	pacc, pv := unsafe.Pointer(unsafe.SliceData(ln.acc)), unsafe.Pointer(unsafe.SliceData(ln.v))
	px0, px1 := unsafe.Pointer(unsafe.SliceData(x)), unsafe.Pointer(unsafe.SliceData(x[stride:]))
	pWEnc0, pWEnc1 := pacc, unsafe.Add(pacc, S*lanes*8) // gWEnc rows d = 0, 1
	pWn := unsafe.Add(pacc, ln.aWn*lanes*8)
	pBEnc := unsafe.Add(pacc, ln.aBEnc*lanes*8)
	pBDec := unsafe.Add(pacc, ln.aBDec*lanes*8)
	pSum := unsafe.Add(pacc, ln.aSum*lanes*8)
	pN := unsafe.Add(pacc, ln.aN*lanes*8)
	pPre, pA := pv, unsafe.Add(pv, S*lanes*8)
	zero, one, tiny := bc8(0), bc8(1), bc8(1e-8)
	lambda := bc8(s.Cfg.SparsityCoeff)
	l1 := bc8(scale * s.Cfg.SparsityCoeff)
	s2 := bc8(scale * 2)
	fD := bc8(D)
	bd0, bd1 := bc8(bDec[0]), bc8(bDec[1])
	for blk := 0; blk < n; blk += lanes {
		vbits := uint8(1<<min(lanes, n-blk) - 1)
		valid, invalid := archsimd.Mask64x8FromBits(vbits), archsimd.Mask64x8FromBits(^vbits)
		x0, x1 := ld8(px0, blk), ld8(px1, blk)
		hc0, hc1 := x0.Sub(bd0), x1.Sub(bd1)
		lsp, hr0, hr1 := zero, bd0, bd1
		for j := 0; j < S; j++ {
			p := bc8(at(pbe, j)).Add(hc0.Mul(bc8(at(pe0, j)))).Add(hc1.Mul(bc8(at(pe1, j))))
			a := zero.Merge(p, p.LessEqual(zero).Or(invalid)) // max(pre, 0) (NaN kept), 0 in padding lanes
			st8(p, pPre, j*lanes)
			st8(a, pA, j*lanes)
			pos := a.Masked(p.Greater(zero)) // the activations L_sparsity and h_rec use
			lsp = lsp.Add(pos)
			hr0 = hr0.Add(pos.Mul(bc8(at(pwn, 2*j))))
			hr1 = hr1.Add(pos.Mul(bc8(at(pwn, 2*j+1))))
		}
		e0, e1 := hr0.Sub(x0), hr1.Sub(x1)
		lrec := zero.Add(e0.Mul(e0)).Add(e1.Mul(e1)).Div(fD).Masked(valid)
		dh0, dh1 := s2.Mul(e0).Div(fD).Masked(valid), s2.Mul(e1).Div(fD).Masked(valid)
		st8(ld8(pSum, 0).Add(lrec.Add(lambda.Mul(lsp))), pSum, 0)
		st8(ld8(pSum, lanes).Add(lrec), pSum, lanes)
		st8(ld8(pSum, 2*lanes).Add(lsp), pSum, 2*lanes)
		gb0, gb1 := ld8(pBDec, 0).Add(dh0), ld8(pBDec, lanes).Add(dh1)
		dhc0, dhc1 := zero, zero
		for j := 0; j < S; j++ {
			p, a := ld8(pPre, j*lanes), ld8(pA, j*lanes)
			w0, w1 := bc8(at(pwn, 2*j)), bc8(at(pwn, 2*j+1))
			da := l1.Add(dh0.Mul(w0)).Add(dh1.Mul(w1))
			k := 2 * j * lanes
			st8(ld8(pWn, k).Add(a.Mul(dh0)), pWn, k)
			st8(ld8(pWn, k+lanes).Add(a.Mul(dh1)), pWn, k+lanes)
			da = zero.Merge(da, p.LessEqual(zero).Or(invalid))
			st8(ld8(pBEnc, j*lanes).Add(da), pBEnc, j*lanes)
			st8(ld8(pWEnc0, j*lanes).Add(hc0.Mul(da)), pWEnc0, j*lanes)
			st8(ld8(pWEnc1, j*lanes).Add(hc1.Mul(da)), pWEnc1, j*lanes)
			dhc0 = dhc0.Add(bc8(at(pe0, j)).Mul(da))
			dhc1 = dhc1.Add(bc8(at(pe1, j)).Mul(da))
			st8(ld8(pN, j*lanes).Add(one.Masked(a.Greater(tiny))), pN, j*lanes)
		}
		st8(gb0.Sub(dhc0), pBDec, 0)
		st8(gb1.Sub(dhc1), pBDec, lanes)
	}
	archsimd.ClearAVXUpperBits() // scalar code follows: see vec.ClearUpper
}
