package synth

import (
	"math"
	"testing"
)

// TestSuperpositionHand: four unit vectors at 0°, 90°, 45° and 135° (scaled, to check the
// normalisation) have |cos| 0 or 1/√2, so every feature's max is 1/√2, its 50th percentile
// 1/√2, its 0th 0, and the mean over the 6 pairs 4/(6√2).
func TestSuperpositionHand(t *testing.T) {
	s := math.Sqrt2 / 2
	V := []float32{2, 0, 0, 3, float32(s), float32(s), -0.5, 0.5}
	st, err := Superposition(V, 4, 2, []int{0, 50, 95})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 4; i++ {
		if math.Abs(st.MaxAbsCos[i]-s) > 1e-6 || math.Abs(st.PercentileAbsCos[50][i]-s) > 1e-6 || st.PercentileAbsCos[0][i] > 1e-7 {
			t.Fatalf("feature %d: max %g, p50 %g, p0 %g", i, st.MaxAbsCos[i], st.PercentileAbsCos[50][i], st.PercentileAbsCos[0][i])
		}
	}
	if math.Abs(st.MeanAbsCos-4*s/6) > 1e-6 || math.Abs(st.MeanMaxAbsCos-s) > 1e-6 || math.Abs(st.MeanPercentileAbs[95]-s) > 1e-6 {
		t.Fatalf("means: %g %g %g", st.MeanAbsCos, st.MeanMaxAbsCos, st.MeanPercentileAbs[95])
	}
	if _, err := Superposition(V[:2], 1, 2, nil); err == nil {
		t.Fatal("F = 1 must be an error")
	}
}
