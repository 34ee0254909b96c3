package toymodel

import (
	"testing"

	"saelab/internal/golden"
	"saelab/optim"
)

func must(t *testing.T, f *golden.Fixture, name string) []float64 {
	t.Helper()
	v, err := f.T(name)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func check(t *testing.T, what string, got, want []float64) {
	t.Helper()
	if err := golden.Compare(what, got, want); err != nil {
		t.Error(err)
	}
}

// PyTorch parity (level L1): forward, loss, gradients and two Adam steps.
func TestGoldenToyModel(t *testing.T) {
	f, err := golden.Load("toymodel_forward_loss")
	if err != nil {
		t.Fatal(err)
	}
	I, F, H, B := f.Int("n_inst"), f.Int("n_features"), f.Int("d_hidden"), f.Int("batch_size")
	cfg := Config{NInst: I, NFeatures: F, DHidden: H, FeatMagDistn: "unif"}
	m, err := FromWeights(cfg, Full(must(t, f, "importance")), Values{}, must(t, f, "W"), must(t, f, "b_final"))
	if err != nil {
		t.Fatal(err)
	}
	x := must(t, f, "x")
	out := make([]float64, len(x))
	m.Forward(x, B, out)
	check(t, "out", out, must(t, f, "out"))
	L, gW, gB := m.LossGrad(BatchFromDense(x, B, I, F))
	check(t, "loss", []float64{L}, must(t, f, "loss"))
	check(t, "grad_W", gW, must(t, f, "grad_W"))
	check(t, "grad_b_final", gB, must(t, f, "grad_b_final"))

	adam := optim.NewAdam(f.Float("adam_beta1"), f.Float("adam_beta2"), f.Float("adam_eps"), len(m.W), len(m.BFinal))
	for k, xs := range []string{"x", "x2"} {
		_, gW, gB := m.LossGrad(BatchFromDense(must(t, f, xs), B, I, F))
		bc1, bc2 := adam.Begin()
		adam.Update(0, 0, m.W, gW, f.Float("lr"), bc1, bc2)
		adam.Update(1, 0, m.BFinal, gB, f.Float("lr"), bc1, bc2)
		step := []string{"1", "2"}[k]
		check(t, "W_after_step"+step, m.W, must(t, f, "W_after_step"+step))
		check(t, "b_final_after_step"+step, m.BFinal, must(t, f, "b_final_after_step"+step))
	}
}

func TestGoldenSchedules(t *testing.T) {
	f, err := golden.Load("lr_schedules")
	if err != nil {
		t.Fatal(err)
	}
	for name, fn := range map[string]optim.Schedule{"constant": optim.ConstantLR, "linear": optim.LinearLR, "cosine": optim.CosineDecayLR, "linear_warmup": optim.LinearWarmupLR} {
		var got []float64
		for s := 0; s < 5; s++ {
			got = append(got, fn(s, 5))
		}
		check(t, name, got, must(t, f, name+"_steps5"))
	}
	var got []float64
	for _, s := range must(t, f, "anthropic_steps3000_at") {
		got = append(got, optim.AnthropicLR(int(s), 3000))
	}
	check(t, "anthropic", got, must(t, f, "anthropic_steps3000"))
}
