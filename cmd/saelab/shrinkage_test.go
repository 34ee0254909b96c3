package main

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"saelab/sae"
	"saelab/toymodel"
)

// shrinkageFull is shrinkageSeries as it was before instanceSAE: the whole batch of every
// instance through the whole SAE, instance i read out.
func shrinkageFull(name string, s *sae.SAE, i int, seed uint64) ([]float64, []float64) {
	I, S := s.Cfg.NInst, s.Cfg.DSAE
	H, F := s.Model.Cfg.DHidden, s.Model.Cfg.NFeatures
	const feat, active = 1, 1e-4
	N := ReportShrinkageSamples
	x, h := s.GenerateWithFeatures(N, toymodel.Streams(seed, purposeReportShrinkage, I))
	acts := s.Forward(h, N).Acts
	mean := make([]float64, S)
	for b := 0; b < N; b++ {
		if x[(b*I+i)*F+feat] > active {
			for j := 0; j < S; j++ {
				mean[j] += acts[(b*I+i)*S+j]
			}
		}
	}
	j := 0
	for k := range mean {
		if mean[k] > mean[j] {
			j = k
		}
	}
	var wn float64
	for d := 0; d < H; d++ {
		w := s.Model.W[(i*H+d)*F+feat]
		wn += w * w
	}
	wn = math.Sqrt(wn)
	var xs, ys []float64
	for b := 0; b < N; b++ {
		any := false
		for f := 0; f < F; f++ {
			any = any || x[(b*I+i)*F+f] > active
		}
		if any {
			xs, ys = append(xs, x[(b*I+i)*F+feat]), append(ys, acts[(b*I+i)*S+j]/wn)
		}
	}
	return xs, ys
}

// TestShrinkageOneInstance checks that the shrinkage series from the SAE's instance i alone
// (instanceSAE, instance i's samples only) equals, bit for bit, instance i of the whole batch
// through the whole SAE, for every architecture.
func TestShrinkageOneInstance(t *testing.T) {
	m, err := toymodel.New(toymodel.Config{NInst: 3, NFeatures: 5, DHidden: 2, FeatMagDistn: "unif"}, toymodel.Values{},
		toymodel.Full([]float64{0.1, 0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.05, 0.2, 0.2, 0.2, 0.2, 0.2}), 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, arch := range []string{"standard", "gated", "jumprelu", "topk", "batchtopk", "matryoshka"} {
		for _, tied := range []bool{false, true} {
			c := TrainSAEConfig()
			c.SAE.Arch, c.SAE.TiedWeights = arch, tied
			switch arch {
			case "topk":
				c.SAE.K = 1
			case "batchtopk", "matryoshka":
				c.SAE.K = 0.5
			}
			c.SAETrain.Steps = 60
			runs, err := c.ResolveSAERuns(3, 2)
			if err != nil {
				t.Fatalf("%s: %v", arch, err)
			}
			r, err := TrainSAE(m, runs[0], 3, &Progress{Mode: ProgressQuiet})
			if err != nil {
				t.Fatalf("%s: %v", arch, err)
			}
			for i := 0; i < 3; i++ {
				name := fmt.Sprintf("%s tied=%v inst %d", arch, tied, i)
				se, ok := shrinkageSeries("x", r.SAE, i, 7)
				if !ok {
					t.Fatalf("%s: no series", name)
				}
				xs, ys := shrinkageFull("x", r.SAE, i, 7)
				if !slices.Equal(se.X, xs) || !slices.Equal(se.Y, ys) {
					t.Errorf("%s: the one-instance series differs from the whole batch's", name)
				}
			}
		}
	}
}
