package toymodel

import (
	"testing"

	"saelab/optim"
	"saelab/rng"
)

// One training step allocates nothing once its buffers have grown (issue: no allocation per
// training step in the hot loop), for the seed shape (lane kernel), a dense and a wide one.
func TestTrainStepAllocatesNothing(t *testing.T) {
	for _, sh := range []struct {
		I, F, H int
		p       float64
	}{{16, 5, 2, 0.025}, {2, 100, 20, 0.5}, {2, 64, 16, 0.05}, {2, 7, 3, 0.2}} {
		m, err := New(Config{NInst: sh.I, NFeatures: sh.F, DHidden: sh.H, FeatMagDistn: "unif"}, Values{}, Scalar(sh.p), 1)
		if err != nil {
			t.Fatal(err)
		}
		adam := optim.NewAdam(0.9, 0.999, 1e-8, len(m.W), len(m.BFinal))
		tr := m.newTrainer(0, 1024, rng.New(1, rng.PurposeToyBatch))
		for k := 0; k < 20; k++ { // grow the buffers to their steady size
			tr.step(adam, 1e-3, 0.1, 0.001, k%2 == 0)
		}
		for _, logged := range []bool{false, true} {
			if n := testing.AllocsPerRun(50, func() { tr.step(adam, 1e-3, 0.1, 0.001, logged) }); n != 0 {
				t.Errorf("%+v (loss %v): %v allocations per step", sh, logged, n)
			}
		}
	}
}
