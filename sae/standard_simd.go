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

// lanesKernelSIMD2 is lanesKernelSIMD for d_in = 2 (the seed's SAE). It runs the blocks in
// chunks of laneChunk, each in three passes that keep every accumulator in a register:
//
//  1. forward, block by block: pre (zero in padding lanes), the loss sums, and the block's
//     h_cent and ∂/∂h_rec, kept in ln.blk;
//  2. backward, latent by latent, over the chunk's blocks: the latent's gradient
//     accumulators stay in registers, and each block's Σ_j W_enc·da (dhc) grows in ln.blk in
//     latent order; a latent inactive in every lane of the chunk adds only zeros and is
//     skipped, as the plain twin skips it sample by sample;
//  3. b_dec's accumulator, block by block: (acc + dh) − dhc.
//
// Every accumulator lane receives the same terms in the same order as in the plain twin
// (lanesKernel2), so the bits are the same.
func (s *SAE) lanesKernelSIMD2(i int, ln *saeLanes, w *work, x []float64, stride, n int, scale float64) {
	const D = 2
	S := s.Cfg.DSAE
	enc := s.WEnc[i*D*S : (i+1)*D*S]
	bEnc, bDec := s.BEnc[i*S:(i+1)*S], s.BDec[i*D:(i+1)*D]
	wn := w.wn[:S*D]
	_, _, _ = enc[D*S-1], bEnc[S-1], bDec[D-1]
	_ = ln.acc[(ln.aN+S)*lanes-1]
	_ = x[D*stride-1]
	// ln.blk: per latent j, the broadcast vectors b_enc, W_enc[0], W_enc[1], Ŵ[0], Ŵ[1] at
	// 5j; then per block b at 5S + b·per: hc0, hc1, dh0, dh1, dhc0, dhc1, pre [S].
	per := S + 6
	if len(ln.blk) < (5*S+laneChunk*per)*lanes {
		ln.blk = make([]float64, (5*S+laneChunk*per)*lanes)
	}
	pb := unsafe.Pointer(unsafe.SliceData(ln.blk))
	for j := 0; j < S; j++ {
		c := unsafe.Add(pb, 5*j*lanes*8)
		st8(bc8(bEnc[j]), c, 0)
		st8(bc8(enc[j]), c, lanes)
		st8(bc8(enc[S+j]), c, 2*lanes)
		st8(bc8(wn[2*j]), c, 3*lanes)
		st8(bc8(wn[2*j+1]), c, 4*lanes)
	}
	pblk := unsafe.Add(pb, 5*S*lanes*8)
	blkBytes := per * lanes * 8
	pacc := unsafe.Pointer(unsafe.SliceData(ln.acc))
	px0, px1 := unsafe.Pointer(unsafe.SliceData(x)), unsafe.Pointer(unsafe.SliceData(x[stride:]))
	aWn, aBEnc, aBDec, aSum, aN := ln.aWn*lanes, ln.aBEnc*lanes, ln.aBDec*lanes, ln.aSum*lanes, ln.aN*lanes // gWEnc rows at 0 and S·lanes
	zero, one, tiny := bc8(0), bc8(1), bc8(1e-8)
	lambda := bc8(s.Cfg.SparsityCoeff)
	l1 := bc8(scale * s.Cfg.SparsityCoeff)
	s2 := bc8(scale * 2)
	fD := bc8(D)
	bd0, bd1 := bc8(bDec[0]), bc8(bDec[1])
	for c0 := 0; c0 < n; c0 += laneChunk * lanes {
		nb := min(laneChunk, (n-c0+lanes-1)/lanes) // blocks in this chunk
		// Pass 1: forward.
		sum0, sum1, sum2 := ld8(pacc, aSum), ld8(pacc, aSum+lanes), ld8(pacc, aSum+2*lanes)
		var live uint64 // latents active (or NaN) in some lane of the chunk
		for b := 0; b < nb; b++ {
			blk := c0 + b*lanes
			valid := archsimd.Mask64x8FromBits(uint8(1<<min(lanes, n-blk) - 1))
			q := unsafe.Add(pblk, b*blkBytes)
			x0, x1 := ld8(px0, blk), ld8(px1, blk)
			hc0, hc1 := x0.Sub(bd0), x1.Sub(bd1)
			st8(hc0, q, 0)
			st8(hc1, q, lanes)
			lsp, hr0, hr1 := zero, bd0, bd1
			for j := 0; j < S; j++ {
				c := unsafe.Add(pb, 5*j*lanes*8)
				p := ld8(c, 0).Add(hc0.Mul(ld8(c, lanes))).Add(hc1.Mul(ld8(c, 2*lanes))).Masked(valid)
				st8(p, q, (6+j)*lanes)
				if p.LessEqual(zero).ToBits() != 0xff {
					live |= 1 << j
				}
				pos := p.Masked(p.Greater(zero)) // the activations L_sparsity and h_rec use
				lsp = lsp.Add(pos)
				hr0 = hr0.Add(pos.Mul(ld8(c, 3*lanes)))
				hr1 = hr1.Add(pos.Mul(ld8(c, 4*lanes)))
			}
			e0, e1 := hr0.Sub(x0), hr1.Sub(x1)
			lrec := zero.Add(e0.Mul(e0)).Add(e1.Mul(e1)).Div(fD).Masked(valid)
			st8(s2.Mul(e0).Div(fD).Masked(valid), q, 2*lanes)
			st8(s2.Mul(e1).Div(fD).Masked(valid), q, 3*lanes)
			st8(zero, q, 4*lanes)
			st8(zero, q, 5*lanes)
			sum0 = sum0.Add(lrec.Add(lambda.Mul(lsp)))
			sum1 = sum1.Add(lrec)
			sum2 = sum2.Add(lsp)
		}
		st8(sum0, pacc, aSum)
		st8(sum1, pacc, aSum+lanes)
		st8(sum2, pacc, aSum+2*lanes)
		// Pass 2: backward, latent by latent.
		for j := 0; j < S; j++ {
			if live&(1<<j) == 0 {
				continue
			}
			c := unsafe.Add(pb, 5*j*lanes*8)
			e0j, e1j, w0, w1 := ld8(c, lanes), ld8(c, 2*lanes), ld8(c, 3*lanes), ld8(c, 4*lanes)
			kw, ke0, ke1, kb, kn := aWn+2*j*lanes, j*lanes, (S+j)*lanes, aBEnc+j*lanes, aN+j*lanes
			gw0, gw1 := ld8(pacc, kw), ld8(pacc, kw+lanes)
			gbe, ge0, ge1, cnt := ld8(pacc, kb), ld8(pacc, ke0), ld8(pacc, ke1), ld8(pacc, kn)
			pj := (6 + j) * lanes
			for b := 0; b < nb; b++ {
				q := unsafe.Add(pblk, b*blkBytes)
				p := ld8(q, pj)
				dh0, dh1 := ld8(q, 2*lanes), ld8(q, 3*lanes)
				inactive := p.LessEqual(zero) // padding lanes hold 0
				a := zero.Merge(p, inactive)  // max(pre, 0), NaN kept
				da := l1.Add(dh0.Mul(w0)).Add(dh1.Mul(w1))
				gw0 = gw0.Add(a.Mul(dh0))
				gw1 = gw1.Add(a.Mul(dh1))
				da = zero.Merge(da, inactive)
				gbe = gbe.Add(da)
				ge0 = ge0.Add(ld8(q, 0).Mul(da))
				ge1 = ge1.Add(ld8(q, lanes).Mul(da))
				st8(ld8(q, 4*lanes).Add(e0j.Mul(da)), q, 4*lanes)
				st8(ld8(q, 5*lanes).Add(e1j.Mul(da)), q, 5*lanes)
				cnt = cnt.Add(one.Masked(a.Greater(tiny)))
			}
			st8(gw0, pacc, kw)
			st8(gw1, pacc, kw+lanes)
			st8(gbe, pacc, kb)
			st8(ge0, pacc, ke0)
			st8(ge1, pacc, ke1)
			st8(cnt, pacc, kn)
		}
		// Pass 3: b_dec.
		gb0, gb1 := ld8(pacc, aBDec), ld8(pacc, aBDec+lanes)
		for b := 0; b < nb; b++ {
			q := unsafe.Add(pblk, b*blkBytes)
			gb0 = gb0.Add(ld8(q, 2*lanes)).Sub(ld8(q, 4*lanes))
			gb1 = gb1.Add(ld8(q, 3*lanes)).Sub(ld8(q, 5*lanes))
		}
		st8(gb0, pacc, aBDec)
		st8(gb1, pacc, aBDec+lanes)
	}
	archsimd.ClearAVXUpperBits() // scalar code follows: see vec.ClearUpper
}
