package sae

import (
	"math"
	"strings"
	"testing"

	"saelab/optim"
	"saelab/rng"
	"saelab/toymodel"
)

// mpSAE is a matching-pursuit SAE over a toy model of I instances, d_hidden D, with k steps.
func mpSAE(t *testing.T, I, D, S, k int) *SAE {
	t.Helper()
	m, err := toymodel.New(toymodel.Config{NInst: I, NFeatures: 5, DHidden: D, FeatMagDistn: "unif"}, toymodel.Values{}, toymodel.Scalar(0.025), 1)
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig(I, D, S)
	cfg.Arch, cfg.K = "matching_pursuit", float64(k)
	s, err := New(cfg, m, 3)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// mpLossRef is an independent dense matching-pursuit forward: sum_i mean_b L_reconstruction,
// written from the definition (residual updates, then h_rec = h − r_T).
func mpLossRef(s *SAE, h []float64, B int) float64 {
	I, D, S, T := s.Cfg.NInst, s.Cfg.DIn, s.Cfg.DSAE, int(s.Cfg.K)
	var total float64
	for i := 0; i < I; i++ {
		dec := s.DecoderDirections(i)
		for b := 0; b < B; b++ {
			x := h[(b*I+i)*D : (b*I+i+1)*D]
			r := make([]float64, D)
			for d := range r {
				r[d] = x[d] - s.BDec[i*D+d]
			}
			for range T {
				best, bv := 0, math.Inf(-1)
				for j := 0; j < S; j++ {
					var c float64
					for d := range r {
						c += r[d] * dec[j*D+d]
					}
					if c > bv {
						best, bv = j, c
					}
				}
				v := math.Max(bv, 0)
				for d := range r {
					r[d] -= v * dec[best*D+d]
				}
			}
			var l float64
			for _, e := range r { // h_rec − h = −r_T
				l += e * e / float64(D)
			}
			total += l / float64(B)
		}
	}
	return total
}

// Finite differences of W_dec and b_dec through the pursuit (atoms fixed, values, residual
// chain and the decoder normalisation differentiated), at d_in 2 and 3, with more steps than
// latents so that atoms are picked again, decoder rows off unit norm, and all-zero samples.
func TestMatchingPursuitGradientsFiniteDifference(t *testing.T) {
	for _, c := range []struct{ D, S, k int }{{2, 5, 1}, {2, 5, 7}, {3, 4, 6}} {
		s := mpSAE(t, 2, c.D, c.S, c.k)
		r := rng.New(17)
		for k := range s.BDec {
			s.BDec[k] = 0.2 * r.Normal()
		}
		for k := range s.WDec {
			s.WDec[k] *= 0.5 + r.Float64() // rows off unit norm: the normalisation's gradient
		}
		const B = 12
		h := randomBatch(r, B, 2, c.D, 0.9, 0, 4)
		total, grads := s.Gradients(h, B)
		if ref := mpLossRef(s, h, B); math.Abs(ref-total) > 1e-12 {
			t.Fatalf("%+v: loss %v, reference %v", c, total, ref)
		}
		finiteDiff(t, "matching_pursuit", s, allNames(s), grads, func() float64 { return mpLossRef(s, h, B) })
	}
}

// A 2-D pursuit by hand: atoms a = (1, 0), c = (−3, 4)/5, e = (0, −1); b_dec = (0.5, −0.5),
// h = (1.5, 0.5), so r_0 = (1, 1). Step 0: a·r = 1, c·r = 0.2 → a, v = 1, r_1 = (0, 1). Step 1:
// c·r = 0.8 → c, v = 0.8, r_2 = (0.48, 0.36). Step 2: a·r = 0.48, c·r = 0 → a again, v = 0.48,
// r_3 = (0, 0.36). acts = (1.48, 0.8, 0), h_rec = (1.5, 0.14), L_rec = 0.36²/2 = 0.0648, L0 = 2.
// With ties the lower index wins, and a residual with no positive projection stops the pursuit.
func TestMatchingPursuitHandComputed(t *testing.T) {
	s := mpSAE(t, 1, 2, 3, 3)
	s.Cfg.WeightNormalizeEps = 0
	copy(s.WDec, []float64{1, 0, -3, 4, 0, -1})
	copy(s.BDec, []float64{0.5, -0.5})
	check := func(what string, h, acts, hrec []float64, lrec, l0 float64) {
		t.Helper()
		out := s.Forward(h, 1)
		near := func(got, want []float64) bool {
			for k := range want {
				if math.Abs(got[k]-want[k]) > 1e-12 {
					return false
				}
			}
			return true
		}
		if !near(out.Acts, acts) || !near(out.HRec, hrec) || math.Abs(out.LReconstruction[0]-lrec) > 1e-12 || out.LSparsity[0] != l0 || out.Loss[0] != out.LReconstruction[0] {
			t.Errorf("%s: acts %v h_rec %v L_rec %v L0 %v loss %v; want %v %v %v %v", what, out.Acts, out.HRec,
				out.LReconstruction[0], out.LSparsity[0], out.Loss[0], acts, hrec, lrec, l0)
		}
	}
	check("repeat", []float64{1.5, 0.5}, []float64{1.48, 0.8, 0}, []float64{1.5, 0.14}, 0.0648, 2)
	// r_0 = (1, 0): a·r = 1 → v = 1, then r = 0 and nothing more is picked.
	check("exact", []float64{1.5, -0.5}, []float64{1, 0, 0}, []float64{1.5, -0.5}, 0, 1)
	// Tie: atoms (1, 0) and (0, 1), r_0 = (1, 1): the first is picked, then the second.
	copy(s.WDec, []float64{1, 0, 0, 1, 0, -1})
	check("tie", []float64{1.5, 0.5}, []float64{1, 1, 0}, []float64{1.5, 0.5}, 0, 2)
	// r_0 = (−1, 0): no positive projection, no code; h_rec = b_dec.
	check("none", []float64{-0.5, -0.5}, []float64{0, 0, 0}, []float64{0.5, -0.5}, 0.5, 0)
}

// Validation: k is an integer in [1, 256]; tied weights are refused; each error names the field.
func TestMatchingPursuitValidation(t *testing.T) {
	for _, c := range []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.K = 0 }, "k = 0: matching_pursuit takes k as its max_iterations, an integer in [1, 256]"},
		{func(c *Config) { c.K = 2.5 }, "k = 2.5"},
		{func(c *Config) { c.K = 257 }, "k = 257"},
		{func(c *Config) { c.K = math.NaN() }, "k = NaN"},
		{func(c *Config) { c.TiedWeights = true }, "tied_weights = true: matching_pursuit"},
	} {
		cfg := DefaultConfig(2, 2, 5)
		cfg.Arch = "matching_pursuit"
		c.edit(&cfg)
		err := cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want it to contain %q", err, c.want)
		}
	}
	cfg := DefaultConfig(2, 2, 5)
	cfg.Arch, cfg.K = "matching_pursuit", 256 // more steps than latents is allowed
	if err := cfg.Validate(); err != nil {
		t.Errorf("k = 256: %v", err)
	}
}

// Parameters are _W_dec (unit rows at the start) and b_dec only; resampling writes the
// decoder row (both methods) and leaves the rest alone.
func TestMatchingPursuitParamsAndResampling(t *testing.T) {
	s := mpSAE(t, 2, 2, 5, 2)
	ps := s.Params()
	if len(ps) != 2 || ps[0].Name != "_W_dec" || ps[1].Name != "b_dec" || s.WEnc != nil || len(s.State()) != 0 {
		t.Fatalf("params %v, W_enc %v, state %v", ps, s.WEnc, s.State())
	}
	for j := 0; j < 10; j++ {
		if n := math.Hypot(s.WDec[2*j], s.WDec[2*j+1]); math.Abs(n-1) > 1e-6 { // n/(n + ε), ε = 1e-8
			t.Errorf("row %d starts with norm %v, want 1", j, n)
		}
	}
	before := append([]float64(nil), s.WDec...)
	dead := make([]bool, 10)
	dead[3], dead[7] = true, true
	if n, err := s.ResampleSimpleWith(dead, []float64{3, 4, 0, -2}, 0.5); err != nil || n != 2 {
		t.Fatalf("simple: %d, %v", n, err)
	}
	want := append([]float64(nil), before...)
	copy(want[6:8], []float64{0.6, 0.8})
	copy(want[14:16], []float64{0, -1})
	for k := range want {
		if math.Abs(s.WDec[k]-want[k]) > 1e-8 {
			t.Fatalf("simple: W_dec %v, want %v", s.WDec, want)
		}
	}
	// Advanced: the row becomes the normalised h − b_dec of the picked sample.
	s.BDec[0] = 0.5
	h := []float64{0.5, 2, 1, 1, 0.5, -3, 1, 1} // [B=2][I=2][D=2]
	if n, err := s.ResampleAdvancedWith(dead, h, 2, [][]int{{1}, {0}}, 0.5); err != nil || n != 2 {
		t.Fatalf("advanced: %d, %v", n, err)
	}
	if g := s.WDec[6:8]; math.Abs(g[0]) > 1e-8 || math.Abs(g[1]+1) > 1e-8 {
		t.Errorf("advanced instance 0: row %v, want (0, −1)", g)
	}
	if g := s.WDec[14:16]; math.Abs(g[0]-1/math.Sqrt2) > 1e-8 || math.Abs(g[1]-1/math.Sqrt2) > 1e-8 {
		t.Errorf("advanced instance 1: row %v, want (1, 1)/√2", g)
	}
}

// A matching-pursuit training step allocates nothing once its scratch exists.
func TestMatchingPursuitStepAllocatesNothing(t *testing.T) {
	s := mpSAE(t, 2, 3, 6, 4)
	tc := DefaultTrainConfig()
	params := s.Params()
	sizes := make([]int, len(params))
	for k, p := range params {
		sizes[k] = len(p.Data)
	}
	tr := s.newTrainer(1, tc, 1, params, optim.NewAdam(tc.Beta1, tc.Beta2, tc.Eps, sizes...))
	step := 0
	run := func() {
		tr.step(step, tc.LR, 0.1, 0.001)
		step++
	}
	for range 20 {
		run()
	}
	if n := testing.AllocsPerRun(50, run); n != 0 {
		t.Errorf("%v allocations per step", n)
	}
}
