package wide

import (
	"math"

	"saelab/internal/par"
	"saelab/internal/vec"
)

// mpWork is the matching pursuit's scratch. Its entries have one row per (sample b,
// iteration t), row b·K + t, holding the latent picked (idx), the score s_t (pre), the value
// v_t = ReLU(s_t) (c) and ∂L/∂s_t (du); iterations that added nothing have no entry.
type mpWork struct {
	r, u0, sc []float32 // current residuals [B×D], ∂L/∂r_0 [B×D], scores [B×S]
	rs, w     []float32 // residual before each iteration and g_b − ∂L/∂r_{t+1}, [B·K×D]
	e         entries
	offS      []int // sample b's entries: [offS[b], offS[b+1])
	pick      []int32
	val, s    []float32
	done      []bool
}

// mpEncode runs the greedy pursuit on the rows of r (which it consumes) for up to K
// iterations (spec synthetic.md §11.3; SAELens _encode_matching_pursuit with EXP's
// max_iterations): pick j = argmax ReLU(r·W_dec,j) (first maximum), v = ReLU(r·W_dec,j),
// r ← r − v·W_dec,j. A sample stops after an iteration that leaves its support unchanged
// (StopOnDuplicateSupport) or its ‖r‖ below ResidualThreshold. visit(b, t, j, s, v, rBefore)
// sees every iteration a sample runs.
func mpEncode(c Config, r, wDec, wDecT, sc []float32, n int, done []bool, visit func(b, t, j int, s, v float32, rBefore []float32)) {
	S, D := c.DSAE, c.DIn
	clear(done[:n])
	supp := make([][]int32, n)
	for it := 0; it < c.K; it++ {
		clear(sc[:n*S])
		vec.Gemm(sc, r, wDecT, n, D, S)
		par.ForEachRange(n, func(lo, hi int) {
			for b := lo; b < hi; b++ {
				if done[b] {
					continue
				}
				row := sc[b*S : (b+1)*S]
				best, bv := 0, max(row[0], 0)
				for j, v := range row {
					if max(v, 0) > bv {
						best, bv = j, max(v, 0)
					}
				}
				rb := r[b*D : (b+1)*D]
				visit(b, it, best, row[best], bv, rb)
				if bv > 0 {
					axpy32(rb, -bv, wDec[best*D:(best+1)*D])
				}
				if c.StopOnDuplicateSupport {
					dup := bv == 0
					for _, j := range supp[b] {
						dup = dup || int(j) == best
					}
					if dup {
						done[b] = true
					} else {
						supp[b] = append(supp[b], int32(best))
					}
				}
				if c.ResidualThreshold > 0 && math.Sqrt(float64(dot32(rb, rb))) < c.ResidualThreshold {
					done[b] = true
				}
			}
		})
	}
}

// mpLossGrad is the matching-pursuit SAE's forward and backward pass (SAELens
// MatchingPursuitTrainingSAE, tied: the encoder is W_decᵀ). Per sample, r_0 = x − b_dec and
// iteration t picks j_t with score s_t = r_t·W_dec,j_t, v_t = ReLU(s_t),
// r_{t+1} = r_t − v_t·W_dec,j_t; x̂ = b_dec + Σ_t v_t·W_dec,j_t; L = mean_b Σ_d (x̂ − x)².
// The picks are piecewise constant; reverse mode through the recurrence with g = ∂L/∂x̂ and
// u = ∂L/∂r_{t+1} (u = 0 after the last iteration), for t from last to first:
//
//	∂v_t = (g − u)·W_dec,j_t;   ∂s_t = 1[s_t > 0]·∂v_t;   u ← u + ∂s_t·W_dec,j_t
//	∂W_dec,j_t += v_t·(g − u_old) + ∂s_t·r_t;   finally ∂b_dec += Σ_b (g_b − u_b)
//
// The AuxK term sees zero pre-activations (SAELens returns zeros as hidden_pre), so it
// reduces to coeff·scale·mean_b ‖b_dec − stopgrad(x − x̂)‖², a pull on b_dec alone.
func (t *trainer) mpLossGrad() float64 {
	B, S, D, K := t.B, t.S, t.D, t.c.K
	w := &t.mp
	w.r, w.u0, w.sc = grow(w.r, B*D), grow(w.u0, B*D), grow(w.sc, B*S)
	w.rs, w.w = grow(w.rs, B*K*D), grow(w.w, B*K*D)
	w.pick, w.val, w.s, w.done = grow(w.pick, B*K), grow(w.val, B*K), grow(w.s, B*K), grow(w.done, B)
	for i := range w.pick {
		w.pick[i] = -1
	}
	copy(w.r, t.xc)
	mpEncode(t.c, w.r, t.wDec, t.wDecT, w.sc, B, w.done, func(b, it, j int, s, v float32, rb []float32) {
		q := b*K + it
		if v > 0 {
			w.pick[q], w.s[q], w.val[q] = int32(j), s, v
			copy(w.rs[q*D:(q+1)*D], rb)
		}
	})
	e := &w.e
	e.build(B*K, func(q int) int {
		if w.pick[q] >= 0 {
			return 1
		}
		return 0
	}, func(q, lo, _ int) {
		if w.pick[q] >= 0 {
			e.idx[lo], e.pre[lo], e.c[lo] = w.pick[q], w.s[q], w.val[q]
		}
	})
	w.offS = grow(w.offS, B+1)
	for b := 0; b <= B; b++ {
		w.offS[b] = e.off[b*K]
	}
	for b := 0; b < B; b++ {
		if t.c.ApplyBDecToInput {
			copy(t.xhat[b*D:(b+1)*D], t.bDec)
		} else {
			clear(t.xhat[b*D : (b+1)*D])
		}
	}
	vec.GemmSparse(t.xhat, w.offS, e.idx, e.c, t.wDec, B, S, D)
	loss := reconGrad(t.g, t.xhat, t.x, 1, B)
	par.ForEachRange(B, func(lo, hi int) {
		for b := lo; b < hi; b++ {
			u := w.u0[b*D : (b+1)*D]
			clear(u)
			gb := t.g[b*D : (b+1)*D]
			for it := K - 1; it >= 0; it-- {
				q := b*K + it
				if e.off[q] == e.off[q+1] {
					continue
				}
				p := e.off[q]
				j := int(e.idx[p])
				wj := t.wDec[j*D : (j+1)*D]
				wq := w.w[q*D : (q+1)*D]
				for d := range wq {
					wq[d] = gb[d] - u[d]
				}
				ds := float32(0)
				if e.pre[p] > 0 {
					ds = dot32(wq, wj)
				}
				e.du[p] = ds
				axpy32(u, ds, wj)
			}
		}
	})
	t.lat.build(e, S)
	vec.GemmSparse(t.gWDec, t.lat.off, t.lat.row, t.lat.gather(e.c), w.w, S, B*K, D)
	vec.GemmSparse(t.gWDec, t.lat.off, t.lat.row, t.lat.gather(e.du), w.rs, S, B*K, D)
	if t.c.ApplyBDecToInput {
		addRowSum(t.gBDec, t.g, B, D)
		for b := 0; b < B; b++ {
			axpy32(t.gBDec, -1, w.u0[b*D:(b+1)*D])
		}
	}
	active := 0
	mark := make(map[int32]bool, K)
	for b := 0; b < B; b++ {
		clear(mark)
		for _, j := range e.idx[w.offS[b]:w.offS[b+1]] {
			mark[j] = true
			t.fired[j] = true
		}
		active += len(mark)
	}
	t.l0 = float64(active) / float64(B)
	if t.nDead > 0 && t.c.ApplyBDecToInput {
		kAux := D / 2
		scale := min(float64(t.nDead)/float64(kAux), 1)
		r := t.residual(0, t.xhat)
		t.tmp = grow(t.tmp, B*D)
		for b := 0; b < B; b++ {
			copy(t.tmp[b*D:(b+1)*D], t.bDec)
		}
		loss += reconGrad(t.tmp, t.tmp, r, t.c.AuxLossCoeff*scale, B)
		addRowSum(t.gBDec, t.tmp, B, D)
	}
	return loss
}
