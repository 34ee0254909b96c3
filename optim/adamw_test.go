package optim_test

import (
	"math"
	"strings"
	"testing"

	"saelab/internal/golden"
	"saelab/optim"
	"saelab/toymodel"
)

// PyTorch parity (level L1): two torch.optim.AdamW steps of a toy model (spec §1.9).
func TestGoldenAdamW(t *testing.T) {
	f, err := golden.Load("toymodel_adamw")
	if err != nil {
		t.Fatal(err)
	}
	get := func(name string) []float64 {
		v, err := f.T(name)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	I, F, H, B := f.Int("n_inst"), f.Int("n_features"), f.Int("d_hidden"), f.Int("batch_size")
	cfg := toymodel.Config{NInst: I, NFeatures: F, DHidden: H, FeatMagDistn: "unif"}
	m, err := toymodel.FromWeights(cfg, toymodel.Full(get("importance")), toymodel.Values{}, get("W"), get("b_final"))
	if err != nil {
		t.Fatal(err)
	}
	opt := optim.NewAdamW(f.Float("adam_beta1"), f.Float("adam_beta2"), f.Float("adam_eps"), f.Float("weight_decay"), len(m.W), len(m.BFinal))
	for k, xs := range []string{"x", "x2"} {
		_, gW, gB := m.LossGrad(toymodel.BatchFromDense(get(xs), B, I, F))
		bc1, bc2 := opt.Begin()
		opt.Update(0, 0, m.W, gW, f.Float("lr"), bc1, bc2)
		opt.Update(1, 0, m.BFinal, gB, f.Float("lr"), bc1, bc2)
		step := []string{"1", "2"}[k]
		for _, c := range []struct {
			name      string
			got, want []float64
		}{{"W_after_step" + step, m.W, get("W_after_step" + step)}, {"b_final_after_step" + step, m.BFinal, get("b_final_after_step" + step)}} {
			if err := golden.Compare(c.name, c.got, c.want); err != nil {
				t.Error(err)
			}
		}
	}
}

// One AdamW step by hand: θ = 2, g = 0.5, lr 0.1, wd 0.5 → θ·(1 − 0.05) then Adam's first
// step, which moves by lr·m̂/(√v̂ + eps) = 0.1·0.5/(0.5 + 1e-8).
func TestAdamWByHand(t *testing.T) {
	a := optim.NewAdamW(0.9, 0.999, 1e-8, 0.5, 1)
	th := []float64{2}
	bc1, bc2 := a.Begin()
	a.Update(0, 0, th, []float64{0.5}, 0.1, bc1, bc2)
	want := 2*(1-0.1*0.5) - 0.1*0.5/(0.5+1e-8)
	if math.Abs(th[0]-want) > 1e-15 {
		t.Fatalf("θ = %v, want %v", th[0], want)
	}
}

// With weight decay 0, AdamW is Adam bit for bit.
func TestAdamWZeroDecayIsAdam(t *testing.T) {
	a := optim.NewAdam(0.9, 0.999, 1e-8, 3)
	w := optim.NewAdamW(0.9, 0.999, 1e-8, 0, 3)
	ta, tw := []float64{0.3, -1.2, 0.7}, []float64{0.3, -1.2, 0.7}
	for s, g := range [][]float64{{0.1, -0.2, 0.3}, {-0.5, 0, 0.25}, {0, 0, 0}} {
		bc1, bc2 := a.Begin()
		a.Update(0, 0, ta, g, 1e-3, bc1, bc2)
		bc1, bc2 = w.Begin()
		w.Update(0, 0, tw, g, 1e-3, bc1, bc2)
		for j := range ta {
			if math.Float64bits(ta[j]) != math.Float64bits(tw[j]) {
				t.Fatalf("step %d, θ[%d]: adamw %v, adam %v", s, j, tw[j], ta[j])
			}
		}
	}
}

func TestOptimizerNames(t *testing.T) {
	for _, name := range []string{"", "adam", "adamw"} {
		if _, err := optim.New(name, 0.9, 0.999, 1e-8, 0.01, 2); err != nil {
			t.Errorf("%q: %v", name, err)
		}
	}
	if s, _ := optim.New("adamw", 0.9, 0.999, 1e-8, 0.01, 2); s.(*optim.AdamW).WeightDecay != 0.01 {
		t.Error("adamw lost its weight decay")
	}
	for _, c := range []struct {
		name string
		wd   float64
		want string
	}{{"sgd", 0, `optimizer = "sgd"`}, {"adamw", -0.1, "weight_decay = -0.1"}, {"adamw", math.NaN(), "weight_decay = NaN"}, {"adamw", 2, "weight_decay = 2"}} {
		err := optim.ValidateOptimizer(c.name, c.wd)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ValidateOptimizer(%q, %v) = %v, want an error containing %q", c.name, c.wd, err, c.want)
		}
	}
}
