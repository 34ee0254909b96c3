package sae

import (
	"math"
	"runtime"
	"testing"

	"saelab/rng"
	"saelab/toymodel"
)

// ForwardParallel equals Forward bit for bit for every architecture, on sparse batches (most
// samples all-zero, some −0 entries) and dense ones, whatever GOMAXPROCS is.
func TestForwardParallelMatchesForward(t *testing.T) {
	for _, arch := range []string{"standard", "gated", "jumprelu", "topk", "batchtopk", "matryoshka"} {
		for _, tied := range []bool{false, true} {
			m, err := toymodel.New(toymodel.Config{NInst: 5, NFeatures: 6, DHidden: 3, FeatMagDistn: "unif"}, toymodel.Values{}, toymodel.Scalar(0.1), 1)
			if err != nil {
				t.Fatal(err)
			}
			cfg := DefaultConfig(5, 3, 8)
			cfg.Arch, cfg.TiedWeights = arch, tied
			if arch == "topk" || arch == "batchtopk" || arch == "matryoshka" {
				cfg.K = 2
			}
			if arch == "matryoshka" {
				cfg.MatryoshkaWidths = []int{2, 5, 8}
			}
			s, err := New(cfg, m, 2)
			if err != nil {
				t.Fatalf("%s: %v", arch, err)
			}
			r := rng.New(4)
			for k := range s.BEnc {
				s.BEnc[k] = 0.2 * r.Normal()
			}
			for k := range s.BDec {
				s.BDec[k] = 0.1 * r.Normal()
			}
			const B = 300
			h := s.GenerateHidden(B, toymodel.Streams(9, 1, 5))
			for k := 0; k < len(h); k += 7 {
				if h[k] == 0 && k%2 == 0 {
					h[k] = math.Copysign(0, -1) // −0 is not the shared all-zero input
				}
			}
			want := s.Forward(h, B)
			for _, procs := range []int{1, 3} {
				old := runtime.GOMAXPROCS(procs)
				got := s.ForwardParallel(h, B)
				runtime.GOMAXPROCS(old)
				same := func(name string, a, b []float64) {
					t.Helper()
					if len(a) != len(b) {
						t.Fatalf("%s %s: %d values, want %d", arch, name, len(a), len(b))
					}
					for k := range b {
						if math.Float64bits(a[k]) != math.Float64bits(b[k]) {
							t.Fatalf("%s tied=%v procs %d: %s[%d] = %v, want %v", arch, tied, procs, name, k, a[k], b[k])
						}
					}
				}
				same("Loss", got.Loss, want.Loss)
				same("Acts", got.Acts, want.Acts)
				same("HRec", got.HRec, want.HRec)
				for n, v := range want.Terms {
					same(n, got.Terms[n], v)
				}
				same("LReconstruction", got.LReconstruction, want.LReconstruction)
				same("LSparsity", got.LSparsity, want.LSparsity)
			}
		}
	}
}

// GenerateHidden's h equals GenerateWithFeatures's bit for bit (eval draws its dead-latent
// batch with the former), for the d_in 2 projection and the vectorised one (d_in ≥ 8).
func TestGenerateHiddenMatchesWithFeatures(t *testing.T) {
	for _, c := range []struct {
		I, F, D int
		p       float64
	}{{16, 5, 2, 0.025}, {3, 40, 10, 0.1}, {2, 6, 3, 0.6}} {
		m, err := toymodel.New(toymodel.Config{NInst: c.I, NFeatures: c.F, DHidden: c.D, FeatMagDistn: "unif"}, toymodel.Values{}, toymodel.Scalar(c.p), 1)
		if err != nil {
			t.Fatal(err)
		}
		s, err := New(DefaultConfig(c.I, c.D, 4), m, 2)
		if err != nil {
			t.Fatal(err)
		}
		const B = 500
		a := s.GenerateHidden(B, toymodel.Streams(5, rng.PurposeEval, c.I))
		_, b := s.GenerateWithFeatures(B, toymodel.Streams(5, rng.PurposeEval, c.I))
		for k := range b {
			if math.Float64bits(a[k]) != math.Float64bits(b[k]) {
				t.Fatalf("%+v: h[%d] = %v, want %v", c, k, a[k], b[k])
			}
		}
	}
}
