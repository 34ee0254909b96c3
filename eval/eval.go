package eval

import (
	"math"

	"saelab/internal/par"
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

// SAE evaluates s on fresh batches drawn from seed's evaluation streams. Instances are
// evaluated on GOMAXPROCS workers, each one sample at a time (sae.InstanceForward, with the
// metrics' accumulators), so that memory stays O(d_sae + n_features·d_sae) per worker whatever
// the batch sizes, with the bits of whole-batch metrics: every sum runs in sample order.
func SAE(s *sae.SAE, seed uint64) (Result, error) {
	I := s.Cfg.NInst
	res := Result{Instances: make([]Instance, I)}
	errs := make([]error, I)
	par.ForEach(I, func(i int) { res.Instances[i], errs[i] = instance(s, i, seed) })
	for i := range res.Instances {
		if errs[i] != nil {
			return Result{}, errs[i]
		}
		rec := res.Instances[i].Recovery
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

// instance evaluates SAE instance i: its dead latents on DeadSamples samples, its recovery of
// the features, then its losses, L0, reconstruction metrics and shrinkage on LossSamples.
func instance(s *sae.SAE, i int, seed uint64) (Instance, error) {
	D, S, F := s.Cfg.DIn, s.Cfg.DSAE, s.Model.Cfg.NFeatures
	in := Instance{Index: i, Terms: map[string]float64{}}
	var ib toymodel.InstBatch
	h := make([]float64, D)
	fwd := s.NewInstanceForward(i)
	// Dead latents: those that never fire on the dead-latent batch (its own stream).
	alive := make([]bool, S)
	s.Model.GenerateInstance(i, DeadSamples, rng.New(seed, rng.PurposeEval+100, uint64(i)), &ib)
	eachSample(s, &ib, DeadSamples, h, func(int, []int32, []float64) {
		fwd.Sample(h)
		for j, a := range fwd.Acts() {
			alive[j] = alive[j] || math.Abs(a) > metrics.ActiveEps
		}
	})
	for _, a := range alive {
		if !a {
			in.DeadLatents++
		}
	}
	// Learned directions: W_dec_normalized, i.e. the decoder rows normalised. Gated and JumpReLU
	// decode with the raw W_dec; its rows normalised are their directions all the same.
	trueDirs := s.Model.W[:D*F] // [D][F]: column f is feature f's direction
	rec, err := metrics.Recover(trueDirs, D, F, s.DecoderDirections(i), S, alive, metrics.DefaultRecoveryThreshold)
	if err != nil {
		return Instance{}, err
	}
	in.Recovery = rec
	// The loss batch, twice: the mean of h first (explained variance needs it), then the rest.
	s.Model.GenerateInstance(i, LossSamples, rng.New(seed, rng.PurposeEval, uint64(i)), &ib)
	mean := metrics.NewMean(D)
	eachSample(s, &ib, LossSamples, h, func(int, []int32, []float64) { mean.Add(h) })
	recon := metrics.NewReconstruction(mean.Value())
	fits, norms := make([]metrics.Shrinkage, F), featureNorms(trueDirs, D, F)
	names := s.TermNames()
	var l0 float64
	eachSample(s, &ib, LossSamples, h, func(_ int, feat []int32, val []float64) {
		loss, terms := fwd.Sample(h)
		in.Loss += loss / LossSamples
		for k, name := range names {
			in.Terms[name] += terms[k] / LossSamples
		}
		acts := fwd.Acts()
		for _, a := range acts {
			if math.Abs(a) > metrics.ActiveEps {
				l0++
			}
		}
		recon.Add(h, fwd.HRec())
		// Figure-15 pairs (spec §6.5): x_f against act_j/‖W[:,f]‖ for the matched latent j,
		// over the samples with x_f > 1e-4.
		for e, f := range feat {
			if j := rec.Matched[f]; j >= 0 && val[e] > 1e-4 {
				fits[f].Add(val[e], acts[j]/norms[f], acts[j])
			}
		}
	})
	in.L0 = l0 / LossSamples
	in.ExplainedVariance, in.L2Ratio, in.RelBias = recon.ExplainedVariance(), recon.L2Ratio(), recon.RelBias()
	in.LReconstruction, in.LSparsity = in.Terms["L_reconstruction"], in.Terms["L_sparsity"]
	in.LAux = in.Terms["L_aux"] + in.Terms["L_auxk"] // at most one exists
	in.Slope, in.FiringRatio = featureShrinkage(fits, rec.Matched)
	return in, nil
}

// eachSample calls visit for every sample b of a batch of B (ib, sparse) in order, with h set
// to its SAE input (sae.ProjectSample; all zero for a sample without features) and its
// entries.
func eachSample(s *sae.SAE, ib *toymodel.InstBatch, B int, h []float64, visit func(b int, feat []int32, val []float64)) {
	k := 0
	for b := 0; b < B; b++ {
		if k < len(ib.Sample) && int(ib.Sample[k]) == b {
			lo, hi := ib.Start[k], ib.Start[k+1]
			s.ProjectSample(h, ib.Feat[lo:hi], ib.Val[lo:hi])
			visit(b, ib.Feat[lo:hi], ib.Val[lo:hi])
			k++
			continue
		}
		clear(h)
		visit(b, nil, nil)
	}
}

// featureNorms returns ‖W[:,f]‖ for each feature of W [D][F].
func featureNorms(W []float64, D, F int) []float64 {
	out := make([]float64, F)
	for f := range out {
		var n float64
		for d := 0; d < D; d++ {
			n += W[d*F+f] * W[d*F+f]
		}
		out[f] = math.Sqrt(n)
	}
	return out
}

// featureShrinkage is the mean over matched features of the Figure-15 slope (spec §6.5): the
// fit of act_j/‖W[:,f]‖ against x_f over samples with x_f > 1e-4, through the origin; and the
// mean of the same fit over the samples where latent j fires (metrics.FiringRatio), over the
// features where it fires at all. NaN when no feature qualifies.
func featureShrinkage(fits []metrics.Shrinkage, matched []int) (slope, firing float64) {
	var sumS, sumF float64
	nS, nF := 0, 0
	for f, j := range matched {
		if j < 0 || fits[f].N() == 0 {
			continue
		}
		sumS += fits[f].Slope()
		nS++
		if r := fits[f].FiringRatio(); !math.IsNaN(r) {
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
