package wide

import (
	"context"
	"math"
	"runtime"
	"strings"
	"sync"
	"testing"

	"saelab/internal/vec"
	"saelab/synth"
)

var (
	smallOnce  sync.Once
	smallModel *synth.Model
)

// small is a 512-feature model in 32 dimensions with the benchmark's structure, cheap enough
// for unit tests.
func small(t testing.TB) *synth.Model {
	smallOnce.Do(func() {
		cfg := synth.DefaultConfig(512, 32)
		cfg.FiringProbability = synth.ProbabilityConfig{Generator: synth.Zipfian, Exponent: 0.5, MaxProb: 0.4, MinProb: 0.005}
		cfg.Hierarchy = &synth.HierarchyConfig{TotalRootNodes: 8, Branching: [2]int{4, 4}, MaxDepth: 2,
			MEPortion: 1, CompensateProbabilities: true, ScaleChildrenByParent: true}
		cfg.Correlation = &synth.CorrelationConfig{Rank: 4, Scale: 0.1}
		cfg.Orthogonalization = &synth.OrthogonalizationConfig{NumSteps: 20, LR: 0.01, ChunkSize: 512}
		cfg.StdMagnitudes = synth.Magnitude{Generator: synth.FoldedNormal, Mean: 0.5, Std: 0.5}
		cfg.MeanMagnitudes = synth.Magnitude{Generator: synth.Linear, Start: 5, End: 4}
		cfg.Bias = 0.5
		seed := int64(42)
		cfg.Seed = &seed
		m, err := synth.New(cfg)
		if err != nil {
			panic(err)
		}
		smallModel = m
	})
	return smallModel
}

func smallRun(arch string, steps int) (Config, TrainConfig) {
	c := DefaultConfig(arch, 32, 256, 6)
	if arch == "matryoshka" {
		c.MatryoshkaWidths = []int{32, 128, 256}
	}
	tc := DefaultTrainConfig()
	tc.Batch, tc.Samples, tc.LR, tc.Seed = 256, int64(steps)*256, 3e-3, 5
	tc.DeadWindow, tc.NormBatches = 5, 4
	if arch == "standard" || arch == "jumprelu" || arch == "gated" {
		tc.TargetL0 = 6
	}
	return c, tc
}

// Same seed, same bits, whatever GOMAXPROCS (the dense product splits rows at this size).
func TestTrainDeterministicAcrossGOMAXPROCS(t *testing.T) {
	m := small(t)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, arch := range Archs {
		var got [2][]Tensor
		for i, procs := range []int{1, 2} {
			runtime.GOMAXPROCS(procs)
			c, tc := smallRun(arch, 12)
			s, err := Train(context.Background(), m, c, tc, nil)
			if err != nil {
				t.Fatal(err)
			}
			got[i] = s.SAELensTensors()
		}
		for k, a := range got[0] {
			b := got[1][k]
			for i := range a.Data {
				if math.Float32bits(a.Data[i]) != math.Float32bits(b.Data[i]) {
					t.Fatalf("%s: %s[%d] = %g with GOMAXPROCS 1, %g with 2", arch, a.Name, i, a.Data[i], b.Data[i])
				}
			}
		}
	}
}

// Every architecture learns: the reconstruction explains most of the variance at about the
// L0 asked for, and the run is reproducible in its metrics.
func TestTrainLearns(t *testing.T) {
	if testing.Short() {
		t.Skip("trains seven SAEs")
	}
	m := small(t)
	for _, arch := range Archs {
		c, tc := smallRun(arch, 200)
		s, err := Train(context.Background(), m, c, tc, nil)
		if err != nil {
			t.Fatal(err)
		}
		r, err := synth.Evaluate(m, s, 4096, 1024, 1, 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%-16s L0 %5.2f (true %.2f)  EV %.3f  MCC %.3f  F1 %.3f  dead %d", arch, r.SAEL0, r.TrueL0, r.ExplainedVariance, r.MCC, r.F1, r.DeadLatents)
		if r.ExplainedVariance < 0.5 {
			t.Errorf("%s: explained variance %.3f after 200 steps", arch, r.ExplainedVariance)
		}
		switch arch {
		case "topk", "matching_pursuit": // at most k active (MP: k iterations)
			if r.SAEL0 > 6 || r.SAEL0 < 3 {
				t.Errorf("%s: L0 %.2f, want at most k = 6", arch, r.SAEL0)
			}
		case "batchtopk", "matryoshka": // k on average in training; the threshold at inference
			if r.SAEL0 < 3 || r.SAEL0 > 12 {
				t.Errorf("%s: L0 %.2f, want near k = 6", arch, r.SAEL0)
			}
		}
	}
}

// Training gives the same bits with the archsimd kernels as with their plain-Go twins (in
// the plain build both runs use the twins).
func TestTrainSameBitsWithPlainKernels(t *testing.T) {
	m := small(t)
	defer func(old bool) { vec.SIMD = old }(vec.SIMD)
	for _, arch := range Archs {
		var got [2][]Tensor
		for i, simd := range []bool{vec.SIMD, false} {
			vec.SIMD = simd
			c, tc := smallRun(arch, 12)
			s, err := Train(context.Background(), m, c, tc, nil)
			if err != nil {
				t.Fatal(err)
			}
			got[i] = s.SAELensTensors()
		}
		for k, a := range got[0] {
			for i, v := range a.Data {
				if w := got[1][k].Data[i]; math.Float32bits(v) != math.Float32bits(w) {
					t.Fatalf("%s: %s[%d] = %g with the build's kernels, %g with the plain twins", arch, a.Name, i, v, w)
				}
			}
		}
	}
}

// Cancelling the context stops training at the next step with the context's error; a model
// of the wrong width is refused before anything is allocated.
func TestTrainCancelAndMismatch(t *testing.T) {
	m := small(t)
	ctx, cancel := context.WithCancel(context.Background())
	c, tc := smallRun("topk", 50)
	last := -1
	_, err := Train(ctx, m, c, tc, func(step, _ int, _, _ float64) {
		last = step
		if step == 3 {
			cancel()
		}
	})
	if err != context.Canceled || last != 3 {
		t.Fatalf("error %v after step %d, want context.Canceled after step 3", err, last)
	}
	c.DIn = 64
	if _, err := Train(context.Background(), m, c, tc, nil); err == nil || !strings.Contains(err.Error(), "hidden_dim = 32") {
		t.Fatalf("d_in 64 on a 32-dimensional model: %v", err)
	}
	if _, err := Train(context.Background(), nil, c, tc, nil); err == nil {
		t.Fatal("no model: no error")
	}
}
