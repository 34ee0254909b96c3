package eval

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"saelab/sae"
	"saelab/toymodel"
)

// figure15Full is Figure15 on whole dense batches: the whole batch of every
// instance through the whole SAE, instance i read out.
func figure15Full(s *sae.SAE, i int, seed uint64) ([]float64, []float64) {
	I, S := s.Cfg.NInst, s.Cfg.DSAE
	H, F := s.Model.Cfg.DHidden, s.Model.Cfg.NFeatures
	const feat, active = 1, 1e-4
	N := Figure15Samples
	x, h := s.GenerateWithFeatures(N, toymodel.Streams(seed, purposeFigure15, I))
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

// TestFigure15OneInstance checks that the Figure-15 series from the SAE's instance i alone
// (instance i's samples only, one at a time) equals, bit for bit, instance i of the whole batch
// through the whole SAE, for every architecture.
func TestFigure15OneInstance(t *testing.T) {
	m, err := toymodel.New(toymodel.Config{NInst: 3, NFeatures: 5, DHidden: 2, FeatMagDistn: "unif"}, toymodel.Values{},
		toymodel.Full([]float64{0.1, 0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.05, 0.2, 0.2, 0.2, 0.2, 0.2}), 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, arch := range []string{"standard", "gated", "jumprelu", "topk", "batchtopk", "matryoshka"} {
		for _, tied := range []bool{false, true} {
			cfg := sae.DefaultConfig(3, 2, 5)
			cfg.Arch, cfg.TiedWeights = arch, tied
			switch arch {
			case "topk":
				cfg.K = 1
			case "batchtopk", "matryoshka":
				cfg.K = 0.5
			}
			tc := sae.DefaultTrainConfig()
			tc.Steps = 60
			s, err := sae.New(cfg, m, 3)
			if err != nil {
				t.Fatalf("%s: %v", arch, err)
			}
			if _, err := sae.Train(s, tc, 3, nil); err != nil {
				t.Fatalf("%s: %v", arch, err)
			}
			for i := 0; i < 3; i++ {
				name := fmt.Sprintf("%s tied=%v inst %d", arch, tied, i)
				se, ok, err := Figure15(s, i, 7)
				if err != nil || !ok {
					t.Fatalf("%s: no series: %v", name, err)
				}
				xs, ys := figure15Full(s, i, 7)
				if !slices.Equal(se.X, xs) || !slices.Equal(se.Y, ys) {
					t.Errorf("%s: the one-instance series differs from the whole batch's", name)
				}
			}
		}
	}
}
