package sae

import (
	"fmt"
	"math"
	"testing"

	"saelab/internal/vec"
	"saelab/optim"
	"saelab/rng"
	"saelab/toymodel"
)

// laneArchs are the architectures whose batch runs a lane kernel when lanes2.
var laneArchs = []string{"gated", "jumprelu"}

// withPaths runs f with the lane kernels on or off (laneBatches) and the SIMD twins on or off.
func withPaths(lanesOn, simd bool, f func()) {
	defer func(l, s bool) { laneBatches, vec.SIMD = l, s }(laneBatches, vec.SIMD)
	laneBatches, vec.SIMD = lanesOn, simd
	f()
}

// laneSAE is an SAE of arch on a d_in = 2 toy model with its parameters moved off their
// initial values (biases, r_mag, log θ of either sign, some exactly ±0), so that every branch
// of the forward and backward is taken.
func laneSAE(t *testing.T, arch string, S int, p float64, tied bool, seed uint64) *SAE {
	t.Helper()
	m, err := toymodel.New(toymodel.Config{NInst: 2, NFeatures: 5, DHidden: 2, FeatMagDistn: "unif"}, toymodel.Values{}, toymodel.Scalar(p), seed)
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig(2, 2, S)
	cfg.Arch, cfg.TiedWeights, cfg.SparsityCoeff = arch, tied, []float64{0.01, 0.3, 1}[seed%3]
	s, err := New(cfg, m, seed)
	if err != nil {
		t.Fatal(err)
	}
	r := rng.New(seed, 77)
	for _, p := range s.Params() {
		if p.Name == "W_enc" || p.Name == "W_gate" || p.Name == "_W_dec" {
			continue
		}
		for k := range p.Data {
			switch v := r.Normal(); {
			case v > 2:
				p.Data[k] = 0
			case v < -2:
				p.Data[k] = math.Copysign(0, -1)
			default:
				p.Data[k] += 0.2 * v
			}
		}
	}
	return s
}

// gradsOf flattens w's gradients, the batch sums and the counts.
func gradsOf(w *work, sums [5]float64, counts []int) []float64 {
	var out []float64
	for _, g := range w.g {
		out = append(out, g...)
	}
	out = append(out, sums[:]...)
	for _, c := range counts {
		out = append(out, float64(c))
	}
	return out
}

// The lane kernels' batches (SIMD twin and plain twin) equal perSampleBatch bit for bit:
// gradients, loss sums and activity counts, untied and tied, for many batches of several
// widths and feature probabilities; the lane draw consumes the batch stream as drawHidden does.
func TestLaneBatchesMatchPerSample(t *testing.T) {
	for _, arch := range laneArchs {
		for c := 0; c < 24; c++ {
			S := []int{5, 1, 7, 32}[c%4]
			p := []float64{0.025, 0.3, 0.01}[c%3]
			tied := c%2 == 1
			B := []int{1024, 37, 8, 200}[c/6]
			name := fmt.Sprintf("%s S=%d p=%v tied=%v B=%d", arch, S, p, tied, B)
			s := laneSAE(t, arch, S, p, tied, uint64(c+1))
			for i := 0; i < 2; i++ {
				for b := 0; b < 4; b++ {
					var ref hiddenBatch
					r1, r2 := rng.New(uint64(c), uint64(i), uint64(b)), rng.New(uint64(c), uint64(i), uint64(b))
					s.drawHidden(i, B, r1, &ref)
					w, counts := s.newWork(), make([]int, S)
					s.prepare(i, w)
					var want []float64
					withPaths(false, vec.SIMD, func() {
						sums := s.batchLoss(i, &ref, B, w, &archWork{}, counts)
						want = gradsOf(w, sums, counts)
					})
					for _, simd := range []bool{vec.SIMD, false} {
						withPaths(true, simd, func() {
							var hb hiddenBatch
							s.arch.draw(s, i, B, r2, &hb)
							if !hb.soa {
								t.Fatalf("%s: the lane draw did not lay the batch out for the lanes", name)
							}
							w, counts := s.newWork(), make([]int, S)
							s.prepare(i, w)
							sums := s.batchLoss(i, &hb, B, w, &archWork{}, counts)
							bits(t, fmt.Sprintf("%s instance %d batch %d SIMD %v: gradients, sums, counts", name, i, b, simd), gradsOf(w, sums, counts), want)
						})
						r2 = rng.New(uint64(c), uint64(i), uint64(b))
					}
					var hb hiddenBatch
					s.arch.draw(s, i, B, r2, &hb)
					if r1.State() != r2.State() {
						t.Fatalf("%s: the lane draw left the batch stream elsewhere", name)
					}
				}
			}
		}
	}
}

// Whole training runs (both resampling methods, untied and tied, with the data log) give the
// same bits through the lane kernels (either twin) as through perSampleBatch.
func TestLaneTrainingMatchesPerSample(t *testing.T) {
	for _, arch := range laneArchs {
		for c, rs := range []string{"simple", "advanced", "none", "advanced"} {
			tied := c%2 == 1
			run := func(lanesOn, simd bool) (out []float64) {
				withPaths(lanesOn, simd, func() {
					s := laneSAE(t, arch, 5, 0.05, tied, uint64(c+5))
					tc := DefaultTrainConfig()
					tc.Steps, tc.LogFreq, tc.HiddenSampleSize = 300, 50, 64
					tc.Resample, tc.ResampleFreq, tc.ResampleWindow = rs, 100, 60
					log, err := Train(s, tc, uint64(c), nil)
					if err != nil {
						t.Fatal(err)
					}
					for _, p := range s.Params() {
						out = append(out, p.Data...)
					}
					for _, r := range log.Records {
						out = append(append(append(out, f64s(r.HR)...), f64s(r.Loss)...), f64s(r.FracActive)...)
					}
					for _, sc := range log.Scalars {
						out = append(out, sc.Loss, sc.LReconstruction, sc.LSparsity, sc.FracActive)
					}
					for _, e := range log.Resamples {
						out = append(out, float64(e.Dead))
					}
				})
				return out
			}
			want := run(false, vec.SIMD)
			for _, simd := range []bool{vec.SIMD, false} {
				bits(t, fmt.Sprintf("%s resample %s tied %v SIMD %v", arch, rs, tied, simd), run(true, simd), want)
			}
		}
	}
}

// A Gated or JumpReLU training step through the lane kernels allocates nothing once its
// buffers have grown, untied and tied (TestTrainStepAllocatesNothing's check).
func TestLaneStepAllocatesNothing(t *testing.T) {
	for _, arch := range laneArchs {
		for _, tied := range []bool{false, true} {
			s := laneSAE(t, arch, 5, 0.025, tied, 4)
			tc := DefaultTrainConfig()
			params := s.Params()
			sizes := make([]int, len(params))
			for k, p := range params {
				sizes[k] = len(p.Data)
			}
			adam := optim.NewAdam(tc.Beta1, tc.Beta2, tc.Eps, sizes...)
			tr := s.newTrainer(1, tc, 1, params, adam)
			step := 0
			run := func() {
				tr.step(step, tc.LR, 0.1, 0.001)
				step++
			}
			for k := 0; k < 20; k++ {
				run()
			}
			if n := testing.AllocsPerRun(50, run); n != 0 {
				t.Errorf("%s tied=%v: %v allocations per step", arch, tied, n)
			}
		}
	}
}
