package metrics

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestDimensionalityHand(t *testing.T) {
	W := []float64{1, 0, -1, 0, 1, 0} // [I=1][H=2][F=3]
	assertSlice(t, "D", Dimensionality(W, 1, 2, 3), []float64{0.5, 1, 0.5}, 1e-7)
}

func TestDimensionalityPentagon(t *testing.T) {
	// Two instances keep their axis (no squeeze); the second is scaled,
	// which dimensionality ignores and dims-per-feature does not.
	P := pentagon()
	W := append(append([]float64{}, P...), P...)
	for k := 10; k < 20; k++ {
		W[k] *= 2
	}
	assertSlice(t, "D", Dimensionality(W, 2, 2, 5), []float64{0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4}, 1e-7)
	assertSlice(t, "DimsPerFeature", DimsPerFeature(W, 2, 2, 5), []float64{0.4, 0.1}, 1e-12)
}

func TestDimensionalityKeepsShapes(t *testing.T) {
	// I = 1 and F = 1: the reference's squeeze bug would drop axes.
	if got := Dimensionality([]float64{3, 4}, 1, 2, 1); len(got) != 1 || !near(got[0], 1, 1e-7) {
		t.Errorf("Dimensionality(I=1,F=1) = %v, want [1]", got)
	}
	// A zero column occupies no dimensions instead of 0/0.
	assertSlice(t, "D zero column", Dimensionality([]float64{1, 0, 0, 0}, 1, 2, 2), []float64{1, 0}, 1e-7)
}

// directDimensionality follows the spec formula literally, vector by vector.
func directDimensionality(W []float64, I, H, F int) []float64 {
	col := func(i, f int) []float64 {
		v := make([]float64, H)
		for h := range H {
			v[h] = W[(i*H+h)*F+f]
		}
		return v
	}
	out := make([]float64, I*F)
	for i := range I {
		for f := range F {
			wf := col(i, f)
			n := math.Sqrt(dot(wf, wf))
			hat := make([]float64, H)
			for h := range H {
				hat[h] = wf[h] / (n + 1e-8)
			}
			var den float64
			for g := range F {
				d := dot(hat, col(i, g))
				den += d * d
			}
			out[i*F+f] = n * n / den
		}
	}
	return out
}

func TestDimensionalityRandomReference(t *testing.T) {
	// compute_dimensionality reference test shape: W ~ N(0,1), (5,20,40).
	const I, H, F = 5, 20, 40
	r := rand.New(rand.NewPCG(3, 5))
	W := make([]float64, I*H*F)
	for k := range W {
		W[k] = r.NormFloat64()
	}
	got := Dimensionality(W, I, H, F)
	want := directDimensionality(W, I, H, F)
	for k := range want {
		// assert_close tolerances of spec §8.
		if math.Abs(got[k]-want[k]) > 1e-5+1.3e-6*math.Abs(want[k]) {
			t.Errorf("D[%d] = %v, want %v", k, got[k], want[k])
		}
	}
}

func TestPolysemanticityHand(t *testing.T) {
	// Ŵ_0·W_2 = −1/(1+1e-6), Ŵ_1 is orthogonal to the others.
	W := []float64{1, 0, -1, 0, 1, 0}
	e := 1 / (1 + 1e-6)
	assertSlice(t, "P", Polysemanticity(W, 1, 2, 3), []float64{e, 0, e}, 1e-12)
	// Pentagon: Σ_{g≠f} cos² = 2cos²72° + 2cos²144° = 1.5.
	P := Polysemanticity(pentagon(), 1, 2, 5)
	for f := range 5 {
		assertNear(t, "P pentagon", P[f], math.Sqrt(1.5), 1e-5)
	}
}

func TestNeuronMonosemanticity(t *testing.T) {
	// Neuron 0 reads only feature 0; neuron 1 mixes features 1 and 2, with
	// the larger weight negative.
	W := []float64{2, 0, 0, 0, -1, 0.5}
	got := NeuronMonosemanticity(W, 1, 2, 3)
	assertSlice(t, "M", got, []float64{2 / math.Sqrt(4+1e-6), 1 / math.Sqrt(1.25+1e-6)}, 1e-12)
	if got[0] <= 0.99 || got[1] > 0.99 {
		t.Errorf("monosemantic flags wrong: %v", got)
	}
}

func TestGeometryBadShapes(t *testing.T) {
	W := make([]float64, 5)
	if Dimensionality(W, 1, 2, 3) != nil || DimsPerFeature(W, 1, 2, 3) != nil ||
		Polysemanticity(W, 1, 2, 3) != nil || NeuronMonosemanticity(W, 1, 2, 3) != nil {
		t.Error("bad shapes must give nil")
	}
	if err := CheckWeights(W, 1, 2, 3); err == nil || err.Error() != "metrics: W has 5 values, want I*H*F = 6" {
		t.Errorf("CheckWeights error = %v", err)
	}
}
