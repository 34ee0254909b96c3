//go:build goexperiment.simd && amd64

package vec

import (
	"math/bits"
	"simd/archsimd"
	"unsafe"
)

// gatedLanesSIMD is gatedLanesGo with eight samples per block, one per lane: each lane runs
// the plain loop's arithmetic in its order, writing every accumulator's term (−0 where the
// loop skips it) into l.seq, and seqAdd adds the block's terms sample by sample.
//
// Groups of l.seq: 0 = ∂b_dec [2] (second terms −dhc), Sums [4]; 1+j = latent j's ∂W[0,j],
// ∂W[1,j], then untied ∂Dec[j,0], ∂Dec[j,1], ∂b_gate, ∂r_mag, ∂b_mag; tied ∂b_gate, ∂r_mag,
// ∂b_mag, with ∂Dec's terms first in slots 0 and 1 and hc·du second (c2). A latent closed in
// every lane of a block adds nothing and is skipped.
func gatedLanesSIMD(l *GatedLanes, p *GatedParams, g *GatedGrads, x []float64, stride, n int, lambda, scale float64) {
	const lanes = 8
	S := l.S
	tied := g.Dec == nil
	sBG := 4 // slots of ∂b_gate, ∂r_mag, ∂b_mag: sBG, sBG+1, sBG+2
	if tied {
		sBG = 2
	}
	q := &l.seq
	q.size(S)
	if len(l.pb) != 7*S*lanes {
		l.pb, l.v, l.bits = make([]float64, 7*S*lanes), make([]float64, 2*S*lanes), make([]uint8, 2*S)
	}
	gatedAccIn(q.acc, g, S, sBG)

	// Per latent j at 7j: W[0,j], W[1,j], Dec[j,0], Dec[j,1], b_gate_j, e^r_j, b_mag_j.
	pb := unsafe.Pointer(unsafe.SliceData(l.pb))
	for j := 0; j < S; j++ {
		c := unsafe.Add(pb, 7*j*lanes*8)
		st(bc(p.WGate[j]), c, 0)
		st(bc(p.WGate[S+j]), c, lanes)
		st(bc(p.Dec[2*j]), c, 2*lanes)
		st(bc(p.Dec[2*j+1]), c, 3*lanes)
		st(bc(p.BGate[j]), c, 4*lanes)
		st(bc(p.EMag[j]), c, 5*lanes)
		st(bc(p.BMag[j]), c, 6*lanes)
	}
	pv, pc1, pc2 := unsafe.Pointer(unsafe.SliceData(l.v)), unsafe.Pointer(unsafe.SliceData(q.c1)), unsafe.Pointer(unsafe.SliceData(q.c2))
	px0, px1 := unsafe.Pointer(unsafe.SliceData(x)), unsafe.Pointer(unsafe.SliceData(x[stride:]))
	lbits := l.bits[:2*S]
	counts := g.Counts[:S]
	zero, nz, tiny := bc(0), negZero(), bc(1e-8)
	half, m1 := bc(0.5), bc(-1)
	vlam, lamS, s2 := bc(lambda), bc(scale*lambda), bc(scale*2)
	bd0, bd1 := bc(p.BDec[0]), bc(p.BDec[1])
	for blk := 0; blk < n; blk += lanes {
		valid := uint8(0xff)
		if n-blk < lanes {
			valid = uint8(1)<<(n-blk) - 1
		}
		// Forward.
		x0, x1 := ld(px0, blk), ld(px1, blk)
		hc0, hc1 := x0.Sub(bd0), x1.Sub(bd1)
		lsp, via0, via1, hr0, hr1 := zero, bd0, bd1, bd0, bd1
		for j := 0; j < S; j++ {
			c := unsafe.Add(pb, 7*j*lanes*8)
			r0, r1 := ld(c, 2*lanes), ld(c, 3*lanes)
			u := zero.Add(hc0.Mul(ld(c, 0))).Add(hc1.Mul(ld(c, lanes)))
			pg := u.Add(ld(c, 4*lanes))
			pm := ld(c, 5*lanes).Mul(u).Add(ld(c, 6*lanes))
			ob := ^pg.LessEqual(zero).ToBits()
			ab := ob & pm.Greater(zero).ToBits()
			open, on := archsimd.Mask64x8FromBits(ob), archsimd.Mask64x8FromBits(ab)
			lbits[2*j], lbits[2*j+1] = ob, ab
			a := pm.Masked(on)
			st(u, pv, 2*j*lanes)
			st(a, pv, (2*j+1)*lanes)
			counts[j] += bits.OnesCount8(valid & a.Greater(tiny).ToBits()) // a ≥ 0: |a| > 1e-8 is a > 1e-8
			lsp = lsp.Add(pg.Merge(nz, open))
			via0 = via0.Add(pg.Mul(r0)).Merge(via0, open)
			via1 = via1.Add(pg.Mul(r1)).Merge(via1, open)
			hr0 = hr0.Add(pm.Mul(r0)).Merge(hr0, on)
			hr1 = hr1.Add(pm.Mul(r1)).Merge(hr1, on)
		}
		e0, e1, v0, v1 := hr0.Sub(x0), hr1.Sub(x1), via0.Sub(x0), via1.Sub(x1)
		lrec := zero.Add(e0.Mul(e0)).Add(e1.Mul(e1)).Mul(half)
		laux := zero.Add(v0.Mul(v0)).Add(v1.Mul(v1))
		dh0, dh1 := s2.Mul(e0).Mul(half), s2.Mul(e1).Mul(half)
		dv0, dv1 := s2.Mul(v0), s2.Mul(v1)
		st(dh0, pc1, 0)
		st(dh1, pc1, lanes)
		st(lrec.Add(vlam.Mul(lsp)).Add(laux), pc1, 2*lanes)
		st(lrec, pc1, 3*lanes)
		st(lsp, pc1, 4*lanes)
		st(laux, pc1, 5*lanes)
		// Backward.
		dhc0, dhc1 := zero, zero
		for j := 0; j < S; j++ {
			ob, ab := lbits[2*j], lbits[2*j+1]
			if ob&valid == 0 {
				lbits[2*j] = 0 // closed in every lane: nothing to add
				continue
			}
			c := unsafe.Add(pb, 7*j*lanes*8)
			cg, cg2 := unsafe.Add(pc1, (1+j)*64*8), unsafe.Add(pc2, (1+j)*16*8)
			w0, w1, r0, r1, em := ld(c, 0), ld(c, lanes), ld(c, 2*lanes), ld(c, 3*lanes), ld(c, 5*lanes)
			open, on := archsimd.Mask64x8FromBits(ob), archsimd.Mask64x8FromBits(ab)
			u, a := ld(pv, 2*j*lanes), ld(pv, (2*j+1)*lanes)
			dpg := lamS.Add(dv0.Mul(r0)).Add(dv1.Mul(r1))
			dpm := zero.Add(dh0.Mul(r0)).Add(dh1.Mul(r1)).Masked(on)
			du := dpg.Add(em.Mul(dpm))
			gw0, gw1 := hc0.Mul(du).Merge(nz, open), hc1.Mul(du).Merge(nz, open)
			gd0, gd1 := a.Mul(dh0).Merge(nz, on), a.Mul(dh1).Merge(nz, on)
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
			st(dpg.Merge(nz, open), cg, sBG*lanes)
			st(dpm.Mul(em).Mul(u).Merge(nz, open), cg, (sBG+1)*lanes)
			st(dpm.Merge(nz, open), cg, (sBG+2)*lanes)
			dhc0 = dhc0.Add(w0.Mul(du).Merge(nz, open))
			dhc1 = dhc1.Add(w1.Mul(du).Merge(nz, open))
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
	gatedAccOut(q.acc, g, S, sBG)
}

// gatedAccIn copies the accumulators g into acc's slots (gatedLanesSIMD's groups).
func gatedAccIn(acc []float64, g *GatedGrads, S, sBG int) {
	acc[0], acc[1] = g.BDec[0], g.BDec[1]
	copy(acc[2:6], g.Sums[:4])
	for j := 0; j < S; j++ {
		a := acc[(1+j)*8 : (2+j)*8]
		a[0], a[1] = g.WGate[j], g.WGate[S+j]
		if g.Dec != nil {
			a[2], a[3] = g.Dec[2*j], g.Dec[2*j+1]
		}
		a[sBG], a[sBG+1], a[sBG+2] = g.BGate[j], g.RMag[j], g.BMag[j]
	}
}

// gatedAccOut copies acc's slots back to the accumulators g.
func gatedAccOut(acc []float64, g *GatedGrads, S, sBG int) {
	g.BDec[0], g.BDec[1] = acc[0], acc[1]
	copy(g.Sums[:4], acc[2:6])
	for j := 0; j < S; j++ {
		a := acc[(1+j)*8 : (2+j)*8]
		g.WGate[j], g.WGate[S+j] = a[0], a[1]
		if g.Dec != nil {
			g.Dec[2*j], g.Dec[2*j+1] = a[2], a[3]
		}
		g.BGate[j], g.RMag[j], g.BMag[j] = a[sBG], a[sBG+1], a[sBG+2]
	}
}
