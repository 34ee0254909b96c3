package sae

import (
	"fmt"
	"testing"

	"saelab/internal/golden"
	"saelab/optim"
	"saelab/toymodel"
)

// fixtureSAE builds an SAE whose parameters are the fixture's tensors of the given suffix.
func fixtureSAE(t *testing.T, f *golden.Fixture) *SAE {
	t.Helper()
	I, D, S := f.Int("n_inst"), f.Int("d_in"), f.Int("d_sae")
	m, err := toymodel.New(toymodel.Config{NInst: I, NFeatures: 5, DHidden: D, FeatMagDistn: "unif"}, toymodel.Values{}, toymodel.Values{}, 1)
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig(I, D, S)
	cfg.SparsityCoeff = f.Float("sparsity_coeff")
	cfg.WeightNormalizeEps = f.Float("weight_normalize_eps")
	cfg.TiedWeights = f.Bool("tied_weights")
	s, err := New(cfg, m, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range s.Params() {
		copy(p.Data, fx(t, f, p.Name))
	}
	return s
}

func fx(t *testing.T, f *golden.Fixture, name string) []float64 {
	t.Helper()
	v, err := f.T(name)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func cmp(t *testing.T, name string, got, want []float64) {
	t.Helper()
	if err := golden.Compare(name, got, want); err != nil {
		t.Error(err)
	}
}

// PyTorch parity (L1) of the standard SAE: forward, loss terms, gradients, two Adam steps
// with the decoder renormalisation.
func TestGoldenStandardSAE(t *testing.T) {
	for _, name := range []string{"sae_untied", "sae_tied", "sae_untied_wide", "sae_worked_example"} {
		t.Run(name, func(t *testing.T) {
			f, err := golden.Load(name)
			if err != nil {
				t.Fatal(err)
			}
			s := fixtureSAE(t, f)
			h := fx(t, f, "h")
			B := f.Tensors["h"].Shape[0]
			out := s.Forward(h, B)
			cmp(t, "L_reconstruction", out.LReconstruction, fx(t, f, "L_reconstruction"))
			cmp(t, "L_sparsity", out.LSparsity, fx(t, f, "L_sparsity"))
			cmp(t, "loss", out.Loss, fx(t, f, "loss"))
			cmp(t, "acts", out.Acts, fx(t, f, "acts"))
			cmp(t, "h_rec", out.HRec, fx(t, f, "h_rec"))
			cmp(t, "W_dec_normalized", s.WDecNormalized(), fx(t, f, "W_dec_normalized"))
			if _, ok := f.Tensors["grad_W_enc"]; !ok {
				return
			}
			_, grads := s.Gradients(h, B)
			for _, p := range s.Params() {
				cmp(t, "grad_"+p.Name, grads[p.Name], fx(t, f, "grad_"+p.Name))
			}
			params := s.Params()
			sizes := make([]int, len(params))
			for k, p := range params {
				sizes[k] = len(p.Data)
			}
			adam := optim.NewAdam(f.Float("adam_beta1"), f.Float("adam_beta2"), f.Float("adam_eps"), sizes...)
			for k, hn := range []string{"h", "h2"} {
				archTrainStep(s, adam, fx(t, f, hn), B, f.Float("lr"))
				for _, p := range params {
					cmp(t, fmt.Sprintf("%s_step%d", p.Name, k+1), p.Data, fx(t, f, fmt.Sprintf("%s_step%d", p.Name, k+1)))
				}
			}
		})
	}
}

// PyTorch parity of resample_simple and resample_advanced with injected draws, untied and
// tied (the tied runs check the §2.11 write order).
func TestGoldenResample(t *testing.T) {
	for _, name := range []string{"sae_resample_simple", "sae_resample_simple_tied", "sae_resample_advanced", "sae_resample_advanced_tied"} {
		t.Run(name, func(t *testing.T) {
			f, err := golden.Load(name)
			if err != nil {
				t.Fatal(err)
			}
			s := fixtureSAE(t, f)
			I, S := s.Cfg.NInst, s.Cfg.DSAE
			W := f.Int("window")
			dead := DeadMask(fx(t, f, "frac_active_window"), W, I, S)
			wantDead := fx(t, f, "dead")
			for k := range dead {
				if dead[k] != (wantDead[k] != 0) {
					t.Fatalf("dead mask differs at %d", k)
				}
			}
			scale := f.Float("resample_scale")
			if _, ok := f.Tensors["v"]; ok {
				if _, err := s.ResampleSimpleWith(dead, fx(t, f, "v"), scale); err != nil {
					t.Fatal(err)
				}
			} else {
				h := fx(t, f, "h")
				B := f.Tensors["h"].Shape[0]
				cmp(t, "L_reconstruction", s.Forward(h, B).LReconstruction, fx(t, f, "L_reconstruction"))
				raw := fx(t, f, "idx")
				idx := make([][]int, I)
				for i := 0; i < I; i++ {
					for j := 0; j < S; j++ {
						if v := int(raw[i*S+j]); v >= 0 {
							idx[i] = append(idx[i], v)
						}
					}
				}
				for i := 0; i < I; i++ {
					d := dead[i*S : (i+1)*S]
					want := fx(t, f, "alive_enc_norm_mean")[i]
					cmp(t, fmt.Sprintf("alive_enc_norm_mean[%d]", i), []float64{s.aliveEncoderNorm(i, d)}, []float64{want})
				}
				if _, err := s.ResampleAdvancedWith(dead, h, B, idx, scale); err != nil {
					t.Fatal(err)
				}
			}
			for _, p := range s.Params() {
				cmp(t, p.Name+"_after", p.Data, fx(t, f, p.Name+"_after"))
			}
			cmp(t, "W_dec_normalized_after", s.WDecNormalized(), fx(t, f, "W_dec_normalized_after"))
		})
	}
}
