package sae

import (
	"math"
	"slices"
	"testing"

	"saelab/rng"
)

// Spec §4 self-test, exactly: z = [1.0, 1.4, 1.6, 2.0], θ = 1.5, ε = 0.5, unit upstream.
func TestHeavisideJumpReLUSelfTest(t *testing.T) {
	z := []float64{1.0, 1.4, 1.6, 2.0}
	const theta, eps = 1.5, 0.5
	want := map[string][]float64{
		"heaviside out": {0, 0, 1, 1}, "heaviside θ.grad": {0, -2, -2, 0},
		"jumprelu out": {0, 0, 1.6, 2.0}, "jumprelu θ.grad": {0, -3, -3, 0}, "jumprelu z.grad": {0, 0, 1, 1},
		"heaviside stacked θ.grad": {0, -4, -4, 0},
	}
	got := map[string][]float64{}
	for _, x := range z {
		got["heaviside out"] = append(got["heaviside out"], heaviside(x, theta))
		got["heaviside θ.grad"] = append(got["heaviside θ.grad"], heavisideGradTheta(x, theta, eps, 1))
		got["jumprelu out"] = append(got["jumprelu out"], jumpReLU(x, theta))
		got["jumprelu θ.grad"] = append(got["jumprelu θ.grad"], jumpReLUGradTheta(x, theta, eps, 1))
		got["jumprelu z.grad"] = append(got["jumprelu z.grad"], heaviside(x, theta)) // ∂z = 1[z > θ]·g
		got["heaviside stacked θ.grad"] = append(got["heaviside stacked θ.grad"], 2*heavisideGradTheta(x, theta, eps, 1))
	}
	for k, w := range want {
		if !slices.Equal(got[k], w) {
			t.Errorf("%s = %v, want %v", k, got[k], w)
		}
	}
	// The kernel is K((z−θ)/ε), not the docstring's K(z/ε): z = 1.4 is inside only by the former.
	if rectangle((1.4-theta)/eps) != 1 || rectangle(1.4/eps) != 0 {
		t.Error("rectangle kernel must be evaluated at (z−θ)/ε")
	}
}

// jumpReLUAwayFromWindows sets every θ_j at the middle of the widest gap of instance i's z_j
// values on h, so that no z is within the STE window or near θ (the loss is then smooth in
// everything but log θ, which has zero gradient there).
func jumpReLUAwayFromWindows(s *SAE, h []float64, B int) {
	I, D, S := s.Cfg.NInst, s.Cfg.DIn, s.Cfg.DSAE
	for i := 0; i < I; i++ {
		for j := 0; j < S; j++ {
			zs := []float64{0}
			for b := 0; b < B; b++ {
				p := s.BEnc[i*S+j]
				for d := 0; d < D; d++ {
					p += (h[(b*I+i)*D+d] - s.BDec[i*D+d]) * s.WEnc[i*D*S+d*S+j]
				}
				zs = append(zs, max(p, 0))
			}
			slices.Sort(zs)
			best, th := 0.0, 0.1
			for k := 1; k < len(zs); k++ {
				if g := zs[k] - zs[k-1]; g > best {
					best, th = g, (zs[k]+zs[k-1])/2
				}
			}
			s.LogTheta[i*S+j] = math.Log(th)
		}
	}
}

// Finite differences of W_enc, _W_dec, b_enc, b_dec (untied and tied) away from every STE
// window; there log θ's gradient is exactly 0, and so is its numerical one.
func TestJumpReLUGradientsFiniteDifference(t *testing.T) {
	for _, tied := range []bool{false, true} {
		s := archSAE(t, "jumprelu", 2, 5, tied, func(c *Config) { c.SparsityCoeff = 0.3 })
		r := rng.New(31)
		for k := range s.BEnc {
			s.BEnc[k] = 0.2 * r.Normal()
		}
		for k := range s.BDec {
			s.BDec[k] = 0.1 * r.Normal()
		}
		const B = 12
		h := randomBatch(r, B, 2, 2, 1, 0, 7)
		jumpReLUAwayFromWindows(s, h, B)
		_, grads := s.Gradients(h, B)
		loss := func() float64 { L, _ := s.Gradients(h, B); return L }
		names := allNames(s)
		delete(names, "log_theta")
		finiteDiff(t, map[bool]string{false: "untied", true: "tied"}[tied], s, names, grads, loss)
		for k, g := range grads["log_theta"] {
			if g != 0 {
				t.Errorf("tied=%v: ∂log θ[%d] = %v outside every window, want 0", tied, k, g)
			}
		}
		finiteDiff(t, "log_theta", s, map[string]bool{"log_theta": true}, grads, loss)
	}
}

// The STE θ-gradient on a hand example (spec §4): one latent, θ = 0.5, ε = 0.1, λ = 0.2,
// W_enc = [1, 0]ᵀ, raw W_dec = [1, 1], b = 0, and three samples with z = 0.52 (inside the
// window, active), 0.47 (inside, inactive) and 2 (outside):
//
//	∂θ = Σ_b [−(θ/ε)·K·∂acts_b − (1/ε)·K·λ/B],  ∂acts_b = (2/D)(h_rec − h)·W_dec / B
//	   = −5·(0.22/3) − 10·0.2/3 − 5·(−0.47/3) − 10·0.2/3 = −0.91666…;  ∂log θ = θ·∂θ = −0.458333…
func TestJumpReLUThetaGradHand(t *testing.T) {
	s := archSAE(t, "jumprelu", 1, 1, false, func(c *Config) { c.SparsityCoeff, c.STEEpsilon = 0.2, 0.1 })
	copy(s.WEnc, []float64{1, 0})
	copy(s.WDec, []float64{1, 1})
	s.LogTheta[0] = math.Log(0.5)
	h := []float64{0.52, 0.3, 0.47, 0, 2, 0}
	_, g := s.Gradients(h, 3)
	want := 0.5 * (-(0.5/0.1)*(0.22/3) - (1/0.1)*0.2/3 - (0.5/0.1)*(-0.47/3) - (1/0.1)*0.2/3)
	if math.Abs(g["log_theta"][0]-want) > 1e-12 || math.Abs(want+0.4583333333333333) > 1e-12 {
		t.Errorf("∂log θ = %v, want %v (= −0.458333…)", g["log_theta"][0], want)
	}
	// The L0 term reaches only θ: with the reconstruction gradient of the two in-window samples
	// removed (W_dec = 0), the encoder gets nothing from them.
	clear(s.WDec)
	_, g = s.Gradients(h[:4], 2)
	if g["W_enc"][0] != 0 || g["b_enc"][0] != 0 {
		t.Errorf("L_sparsity leaked into the encoder: ∂W_enc = %v, ∂b_enc = %v", g["W_enc"], g["b_enc"])
	}
	if want := 0.5 * 2 * (-(1 / 0.1) * 0.2 / 2); math.Abs(g["log_theta"][0]-want) > 1e-12 {
		t.Errorf("∂log θ from L0 only = %v, want %v", g["log_theta"][0], want)
	}
}

// JumpReLU resampling (spec §4, §2.11): as the standard SAE plus log θ ← log 0.1; simple
// writes enc then dec (tied: v̂), advanced b_enc, log θ, dec, then enc (tied: v̂·a·scale).
func TestJumpReLUResample(t *testing.T) {
	for _, tied := range []bool{false, true} {
		for _, method := range []string{"simple", "advanced"} {
			s := archSAE(t, "jumprelu", 1, 5, tied, nil)
			r := rng.New(41)
			for k := range s.BEnc {
				s.BEnc[k], s.LogTheta[k] = r.Normal(), r.Normal()
			}
			before := cloneArch(s)
			dead := []bool{true, false, false, true, false}
			hs := []float64{0.3, -1.2, 2, 0.5}
			a := s.aliveEncoderNorm(0, dead)
			var want [][]float64
			if method == "simple" {
				if _, err := s.ResampleSimpleWith(dead, []float64{0, 2, 1, 1}, 0.5); err != nil {
					t.Fatal(err)
				}
				want = [][]float64{{0, 1}, {1 / (math.Sqrt2 + 1e-8), 1 / (math.Sqrt2 + 1e-8)}}
			} else {
				s.resampleAdvancedInstance(0, dead, hs, 0.5)
				for n := 0; n < 2; n++ {
					v := []float64{hs[2*n] - s.BDec[0], hs[2*n+1] - s.BDec[1]}
					unitVec(v, 1e-8)
					want = append(want, v)
				}
			}
			n := 0
			for j, dj := range dead {
				if !dj {
					checkLatentUnchanged(t, "jumprelu "+method, before, s, j)
					continue
				}
				v := want[n]
				n++
				enc := 0.5
				if method == "advanced" {
					enc *= a
				}
				dec := s.DecoderRows(0)[j*2 : j*2+2]
				for d := 0; d < 2; d++ {
					col := s.WEnc[d*5+j]
					switch {
					case tied && method == "simple":
						nearT(t, "tied simple column", col, v[d])
					case tied:
						nearT(t, "tied advanced column", col, v[d]*enc)
					default:
						nearT(t, "W_enc column", col, v[d]*enc)
						nearT(t, "decoder row", dec[d], v[d])
					}
				}
				if s.BEnc[j] != 0 || s.LogTheta[j] != math.Log(0.1) {
					t.Errorf("%s tied=%v: latent %d b_enc %v, log θ %v; want 0, log 0.1", method, tied, j, s.BEnc[j], s.LogTheta[j])
				}
			}
		}
	}
}

// log_theta starts at log 0.1; a tied JumpReLU SAE's decoder is the raw W_encᵀ and training
// does not renormalise it (no norm constraint, spec §4), while an untied one is renormalised.
func TestJumpReLUInitAndNoNormConstraint(t *testing.T) {
	s := archSAE(t, "jumprelu", 2, 5, true, func(c *Config) { c.SparsityCoeff = 0.1 })
	for _, v := range s.LogTheta {
		if v != math.Log(0.1) {
			t.Fatalf("log_theta init %v, want log 0.1", v)
		}
	}
	names := []string{}
	for _, p := range s.Params() {
		names = append(names, p.Name)
	}
	if !slices.Equal(names, []string{"W_enc", "b_enc", "b_dec", "log_theta"}) {
		t.Errorf("tied params %v", names)
	}
	tc := DefaultTrainConfig()
	tc.Steps = 300
	if _, err := Train(s, tc, 1, nil); err != nil {
		t.Fatal(err)
	}
	off := 0.0
	for _, n := range rowNorms(s) {
		off = max(off, math.Abs(n-1))
	}
	if off < 1e-3 {
		t.Errorf("tied JumpReLU decoder rows stayed at unit norm (max |‖row‖−1| = %v): expected no constraint", off)
	}
	u := archSAE(t, "jumprelu", 2, 5, false, nil)
	if _, err := Train(u, tc, 1, nil); err != nil {
		t.Fatal(err)
	}
	for _, n := range rowNorms(u) {
		if math.Abs(n-1) > 1e-7 {
			t.Errorf("untied JumpReLU decoder row norm %v after training, want 1", n)
		}
	}
}

func rowNorms(s *SAE) []float64 {
	D, S := s.Cfg.DIn, s.Cfg.DSAE
	var out []float64
	for i := 0; i < s.Cfg.NInst; i++ {
		rows := s.DecoderRows(i)
		for j := 0; j < S; j++ {
			var q float64
			for d := 0; d < D; d++ {
				q += rows[j*D+d] * rows[j*D+d]
			}
			out = append(out, math.Sqrt(q))
		}
	}
	return out
}
