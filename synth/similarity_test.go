package synth

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// Three latents against four features in 2-D, by hand. Truth: f0 = (1,0), f1 = (0,1),
// f2 = (1,1)/√2, f3 = (1,−1)/√2. Decoder rows: l0 = (1,2), l1 = (−3,0), l2 = (2,1), so
// cos(l0) = (1/√5, 2/√5, 3/√10, −1/√10) = (0.45, 0.89, 0.95, −0.32): best f2;
// cos(l1) = (−1, 0, −0.71, −0.71): best f0 (|−1| is the largest);
// cos(l2) = (0.89, 0.45, 0.95, 0.32): best f2.
// Best = [2, 0, 2]; the stable ordering is [1, 0, 2] (l0 before l2: both match f2), and the
// columns are the distinct best features [0, 2]. Encoder columns: l0 = (1,0), l1 = (0,1),
// l2 = (1,1), so their rows in that order are (0, 0.71), (1, 0.71), (0.71, 1).
func TestFeatureSimilarityByHand(t *testing.T) {
	r := float32(1 / math.Sqrt2)
	truth := []float32{1, 0, 0, 1, r, r, r, -r}
	dec := []float32{1, 2, -3, 0, 2, 1}
	enc := []float32{1, 0, 1, 0, 1, 1} // [H×S]: W_enc's columns are the latents
	sim, err := FeatureSimilarity(truth, 4, dec, enc, 3, 2, 64)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sim.Best, []int32{2, 0, 2}) || !slices.Equal(sim.Order, []int{1, 0, 2}) {
		t.Errorf("best %v, order %v; want [2 0 2] and [1 0 2]", sim.Best, sim.Order)
	}
	if !slices.Equal(sim.Latents, []int{1, 0, 2}) || !slices.Equal(sim.Features, []int{0, 2}) {
		t.Errorf("latents %v, features %v; want [1 0 2] and [0 2]", sim.Latents, sim.Features)
	}
	if want := []float64{-1, -0.71, 0.45, 0.95, 0.89, 0.95}; !slices.Equal(sim.Dec, want) {
		t.Errorf("decoder cosines %v, want %v", sim.Dec, want)
	}
	if want := []float64{0, 0.71, 1, 0.71, 0.71, 1}; !slices.Equal(sim.Enc, want) {
		t.Errorf("encoder cosines %v, want %v", sim.Enc, want)
	}
	// A window of two latents keeps the first two of the ordering and their features.
	sim, err = FeatureSimilarity(truth, 4, dec, nil, 3, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sim.Latents, []int{1, 0}) || !slices.Equal(sim.Features, []int{0, 2}) || sim.Enc != nil ||
		!slices.Equal(sim.Dec, []float64{-1, -0.71, 0.45, 0.95}) {
		t.Errorf("two latents, no encoder: %+v", sim)
	}
}

// Ties keep the latents' order; an unstable sort could put latent 2 before latent 0.
func TestBestOrderingStable(t *testing.T) {
	if got := BestOrdering([]int32{3, 1, 3, 0, 1}); !slices.Equal(got, []int{3, 1, 4, 0, 2}) {
		t.Errorf("ordering %v, want [3 1 4 0 2]", got)
	}
	if got := BestOrdering(nil); len(got) != 0 {
		t.Errorf("no latents: %v", got)
	}
}

func TestRoundCos(t *testing.T) {
	for _, c := range []struct {
		in   float32
		want float64
	}{{0.7071, 0.71}, {-0.7071, -0.71}, {0.994, 0.99}, {0.996, 1}, {-0.004, 0}, {1, 1}} {
		got := RoundCos(c.in)
		if got != c.want || math.Signbit(got) != math.Signbit(c.want) {
			t.Errorf("RoundCos(%g) = %g, want %g", c.in, got, c.want)
		}
	}
}

// Each latent's best feature is the evaluation's (the same |cos| bits, the same tie rule),
// with more latents than features and fewer, across block boundaries.
func TestFeatureSimilarityMatchesEvaluator(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 8))
	const H = 6
	for _, sz := range [][2]int{{300, 40}, {30, 90}} {
		S, F := sz[0], sz[1]
		truth, dec := make([]float32, F*H), make([]float32, S*H)
		for k := range truth {
			truth[k] = float32(rnd.NormFloat64())
		}
		for k := range dec {
			dec[k] = float32(rnd.NormFloat64())
		}
		copy(dec[5*H:6*H], make([]float32, H)) // a zero row matches feature 0
		e, err := NewEvaluator(truth, F, dec, S, H)
		if err != nil {
			t.Fatal(err)
		}
		sim, err := FeatureSimilarity(truth, F, dec, nil, S, H, 10)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(sim.Best, e.Best) {
			t.Errorf("S=%d F=%d: best features differ from the evaluation's", S, F)
		}
		if sim.Best[5] != 0 || len(sim.Latents) != 10 || len(sim.Dec) != 10*len(sim.Features) {
			t.Errorf("S=%d F=%d: zero row's best %d, %d latents, %d cosines for %d features", S, F, sim.Best[5], len(sim.Latents), len(sim.Dec), len(sim.Features))
		}
		for k := 1; k < len(sim.Order); k++ {
			a, b := sim.Order[k-1], sim.Order[k]
			if sim.Best[a] > sim.Best[b] || sim.Best[a] == sim.Best[b] && a > b {
				t.Fatalf("S=%d F=%d: ordering not sorted stably at %d", S, F, k)
			}
		}
	}
}

func TestFeatureSimilarityErrors(t *testing.T) {
	truth, dec := []float32{1, 0, 0, 1}, []float32{1, 1}
	for _, c := range []struct {
		name   string
		dec    []float32
		enc    []float32
		n      int
		substr string
	}{
		{"short decoder", []float32{1}, nil, 4, "decoder S×H"},
		{"short encoder", dec, []float32{1}, 4, "encoder has 1 values"},
		{"no latents shown", dec, nil, 0, "0 latents shown"},
		{"NaN weight", []float32{1, float32(math.NaN())}, nil, 4, "weight 1 = NaN"},
	} {
		if _, err := FeatureSimilarity(truth, 2, c.dec, c.enc, 1, 2, c.n); err == nil || !strings.Contains(err.Error(), c.substr) {
			t.Errorf("%s: %v, want an error with %q", c.name, err, c.substr)
		}
	}
}
