package eval

import (
	"math"

	"saelab/metrics"
	"saelab/rng"
	"saelab/sae"
	"saelab/toymodel"
)

// Batch sizes of the evaluation: losses, L0 and recovery on 4096 samples, dead latents on 16384.
const (
	LossSamples = 4096
	DeadSamples = 16384
)

// Instance is one SAE instance's evaluation. Loss terms are means over the evaluation batch
// of the architecture's inference forward (BatchTopK and Matryoshka: the threshold path, JumpReLU
// with θ = τ). LSparsity is the L1 (standard), Σ ReLU(π_gate) (gated) or the L0 (JumpReLU,
// TopK family); LAux is Gated's L_aux or the TopK family's L_auxk (with the dead mask at the
// end of training); Terms has every term by its reference name.
type Instance struct {
	Index                                      int
	Loss, LReconstruction, LSparsity, LAux, L0 float64
	Terms                                      map[string]float64
	DeadLatents                                int
	ExplainedVariance, L2Ratio, RelBias, Slope float64
	// FiringRatio is Slope over the samples where the matched latent fires (metrics.FiringRatio).
	FiringRatio float64
	Recovery    metrics.Recovery
}

// Result is the evaluation of every instance.
type Result struct {
	Instances     []Instance
	Monosemantic  int     // instances with all features recovered by distinct alive latents
	GeometricMono int     // instances passing the 72°-gap proxy (d_in = 2 only)
	MeanMMCS      float64 // mean over instances
}

// SAE evaluates s on fresh batches drawn from seed's evaluation streams.
func SAE(s *sae.SAE, seed uint64) (Result, error) {
	I, D, S := s.Cfg.NInst, s.Cfg.DIn, s.Cfg.DSAE
	F := s.Model.Cfg.NFeatures
	// The forward passes run on GOMAXPROCS workers (ForwardParallel: Forward's bits); the
	// dead-latent batch needs no features (GenerateHidden: GenerateWithFeatures's h).
	x, h := s.GenerateWithFeatures(LossSamples, toymodel.Streams(seed, rng.PurposeEval, I))
	out := s.ForwardParallel(h, LossSamples)
	hd := s.GenerateHidden(DeadSamples, toymodel.Streams(seed, rng.PurposeEval+100, I))
	outDead := s.ForwardParallel(hd, DeadSamples)
	alive := metrics.Alive(outDead.Acts, DeadSamples, I, S)
	dead := metrics.DeadLatents(outDead.Acts, DeadSamples, I, S)
	l0 := metrics.L0(out.Acts, LossSamples, I, S)
	ev := metrics.ExplainedVariance(h, out.HRec, LossSamples, I, D)
	l2 := metrics.L2Ratio(h, out.HRec, LossSamples, I, D)
	rb := metrics.RelativeReconstructionBias(h, out.HRec, LossSamples, I, D)
	// Learned directions: W_dec_normalized, i.e. the decoder rows normalised. Gated and JumpReLU
	// decode with the raw W_dec; its rows normalised are their directions all the same.
	wn := s.WDecNormalized()
	trueDirs := s.Model.W[:D*F] // [D][F]: column f is feature f's direction
	res := Result{Instances: make([]Instance, I)}
	for i := 0; i < I; i++ {
		in := Instance{Index: i, L0: l0[i], DeadLatents: dead[i], ExplainedVariance: ev[i], L2Ratio: l2[i], RelBias: rb[i],
			Terms: map[string]float64{}}
		for b := 0; b < LossSamples; b++ {
			in.Loss += out.Loss[b*I+i] / LossSamples
			for _, name := range s.TermNames() {
				in.Terms[name] += out.Terms[name][b*I+i] / LossSamples
			}
		}
		in.LReconstruction, in.LSparsity = in.Terms["L_reconstruction"], in.Terms["L_sparsity"]
		in.LAux = in.Terms["L_aux"] + in.Terms["L_auxk"] // at most one exists
		rec, err := metrics.Recover(trueDirs, D, F, wn[i*S*D:(i+1)*S*D], S, alive[i*S:(i+1)*S], metrics.DefaultRecoveryThreshold)
		if err != nil {
			return Result{}, err
		}
		in.Recovery = rec
		in.Slope, in.FiringRatio = featureShrinkage(x, out.Acts, trueDirs, rec.Matched, LossSamples, I, i, D, F, S)
		res.Instances[i] = in
		if rec.Monosemantic {
			res.Monosemantic++
		}
		if rec.GeometricMonosemantic {
			res.GeometricMono++
		}
		res.MeanMMCS += rec.MMCS / float64(I)
	}
	return res, nil
}

// featureShrinkage is the mean over matched features of the Figure-15 slope (spec §6.5):
// act_j/‖W[:,f]‖ against x_f over samples with x_f > 1e-4, through the origin; and the mean
// of the same fit over the samples where latent j fires (metrics.FiringRatio), over the
// features where it fires at all. NaN when no feature qualifies.
func featureShrinkage(x, acts, W []float64, matched []int, B, I, i, D, F, S int) (slope, firing float64) {
	var sumS, sumF float64
	nS, nF := 0, 0
	for f := 0; f < F; f++ {
		j := matched[f]
		if j < 0 {
			continue
		}
		var wn float64
		for d := 0; d < D; d++ {
			wn += W[d*F+f] * W[d*F+f]
		}
		wn = math.Sqrt(wn)
		var xs, ys, as []float64
		for b := 0; b < B; b++ {
			if xv := x[(b*I+i)*F+f]; xv > 1e-4 {
				a := acts[(b*I+i)*S+j]
				xs, ys, as = append(xs, xv), append(ys, a/wn), append(as, a)
			}
		}
		if len(xs) == 0 {
			continue
		}
		sumS += metrics.ShrinkageSlope(xs, ys)
		nS++
		if r := metrics.FiringRatio(xs, ys, as); !math.IsNaN(r) {
			sumF += r
			nF++
		}
	}
	slope, firing = math.NaN(), math.NaN()
	if nS > 0 {
		slope = sumS / float64(nS)
	}
	if nF > 0 {
		firing = sumF / float64(nF)
	}
	return slope, firing
}
