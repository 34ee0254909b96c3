package synth

import (
	"fmt"
	"math"

	"saelab/internal/par"
)

// Limits of the evaluation: the |cos| matrix of NewEvaluator (S·F float32 entries, 4 GiB at
// most) and Evaluate's batch.
const (
	MaxCosEntries = 1 << 30
	MaxEvalBatch  = 1 << 16
)

// SAE is what the evaluation needs of a sparse autoencoder with input dimension H and S
// latents (spec §9). Encode and Decode work on n rows at once: len(x) = n·H, len(z) = n·S.
type SAE interface {
	Width() int               // S
	Encode(x, z []float32)    // z = encode(x)
	Decode(z, xhat []float32) // x̂ = decode(z)
	DecoderRows() []float32   // W_dec [S×H], rows in any scale
}

// Result holds eval_sae_on_synthetic_data's numbers (spec §9). Precision, Recall, F1 and
// Accuracy are the unweighted means over all S latents, dead ones included.
type Result struct {
	TrueL0            float64 `json:"true_l0"`
	SAEL0             float64 `json:"sae_l0"`
	DeadLatents       int     `json:"dead_latents"`
	Shrinkage         float64 `json:"shrinkage"`
	ExplainedVariance float64 `json:"explained_variance"`
	MCC               float64 `json:"mcc"`
	Uniqueness        float64 `json:"uniqueness"`
	Precision         float64 `json:"precision"`
	Recall            float64 `json:"recall"`
	F1                float64 `json:"f1_score"`
	Accuracy          float64 `json:"accuracy"`
	Samples           int64   `json:"samples"`
}

// Evaluator accumulates the spec §9 metrics over evaluation batches. The weight-only metrics
// (MCC, uniqueness, each latent's best-matching feature) are computed once by NewEvaluator;
// Add then streams samples.
type Evaluator struct {
	F, H, S    int
	MCC        float64
	Uniqueness float64
	Best       []int32 // m_j: the true feature with the largest |cos| to latent j's decoder row

	byFeat     [][]int32 // latents whose best match is feature f
	n          int64
	trueActive int64
	saeActive  int64
	fired      []bool
	shrinkSum  float64
	shrinkN    int64
	sse, sumSq float64
	sumX       []float64
	tp, fp, fn []int64
	truth      []bool // scratch: the current sample's active features
}

// NewEvaluator prepares the evaluation of an SAE with decoder rows dec [S×H] against the true
// feature vectors truth [F×H]: it builds C = |cos(dec, truth)| once, finds each latent's best
// match (first maximum, as torch.argmax), the uniqueness |{m_j}|/S, and the MCC, the mean of
// C over an exact maximum-weight one-to-one matching of min(S, F) pairs (AssignMax).
func NewEvaluator(truth []float32, F int, dec []float32, S, H int) (*Evaluator, error) {
	if F < 1 || S < 0 || H < 1 || len(truth) != F*H || len(dec) != S*H {
		return nil, fmt.Errorf("synth: evaluation: truth must be F×H and the decoder S×H (got %d and %d values for F=%d, S=%d, H=%d)", len(truth), len(dec), F, S, H)
	}
	if int64(S)*int64(F) > MaxCosEntries {
		return nil, fmt.Errorf("synth: evaluation: %d latents × %d features: the cosine matrix may hold at most %d entries", S, F, int64(MaxCosEntries))
	}
	for i, v := range dec {
		if !finite(float64(v)) {
			return nil, fmt.Errorf("synth: evaluation: decoder weight %d = %g: must be finite", i, v)
		}
	}
	e := &Evaluator{F: F, H: H, S: S, Best: make([]int32, S), fired: make([]bool, S), sumX: make([]float64, H),
		tp: make([]int64, S), fp: make([]int64, S), fn: make([]int64, S), truth: make([]bool, F), byFeat: make([][]int32, F)}
	if S == 0 {
		return e, nil
	}
	if S <= F { // rows = latents
		c := AbsCos(dec, S, truth, F, H)
		for j := 0; j < S; j++ {
			e.Best[j] = int32(argmaxFirst(c[j*F : (j+1)*F]))
		}
		e.MCC = matchedMean(c, S, F)
	} else { // rows = features: the assignment needs rows ≤ columns
		c := AbsCos(truth, F, dec, S, H)
		best := make([]float32, S)
		for j := range best {
			best[j] = -1
		}
		for f := 0; f < F; f++ {
			for j, v := range c[f*S : (f+1)*S] {
				if v > best[j] {
					best[j], e.Best[j] = v, int32(f)
				}
			}
		}
		e.MCC = matchedMean(c, F, S)
	}
	distinct := map[int32]bool{}
	for j, f := range e.Best {
		distinct[f] = true
		e.byFeat[f] = append(e.byFeat[f], int32(j))
	}
	e.Uniqueness = float64(len(distinct)) / float64(S)
	return e, nil
}

func argmaxFirst(v []float32) int {
	best := 0
	for k, x := range v {
		if x > v[best] {
			best = k
		}
	}
	return best
}

// matchedMean is the mean of c [n×m] (n ≤ m) over an optimal assignment.
func matchedMean(c []float32, n, m int) float64 {
	col := AssignMax(c, n, m)
	sum := 0.0
	for i, j := range col {
		sum += float64(c[i*m+j])
	}
	return sum / float64(n)
}

// AbsCos returns |cos(a_i, b_j)| [na×nb] for the rows of a [na×H] and b [nb×H], each row
// divided by max(‖row‖, 1e-8) first (so a zero row has cosine 0 with everything), computed
// with vec.Gemm in float32.
func AbsCos(a []float32, na int, b []float32, nb, H int) []float32 {
	c := signedCos(a, na, normalisedT(b, nb, H), nb, H)
	for k, x := range c {
		c[k] = float32(math.Abs(float64(x)))
	}
	return c
}

func normalisedCopy(a []float32, n, H int) []float32 {
	out := make([]float32, n*H)
	for i := 0; i < n; i++ {
		row := a[i*H : (i+1)*H]
		nn := float32(max(math.Sqrt(sumSquares(row)), 1e-8))
		for k, x := range row {
			out[i*H+k] = x / nn
		}
	}
	return out
}

// Add accumulates n = a.N samples: their true activations a, inputs x [n×H], latents z
// [n×S] and reconstructions xhat [n×H].
func (e *Evaluator) Add(a *Batch, x, z, xhat []float32) {
	H, S := e.H, e.S
	for s := 0; s < a.N; s++ {
		feats := a.Index[a.Off[s]:a.Off[s+1]]
		e.trueActive += int64(len(feats))
		for _, f := range feats {
			e.truth[f] = true
		}
		zs := z[s*S : (s+1)*S]
		for j, v := range zs {
			if v > 0 {
				e.saeActive++
				e.fired[j] = true
				if e.truth[e.Best[j]] {
					e.tp[j]++
				} else {
					e.fp[j]++
				}
			}
		}
		for _, f := range feats {
			for _, j := range e.byFeat[f] {
				if !(zs[j] > 0) {
					e.fn[j]++
				}
			}
			e.truth[f] = false
		}
		xs, hs := x[s*H:(s+1)*H], xhat[s*H:(s+1)*H]
		nx, nh, d := 0.0, 0.0, 0.0
		for k, xv := range xs {
			x64, h64 := float64(xv), float64(hs[k])
			nx += x64 * x64
			nh += h64 * h64
			d += (x64 - h64) * (x64 - h64)
			e.sumX[k] += x64
		}
		if math.Sqrt(nx) > 1e-6 {
			e.shrinkSum += math.Sqrt(nh) / math.Sqrt(nx)
			e.shrinkN++
		}
		e.sse += d
		e.sumSq += nx
	}
	e.n += int64(a.N)
}

// Result returns the metrics over all samples added so far.
func (e *Evaluator) Result() Result {
	r := Result{MCC: e.MCC, Uniqueness: e.Uniqueness, Samples: e.n}
	for _, f := range e.fired {
		if !f {
			r.DeadLatents++
		}
	}
	if e.n == 0 {
		return r
	}
	N := float64(e.n)
	r.TrueL0, r.SAEL0 = float64(e.trueActive)/N, float64(e.saeActive)/N
	if e.shrinkN > 0 {
		r.Shrinkage = e.shrinkSum / float64(e.shrinkN)
	}
	mean2 := 0.0
	for _, s := range e.sumX {
		mean2 += (s / N) * (s / N)
	}
	den := e.sumSq/N - mean2
	switch {
	case den >= 1e-10:
		r.ExplainedVariance = 1 - (e.sse/N)/den
	case e.sse < 1e-10:
		r.ExplainedVariance = 1
	}
	if e.S == 0 {
		return r
	}
	for j := 0; j < e.S; j++ {
		tp, fp, fn := float64(e.tp[j]), float64(e.fp[j]), float64(e.fn[j])
		p, rc := ratio(tp, tp+fp), ratio(tp, tp+fn)
		r.Precision += p
		r.Recall += rc
		r.F1 += ratio(2*p*rc, p+rc)
		r.Accuracy += (N - fp - fn) / max(N, 1e-8)
	}
	s := float64(e.S)
	r.Precision, r.Recall, r.F1, r.Accuracy = r.Precision/s, r.Recall/s, r.F1/s, r.Accuracy/s
	return r
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// EvalIndexBase is the first stream index of Evaluate's batches: batch k of an evaluation is
// Sample(…, seed, EvalIndexBase+k), so evaluation samples never repeat training batches drawn
// with small indices (e.g. the step number) from the same seed.
const EvalIndexBase = 1 << 62

// Evaluate runs eval_sae_on_synthetic_data (spec §9): samples samples in batches of batch
// (the last one smaller), drawn from m with the given seed (batch k uses stream index
// EvalIndexBase + k); the SAE sees scale·x and its reconstruction is divided by scale (scale
// 0 or 1: no scaling).
func Evaluate(m *Model, sae SAE, samples, batch int, seed uint64, scale float64) (Result, error) {
	F, H, S := m.Config.NumFeatures, m.Config.HiddenDim, sae.Width()
	if samples < 0 || batch < 1 || batch > MaxEvalBatch || int64(batch)*int64(max(S, H)) > MaxDictSize {
		return Result{}, fmt.Errorf("synth: evaluation: samples = %d, batch = %d: need samples ≥ 0 and 1 ≤ batch ≤ %d with batch × max(width, hidden_dim) ≤ %d",
			samples, batch, MaxEvalBatch, MaxDictSize)
	}
	dec := sae.DecoderRows()
	e, err := NewEvaluator(m.Dict.V, F, dec, S, H)
	if err != nil {
		return Result{}, err
	}
	var a Batch
	x, xs := make([]float32, batch*H), make([]float32, batch*H)
	z, xhat := make([]float32, batch*S), make([]float32, batch*H)
	for k := 0; k*batch < samples; k++ {
		n := min(batch, samples-k*batch)
		m.Sample(&a, x[:n*H], n, seed, EvalIndexBase+uint64(k))
		in := x[:n*H]
		if scale != 0 && scale != 1 {
			for i, v := range in {
				xs[i] = v * float32(scale)
			}
			in = xs[:n*H]
		}
		sae.Encode(in, z[:n*S])
		sae.Decode(z[:n*S], xhat[:n*H])
		if scale != 0 && scale != 1 {
			for i := range xhat[:n*H] {
				xhat[i] /= float32(scale)
			}
		}
		e.Add(&a, x[:n*H], z[:n*S], xhat[:n*H])
	}
	return e.Result(), nil
}

// parRows runs f over [0, n) in contiguous blocks on up to GOMAXPROCS goroutines.
func parRows(n int, f func(lo, hi int)) { par.ForEachRange(n, f) }
