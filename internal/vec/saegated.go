package vec

// GatedLanes is the Gated SAE's training kernel (spec §3) for d_in = 2: one instance's nonzero
// samples, forward and backward, each gradient element, loss sum and activity count
// accumulated in sample order, as the per-sample path (sae's gatedArch.sample) accumulates
// them. The SIMD twin computes eight samples at once, one per lane, and then adds their
// contributions to each accumulator one sample after the other (seqLanes), so that every
// accumulator sees the plain loop's additions in the plain loop's order.
type GatedLanes struct {
	S int // d_sae

	u, pg, acts []float64 // plain twin: one sample's u, π_gate and activations [S]
	seq         seqLanes  // SIMD twin: accumulators and one block's contributions
	pb, v       []float64 // SIMD twin: broadcast parameters [7S][8]; per latent u, acts [2S][8]
	bits        []uint8   // SIMD twin: per latent the lanes open, on [2S]
}

// GatedParams is one instance's Gated SAE as GatedLanes reads it (S = d_sae, d_in = 2):
// WGate [2][S], Dec [S][2] the raw decoder rows, BGate, EMag = exp(r_mag), BMag [S], BDec [2].
type GatedParams struct {
	WGate, Dec, BGate, EMag, BMag, BDec []float64
}

// GatedGrads are the accumulators GatedLanes adds to: the gradients WGate [2][S], Dec [S][2]
// (nil when tied: ∂W_dec[j,d] then goes to WGate[d·S+j]), BGate, RMag, BMag [S], BDec [2];
// Sums [4] = Σ loss, Σ L_reconstruction, Σ L_sparsity, Σ L_aux; Counts [S] the activity
// counts.
type GatedGrads struct {
	WGate, Dec, BGate, RMag, BMag, BDec []float64
	Sums                                []float64
	Counts                              []int
}

// NewGatedLanes sizes the kernel for d_sae = S (1 ≤ S ≤ 1024).
func NewGatedLanes(S int) *GatedLanes {
	if S < 1 || S > 1024 {
		panic("vec: NewGatedLanes needs 1 ≤ S ≤ 1024")
	}
	return &GatedLanes{S: S, u: make([]float64, S), pg: make([]float64, S), acts: make([]float64, S)}
}

// Run adds the n nonzero samples x [2][stride] (sample k at x[d·stride+k]) to g, with
// scale = 1/B and λ = lambda. Per sample, in order, it must equal this plain loop (sae's
// gatedArch.sample and backward, and perSampleBatch's sums, in their order):
//
//	hc = h − b_dec;  u_j = (0 + hc_0·W[0,j]) + hc_1·W[1,j];  π_gate = u + b_gate;  π_mag = e^r⊙u + b_mag
//	open_j = !(π_gate_j ≤ 0);  on_j = open_j and π_mag_j > 0;  a_j = on_j ? π_mag_j : 0
//	via = b_dec + Σ_{open j} π_gate_j·Dec_j;  h_rec = b_dec + Σ_{on j} π_mag_j·Dec_j;  L_sp = Σ_{open j} π_gate_j
//	L_rec = ((0 + e_0²) + e_1²)/2 with e = h_rec − h;  L_aux = (0 + v_0²) + v_1² with v = via − h
//	Sums += [(L_rec + λ·L_sp) + L_aux, L_rec, L_sp, L_aux];  Counts_j += 1 if |a_j| > 1e-8
//	dh = ((2·scale)·e)/2;  dv = (2·scale)·v;  ∂b_dec += dh
//	for each open j in order:
//	    dpg = (scale·λ + dv_0·Dec_j,0) + dv_1·Dec_j,1;  ∂b_gate_j += dpg
//	    dpm = on_j ? (0 + dh_0·Dec_j,0) + dh_1·Dec_j,1 : 0;  if on_j: ∂Dec[j,d] += a_j·dh_d (d in order)
//	    ∂b_mag_j += dpm;  ∂r_mag_j += (dpm·e^r_j)·u_j;  du = dpg + e^r_j·dpm
//	    for d: ∂W[d,j] += hc_d·du;  dhc_d += W[d,j]·du  (dhc from 0)
//	∂b_dec −= dhc
//
// Tied, ∂Dec[j,d] is ∂W[d,j], which so receives a_j·dh_d and then hc_d·du.
func (l *GatedLanes) Run(p GatedParams, g GatedGrads, x []float64, stride, n int, lambda, scale float64) {
	S := l.S
	if n == 0 {
		return
	}
	_, _, _, _, _, _ = p.WGate[2*S-1], p.Dec[2*S-1], p.BGate[S-1], p.EMag[S-1], p.BMag[S-1], p.BDec[1]
	_, _, _, _, _, _ = g.WGate[2*S-1], g.BGate[S-1], g.RMag[S-1], g.BMag[S-1], g.BDec[1], g.Counts[S-1]
	_ = g.Sums[3]
	if g.Dec != nil {
		_ = g.Dec[2*S-1]
	}
	if stride%8 != 0 || stride < n || len(x) < 2*stride {
		panic("vec: GatedLanes.Run needs x [2][stride] with stride a multiple of 8, ≥ n")
	}
	gatedLanes(l, &p, &g, x, stride, n, lambda, scale)
}

// decIndex is where ∂Dec[j,d] accumulates: Dec[j·2+d], or W[d·S+j] when tied (dec nil).
func decIndex(dec []float64, S int) (jStride, dStride int) {
	if dec != nil {
		return 2, 1
	}
	return 1, S
}

// gatedLanesGo is GatedLanes.Run's plain twin: the documented loop, sample by sample.
func gatedLanesGo(l *GatedLanes, p *GatedParams, g *GatedGrads, x []float64, stride, n int, lambda, scale float64) {
	S := l.S
	w0, w1, dec := p.WGate[:S:S], p.WGate[S:2*S:2*S], p.Dec[:2*S:2*S]
	bG, em, bM := p.BGate[:S:S], p.EMag[:S:S], p.BMag[:S:S]
	bd0, bd1 := p.BDec[0], p.BDec[1]
	gw0, gw1 := g.WGate[:S:S], g.WGate[S:2*S:2*S]
	gBG, gRM, gBM, gBD := g.BGate[:S:S], g.RMag[:S:S], g.BMag[:S:S], g.BDec[:2:2]
	js, ds := decIndex(g.Dec, S)
	gDec := g.Dec
	if gDec == nil {
		gDec = g.WGate
	}
	gDec = gDec[: 2*S : 2*S]
	sums, counts := g.Sums[:4:4], g.Counts[:S:S]
	u, pg, acts := l.u[:S:S], l.pg[:S:S], l.acts[:S:S]
	x0s, x1s := x[:n:n], x[stride:stride+n:stride+n]
	lamS, s2 := scale*lambda, scale*2
	for k := 0; k < n; k++ {
		h0, h1 := x0s[k], x1s[k]
		hc0, hc1 := h0-bd0, h1-bd1
		via0, via1, hr0, hr1 := bd0, bd1, bd0, bd1
		var lsp float64
		for j := range u {
			var uj float64
			uj += hc0 * w0[j]
			uj += hc1 * w1[j]
			pgj, pmj := uj+bG[j], em[j]*uj+bM[j]
			u[j], pg[j], acts[j] = uj, pgj, 0
			if pgj <= 0 {
				continue
			}
			r0, r1 := dec[2*j], dec[2*j+1]
			lsp += pgj
			via0 += pgj * r0
			via1 += pgj * r1
			if pmj > 0 {
				acts[j] = pmj
				hr0 += pmj * r0
				hr1 += pmj * r1
			}
		}
		e0, e1, v0, v1 := hr0-h0, hr1-h1, via0-h0, via1-h1
		var lrec, laux float64
		lrec += e0 * e0
		lrec += e1 * e1
		laux += v0 * v0
		laux += v1 * v1
		lrec /= 2
		sums[0] += lrec + lambda*lsp + laux
		sums[1] += lrec
		sums[2] += lsp
		sums[3] += laux
		for j, a := range acts {
			if a > 1e-8 || a < -1e-8 {
				counts[j]++
			}
		}
		dh0, dh1 := s2*e0/2, s2*e1/2
		dv0, dv1 := s2*v0, s2*v1
		gBD[0] += dh0
		gBD[1] += dh1
		var dhc0, dhc1 float64
		for j, pgj := range pg {
			if pgj <= 0 {
				continue
			}
			r0, r1 := dec[2*j], dec[2*j+1]
			dpg := lamS
			dpg += dv0 * r0
			dpg += dv1 * r1
			gBG[j] += dpg
			var dpm float64
			if a := acts[j]; a > 0 {
				dpm += dh0 * r0
				gDec[j*js] += a * dh0
				dpm += dh1 * r1
				gDec[j*js+ds] += a * dh1
			}
			gBM[j] += dpm
			gRM[j] += dpm * em[j] * u[j]
			du := dpg + em[j]*dpm
			gw0[j] += hc0 * du
			dhc0 += w0[j] * du
			gw1[j] += hc1 * du
			dhc1 += w1[j] * du
		}
		gBD[0] -= dhc0
		gBD[1] -= dhc1
	}
}
