package sae

import (
	"math"
	"testing"

	"saelab/internal/par"
)

// The progress summary: Step is the mean of the steps done; the losses are I × the mean over
// the started instances (unstarted ones do not pull them towards 0); frac_active is the mean
// over the started instances.
func TestBoardProgress(t *testing.T) {
	b := par.NewBoard(4)
	lr := func(st int) float64 { return float64(st) }
	if p := boardProgress(b, 4, 100, lr); p.Step != 0 || p.Loss != 0 || p.FracActive != 0 {
		t.Fatalf("nothing published: %+v", p)
	}
	b.Publish(0, []float64{100, 0.5, 0.25, 2.5, 0.2}) // finished
	b.Publish(1, []float64{20, 0.7, 0.35, 3.5, 0.4})  // training; 2 and 3 not started
	p := boardProgress(b, 4, 100, lr)
	want := Progress{Step: 30, Steps: 100, LR: 30, Loss: 4 * 0.6, LReconstruction: 4 * 0.3, LSparsity: 4 * 3, FracActive: 0.3}
	if p.Step != want.Step || p.Steps != want.Steps || p.LR != want.LR || math.Abs(p.Loss-want.Loss) > 1e-12 ||
		math.Abs(p.LReconstruction-want.LReconstruction) > 1e-12 || math.Abs(p.LSparsity-want.LSparsity) > 1e-12 ||
		math.Abs(p.FracActive-want.FracActive) > 1e-12 {
		t.Errorf("got %+v, want %+v", p, want)
	}
}

// Progress reporting reads what the workers publish and never feeds back: a run with a
// callback equals one without, and the callbacks see a sensible, final summary.
func TestTrainProgressDoesNotChangeResults(t *testing.T) {
	run := func(progress func(Progress)) *SAE {
		s := newSAE(t, seedModel(t, 4), 5, false)
		tc := DefaultTrainConfig()
		tc.Steps = 3000
		if _, err := Train(s, tc, 4, progress); err != nil {
			t.Fatal(err)
		}
		return s
	}
	var calls []Progress
	a, b := run(nil), run(func(p Progress) { calls = append(calls, p) })
	for k := range a.WEnc {
		if math.Float64bits(a.WEnc[k]) != math.Float64bits(b.WEnc[k]) {
			t.Fatalf("W_enc[%d] differs with a progress callback", k)
		}
	}
	if len(calls) == 0 {
		t.Fatal("no progress callback")
	}
	for _, p := range calls {
		if p.Step < 0 || p.Step > p.Steps || p.Loss < 0 || p.FracActive < 0 || p.FracActive > 1 || math.IsNaN(p.Loss) {
			t.Errorf("implausible progress %+v", p)
		}
	}
	if last := calls[len(calls)-1]; last.Step != last.Steps || !(last.Loss > 0) || !(last.FracActive > 0) {
		t.Errorf("final progress %+v", last)
	}
}
