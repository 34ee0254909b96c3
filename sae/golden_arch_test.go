package sae

import (
	"fmt"
	"math"
	"testing"

	"saelab/internal/golden"
	"saelab/optim"
	"saelab/toymodel"
)

// loadArchFixture loads testdata/golden/<name>.json and builds an SAE of the given arch whose
// parameters are the fixture's tensors (with suffix sfx, e.g. "" or "_rescale").
func loadArchFixture(t *testing.T, name, arch string, edit func(*Config)) (*golden.Fixture, *SAE) {
	t.Helper()
	f, err := golden.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	I, D, S := f.Int("n_inst"), f.Int("d_in"), f.Int("d_sae")
	m, err := toymodel.New(toymodel.Config{NInst: I, NFeatures: 5, DHidden: D, FeatMagDistn: "unif"}, toymodel.Values{}, toymodel.Values{}, 1)
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig(I, D, S)
	cfg.Arch = arch
	if _, ok := f.Config["sparsity_coeff"]; ok {
		cfg.SparsityCoeff = f.Float("sparsity_coeff")
	}
	if _, ok := f.Config["ste_epsilon"]; ok {
		cfg.STEEpsilon = f.Float("ste_epsilon")
	}
	cfg.WeightNormalizeEps = f.Float("weight_normalize_eps")
	cfg.TiedWeights = f.Bool("tied_weights")
	if edit != nil {
		edit(&cfg)
	}
	s, err := New(cfg, m, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range s.Params() {
		copy(p.Data, archTensor(t, f, p.Name))
	}
	return f, s
}

func archTensor(t *testing.T, f *golden.Fixture, name string) []float64 {
	t.Helper()
	v, err := f.T(name)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func expectClose(t *testing.T, what string, got, want []float64) {
	t.Helper()
	if err := golden.Compare(what, got, want); err != nil {
		t.Error(err)
	}
}

// archTrainStep is one step of the training loop's own path on a given dense batch:
// prepare, lossGradBatch, Adam on each instance slice, afterStep.
func archTrainStep(s *SAE, adam *optim.Adam, h []float64, B int, lr float64) {
	I, D, S := s.Cfg.NInst, s.Cfg.DIn, s.Cfg.DSAE
	bc1, bc2 := adam.Begin()
	w := s.newWork()
	counts := make([]int, S)
	params := s.Params()
	for i := 0; i < I; i++ {
		s.prepare(i, w)
		s.lossGradBatch(i, denseHidden(h, B, I, D, i), B, w, counts)
		for k, p := range params {
			per := len(p.Data) / I
			adam.Update(k, i*per, p.Data[i*per:(i+1)*per], w.g[k], lr, bc1, bc2)
		}
		s.afterStep(i, w)
	}
}

// checkTwoSteps runs two Adam steps (h, then h2) and compares every parameter after each.
func checkTwoSteps(t *testing.T, f *golden.Fixture, s *SAE) {
	t.Helper()
	params := s.Params()
	sizes := make([]int, len(params))
	for k, p := range params {
		sizes[k] = len(p.Data)
	}
	B := f.Tensors["h"].Shape[0]
	adam := optim.NewAdam(f.Float("adam_beta1"), f.Float("adam_beta2"), f.Float("adam_eps"), sizes...)
	for k, hn := range []string{"h", "h2"} {
		archTrainStep(s, adam, archTensor(t, f, hn), B, f.Float("lr"))
		for _, p := range params {
			name := fmt.Sprintf("%s_step%d", p.Name, k+1)
			expectClose(t, name, p.Data, archTensor(t, f, name))
		}
	}
}

// PyTorch parity (L1) of the Gated SAE (spec §3): forward, the three loss terms, gradients of
// every parameter, and two Adam steps (with the untied decoder's renormalisation).
func TestGoldenGated(t *testing.T) {
	for _, name := range []string{"gated_untied", "gated_tied"} {
		t.Run(name, func(t *testing.T) {
			f, s := loadArchFixture(t, name, "gated", nil)
			h := archTensor(t, f, "h")
			B := f.Tensors["h"].Shape[0]
			out := s.Forward(h, B)
			for _, term := range []string{"L_reconstruction", "L_sparsity", "L_aux"} {
				expectClose(t, term, out.Terms[term], archTensor(t, f, term))
			}
			expectClose(t, "loss", out.Loss, archTensor(t, f, "loss"))
			expectClose(t, "acts", out.Acts, archTensor(t, f, "acts"))
			expectClose(t, "h_rec", out.HRec, archTensor(t, f, "h_rec"))
			_, grads := s.Gradients(h, B)
			for _, p := range s.Params() {
				expectClose(t, "grad_"+p.Name, grads[p.Name], archTensor(t, f, "grad_"+p.Name))
			}
			checkTwoSteps(t, f, s)
		})
	}
}

// PyTorch parity of the JumpReLU SAE (spec §4) with samples inside every latent's STE window:
// forward, terms, gradients (STE θ-gradient included) and two Adam steps.
func TestGoldenJumpReLU(t *testing.T) {
	for _, name := range []string{"jumprelu_untied", "jumprelu_tied"} {
		t.Run(name, func(t *testing.T) {
			f, s := loadArchFixture(t, name, "jumprelu", nil)
			h := archTensor(t, f, "h")
			B := f.Tensors["h"].Shape[0]
			out := s.Forward(h, B)
			for _, term := range []string{"L_reconstruction", "L_sparsity"} {
				expectClose(t, term, out.Terms[term], archTensor(t, f, term))
			}
			expectClose(t, "loss", out.Loss, archTensor(t, f, "loss"))
			expectClose(t, "acts", out.Acts, archTensor(t, f, "acts"))
			expectClose(t, "h_rec", out.HRec, archTensor(t, f, "h_rec"))
			_, grads := s.Gradients(h, B)
			for _, p := range s.Params() {
				expectClose(t, "grad_"+p.Name, grads[p.Name], archTensor(t, f, "grad_"+p.Name))
			}
			checkTwoSteps(t, f, s)
		})
	}
}

// Spec §4 self-test values from the PyTorch fixture, exactly.
func TestGoldenHeavisideJumpReLU(t *testing.T) {
	f, err := golden.Load("heaviside_jumprelu_selftest")
	if err != nil {
		t.Fatal(err)
	}
	z, theta := archTensor(t, f, "z"), archTensor(t, f, "theta")
	eps := f.Float("ste_epsilon")
	var hOut, jOut, hGT, jGT, hGZ, jGZ []float64
	for k := range z {
		hOut = append(hOut, heaviside(z[k], theta[k]))
		jOut = append(jOut, jumpReLU(z[k], theta[k]))
		hGT = append(hGT, heavisideGradTheta(z[k], theta[k], eps, 1))
		jGT = append(jGT, jumpReLUGradTheta(z[k], theta[k], eps, 1))
		hGZ = append(hGZ, 0)
		jGZ = append(jGZ, heaviside(z[k], theta[k]))
	}
	for _, c := range []struct {
		name string
		got  []float64
	}{{"heaviside_out", hOut}, {"jumprelu_out", jOut}, {"heaviside_grad_theta", hGT}, {"jumprelu_grad_theta", jGT},
		{"heaviside_grad_z", hGZ}, {"jumprelu_grad_z", jGZ}} {
		want := archTensor(t, f, c.name)
		for k := range want {
			if c.got[k] != want[k] {
				t.Errorf("%s[%d] = %v, want %v exactly", c.name, k, c.got[k], want[k])
			}
		}
	}
	zs := archTensor(t, f, "z_stacked")
	want := archTensor(t, f, "heaviside_stacked_grad_theta")
	for k := range theta {
		var g float64
		for b := 0; b < len(zs)/len(theta); b++ {
			g += heavisideGradTheta(zs[b*len(theta)+k], theta[k], eps, 1)
		}
		if g != want[k] {
			t.Errorf("stacked θ.grad[%d] = %v, want %v", k, g, want[k])
		}
	}
}

// PyTorch parity of TopK (spec §5, k = 2, ties → lower index) with and without
// rescale_acts_by_decoder_norm: acts, h_rec, L_reconstruction and gradients (AuxK is 0 here:
// no latent has been silent for dead_feature_window steps).
func TestGoldenTopK(t *testing.T) {
	for _, sfx := range []string{"", "_rescale"} {
		t.Run("rescale="+fmt.Sprint(sfx != ""), func(t *testing.T) {
			f, s := loadArchFixture(t, "topk", "topk", func(c *Config) {
				c.K = 2
				c.RescaleActsByDecoderNorm = sfx != ""
			})
			if k := f.Float("k"); k != s.Cfg.K {
				t.Fatalf("fixture k = %v", k)
			}
			h := archTensor(t, f, "h")
			B := f.Tensors["h"].Shape[0]
			out := s.Forward(h, B)
			expectClose(t, "acts"+sfx, out.Acts, archTensor(t, f, "acts"+sfx))
			expectClose(t, "h_rec"+sfx, out.HRec, archTensor(t, f, "h_rec"+sfx))
			expectClose(t, "L_reconstruction"+sfx, out.LReconstruction, archTensor(t, f, "L_reconstruction"+sfx))
			expectClose(t, "loss"+sfx, out.Loss, archTensor(t, f, "L_reconstruction"+sfx))
			_, grads := s.Gradients(h, B)
			for _, p := range s.Params() {
				expectClose(t, "grad_"+p.Name+sfx, grads[p.Name], archTensor(t, f, "grad_"+p.Name+sfx))
			}
		})
	}
}

// PyTorch parity of BatchTopK's training forward (spec §5): the selection mask over the
// flattened batch (ties → lower flat index, zeros kept when fewer values are positive), acts,
// h_rec, L_reconstruction, gradients, and one threshold update from τ = 0; k = 2 and 1.5.
func TestGoldenBatchTopK(t *testing.T) {
	for _, c := range []struct {
		sfx string
		k   float64
	}{{"_k2", 2}, {"_k1p5", 1.5}} {
		t.Run(c.sfx, func(t *testing.T) {
			f, s := loadArchFixture(t, "batchtopk", "batchtopk", func(cfg *Config) { cfg.K = c.k })
			h := archTensor(t, f, "h")
			B := f.Tensors["h"].Shape[0]
			I, D, S := s.Cfg.NInst, s.Cfg.DIn, s.Cfg.DSAE
			out, kept := s.forwardTraining(h, B)
			wantKept := archTensor(t, f, "kept"+c.sfx)
			for k := range kept {
				if kept[k] != (wantKept[k] != 0) {
					t.Errorf("kept%s[%d] = %v, want %v", c.sfx, k, kept[k], wantKept[k])
				}
			}
			expectClose(t, "acts"+c.sfx, out.Acts, archTensor(t, f, "acts"+c.sfx))
			expectClose(t, "h_rec"+c.sfx, out.HRec, archTensor(t, f, "h_rec"+c.sfx))
			expectClose(t, "L_reconstruction"+c.sfx, out.LReconstruction, archTensor(t, f, "L_reconstruction"+c.sfx))
			_, grads := s.Gradients(h, B)
			for _, p := range s.Params() {
				expectClose(t, "grad_"+p.Name+c.sfx, grads[p.Name], archTensor(t, f, "grad_"+p.Name+c.sfx))
			}
			// One step of the training path without the optimizer: τ ← 0.99·0 + 0.01·min positive kept.
			w := s.newWork()
			counts := make([]int, S)
			for i := 0; i < I; i++ {
				s.prepare(i, w)
				s.lossGradBatch(i, denseHidden(h, B, I, D, i), B, w, counts)
				s.afterStep(i, w)
			}
			expectClose(t, "tau_after_update"+c.sfx, s.Threshold, archTensor(t, f, "tau_after_update"+c.sfx))
			if math.IsNaN(s.Threshold[0]) {
				t.Fatal("NaN threshold")
			}
		})
	}
}
