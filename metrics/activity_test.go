package metrics

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// acts [B=3][I=2][S=3]. Instance 0: latent 0 fires on 2 samples (one of
// them negative, since |a| counts), latent 1 on 1, latent 2 only at exactly
// 1e-8, which is not active. Instance 1: latent 0 never, 1 always, 2 once.
var handActs = []float64{
	0.5, 0, 1e-8, 0, 1, 0, // b = 0: instance 0, then instance 1
	-0.5, 2, 0, 1e-9, 3, 0, // b = 1
	0, 0, 1e-8, 0, 4, 0.1, // b = 2
}

func TestFracActiveHand(t *testing.T) {
	got := FracActive(handActs, 3, 2, 3)
	assertSlice(t, "FracActive", got, []float64{2.0 / 3, 1.0 / 3, 0, 0, 1, 1.0 / 3}, 1e-15)
}

func TestL0Hand(t *testing.T) {
	assertSlice(t, "L0", L0(handActs, 3, 2, 3), []float64{1, 4.0 / 3}, 1e-15)
}

func TestDeadAndAliveHand(t *testing.T) {
	if got, want := DeadLatents(handActs, 3, 2, 3), []int{1, 1}; !slices.Equal(got, want) {
		t.Errorf("DeadLatents = %v, want %v", got, want)
	}
	// Both dead latents in the second instance.
	if got, want := DeadLatents([]float64{1, 1, 1, 0, 0, 1}, 1, 2, 3), []int{0, 2}; !slices.Equal(got, want) {
		t.Errorf("DeadLatents = %v, want %v", got, want)
	}
	want := []bool{true, true, false, false, true, true}
	if got := Alive(handActs, 3, 2, 3); !slices.Equal(got, want) {
		t.Errorf("Alive = %v, want %v", got, want)
	}
}

func TestL0EqualsSumFracActive(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const B, I, S = 64, 4, 7
	acts := make([]float64, B*I*S)
	for k := range acts {
		if r.Float64() < 0.3 {
			acts[k] = r.NormFloat64()
		}
	}
	frac := FracActive(acts, B, I, S)
	l0 := L0(acts, B, I, S)
	for i := range I {
		var sum float64
		for _, f := range frac[i*S : (i+1)*S] {
			sum += f
		}
		assertNear(t, "L0 - sum FracActive", l0[i], sum, 1e-12)
	}
}

func TestLogDensity(t *testing.T) {
	assertSlice(t, "LogDensity", LogDensity([]float64{0, 0.01}), []float64{-10, -2}, 1e-8)
}

func TestActivityBadShapes(t *testing.T) {
	if FracActive(handActs, 3, 2, 4) != nil || L0(handActs, 2, 2, 3) != nil ||
		DeadLatents(handActs, 3, 3, 3) != nil || Alive(handActs, 0, 2, 3) != nil {
		t.Error("bad shapes must give nil")
	}
	err := CheckActs(handActs, 3, 2, 4)
	if err == nil || !strings.Contains(err.Error(), "acts has 18 values, want B*I*S = 24") {
		t.Errorf("CheckActs error = %v", err)
	}
	if err := CheckActs(nil, 0, 2, 3); err == nil || !strings.Contains(err.Error(), "B >= 1") {
		t.Errorf("CheckActs(B=0) error = %v", err)
	}
	if err := CheckActs(nil, 1, -2, -3); err == nil || !strings.Contains(err.Error(), "negative") {
		t.Errorf("CheckActs(negative) error = %v", err)
	}
	if err := CheckActs(nil, 1<<40, 1<<40, 1<<40); err == nil || !strings.Contains(err.Error(), "overflows") {
		t.Errorf("CheckActs(overflow) error = %v", err)
	}
	if err := CheckActs(handActs, 3, 2, 3); err != nil {
		t.Errorf("CheckActs(valid) = %v", err)
	}
}
