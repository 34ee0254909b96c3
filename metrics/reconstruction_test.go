package metrics

import (
	"math"
	"strings"
	"testing"
)

func TestMSEWorkedExample(t *testing.T) {
	// Spec §2.5 worked example: L_rec = 0 and 0.005 for the two samples.
	h := []float64{1, 0.5, 0, 0}
	hr := []float64{1, 0.5, 0.1, 0}
	assertSlice(t, "MSE", MSE(h, hr, 2, 1, 2), []float64{0.0025}, 1e-15)
}

func TestExplainedVarianceHand(t *testing.T) {
	// h = [1, 3], h̄ = 2, mean‖h−h̄‖² = 1; hr = [1.5, 3], mean‖h−hr‖² = 0.125.
	assertSlice(t, "EV", ExplainedVariance([]float64{1, 3}, []float64{1.5, 3}, 2, 1, 1), []float64{0.875}, 1e-15)
	// Perfect reconstruction.
	assertSlice(t, "EV perfect", ExplainedVariance([]float64{1, 3}, []float64{1, 3}, 2, 1, 1), []float64{1}, 0)
	// Zero variance is undefined.
	if got := ExplainedVariance([]float64{2, 2}, []float64{1, 1}, 2, 1, 1); !math.IsNaN(got[0]) {
		t.Errorf("EV with constant h = %v, want NaN", got[0])
	}
}

func TestExplainedVarianceNotPerSampleRatio(t *testing.T) {
	// B=3, I=2, D=1. Instance 0: h = [0,1,5], h̄ = 2, squared deviations
	// 4,1,9 (mean 14/3); hr misses sample 1 by 1 (mean error 1/3), so
	// EV = 1 − (1/3)/(14/3) = 13/14. The per-sample ratio version gives
	// 1 − mean(0/4, 1/1, 0/9) = 2/3. Instance 1 is instance 0 shifted by
	// 100: the mean is per instance, so EV is unchanged.
	h := []float64{0, 100, 1, 101, 5, 105}
	hr := []float64{0, 100, 2, 102, 5, 105}
	got := ExplainedVariance(h, hr, 3, 2, 1)
	assertSlice(t, "EV", got, []float64{13.0 / 14, 13.0 / 14}, 1e-14)
	perSample := 1 - (0.0/4+1.0/1+0.0/9)/3
	if near(got[0], perSample, 1e-3) {
		t.Errorf("EV = %v equals the per-sample ratio %v", got[0], perSample)
	}
}

func TestCosSimSkipsZeroH(t *testing.T) {
	// Samples: h=(1,0) hr=(1,1) → 1/√2; h=0 skipped although hr ≠ 0;
	// h=(0,2) hr=(0,3) → 1.
	h := []float64{1, 0, 0, 0, 0, 2}
	hr := []float64{1, 1, 5, 5, 0, 3}
	assertSlice(t, "CosSim", CosSim(h, hr, 3, 1, 2), []float64{(1/math.Sqrt2 + 1) / 2}, 1e-7)
	if got := CosSim([]float64{0, 0}, []float64{1, 1}, 1, 1, 2); !math.IsNaN(got[0]) {
		t.Errorf("CosSim with all-zero h = %v, want NaN", got[0])
	}
}

func TestReconstructionBadShapes(t *testing.T) {
	h := make([]float64, 6)
	if MSE(h, h[:5], 3, 1, 2) != nil || ExplainedVariance(h, h, 2, 1, 2) != nil ||
		CosSim(h, h, 3, 2, 2) != nil || L2Ratio(h, h, 6, 1, 0) != nil ||
		RelativeReconstructionBias(h[:5], h, 3, 1, 2) != nil {
		t.Error("bad shapes must give nil")
	}
	err := CheckPair(h, h[:5], 3, 1, 2)
	if err == nil || !strings.Contains(err.Error(), "hr has 5 values, want B*I*D = 6") {
		t.Errorf("CheckPair error = %v", err)
	}
	if err := CheckPair(h, h, 3, 1, 2); err != nil {
		t.Errorf("CheckPair(valid) = %v", err)
	}
}
