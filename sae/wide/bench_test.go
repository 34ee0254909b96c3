package wide

import (
	"fmt"
	"math"
	"sync"
	"testing"

	"saelab/synth"
)

var (
	miniOnce  sync.Once
	miniShape *synth.Model
)

// miniForTiming is synth.Mini() with 5 orthogonalisation steps instead of 100: the same
// shapes and sparsity (what a step's cost depends on) in a second instead of 18.
func miniForTiming() *synth.Model {
	miniOnce.Do(func() {
		cfg := synth.Mini()
		o := *cfg.Orthogonalization
		o.NumSteps = 5
		cfg.Orthogonalization = &o
		m, err := synth.New(cfg)
		if err != nil {
			panic(err)
		}
		miniShape = m
	})
	return miniShape
}

// BenchmarkStep times one training step (loss, gradients, clip, Adam) at the mini shape:
// d_in 256, d_sae 1024, batch 1024, L0 12, from the initial weights, with no dead latent and
// with a quarter of them dead (the AuxK paths run). Data sampling is timed apart
// (BenchmarkSample).
func BenchmarkStep(b *testing.B) {
	m := miniForTiming()
	const B, S = 1024, 1024
	D := m.Config.HiddenDim
	var a synth.Batch
	xs := make([][]float32, 4)
	for i := range xs {
		xs[i] = make([]float32, B*D)
		m.Sample(&a, xs[i], B, 1, uint64(i))
	}
	for _, arch := range Archs {
		for _, deadEvery := range []int{0, 4} {
			b.Run(fmt.Sprintf("%s/dead=%d", arch, map[int]int{0: 0, 4: S / 4}[deadEvery]), func(b *testing.B) {
				c := DefaultConfig(arch, D, S, 12)
				in := xs
				if c.NormalizeActivations != "none" { // as Train feeds it: scaled to mean norm √d_in
					in = scaled(xs, D)
				}
				t := newTrainer(c, B, 1)
				t.coef = c.L1Coeff
				for j := 0; deadEvery > 0 && j < S; j += deadEvery {
					t.dead[j] = true
					t.nDead++
				}
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					t.lossGrad(in[i%len(in)])
					adamStep(t.ps, i+1, 3e-4, 0.9, 0.999, 1e-8, 1)
					t.refresh()
				}
				b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/step")
			})
		}
	}
}

// BenchmarkSample times drawing one mini batch of 1,024 samples with x = a·V + b.
func BenchmarkSample(b *testing.B) {
	m := miniForTiming()
	var a synth.Batch
	x := make([]float32, 1024*m.Config.HiddenDim)
	for i := 0; i < b.N; i++ {
		m.Sample(&a, x, 1024, 1, uint64(i))
	}
}

// BenchmarkStep16k times a step at the full benchmark's shape (d_in 768, width 4,096, batch
// 1,024, L0 25) on SynthSAEBench-16k-shaped data with unorthogonalised features (the cost
// does not depend on the geometry).
func BenchmarkStep16k(b *testing.B) {
	cfg := synth.SynthSAEBench16k()
	cfg.Orthogonalization = nil
	m, err := synth.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	const B, S = 1024, 4096
	D := m.Config.HiddenDim
	var a synth.Batch
	x := make([]float32, B*D)
	m.Sample(&a, x, B, 1, 0)
	for _, arch := range []string{"topk", "batchtopk", "matryoshka"} {
		b.Run(arch, func(b *testing.B) {
			c := DefaultConfig(arch, D, S, 25)
			t := newTrainer(c, B, 1)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				t.lossGrad(x)
				adamStep(t.ps, i+1, 3e-4, 0.9, 0.999, 1e-8, 1)
				t.refresh()
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/step")
		})
	}
}

// scaled returns the batches multiplied by √d_in / (their mean norm).
func scaled(xs [][]float32, D int) [][]float32 {
	sum, n := 0.0, 0
	for _, x := range xs {
		for b := 0; b < len(x)/D; b++ {
			sum += math.Sqrt(float64(dot32(x[b*D:(b+1)*D], x[b*D:(b+1)*D])))
			n++
		}
	}
	f := float32(math.Sqrt(float64(D)) * float64(n) / sum)
	out := make([][]float32, len(xs))
	for i, x := range xs {
		out[i] = make([]float32, len(x))
		for k, v := range x {
			out[i][k] = v * f
		}
	}
	return out
}
