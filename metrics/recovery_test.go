package metrics

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func TestCosine(t *testing.T) {
	assertNear(t, "cos", Cosine([]float64{3, 4}, []float64{6, 8}), 50/((5+1e-8)*(10+1e-8)), 1e-15)
	assertNear(t, "cos orth", Cosine([]float64{1, 0}, []float64{0, 2}), 0, 0)
	assertNear(t, "cos zero", Cosine([]float64{0, 0}, []float64{1, 2}), 0, 0)
	// The eps sits on the norm: a tiny vector's cosine is visibly damped.
	assertNear(t, "cos tiny", Cosine([]float64{1e-8}, []float64{1}), 0.5, 1e-8)
	if !math.IsNaN(Cosine([]float64{1}, []float64{1, 2})) {
		t.Error("length mismatch must give NaN")
	}
}

func TestRecoverPerfectPentagon(t *testing.T) {
	T := pentagon()
	order := []int{2, 4, 0, 1, 3} // latent j sits on feature order[j]
	dec := rowsOf(T, 2, 5, order...)
	rec, err := Recover(T, 2, 5, dec, 5, nil, DefaultRecoveryThreshold)
	if err != nil {
		t.Fatal(err)
	}
	assertNear(t, "MMCS", rec.MMCS, 1, 1e-7)
	assertNear(t, "HungarianMean", rec.HungarianMean, 1, 1e-7)
	assertNear(t, "MCC", rec.MCC, 1, 1e-7)
	for j, f := range order {
		if rec.Matched[f] != j {
			t.Errorf("Matched[%d] = %d, want %d", f, rec.Matched[f], j)
		}
	}
	if rec.Recovered != 5 || !rec.Monosemantic || !rec.GeometricMonosemantic {
		t.Errorf("Recovered %d, Monosemantic %v, Geometric %v; want 5, true, true", rec.Recovered, rec.Monosemantic, rec.GeometricMonosemantic)
	}
}

func TestRecoverTwoLatentsOnOneFeature(t *testing.T) {
	T := pentagon()
	dec := rowsOf(T, 2, 5, 0, 0, 2, 3, 4) // feature 1 has no latent
	rec, err := Recover(T, 2, 5, dec, 5, nil, DefaultRecoveryThreshold)
	if err != nil {
		t.Fatal(err)
	}
	assertNear(t, "MaxCos[0]", rec.MaxCos[0], 1, 1e-7)
	assertNear(t, "MaxCos[1]", rec.MaxCos[1], math.Cos(2*math.Pi/5), 1e-7)
	if rec.Recovered != 4 || rec.Monosemantic || rec.GeometricMonosemantic {
		t.Errorf("Recovered %d, Monosemantic %v, Geometric %v; want 4, false, false", rec.Recovered, rec.Monosemantic, rec.GeometricMonosemantic)
	}
	if j := rec.Matched[1]; j != 0 && j != 1 {
		t.Errorf("Matched[1] = %d, want one of the duplicate latents 0, 1", j)
	}
}

func TestRecoverHighMaxCosNotMonosemantic(t *testing.T) {
	// Two features 10° apart and one latent between them: both features
	// have MaxCos ≈ cos 5° ≥ 0.99, but only one can be matched to it; the
	// other gets the 90° latent.
	deg := math.Pi / 180
	T := []float64{1, math.Cos(10 * deg), 0, math.Sin(10 * deg)} // [2][2]
	dec := []float64{math.Cos(5 * deg), math.Sin(5 * deg), 0, 1}
	rec, err := Recover(T, 2, 2, dec, 2, nil, DefaultRecoveryThreshold)
	if err != nil {
		t.Fatal(err)
	}
	if rec.MaxCos[0] < 0.99 || rec.MaxCos[1] < 0.99 || rec.MMCS < 0.99 {
		t.Errorf("MaxCos = %v, MMCS = %v, want all >= 0.99", rec.MaxCos, rec.MMCS)
	}
	if rec.Recovered != 1 || rec.Monosemantic {
		t.Errorf("Recovered %d, Monosemantic %v; want 1, false", rec.Recovered, rec.Monosemantic)
	}
}

func TestRecoverDeadLatentNotCounted(t *testing.T) {
	T := pentagon()
	dec := rowsOf(T, 2, 5, 0, 1, 2, 3, 4)
	alive := []bool{true, true, true, false, true}
	rec, err := Recover(T, 2, 5, dec, 5, alive, DefaultRecoveryThreshold)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Matched[3] != 3 {
		t.Errorf("Matched[3] = %d, want the dead latent 3", rec.Matched[3])
	}
	if rec.Recovered != 4 || rec.Monosemantic {
		t.Errorf("Recovered %d, Monosemantic %v; want 4, false", rec.Recovered, rec.Monosemantic)
	}
	if !rec.GeometricMonosemantic {
		t.Error("the geometric proxy ignores liveness and should still hold")
	}
}

func TestRecoverFewerLatents(t *testing.T) {
	T := pentagon()
	dec := rowsOf(T, 2, 5, 4, 1, 2) // S = 3 < F = 5
	rec, err := Recover(T, 2, 5, dec, 3, nil, DefaultRecoveryThreshold)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{-1, 1, 2, -1, 0}; !slices.Equal(rec.Matched, want) {
		t.Errorf("Matched = %v, want %v", rec.Matched, want)
	}
	assertSlice(t, "MatchedCos", rec.MatchedCos, []float64{0, 1, 1, 0, 1}, 1e-7)
	assertNear(t, "HungarianMean", rec.HungarianMean, 1, 1e-7)
	if rec.Recovered != 3 || rec.Monosemantic || rec.GeometricMonosemantic {
		t.Errorf("Recovered %d, Monosemantic %v, Geometric %v; want 3, false, false", rec.Recovered, rec.Monosemantic, rec.GeometricMonosemantic)
	}
}

func TestRecoverMCCUsesAbsoluteCosine(t *testing.T) {
	// C = [[-1, 0.6], [0, 0.8]]. Signed Hungarian takes the swap (0.6 + 0,
	// mean 0.3); on |C| the diagonal wins (1 + 0.8, MCC 0.9).
	T := []float64{1, 0, 0, 1}
	dec := []float64{-1, 0, 0.6, 0.8}
	rec, err := Recover(T, 2, 2, dec, 2, nil, DefaultRecoveryThreshold)
	if err != nil {
		t.Fatal(err)
	}
	assertNear(t, "HungarianMean", rec.HungarianMean, 0.3, 1e-7)
	assertNear(t, "MCC", rec.MCC, 0.9, 1e-7)
	assertNear(t, "MaxCos[0]", rec.MaxCos[0], 0.6, 1e-7) // signed, not |C|
	if rec.Recovered != 0 {
		t.Errorf("Recovered = %d, want 0", rec.Recovered)
	}
}

func TestRecoverGeometricNeedsD2(t *testing.T) {
	T := []float64{1, 0, 0, 1, 0, 0} // D=3, F=2
	dec := []float64{1, 0, 0, 0, 1, 0}
	rec, err := Recover(T, 3, 2, dec, 2, nil, DefaultRecoveryThreshold)
	if err != nil {
		t.Fatal(err)
	}
	if !rec.Monosemantic || rec.GeometricMonosemantic {
		t.Errorf("Monosemantic %v, Geometric %v; want true, false", rec.Monosemantic, rec.GeometricMonosemantic)
	}
}

func TestEvenlySpaced(t *testing.T) {
	rot := func(deg []float64) []float64 {
		var out []float64
		for _, d := range deg {
			out = append(out, math.Cos(d*math.Pi/180), math.Sin(d*math.Pi/180))
		}
		return out
	}
	// Unsorted, and straddling the ±180° cut.
	if !EvenlySpaced(rot([]float64{170, -118, 26, -46, 98}), 5, 5) {
		t.Error("rotated pentagon should be evenly spaced")
	}
	if !EvenlySpaced(rot([]float64{0, 76, 144, 216, 288}), 5, 5) {
		t.Error("gaps 76, 68, 72, 72, 72 are within 72 ± 5")
	}
	if EvenlySpaced(rot([]float64{0, 78, 144, 216, 288}), 5, 5) {
		t.Error("gap 78 is outside 72 ± 5")
	}
	if EvenlySpaced(rot([]float64{-170, -94, -18, 58, 134}), 5, 5) {
		t.Error("four gaps of 76 leave a wrap-around gap of 56")
	}
	if EvenlySpaced([]float64{1, 0, 0, 0}, 2, 5) {
		t.Error("a zero row has no angle")
	}
	if EvenlySpaced(rot([]float64{0, 72}), 5, 5) {
		t.Error("length mismatch must give false")
	}
}

func TestRecoverErrors(t *testing.T) {
	T := pentagon()
	dec := rowsOf(T, 2, 5, 0, 1, 2, 3, 4)
	cases := []struct {
		trueDirs, dec []float64
		D, F, S       int
		alive         []bool
		msg           string
	}{
		{T[:9], dec, 2, 5, 5, nil, "trueDirs has 9 values, want D*F = 10"},
		{T, dec[:8], 2, 5, 5, nil, "dec has 8 values, want S*D = 10"},
		{T, dec, 2, 5, 5, []bool{true}, "alive has 1 values, want S = 5"},
		{T, dec, 0, 5, 5, nil, "D, F, S >= 1"},
	}
	for _, c := range cases {
		_, err := Recover(c.trueDirs, c.D, c.F, c.dec, c.S, c.alive, 0.99)
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("Recover error = %v, want %q", err, c.msg)
		}
	}
}
