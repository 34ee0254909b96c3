package sae

import (
	"math"
	"syscall"
	"testing"
	"time"

	"saelab/optim"
	"saelab/toymodel"
)

// benchShapes are the SAEs of the benchmark configurations (bench/).
var benchShapes = []struct {
	name       string
	I, F, H, S int
	p, imp     float64
}{
	{"seed", 16, 5, 2, 5, 0.025, 0},
	{"dense", 8, 100, 20, 200, 0.5, 0.9},
	{"wide", 4, 512, 64, 1024, 0.01, 0},
}

func benchSAE(b testing.TB, I, F, H, S int, p, impBase float64) *SAE {
	return benchSAEArch(b, I, F, H, S, p, impBase, "standard", 0.2)
}

// benchSAEArch is benchSAE for architecture arch with sparsity coefficient lam.
func benchSAEArch(b testing.TB, I, F, H, S int, p, impBase float64, arch string, lam float64) *SAE {
	imp := toymodel.Values{}
	if impBase > 0 {
		v := make([]float64, F)
		for f := range v {
			v[f] = math.Pow(impBase, float64(f))
		}
		imp = toymodel.PerFeature(v)
	}
	m, err := toymodel.New(toymodel.Config{NInst: I, NFeatures: F, DHidden: H, FeatMagDistn: "unif"}, imp, toymodel.Scalar(p), 1)
	if err != nil {
		b.Fatal(err)
	}
	// A trained toy model, as the SAEs of the benchmark and the demo see (its features are
	// spread out; an untrained model's are not, and leaves most latents dead).
	tc := toymodel.DefaultTrainConfig()
	tc.Steps = 5000
	if I*F*H > 1000 {
		tc.Steps = 200
	}
	if _, err := toymodel.Train(m, tc, 1, nil); err != nil {
		b.Fatal(err)
	}
	cfg := DefaultConfig(I, H, S)
	cfg.Arch, cfg.SparsityCoeff = arch, lam
	s, err := New(cfg, m, 2)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// newStepper returns one training step over every instance on one goroutine.
func newStepper(s *SAE, tc TrainConfig) func() {
	params := s.Params()
	sizes := make([]int, len(params))
	for k, p := range params {
		sizes[k] = len(p.Data)
	}
	adam := optim.NewAdam(tc.Beta1, tc.Beta2, tc.Eps, sizes...)
	ts := make([]*trainer, s.Cfg.NInst)
	for i := range ts {
		ts[i] = s.newTrainer(i, tc, 1, params, adam)
	}
	step := 0
	return func() {
		bc1, bc2 := adam.Begin()
		for _, t := range ts {
			t.step(step, tc.LR, bc1, bc2)
		}
		step++
	}
}

// BenchmarkSAEStep is one training step (no resampling, no logging) over every instance, on
// one goroutine; cpu-ns/op is the process CPU time, which is what to compare on a busy machine.
func BenchmarkSAEStep(b *testing.B) {
	for _, sh := range benchShapes {
		b.Run(sh.name, func(b *testing.B) {
			s := benchSAE(b, sh.I, sh.F, sh.H, sh.S, sh.p, sh.imp)
			step := newStepper(s, DefaultTrainConfig())
			step()
			c0, n := cpuNow(), 0
			for b.Loop() {
				step()
				n++
			}
			b.ReportMetric(float64(cpuNow()-c0)/float64(n), "cpu-ns/op")
		})
	}
}

// BenchmarkSAEStepArch is BenchmarkSAEStep at the seed shape for every architecture (λ = 1,
// the sweep's strongest coefficient; the TopK family ignores it), untied and tied.
func BenchmarkSAEStepArch(b *testing.B) {
	for _, arch := range Archs {
		for _, tied := range []bool{false, true} {
			if tied && arch == "matching_pursuit" {
				continue // refused: it has no encoder to tie
			}
			name := arch
			if tied {
				name += "/tied"
			}
			b.Run(name, func(b *testing.B) {
				s := benchSAEArch(b, 16, 5, 2, 5, 0.025, 0, arch, 1)
				if tied {
					cfg := s.Cfg
					cfg.TiedWeights = true
					var err error
					if s, err = New(cfg, s.Model, 2); err != nil {
						b.Fatal(err)
					}
				}
				step := newStepper(s, DefaultTrainConfig())
				for range 100 {
					step() // past the first steps' transient
				}
				c0, n := cpuNow(), 0
				for b.Loop() {
					step()
					n++
				}
				b.ReportMetric(float64(cpuNow()-c0)/float64(n), "cpu-ns/op")
			})
		}
	}
}

// BenchmarkSAETrain is the seed SAE's whole Train (2,000 steps with logging, GOMAXPROCS workers).
func BenchmarkSAETrain(b *testing.B) {
	s := benchSAE(b, 16, 5, 2, 5, 0.025, 0)
	tc := DefaultTrainConfig()
	tc.Steps = 2000
	c0, n := cpuNow(), 0
	for b.Loop() {
		if _, err := Train(s, tc, 1, nil); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(cpuNow()-c0)/float64(n*tc.Steps), "cpu-ns/step")
	b.ReportMetric(float64(b.Elapsed())/float64(n*tc.Steps), "ns/step")
}
