package synth

import "testing"

// benchSample reports the time to draw batches of 1024 samples of a preset's activations.
func benchSample(b *testing.B, cfg Config) {
	g, _, err := NewGeneratorFromConfig(cfg)
	if err != nil {
		b.Fatal(err)
	}
	var bt Batch
	for i := 0; b.Loop(); i++ {
		g.Sample(&bt, 1024, 1, uint64(i))
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1024, "µs/sample")
}

func BenchmarkSample16k(b *testing.B) { benchSample(b, SynthSAEBench16k()) }

func BenchmarkSample16kIndependent(b *testing.B) {
	cfg := SynthSAEBench16k()
	cfg.Correlation = nil
	benchSample(b, cfg)
}

func BenchmarkSampleMini(b *testing.B) { benchSample(b, Mini()) }

// BenchmarkHiddenMini is x = a·V + b for a batch of 1024 mini samples.
func BenchmarkHiddenMini(b *testing.B) {
	cfg := Mini()
	cfg.Orthogonalization = nil
	m, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	var bt Batch
	m.Gen.Sample(&bt, 1024, 1, 0)
	x := make([]float32, 1024*cfg.HiddenDim)
	for b.Loop() {
		m.Dict.Hidden(&bt, x)
	}
}
