//go:build goexperiment.simd && amd64

package vec

import (
	"simd/archsimd"
	"unsafe"
)

// saeLanesSIMD is saeLanesGo with one archsimd vector per 8 lanes: per block, per lane, the
// same arithmetic in the same order, with padding lanes masked out.
func saeLanesSIMD(ln *SAELanes, enc, bEnc, bDec, wn, x []float64, stride, n int, lambda, scale float64) {
	D, S := ln.D, ln.S
	const lanes = 8
	_ = ln.Acc[(ln.aN+S)*lanes-1]
	_ = ln.v[(3*D+2*S)*lanes-1]
	_ = x[D*stride-1]
	pe, pwn, pbe, pbd := unsafe.Pointer(unsafe.SliceData(enc)), unsafe.Pointer(unsafe.SliceData(wn)), unsafe.Pointer(unsafe.SliceData(bEnc)), unsafe.Pointer(unsafe.SliceData(bDec))
	pacc, pv, px := unsafe.Pointer(unsafe.SliceData(ln.Acc)), unsafe.Pointer(unsafe.SliceData(ln.v)), unsafe.Pointer(unsafe.SliceData(x))
	// scratch vectors: hc [D] at 0, dh [D] at D, dhc [D] at 2D, pre [S] at 3D, a [S] at 3D+S
	vHC, vDH, vDHC, vPre, vA := 0, D, 2*D, 3*D, 3*D+S
	aWn, aBEnc, aBDec, aSum, aN := ln.aWn, ln.aBEnc, ln.aBDec, ln.aSum, ln.aN
	zero, one, tiny := bc(0), bc(1), bc(1e-8)
	vlambda := bc(lambda)
	l1 := bc(scale * lambda)
	s2 := bc(scale * 2)
	fD := bc(float64(D))
	for blk := 0; blk < n; blk += lanes {
		vbits := uint8(1<<min(lanes, n-blk) - 1)
		valid, invalid := archsimd.Mask64x8FromBits(vbits), archsimd.Mask64x8FromBits(^vbits)
		for d := 0; d < D; d++ {
			st(ld(px, d*stride+blk).Sub(bc(at(pbd, d))), pv, (vHC+d)*lanes)
		}
		for j := 0; j < S; j++ {
			p := bc(at(pbe, j))
			for d := 0; d < D; d++ {
				p = p.Add(ld(pv, (vHC+d)*lanes).Mul(bc(at(pe, d*S+j))))
			}
			st(p, pv, (vPre+j)*lanes)
		}
		var lsp f8 = zero
		for d := 0; d < D; d++ {
			st(bc(at(pbd, d)), pv, (vDHC+d)*lanes) // hrec, reusing dhc's slots
		}
		for j := 0; j < S; j++ {
			p := ld(pv, (vPre+j)*lanes)
			inactive := p.LessEqual(zero).Or(invalid)
			a := zero.Merge(p, inactive) // max(pre, 0) (NaN kept), 0 in padding lanes
			st(a, pv, (vA+j)*lanes)
			pos := a.Masked(p.Greater(zero)) // the activations L_sparsity and h_rec use
			lsp = lsp.Add(pos)
			for d := 0; d < D; d++ {
				st(ld(pv, (vDHC+d)*lanes).Add(pos.Mul(bc(at(pwn, j*D+d)))), pv, (vDHC+d)*lanes)
			}
		}
		var lrec f8 = zero
		for d := 0; d < D; d++ {
			e := ld(pv, (vDHC+d)*lanes).Sub(ld(px, d*stride+blk))
			lrec = lrec.Add(e.Mul(e))
			dh := s2.Mul(e).Div(fD).Masked(valid)
			st(dh, pv, (vDH+d)*lanes)
			st(ld(pacc, (aBDec+d)*lanes).Add(dh), pacc, (aBDec+d)*lanes)
			st(zero, pv, (vDHC+d)*lanes)
		}
		lrec = lrec.Div(fD).Masked(valid)
		st(ld(pacc, aSum*lanes).Add(lrec.Add(vlambda.Mul(lsp))), pacc, aSum*lanes)
		st(ld(pacc, (aSum+1)*lanes).Add(lrec), pacc, (aSum+1)*lanes)
		st(ld(pacc, (aSum+2)*lanes).Add(lsp), pacc, (aSum+2)*lanes)
		for j := 0; j < S; j++ {
			p := ld(pv, (vPre+j)*lanes)
			a := ld(pv, (vA+j)*lanes)
			inactive := p.LessEqual(zero).Or(invalid)
			da := l1
			for d := 0; d < D; d++ {
				dh := ld(pv, (vDH+d)*lanes)
				da = da.Add(dh.Mul(bc(at(pwn, j*D+d))))
				k := (aWn + j*D + d) * lanes
				st(ld(pacc, k).Add(a.Mul(dh)), pacc, k)
			}
			da = zero.Merge(da, inactive)
			st(ld(pacc, (aBEnc+j)*lanes).Add(da), pacc, (aBEnc+j)*lanes)
			for d := 0; d < D; d++ {
				k := (d*S + j) * lanes
				st(ld(pacc, k).Add(ld(pv, (vHC+d)*lanes).Mul(da)), pacc, k)
				st(ld(pv, (vDHC+d)*lanes).Add(bc(at(pe, d*S+j)).Mul(da)), pv, (vDHC+d)*lanes)
			}
			st(ld(pacc, (aN+j)*lanes).Add(one.Masked(a.Greater(tiny))), pacc, (aN+j)*lanes)
		}
		for d := 0; d < D; d++ {
			st(ld(pacc, (aBDec+d)*lanes).Sub(ld(pv, (vDHC+d)*lanes)), pacc, (aBDec+d)*lanes)
		}
	}
	archsimd.ClearAVXUpperBits() // scalar code follows: see ClearUpper
}

// saeLanes2SIMD is saeLanesSIMD for d_in = 2 (the seed's SAE). It runs the blocks in chunks
// of saeChunk, each in three passes that keep every accumulator in a register:
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
// (saeLanes2Go), so the bits are the same.
func saeLanes2SIMD(ln *SAELanes, enc, bEnc, bDec, wn, x []float64, stride, n int, lambda, scale float64) {
	const D, lanes = 2, 8
	S := ln.S
	_ = ln.Acc[(ln.aN+S)*lanes-1]
	_ = x[D*stride-1]
	// ln.blk: per latent j, the broadcast vectors b_enc, W_enc[0], W_enc[1], Ŵ[0], Ŵ[1] at
	// 5j; then per block b at 5S + b·per: hc0, hc1, dh0, dh1, dhc0, dhc1, pre [S].
	per := S + 6
	if len(ln.blk) < (5*S+saeChunk*per)*lanes {
		ln.blk = make([]float64, (5*S+saeChunk*per)*lanes)
	}
	pb := unsafe.Pointer(unsafe.SliceData(ln.blk))
	for j := 0; j < S; j++ {
		c := unsafe.Add(pb, 5*j*lanes*8)
		st(bc(bEnc[j]), c, 0)
		st(bc(enc[j]), c, lanes)
		st(bc(enc[S+j]), c, 2*lanes)
		st(bc(wn[2*j]), c, 3*lanes)
		st(bc(wn[2*j+1]), c, 4*lanes)
	}
	pblk := unsafe.Add(pb, 5*S*lanes*8)
	blkBytes := per * lanes * 8
	pacc := unsafe.Pointer(unsafe.SliceData(ln.Acc))
	px0, px1 := unsafe.Pointer(unsafe.SliceData(x)), unsafe.Pointer(unsafe.SliceData(x[stride:]))
	aWn, aBEnc, aBDec, aSum, aN := ln.aWn*lanes, ln.aBEnc*lanes, ln.aBDec*lanes, ln.aSum*lanes, ln.aN*lanes // gWEnc rows at 0 and S·lanes
	zero, one, tiny := bc(0), bc(1), bc(1e-8)
	vlambda := bc(lambda)
	l1 := bc(scale * lambda)
	s2 := bc(scale * 2)
	fD := bc(D)
	bd0, bd1 := bc(bDec[0]), bc(bDec[1])
	for c0 := 0; c0 < n; c0 += saeChunk * lanes {
		nb := min(saeChunk, (n-c0+lanes-1)/lanes) // blocks in this chunk
		// Pass 1: forward.
		sum0, sum1, sum2 := ld(pacc, aSum), ld(pacc, aSum+lanes), ld(pacc, aSum+2*lanes)
		var live uint64 // latents active (or NaN) in some lane of the chunk
		for b := 0; b < nb; b++ {
			blk := c0 + b*lanes
			valid := archsimd.Mask64x8FromBits(uint8(1<<min(lanes, n-blk) - 1))
			q := unsafe.Add(pblk, b*blkBytes)
			x0, x1 := ld(px0, blk), ld(px1, blk)
			hc0, hc1 := x0.Sub(bd0), x1.Sub(bd1)
			st(hc0, q, 0)
			st(hc1, q, lanes)
			lsp, hr0, hr1 := zero, bd0, bd1
			for j := 0; j < S; j++ {
				c := unsafe.Add(pb, 5*j*lanes*8)
				p := ld(c, 0).Add(hc0.Mul(ld(c, lanes))).Add(hc1.Mul(ld(c, 2*lanes))).Masked(valid)
				st(p, q, (6+j)*lanes)
				if p.LessEqual(zero).ToBits() != 0xff {
					live |= 1 << j
				}
				pos := p.Masked(p.Greater(zero)) // the activations L_sparsity and h_rec use
				lsp = lsp.Add(pos)
				hr0 = hr0.Add(pos.Mul(ld(c, 3*lanes)))
				hr1 = hr1.Add(pos.Mul(ld(c, 4*lanes)))
			}
			e0, e1 := hr0.Sub(x0), hr1.Sub(x1)
			lrec := zero.Add(e0.Mul(e0)).Add(e1.Mul(e1)).Div(fD).Masked(valid)
			st(s2.Mul(e0).Div(fD).Masked(valid), q, 2*lanes)
			st(s2.Mul(e1).Div(fD).Masked(valid), q, 3*lanes)
			st(zero, q, 4*lanes)
			st(zero, q, 5*lanes)
			sum0 = sum0.Add(lrec.Add(vlambda.Mul(lsp)))
			sum1 = sum1.Add(lrec)
			sum2 = sum2.Add(lsp)
		}
		st(sum0, pacc, aSum)
		st(sum1, pacc, aSum+lanes)
		st(sum2, pacc, aSum+2*lanes)
		// Pass 2: backward, latent by latent.
		for j := 0; j < S; j++ {
			if live&(1<<j) == 0 {
				continue
			}
			c := unsafe.Add(pb, 5*j*lanes*8)
			e0j, e1j, w0, w1 := ld(c, lanes), ld(c, 2*lanes), ld(c, 3*lanes), ld(c, 4*lanes)
			kw, ke0, ke1, kb, kn := aWn+2*j*lanes, j*lanes, (S+j)*lanes, aBEnc+j*lanes, aN+j*lanes
			gw0, gw1 := ld(pacc, kw), ld(pacc, kw+lanes)
			gbe, ge0, ge1, cnt := ld(pacc, kb), ld(pacc, ke0), ld(pacc, ke1), ld(pacc, kn)
			pj := (6 + j) * lanes
			for b := 0; b < nb; b++ {
				q := unsafe.Add(pblk, b*blkBytes)
				p := ld(q, pj)
				dh0, dh1 := ld(q, 2*lanes), ld(q, 3*lanes)
				inactive := p.LessEqual(zero) // padding lanes hold 0
				a := zero.Merge(p, inactive)  // max(pre, 0), NaN kept
				da := l1.Add(dh0.Mul(w0)).Add(dh1.Mul(w1))
				gw0 = gw0.Add(a.Mul(dh0))
				gw1 = gw1.Add(a.Mul(dh1))
				da = zero.Merge(da, inactive)
				gbe = gbe.Add(da)
				ge0 = ge0.Add(ld(q, 0).Mul(da))
				ge1 = ge1.Add(ld(q, lanes).Mul(da))
				st(ld(q, 4*lanes).Add(e0j.Mul(da)), q, 4*lanes)
				st(ld(q, 5*lanes).Add(e1j.Mul(da)), q, 5*lanes)
				cnt = cnt.Add(one.Masked(a.Greater(tiny)))
			}
			st(gw0, pacc, kw)
			st(gw1, pacc, kw+lanes)
			st(gbe, pacc, kb)
			st(ge0, pacc, ke0)
			st(ge1, pacc, ke1)
			st(cnt, pacc, kn)
		}
		// Pass 3: b_dec.
		gb0, gb1 := ld(pacc, aBDec), ld(pacc, aBDec+lanes)
		for b := 0; b < nb; b++ {
			q := unsafe.Add(pblk, b*blkBytes)
			gb0 = gb0.Add(ld(q, 2*lanes)).Sub(ld(q, 4*lanes))
			gb1 = gb1.Add(ld(q, 3*lanes)).Sub(ld(q, 5*lanes))
		}
		st(gb0, pacc, aBDec)
		st(gb1, pacc, aBDec+lanes)
	}
	archsimd.ClearAVXUpperBits() // scalar code follows: see ClearUpper
}
