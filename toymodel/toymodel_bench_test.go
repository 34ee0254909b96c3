package toymodel

import (
	"math"
	"syscall"
	"testing"
	"time"

	"saelab/optim"
	"saelab/rng"
)

// benchShapes are the toy models of the benchmark configurations (bench/).
var benchShapes = []struct {
	name    string
	I, F, H int
	p, imp  float64 // imp: importance base (imp^f), 0 for 1
}{
	{"seed", 16, 5, 2, 0.025, 0},
	{"dense", 8, 100, 20, 0.5, 0.9},
	{"wide", 4, 512, 64, 0.01, 0},
}

func benchModel(b *testing.B, I, F, H int, p, impBase float64) *Model {
	imp := Values{}
	if impBase > 0 {
		v := make([]float64, F)
		for f := range v {
			v[f] = math.Pow(impBase, float64(f))
		}
		imp = PerFeature(v)
	}
	m, err := New(Config{NInst: I, NFeatures: F, DHidden: H, FeatMagDistn: "unif"}, imp, Scalar(p), 1)
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// cpuTimer reports the process CPU time per op next to the wall time, which is what to
// compare when other work shares the machine.
type cpuTimer struct{ t0 time.Duration }

func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func startCPU() cpuTimer { return cpuTimer{cpuNow()} }

func (c cpuTimer) report(b *testing.B, n int) {
	b.ReportMetric(float64(cpuNow()-c.t0)/float64(n), "cpu-ns/op")
}

// BenchmarkToyModelStep is one training step over every instance, on one goroutine (the
// parallel Train spreads the instances over GOMAXPROCS workers).
func BenchmarkToyModelStep(b *testing.B) {
	for _, sh := range benchShapes {
		b.Run(sh.name, func(b *testing.B) {
			m := benchModel(b, sh.I, sh.F, sh.H, sh.p, sh.imp)
			adam := optim.NewAdam(0.9, 0.999, 1e-8, len(m.W), len(m.BFinal))
			ts := make([]*trainer, sh.I)
			for i := range ts {
				ts[i] = m.newTrainer(i, 1024, rng.New(1, rng.PurposeToyBatch, uint64(i)))
			}
			for _, t := range ts { // warm the buffers
				t.step(adam, 1e-3, 0.1, 0.001, false)
			}
			c := startCPU()
			n := 0
			for b.Loop() {
				bc1, bc2 := adam.Begin()
				for _, t := range ts {
					t.step(adam, 1e-3, bc1, bc2, false)
				}
				n++
			}
			c.report(b, n)
		})
	}
}

// BenchmarkToyModelStepTrained is BenchmarkToyModelStep after 300 training steps (dense and
// wide), where most outputs sit below their ReLU and δ is sparse: the regime of a long run.
func BenchmarkToyModelStepTrained(b *testing.B) {
	for _, sh := range benchShapes[1:] {
		b.Run(sh.name, func(b *testing.B) {
			m := benchModel(b, sh.I, sh.F, sh.H, sh.p, sh.imp)
			tc := DefaultTrainConfig()
			tc.Steps = 300
			if _, err := Train(m, tc, 1, nil); err != nil {
				b.Fatal(err)
			}
			adam := optim.NewAdam(0.9, 0.999, 1e-8, len(m.W), len(m.BFinal))
			ts := make([]*trainer, sh.I)
			for i := range ts {
				ts[i] = m.newTrainer(i, 1024, rng.New(1, rng.PurposeToyBatch, uint64(i)))
			}
			c := startCPU()
			n := 0
			for b.Loop() {
				bc1, bc2 := adam.Begin()
				for _, t := range ts {
					t.step(adam, 0, bc1, bc2, false) // lr 0: the trained state stays put
				}
				n++
			}
			c.report(b, n)
		})
	}
}

// BenchmarkGenerate is the sparse batch generation alone (1024 samples, every instance).
func BenchmarkGenerate(b *testing.B) {
	for _, sh := range benchShapes {
		b.Run(sh.name, func(b *testing.B) {
			m := benchModel(b, sh.I, sh.F, sh.H, sh.p, sh.imp)
			bt := NewBatch(1024, sh.I, sh.F)
			ss := Streams(1, rng.PurposeToyBatch, sh.I)
			m.Generate(1024, ss, bt)
			c := startCPU()
			n := 0
			for b.Loop() {
				m.Generate(1024, ss, bt)
				n++
			}
			c.report(b, n)
		})
	}
}

// BenchmarkToyModelTrain is the whole seed training (Train, 500 steps, GOMAXPROCS workers).
func BenchmarkToyModelTrain(b *testing.B) {
	m := benchModel(b, 16, 5, 2, 0.025, 0)
	tc := DefaultTrainConfig()
	tc.Steps = 500
	c := startCPU()
	n := 0
	for b.Loop() {
		if _, err := Train(m, tc, 1, nil); err != nil {
			b.Fatal(err)
		}
		n++
	}
	c.report(b, n*tc.Steps)
	b.ReportMetric(float64(b.Elapsed())/float64(n*tc.Steps), "ns/step")
}
