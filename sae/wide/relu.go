package wide

import (
	"math"

	"saelab/internal/par"
)

// buildWhere fills the main entries with every (b, j) where keep(pre_bj) holds, in latent
// order; c = val(pre_bj).
func (t *trainer) buildWhere(keep func(j int, p float32) bool, val func(j int, p float32) float32) {
	B, S := t.B, t.S
	e := &t.main
	e.build(B, func(b int) int {
		n := 0
		for j, p := range t.pre[b*S : (b+1)*S] {
			if keep(j, p) {
				n++
			}
		}
		return n
	}, func(b, lo, hi int) {
		q := lo
		for j, p := range t.pre[b*S : (b+1)*S] {
			if keep(j, p) {
				e.idx[q], e.pre[q], e.c[q] = int32(j), p, val(j, p)
				q++
			}
		}
	})
}

// standardLossGrad is SAELens's StandardTrainingSAE (EXP XStandard; spec synthetic.md §11.3,
// reference-semantics.md §5 "SAELens v6" row), with λ the effective coefficient and
// n_j = ‖W_dec,j‖ (the decoder is free; the penalty carries its norm):
//
//	z = ReLU(xc·W_enc + b_enc);  x̂ = z·W_dec + b_dec
//	L = mean_b Σ_d (x̂ − x)² + λ·mean_b Σ_j z_j·n_j
//
// Backward over the active entries only (z_j > 0):
//
//	∂L/∂z_bj = g_b·W_dec,j + λ·n_j/B;   ∂L/∂W_dec,j += Σ_b z_bj·g_b + (λ/B)·(Σ_b z_bj)·W_dec,j/n_j
func (t *trainer) standardLossGrad() float64 {
	B, S, D := t.B, t.S, t.D
	t.buildWhere(func(_ int, p float32) bool { return p > 0 }, func(_ int, p float32) float32 { return p })
	e := &t.main
	loss := t.decodeMain()
	t.lat.build(e, S)
	t.decodeBack(e, e.c, e.dc, [][]float32{t.g}, []int{S}, t.wDec, t.wDecT, t.gWDec)
	n := t.decoderNorms()
	lam := float32(t.coef / float64(B))
	for p, j := range e.idx {
		e.dpre[p] = e.dc[p] + lam*n[j]
	}
	zs := t.lat.rowSums(t.lat.gather(e.c), S)
	l1 := 0.0
	for j, z := range zs {
		l1 += float64(z) * float64(n[j])
		if z != 0 && n[j] > 0 {
			axpy32(t.gWDec[j*D:(j+1)*D], lam*z/n[j], t.wDec[j*D:(j+1)*D])
		}
	}
	loss += t.coef * l1 / float64(B)
	encodeBack(e, &t.lat, t.xc, t.wEncT, t.gWEncT, t.gBEnc, t.bDecGrad(), B, S, D)
	t.l0 = t.countFired(e, e.c)
	return loss
}

// rect is the JumpReLU STE kernel K(u) = 1[−½ < u < ½] (SAELens rectangle).
func rect(u float64) bool { return u > -0.5 && u < 0.5 }

// jumpReLUThetaGrad returns ∂/∂θ of JumpReLU(p, θ, ε) and of Step(p, θ, ε) for upstream
// gradients gz and gs (SAELens JumpReLU and Step autograd functions; spec
// reference-semantics.md §4): −(θ/ε)·K((p−θ)/ε)·gz − (1/ε)·K((p−θ)/ε)·gs.
func jumpReLUThetaGrad(p, theta, eps, gz, gs float64) float64 {
	if !rect((p - theta) / eps) {
		return 0
	}
	return -(theta/eps)*gz - gs/eps
}

// jumpReLULossGrad is SAELens's JumpReLUTrainingSAE in "step" mode (EXP XJumpReLU; spec
// synthetic.md §11.3, reference-semantics.md §4), θ = exp(log_threshold), ε the bandwidth:
//
//	pre = xc·W_enc + b_enc;  z = pre·1[pre > θ];  x̂ = z·W_dec + b_dec
//	L = mean_b Σ_d (x̂ − x)² + λ·mean_b Σ_j Step(pre_j, θ_j)
//
// ∂L/∂pre = 1[pre > θ]·∂L/∂z (no STE into pre); θ's straight-through gradient
// (jumpReLUThetaGrad) needs ∂L/∂z also where pre lies within ε/2 of θ, so those entries join
// the list with c = 0 (adding 0·W_dec,j is exact). ∂L/∂log θ = θ·∂L/∂θ.
func (t *trainer) jumpReLULossGrad() float64 {
	B, S, D := t.B, t.S, t.D
	eps := t.c.JumpReLUBandwidth
	th := make([]float32, S)
	for j, l := range t.logTh {
		th[j] = float32(math.Exp(float64(l)))
	}
	near := func(j int, p float32) bool { return rect((float64(p) - float64(th[j])) / eps) }
	t.buildWhere(func(j int, p float32) bool { return p > th[j] || near(j, p) },
		func(j int, p float32) float32 {
			if p > th[j] {
				return p
			}
			return 0
		})
	e := &t.main
	loss := t.decodeMain()
	t.lat.build(e, S)
	t.decodeBack(e, e.c, e.dc, [][]float32{t.g}, []int{S}, t.wDec, t.wDecT, t.gWDec)
	gs := t.coef / float64(B)
	dth := make([]float64, S)
	active := 0
	for p, j := range e.idx {
		if e.pre[p] > th[j] {
			e.dpre[p] = e.dc[p]
			active++
		}
		dth[j] += jumpReLUThetaGrad(float64(e.pre[p]), float64(th[j]), eps, float64(e.dc[p]), gs)
	}
	for j := range dth {
		t.gLogTh[j] += float32(float64(th[j]) * dth[j])
	}
	loss += gs * float64(active)
	encodeBack(e, &t.lat, t.xc, t.wEncT, t.gWEncT, t.gBEnc, t.bDecGrad(), B, S, D)
	t.l0 = float64(active) / float64(B)
	for p, j := range e.idx {
		if e.pre[p] > th[j] {
			t.fired[j] = true
		}
	}
	return loss
}

// gatedLossGrad is SAELens's GatedTrainingSAE (gated_sae.py; spec reference-semantics.md §3
// in SAELens's conventions), with p = xc·W_enc (W_enc is W_gate) and λ the coefficient:
//
//	π = p + b_gate;  m = e^{r_mag}·p + b_mag;  z = 1[π > 0]·ReLU(m);  x̂ = z·W_dec + b_dec
//	L = mean_b Σ_d (x̂ − x)² + λ·mean_b Σ_j ReLU(π_j)
//	    + mean_b Σ_d (ReLU(π)·sg(W_dec) + sg(b_dec) − x)²
//
// (x·(W_enc ∘ e^{r_mag}) = e^{r_mag}·(x·W_enc), so one dense product serves both paths.) Every
// term lives on the entries with π > 0; with ∂m = 1[m > 0]·∂z and ∂ReLU(π) = ∂π on them:
//
//	∂b_mag = ∂m;  ∂r_mag = ∂m·e^{r}·p;  ∂b_gate = ∂π;  ∂p = ∂m·e^{r} + ∂π
func (t *trainer) gatedLossGrad() float64 {
	B, S, D := t.B, t.S, t.D
	er := make([]float32, S)
	for j, r := range t.rMag {
		er[j] = float32(math.Exp(float64(r)))
	}
	t.buildWhere(func(j int, p float32) bool { return p+t.bEnc[j] > 0 },
		func(j int, p float32) float32 { return max(er[j]*p+t.bMag[j], 0) })
	e := &t.main
	par.ForEachRange(B, func(lo, hi int) {
		for q := e.off[lo]; q < e.off[hi]; q++ {
			e.u[q] = e.pre[q] + t.bEnc[e.idx[q]]
		}
	})
	loss := t.decodeMain()
	t.lat.build(e, S)
	t.decodeBack(e, e.c, e.dc, [][]float32{t.g}, []int{S}, t.wDec, t.wDecT, t.gWDec)
	if !t.freeze {
		t.detDec, t.detDecT, t.detBDec = t.wDec, t.wDecT, t.bDec
	}
	t.tmp = grow(t.tmp, B*D)
	for b := 0; b < B; b++ {
		copy(t.tmp[b*D:(b+1)*D], t.detBDec)
	}
	decodeInto(t.tmp, e, e.u, t.detDec, B, S, D)
	loss += reconGrad(t.tmp, t.tmp, t.x, 1, B)
	t.decodeBack(e, e.u, e.du, [][]float32{t.tmp}, []int{S}, t.detDec, t.detDecT, nil)
	lam := float32(t.coef / float64(B))
	l1 := 0.0
	active := 0
	for q, j := range e.idx {
		l1 += float64(e.u[q])
		dpi := e.du[q] + lam
		dm := float32(0)
		if e.c[q] > 0 {
			dm = e.dc[q]
			active++
			t.fired[j] = true
		}
		t.gBMag[j] += dm
		t.gRMag[j] += dm * er[j] * e.pre[q]
		t.gBEnc[j] += dpi
		e.dpre[q] = dm*er[j] + dpi
	}
	loss += t.coef * l1 / float64(B)
	encodeBack(e, &t.lat, t.xc, t.wEncT, t.gWEncT, nil, t.bDecGrad(), B, S, D)
	t.l0 = float64(active) / float64(B)
	return loss
}
