package sae

import (
	"testing"

	"saelab/optim"
	"saelab/toymodel"
)

// One training step of the standard SAE allocates nothing once its buffers have grown (issue:
// no allocation per training step in the hot loop), for the lane kernel (the seed's shape)
// and the large-shape kernel, tied and untied.
func TestTrainStepAllocatesNothing(t *testing.T) {
	for _, sh := range []struct {
		F, D, S int
		p       float64
		tied    bool
	}{{5, 2, 5, 0.025, false}, {5, 2, 5, 0.025, true}, {100, 20, 200, 0.5, false}, {64, 16, 40, 0.05, true}} {
		m, err := toymodel.New(toymodel.Config{NInst: 2, NFeatures: sh.F, DHidden: sh.D, FeatMagDistn: "unif"}, toymodel.Values{}, toymodel.Scalar(sh.p), 1)
		if err != nil {
			t.Fatal(err)
		}
		cfg := DefaultConfig(2, sh.D, sh.S)
		cfg.TiedWeights = sh.tied
		s, err := New(cfg, m, 2)
		if err != nil {
			t.Fatal(err)
		}
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
			t.Errorf("%+v: %v allocations per step", sh, n)
		}
	}
}
