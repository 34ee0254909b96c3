package eval

import (
	"fmt"
	"math"
	"testing"

	"saelab/metrics"
	"saelab/rng"
	"saelab/sae"
	"saelab/toymodel"
)

// referenceSAE is the evaluation on whole dense batches ([B][I][S] activations, the batch
// metrics), as saelab computed it before evaluating one sample at a time: the oracle the
// streaming evaluation must equal bit for bit.
func referenceSAE(s *sae.SAE, seed uint64) (Result, error) {
	I, D, S := s.Cfg.NInst, s.Cfg.DIn, s.Cfg.DSAE
	F := s.Model.Cfg.NFeatures
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
	wn := s.WDecNormalized()
	trueDirs := s.Model.W[:D*F]
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
		in.LAux = in.Terms["L_aux"] + in.Terms["L_auxk"]
		rec, err := metrics.Recover(trueDirs, D, F, wn[i*S*D:(i+1)*S*D], S, alive[i*S:(i+1)*S], metrics.DefaultRecoveryThreshold)
		if err != nil {
			return Result{}, err
		}
		in.Recovery = rec
		in.Slope, in.FiringRatio = denseShrinkage(x, out.Acts, trueDirs, rec.Matched, LossSamples, I, i, D, F, S)
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

// denseShrinkage is featureShrinkage on dense x [B][I][F] and acts [B][I][S].
func denseShrinkage(x, acts, W []float64, matched []int, B, I, i, D, F, S int) (slope, firing float64) {
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

// TestStreamingEvalMatchesDense: the sample-by-sample evaluation gives the dense batches'
// result bit for bit, for every architecture and for shapes past the small kernels.
func TestStreamingEvalMatchesDense(t *testing.T) {
	cases := []struct {
		arch     string
		model    toymodel.Config
		p        float64
		S        int
		k        float64
		tied     bool
		resample string
	}{
		{"standard", toymodel.DefaultConfig(), 0.025, 5, 1, false, "simple"},
		{"gated", toymodel.Config{NInst: 3, NFeatures: 5, DHidden: 2, FeatMagDistn: "normal"}, 0.05, 6, 1, false, "advanced"},
		{"jumprelu", toymodel.Config{NInst: 3, NFeatures: 5, DHidden: 2, FeatMagDistn: "unif"}, 0.05, 5, 1, true, "advanced"},
		{"topk", toymodel.Config{NInst: 2, NFeatures: 40, DHidden: 10, FeatMagDistn: "unif"}, 0.2, 64, 4, false, "none"},
		{"batchtopk", toymodel.Config{NInst: 3, NFeatures: 5, DHidden: 2, FeatMagDistn: "unif"}, 0.05, 5, 0.125, false, "none"},
		{"matryoshka", toymodel.Config{NInst: 3, NFeatures: 8, DHidden: 3, FeatMagDistn: "unif"}, 0.05, 7, 0.25, false, "none"},
		{"standard", toymodel.Config{NInst: 2, NFeatures: 40, DHidden: 10, FeatMagDistn: "unif"}, 0.2, 64, 1, true, "simple"},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s-%d-%d", c.arch, c.model.NFeatures, c.S), func(t *testing.T) {
			m, err := toymodel.New(c.model, toymodel.Values{}, toymodel.Scalar(c.p), 3)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := toymodel.Train(m, toymodel.TrainConfig{BatchSize: 256, Steps: 300, LogFreq: 100, LR: 1e-3, Schedule: "constant", Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}, 3, nil); err != nil {
				t.Fatal(err)
			}
			cfg := sae.DefaultConfig(c.model.NInst, c.model.DHidden, c.S)
			cfg.Arch, cfg.K, cfg.TiedWeights = c.arch, c.k, c.tied
			s, err := sae.New(cfg, m, 3)
			if err != nil {
				t.Fatal(err)
			}
			tc := sae.DefaultTrainConfig()
			tc.Steps, tc.Resample, tc.ResampleFreq, tc.ResampleWindow = 400, c.resample, 150, 100
			if _, err := sae.Train(s, tc, 3, nil); err != nil {
				t.Fatal(err)
			}
			want, err := referenceSAE(s, 7)
			if err != nil {
				t.Fatal(err)
			}
			got, err := SAE(s, 7)
			if err != nil {
				t.Fatal(err)
			}
			if a, b := fmt.Sprintf("%#v", want), fmt.Sprintf("%#v", got); a != b {
				t.Fatalf("streaming evaluation differs from the dense one:\n%s\n%s", a, b)
			}
		})
	}
}
