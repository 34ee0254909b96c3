package metrics

import (
	"math"
	"testing"
)

// The reference's max-cos rule counts distinct best latents of the features above the
// threshold; the firing ratio fits only the samples where the latent fires.
func TestMaxCosRuleAndFiringRatio(t *testing.T) {
	C := [][]float64{{0.995, 0.2, 0.1}, {0.999, 0.1, 0.3}, {0.1, 0.98, 0.2}, {0.3, 0.2, 0.9999}}
	maxCos := []float64{0.995, 0.999, 0.98, 0.9999}
	// f0 and f1 share latent 0 (counted once), f2 is at 0.98, f3 has latent 2: 2 latents.
	if got := maxCosRecovered(C, maxCos, 0.99); got != 2 {
		t.Errorf("max-cos rule = %d, want 2", got)
	}
	// Exactly at the threshold does not count ("above").
	if got := maxCosRecovered([][]float64{{0.99}}, []float64{0.99}, 0.99); got != 0 {
		t.Errorf("at the threshold = %d, want 0", got)
	}
	x := []float64{1, 2, 1}
	y := []float64{0.5, 1.6, 0}
	act := []float64{0.5, 1.6, 0}
	if got := FiringRatio(x, y, act); math.Abs(got-3.7/5) > 1e-15 {
		t.Errorf("firing ratio = %v, want 0.74", got)
	}
	if got := ShrinkageSlope(x, y); math.Abs(got-3.7/6) > 1e-15 {
		t.Errorf("slope = %v, want 3.7/6", got)
	}
	if got := FiringRatio(x, y, []float64{0, 0, 0}); !math.IsNaN(got) {
		t.Errorf("a latent that never fires: %v, want NaN", got)
	}
}
