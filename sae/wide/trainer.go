package wide

import (
	"math"

	"saelab/internal/par"
	"saelab/internal/vec"
	"saelab/rng"
)

// purposeInit keys the initial decoder directions' stream (rng.New(seed, purposeInit)), apart
// from every stream synth draws its batches from.
const purposeInit uint64 = 0x5741_4445_0001

// Sample stream indices: training step k draws batch k; the activation-norm estimate draws
// from normIndexBase on, below synth.EvalIndexBase, so the three never share a batch.
const normIndexBase = 1 << 61

// trainer holds one SAE's training state: float32 parameters in SAELens's training form
// (W_enc kept both as W_encᵀ [S×D], the parameter, and W_enc [D×S], the copy the dense product
// reads), their Adam state, and the step's scratch.
type trainer struct {
	c       Config
	B, S, D int

	wEncT, wEnc, bEnc, wDec, bDec []float32
	logTh, bMag, rMag             []float32 // jumprelu; gated (bEnc is b_gate)
	wDecT                         []float32 // W_decᵀ [D×S]: matching pursuit's scores, dense decoder backward
	ps                            []*param
	gWEncT, gBEnc, gWDec, gBDec   []float32
	gLogTh, gBMag, gRMag          []float32

	tau     float64 // batchtopk, matryoshka: inference threshold (EMA)
	minKept float64 // batchtopk: the smallest positive kept activation of the last forward (0: none)
	coef    float64 // effective sparsity coefficient of this step
	dead    []bool  // AuxK's dead mask for this step
	nDead   int
	fired   []bool // latents with an activation > 0 in the last forward
	l0      float64

	x, xc, pre, sc, xhat, g, norms []float32
	main                           entries
	aux                            []entries
	lat                            latIndex
	res                            [][]float32 // detached residuals of the aux losses, by level
	inner, ginner                  [][]float32 // matryoshka: inner reconstructions and their gradients
	band                           [][]float32 // matryoshka: per-band decoder gradients
	tmp, dense                     []float32
	cands, sel                     []cand // selection scratch
	selN                           []int
	denseDiv                       int // decodeBack goes dense above B·S/denseDiv entries
	mp                             mpWork

	// freeze keeps res (and, for gated, detDec/detBDec) from the last unfrozen call: the
	// gradient tests' way to hold SAELens's detached tensors constant under perturbation.
	freeze                   bool
	detDec, detDecT, detBDec []float32
}

func newTrainer(c Config, B int, seed uint64) *trainer {
	S, D := c.DSAE, c.DIn
	t := &trainer{c: c, B: B, S: S, D: D, dead: make([]bool, S), fired: make([]bool, S), denseDiv: 16}
	t.wDec = make([]float32, S*D)
	st := rng.New(seed, purposeInit)
	for j := 0; j < S; j++ { // kaiming-uniform directions, rows scaled to decoder_init_norm
		row := t.wDec[j*D : (j+1)*D]
		s := 0.0
		for d := range row {
			v := st.Uniform(-1, 1)
			row[d] = float32(v)
			s += float64(row[d]) * float64(row[d])
		}
		f := c.DecoderInitNorm / math.Sqrt(max(s, 1e-30))
		for d := range row {
			row[d] = float32(float64(row[d]) * f)
		}
	}
	t.bDec = make([]float32, D)
	pDec, pBDec := newParam("W_dec", t.wDec), newParam("b_dec", t.bDec)
	t.gWDec, t.gBDec = pDec.g, pBDec.g
	t.wDecT = make([]float32, D*S)
	if c.Arch == "matching_pursuit" {
		t.ps = []*param{pDec, pBDec}
		t.refresh()
		return t
	}
	t.wEncT = append([]float32(nil), t.wDec...) // W_enc = W_decᵀ (SAELens init)
	t.wEnc = make([]float32, D*S)
	t.bEnc = make([]float32, S)
	pEnc, pBEnc := newParam("W_enc", t.wEncT), newParam("b_enc", t.bEnc)
	t.gWEncT, t.gBEnc = pEnc.g, pBEnc.g
	t.ps = []*param{pEnc, pBEnc, pDec, pBDec}
	switch c.Arch {
	case "jumprelu":
		t.logTh = make([]float32, S)
		for j := range t.logTh {
			t.logTh[j] = float32(math.Log(c.JumpReLUInitThreshold))
		}
		p := newParam("log_threshold", t.logTh)
		t.gLogTh, t.ps = p.g, append(t.ps, p)
	case "gated":
		t.bMag, t.rMag = make([]float32, S), make([]float32, S)
		pm, pr := newParam("b_mag", t.bMag), newParam("r_mag", t.rMag)
		t.gBMag, t.gRMag, t.ps = pm.g, pr.g, append(t.ps, pm, pr)
	}
	t.refresh()
	return t
}

// refresh rebuilds the transposed copies after a parameter update.
func (t *trainer) refresh() {
	if t.wEnc != nil {
		transpose(t.wEnc, t.wEncT, t.S, t.D)
	}
	transpose(t.wDecT, t.wDec, t.S, t.D)
}

// transpose writes src [r×c] transposed into dst [c×r].
func transpose(dst, src []float32, r, c int) {
	par.ForEachRange(c, func(lo, hi int) {
		for k := lo; k < hi; k++ {
			d := dst[k*r : (k+1)*r]
			for i := range d {
				d[i] = src[i*c+k]
			}
		}
	})
}

// lossGrad runs one forward and backward pass on x [B×D] (already scaled): it zeroes and
// fills every gradient, sets fired, l0 and minKept, and returns the total loss.
func (t *trainer) lossGrad(x []float32) float64 {
	for _, p := range t.ps {
		clear(p.g)
	}
	B, S, D := t.B, t.S, t.D
	t.x = x
	t.xc = grow(t.xc, B*D)
	copy(t.xc, x)
	if t.c.ApplyBDecToInput {
		for b := 0; b < B; b++ {
			axpy32(t.xc[b*D:(b+1)*D], -1, t.bDec)
		}
	}
	t.xhat, t.g = grow(t.xhat, B*D), grow(t.g, B*D)
	clear(t.fired)
	t.minKept = 0
	if t.c.Arch == "matching_pursuit" {
		return t.mpLossGrad()
	}
	t.pre = grow(t.pre, B*S)
	for b := 0; b < B; b++ {
		if t.c.Arch == "gated" {
			clear(t.pre[b*S : (b+1)*S])
		} else {
			copy(t.pre[b*S:(b+1)*S], t.bEnc)
		}
	}
	vec.Gemm(t.pre, t.xc, t.wEnc, B, D, S) // the one dense product: pre = xc·W_enc (+ b_enc)
	switch t.c.Arch {
	case "standard":
		return t.standardLossGrad()
	case "jumprelu":
		return t.jumpReLULossGrad()
	case "gated":
		return t.gatedLossGrad()
	}
	return t.topKLossGrad()
}

// decodeMain sets xhat = b_dec + Σ c·W_dec,j over the main entries, g = 2(xhat − x)/B and
// returns the MSE Σ_d (xhat − x)² averaged over the batch (SAELens: sum over d_in, mean over
// the batch); b_dec's gradient gets Σ_b g_b.
func (t *trainer) decodeMain() float64 {
	B, D := t.B, t.D
	for b := 0; b < B; b++ {
		copy(t.xhat[b*D:(b+1)*D], t.bDec)
	}
	decodeInto(t.xhat, &t.main, t.main.c, t.wDec, B, t.S, D)
	mse := reconGrad(t.g, t.xhat, t.x, 1, B)
	addRowSum(t.gBDec, t.g, B, D)
	return mse
}

// reconGrad sets g = w·2(y − x)/B and returns w·Σ(y − x)²/B (float64).
func reconGrad(g, y, x []float32, w float64, B int) float64 {
	s := 0.0
	f := float32(2 * w / float64(B))
	for i, v := range y {
		d := v - x[i]
		s += float64(d) * float64(d)
		g[i] = f * d
	}
	return w * s / float64(B)
}

// addRowSum adds Σ_b g_b (sample order) to dst [D].
func addRowSum(dst, g []float32, B, D int) {
	for b := 0; b < B; b++ {
		axpy32(dst, 1, g[b*D:(b+1)*D])
	}
}

// decoderNorms sets norms_j = ‖W_dec,j‖.
func (t *trainer) decoderNorms() []float32 {
	t.norms = grow(t.norms, t.S)
	D := t.D
	for j := range t.norms {
		r := t.wDec[j*D : (j+1)*D]
		t.norms[j] = float32(math.Sqrt(float64(dot32(r, r))))
	}
	return t.norms
}

// countFired marks latents with a positive activation and returns the batch L0.
func (t *trainer) countFired(e *entries, act []float32) float64 {
	n := 0
	for p, j := range e.idx {
		if act[p] > 0 {
			t.fired[j] = true
			n++
		}
	}
	return float64(n) / float64(t.B)
}
