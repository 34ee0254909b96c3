//go:build goexperiment.simd && amd64

package vec

import (
	"math/bits"
	"simd/archsimd"
	"unsafe"
)

// jumpReLULanesSIMD is jumpReLULanesGo with eight samples per block, one per lane, its terms
// added sample by sample through l.seq (as gatedLanesSIMD's).
//
// Groups of l.seq: 0 = ∂b_dec [2] (second terms −dhc), Sums [3]; 1+j = latent j's ∂W[0,j],
// ∂W[1,j], then untied ∂Dec[j,0], ∂Dec[j,1], ∂b_enc, ∂log θ; tied ∂b_enc, ∂log θ, with ∂Dec's
// terms first in slots 0 and 1 and hc·da second (c2). A latent neither active nor in its STE
// window in any lane of a block adds nothing and is skipped.
func jumpReLULanesSIMD(l *JumpReLULanes, p *JumpReLUParams, g *JumpReLUGrads, x []float64, stride, n int, lambda, eps, scale float64) {
	const lanes = 8
	S := l.S
	tied := g.Dec == nil
	sBE := 4 // slots of ∂b_enc and ∂log θ: sBE, sBE+1
	if tied {
		sBE = 2
	}
	q := &l.seq
	q.size(S)
	if len(l.pb) != 7*S*lanes {
		l.pb, l.v, l.bits = make([]float64, 7*S*lanes), make([]float64, 2*S*lanes), make([]uint8, 2*S)
	}
	jumpReLUAccIn(q.acc, g, S, sBE)

	// Per latent j at 7j: W[0,j], W[1,j], Dec[j,0], Dec[j,1], b_enc_j, θ_j, −(θ_j/ε).
	pb := unsafe.Pointer(unsafe.SliceData(l.pb))
	for j := 0; j < S; j++ {
		c := unsafe.Add(pb, 7*j*lanes*8)
		st(bc(p.WEnc[j]), c, 0)
		st(bc(p.WEnc[S+j]), c, lanes)
		st(bc(p.Dec[2*j]), c, 2*lanes)
		st(bc(p.Dec[2*j+1]), c, 3*lanes)
		st(bc(p.BEnc[j]), c, 4*lanes)
		st(bc(p.Theta[j]), c, 5*lanes)
		st(bc(-(p.Theta[j] / eps)), c, 6*lanes)
	}
	pv, pc1, pc2 := unsafe.Pointer(unsafe.SliceData(l.v)), unsafe.Pointer(unsafe.SliceData(q.c1)), unsafe.Pointer(unsafe.SliceData(q.c2))
	px0, px1 := unsafe.Pointer(unsafe.SliceData(x)), unsafe.Pointer(unsafe.SliceData(x[stride:]))
	lbits := l.bits[:2*S]
	counts := g.Counts[:S]
	zero, one, nz, tiny := bc(0), bc(1), negZero(), bc(1e-8)
	half, m1, lo, hi := bc(0.5), bc(-1), bc(-0.5), bc(0.5)
	vlam, s2, veps := bc(lambda), bc(scale*2), bc(eps)
	hg := bc(-(1 / eps) * (scale * lambda))
	bd0, bd1 := bc(p.BDec[0]), bc(p.BDec[1])
	for blk := 0; blk < n; blk += lanes {
		valid := uint8(0xff)
		if n-blk < lanes {
			valid = uint8(1)<<(n-blk) - 1
		}
		// Forward.
		x0, x1 := ld(px0, blk), ld(px1, blk)
		hc0, hc1 := x0.Sub(bd0), x1.Sub(bd1)
		lsp, hr0, hr1 := zero, bd0, bd1
		for j := 0; j < S; j++ {
			c := unsafe.Add(pb, 7*j*lanes*8)
			pre := ld(c, 4*lanes).Add(hc0.Mul(ld(c, 0))).Add(hc1.Mul(ld(c, lanes)))
			z := zero.Merge(pre, pre.LessEqual(zero)) // max(pre, 0), NaN kept
			fire := z.Greater(ld(c, 5*lanes))
			a := z.Masked(fire)
			act := a.NotEqual(zero)
			lbits[2*j+1] = act.ToBits() & fire.ToBits() & pre.Greater(zero).ToBits()
			st(z, pv, 2*j*lanes)
			st(a, pv, (2*j+1)*lanes)
			counts[j] += bits.OnesCount8(valid & a.Greater(tiny).ToBits()) // a ≥ 0: |a| > 1e-8 is a > 1e-8
			lsp = lsp.Add(one.Masked(fire))
			hr0 = hr0.Add(a.Mul(ld(c, 2*lanes))).Merge(hr0, act)
			hr1 = hr1.Add(a.Mul(ld(c, 3*lanes))).Merge(hr1, act)
		}
		e0, e1 := hr0.Sub(x0), hr1.Sub(x1)
		lrec := zero.Add(e0.Mul(e0)).Add(e1.Mul(e1)).Mul(half)
		dh0, dh1 := s2.Mul(e0).Mul(half), s2.Mul(e1).Mul(half)
		st(dh0, pc1, 0)
		st(dh1, pc1, lanes)
		st(lrec.Add(vlam.Mul(lsp)), pc1, 2*lanes)
		st(lrec, pc1, 3*lanes)
		st(lsp, pc1, 4*lanes)
		// Backward.
		dhc0, dhc1 := zero, zero
		for j := 0; j < S; j++ {
			c := unsafe.Add(pb, 7*j*lanes*8)
			z, a := ld(pv, 2*j*lanes), ld(pv, (2*j+1)*lanes)
			th := ld(c, 5*lanes)
			uw := z.Sub(th).Div(veps)
			wb := uw.Greater(lo).ToBits() & uw.Less(hi).ToBits()
			rb := lbits[2*j+1]
			if (wb|rb)&valid == 0 {
				lbits[2*j] = 0 // nothing to add in any lane
				continue
			}
			lbits[2*j] = 1
			win, rest := archsimd.Mask64x8FromBits(wb), archsimd.Mask64x8FromBits(rb)
			cg, cg2 := unsafe.Add(pc1, (1+j)*64*8), unsafe.Add(pc2, (1+j)*16*8)
			w0, w1, r0, r1 := ld(c, 0), ld(c, lanes), ld(c, 2*lanes), ld(c, 3*lanes)
			da := zero.Add(dh0.Mul(r0)).Add(dh1.Mul(r1))
			st(th.Mul(ld(c, 6*lanes).Mul(da).Add(hg)).Merge(nz, win), cg, (sBE+1)*lanes)
			gw0, gw1 := hc0.Mul(da).Merge(nz, rest), hc1.Mul(da).Merge(nz, rest)
			gd0, gd1 := a.Mul(dh0).Merge(nz, rest), a.Mul(dh1).Merge(nz, rest)
			if tied {
				st(gd0, cg, 0)
				st(gd1, cg, lanes)
				st(gw0, cg2, 0)
				st(gw1, cg2, lanes)
			} else {
				st(gw0, cg, 0)
				st(gw1, cg, lanes)
				st(gd0, cg, 2*lanes)
				st(gd1, cg, 3*lanes)
			}
			st(da.Merge(nz, rest), cg, sBE*lanes)
			dhc0 = dhc0.Add(w0.Mul(da).Merge(nz, rest))
			dhc1 = dhc1.Add(w1.Mul(da).Merge(nz, rest))
		}
		st(dhc0.Mul(m1), pc2, 0)
		st(dhc1.Mul(m1), pc2, lanes)
		for j := -1; j < S; j++ {
			if j >= 0 && lbits[2*j] == 0 {
				continue
			}
			if valid != 0xff {
				padLanes(q, 1+j, bits.OnesCount8(valid))
			}
			if j < 0 || tied {
				seqAdd2(q, 1+j)
			} else {
				seqAdd(q, 1+j)
			}
		}
	}
	archsimd.ClearAVXUpperBits() // scalar code follows: see ClearUpper
	jumpReLUAccOut(q.acc, g, S, sBE)
}

// jumpReLUAccIn copies the accumulators g into acc's slots (jumpReLULanesSIMD's groups).
func jumpReLUAccIn(acc []float64, g *JumpReLUGrads, S, sBE int) {
	acc[0], acc[1] = g.BDec[0], g.BDec[1]
	copy(acc[2:5], g.Sums[:3])
	for j := 0; j < S; j++ {
		a := acc[(1+j)*8 : (2+j)*8]
		a[0], a[1] = g.WEnc[j], g.WEnc[S+j]
		if g.Dec != nil {
			a[2], a[3] = g.Dec[2*j], g.Dec[2*j+1]
		}
		a[sBE], a[sBE+1] = g.BEnc[j], g.LogTheta[j]
	}
}

// jumpReLUAccOut copies acc's slots back to the accumulators g.
func jumpReLUAccOut(acc []float64, g *JumpReLUGrads, S, sBE int) {
	g.BDec[0], g.BDec[1] = acc[0], acc[1]
	copy(g.Sums[:3], acc[2:5])
	for j := 0; j < S; j++ {
		a := acc[(1+j)*8 : (2+j)*8]
		g.WEnc[j], g.WEnc[S+j] = a[0], a[1]
		if g.Dec != nil {
			g.Dec[2*j], g.Dec[2*j+1] = a[2], a[3]
		}
		g.BEnc[j], g.LogTheta[j] = a[sBE], a[sBE+1]
	}
}
