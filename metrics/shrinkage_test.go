package metrics

import (
	"math"
	"testing"
)

func TestL2RatioHand(t *testing.T) {
	// ‖hr‖/‖h‖ = √2/1 and 3/2; the zero-h sample is skipped.
	h := []float64{1, 0, 0, 0, 0, 2}
	hr := []float64{1, 1, 5, 5, 0, 3}
	assertSlice(t, "L2Ratio", L2Ratio(h, hr, 3, 1, 2), []float64{(math.Sqrt2 + 1.5) / 2}, 1e-15)
}

func TestRelativeReconstructionBiasHand(t *testing.T) {
	// Σ‖hr‖² = 2 + 50 + 9 = 61; Σ⟨h,hr⟩ = 1 + 0 + 6 = 7. A ratio of means,
	// so the zero-h sample still adds to the numerator.
	h := []float64{1, 0, 0, 0, 0, 2}
	hr := []float64{1, 1, 5, 5, 0, 3}
	assertSlice(t, "RRB", RelativeReconstructionBias(h, hr, 3, 1, 2), []float64{61.0 / 7}, 1e-14)
	// Uniform shrinkage hr = 0.8 h gives γ = 0.8.
	h2 := []float64{1, 2, -3, 0.5}
	hr2 := []float64{0.8, 1.6, -2.4, 0.4}
	assertSlice(t, "RRB shrink", RelativeReconstructionBias(h2, hr2, 2, 1, 2), []float64{0.8}, 1e-14)
}

func TestShrinkageSlope(t *testing.T) {
	assertNear(t, "slope exact", ShrinkageSlope([]float64{1, 2, 3}, []float64{0.5, 1, 1.5}), 0.5, 1e-15)
	// (1·1 + 2·3)/(1 + 4) = 1.4; an intercept fit would give 2.
	assertNear(t, "slope", ShrinkageSlope([]float64{1, 2}, []float64{1, 3}), 1.4, 1e-15)
	if !math.IsNaN(ShrinkageSlope([]float64{1}, []float64{1, 2})) {
		t.Error("length mismatch must give NaN")
	}
	if !math.IsNaN(ShrinkageSlope(nil, nil)) {
		t.Error("no pairs must give NaN")
	}
}
