package sae

import (
	"math"
	"testing"

	"saelab/rng"
)

// archSAE builds an SAE of the given arch over a seed-like model with I instances.
func archSAE(t testing.TB, arch string, I, S int, tied bool, edit func(*Config)) *SAE {
	t.Helper()
	m := seedModel(t, I)
	cfg := DefaultConfig(I, m.Cfg.DHidden, S)
	cfg.Arch, cfg.TiedWeights = arch, tied
	if edit != nil {
		edit(&cfg)
	}
	s, err := New(cfg, m, 3)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// randomBatch is a dense h [B][I][D] of N(0, σ²) rows, with rows listed in zeros set to 0.
func randomBatch(r *rng.Stream, B, I, D int, sigma float64, zeros ...int) []float64 {
	h := make([]float64, B*I*D)
	for k := range h {
		h[k] = sigma * r.Normal()
	}
	for _, b := range zeros {
		clear(h[b*I*D : (b+1)*I*D])
	}
	return h
}

// finiteDiff compares each listed parameter's analytic gradient with a central difference of
// loss, at |num − ana| ≤ 1e-6 + 1e-5·|num|.
func finiteDiff(t *testing.T, what string, s *SAE, names map[string]bool, grads map[string][]float64, loss func() float64) {
	t.Helper()
	for _, p := range s.Params() {
		if !names[p.Name] {
			continue
		}
		g := grads[p.Name]
		for k := range p.Data {
			const eps = 1e-6
			old := p.Data[k]
			p.Data[k] = old + eps
			lp := loss()
			p.Data[k] = old - eps
			lm := loss()
			p.Data[k] = old
			num := (lp - lm) / (2 * eps)
			if math.Abs(num-g[k]) > 1e-6+1e-5*math.Abs(num) {
				t.Errorf("%s %s[%d]: analytic %v, numeric %v", what, p.Name, k, g[k], num)
			}
		}
	}
}

func allNames(s *SAE) map[string]bool {
	m := map[string]bool{}
	for _, p := range s.Params() {
		m[p.Name] = true
	}
	return m
}

// gatedLossRef is an independent dense Gated forward (spec §3): sum_i mean_b loss, with the
// via-gate path's decoder and additive b_dec taken from frozen copies (the stopgrad).
func gatedLossRef(s *SAE, h []float64, B int, frozenDec, frozenBDec []float64) float64 {
	I, D, S := s.Cfg.NInst, s.Cfg.DIn, s.Cfg.DSAE
	var total float64
	for i := 0; i < I; i++ {
		dec := s.DecoderRows(i)
		fdec := frozenDec[i*S*D : (i+1)*S*D]
		for b := 0; b < B; b++ {
			x := h[(b*I+i)*D : (b*I+i+1)*D]
			hrec := append([]float64(nil), s.BDec[i*D:(i+1)*D]...)
			via := append([]float64(nil), frozenBDec[i*D:(i+1)*D]...)
			var lsp float64
			for j := 0; j < S; j++ {
				var u float64
				for d := 0; d < D; d++ {
					u += (x[d] - s.BDec[i*D+d]) * s.WEnc[i*D*S+d*S+j]
				}
				pg := u + s.BGate[i*S+j]
				pm := math.Exp(s.RMag[i*S+j])*u + s.BMag[i*S+j]
				if pg > 0 {
					lsp += pg
					for d := 0; d < D; d++ {
						via[d] += pg * fdec[j*D+d]
						hrec[d] += math.Max(pm, 0) * dec[j*D+d]
					}
				}
			}
			var lrec, laux float64
			for d := 0; d < D; d++ {
				lrec += (hrec[d] - x[d]) * (hrec[d] - x[d]) / float64(D)
				laux += (via[d] - x[d]) * (via[d] - x[d])
			}
			total += (lrec + s.Cfg.SparsityCoeff*lsp + laux) / float64(B)
		}
	}
	return total
}

// Finite differences of every Gated parameter, untied and tied, against the independent
// reference with the stopgrads of spec §3; the training path's loss must equal it too.
func TestGatedGradientsFiniteDifference(t *testing.T) {
	for _, tied := range []bool{false, true} {
		s := archSAE(t, "gated", 2, 5, tied, func(c *Config) { c.SparsityCoeff = 0.7 })
		r := rng.New(11)
		for _, v := range [][]float64{s.BGate, s.RMag, s.BMag, s.BDec} {
			for k := range v {
				v[k] = 0.3 * r.Normal()
			}
		}
		const B = 14
		h := randomBatch(r, B, 2, 2, 0.8, 0, 5, 9)
		total, grads := s.Gradients(h, B)
		var frozenDec []float64
		for i := 0; i < 2; i++ {
			frozenDec = append(frozenDec, s.DecoderRows(i)...)
		}
		frozenBDec := append([]float64(nil), s.BDec...)
		if ref := gatedLossRef(s, h, B, frozenDec, frozenBDec); math.Abs(ref-total) > 1e-12 {
			t.Fatalf("tied=%v: loss %v, reference %v", tied, total, ref)
		}
		finiteDiff(t, map[bool]string{false: "untied", true: "tied"}[tied], s, allNames(s), grads,
			func() float64 { return gatedLossRef(s, h, B, frozenDec, frozenBDec) })
	}
}

// Gated resampling (spec §3, §2.11): simple writes W_gate ← scale·v̂ then the decoder ← v̂
// (tied: v̂ stays); advanced writes the decoder then W_gate (tied: v̂·a·scale stays); both zero
// b_mag, b_gate and r_mag of the dead latents only, and gated has no b_enc.
func TestGatedResample(t *testing.T) {
	for _, tied := range []bool{false, true} {
		for _, method := range []string{"simple", "advanced"} {
			s := archSAE(t, "gated", 1, 5, tied, nil)
			r := rng.New(21)
			for _, v := range [][]float64{s.BGate, s.RMag, s.BMag, s.BDec} {
				for k := range v {
					v[k] = 0.5 + r.Float64()
				}
			}
			if s.BEnc != nil {
				t.Fatal("gated has a b_enc")
			}
			before := cloneArch(s)
			dead := []bool{false, true, false, false, true}
			vhat := [][]float64{{3, 4}, {-1, 0}} // becomes (0.6, 0.8) and (−1, 0)
			hs := []float64{1.1, 0.2, -0.4, 0.9}
			a := s.aliveEncoderNorm(0, dead)
			var want [][]float64 // the effective (W_gate column, decoder row) of each dead latent
			switch method {
			case "simple":
				if _, err := s.ResampleSimpleWith(dead, append(vhat[0], vhat[1]...), 0.5); err != nil {
					t.Fatal(err)
				}
				want = [][]float64{{0.6, 0.8}, {-1, 0}}
			case "advanced":
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
					checkLatentUnchanged(t, "gated "+method, before, s, j)
					continue
				}
				v := want[n]
				n++
				encScale := 0.5
				if method == "advanced" {
					encScale = 0.5 * a
				}
				dec := s.DecoderRows(0)[j*2 : j*2+2]
				for d := 0; d < 2; d++ {
					col := s.WEnc[d*5+j]
					switch {
					case tied && method == "simple": // gate then dec: v̂ stays
						nearT(t, "tied simple column", col, v[d])
					case tied: // dec then gate: v̂·a·scale stays
						nearT(t, "tied advanced column", col, v[d]*encScale)
					default:
						nearT(t, "W_gate column", col, v[d]*encScale)
						nearT(t, "decoder row", dec[d], v[d])
					}
				}
				if s.BGate[j] != 0 || s.RMag[j] != 0 || s.BMag[j] != 0 {
					t.Errorf("%s tied=%v: latent %d b_gate, r_mag, b_mag = %v %v %v, want 0", method, tied, j, s.BGate[j], s.RMag[j], s.BMag[j])
				}
			}
		}
	}
}

func nearT(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-8 {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// cloneArch copies every parameter and state slice of s.
func cloneArch(s *SAE) *SAE {
	c := *s
	cp := func(v []float64) []float64 {
		if v == nil {
			return nil
		}
		return append([]float64(nil), v...)
	}
	c.WEnc, c.WDec, c.BEnc, c.BDec = cp(s.WEnc), cp(s.WDec), cp(s.BEnc), cp(s.BDec)
	c.BGate, c.RMag, c.BMag, c.LogTheta, c.Threshold = cp(s.BGate), cp(s.RMag), cp(s.BMag), cp(s.LogTheta), cp(s.Threshold)
	return &c
}

// checkLatentUnchanged asserts that latent j of instance 0 has the same values in every
// per-latent parameter.
func checkLatentUnchanged(t *testing.T, what string, before, after *SAE, j int) {
	t.Helper()
	D, S := after.Cfg.DIn, after.Cfg.DSAE
	for d := 0; d < D; d++ {
		if before.WEnc[d*S+j] != after.WEnc[d*S+j] || before.DecoderRows(0)[j*D+d] != after.DecoderRows(0)[j*D+d] {
			t.Errorf("%s: alive latent %d's weights changed", what, j)
		}
	}
	for _, pair := range [][2][]float64{{before.BEnc, after.BEnc}, {before.BGate, after.BGate}, {before.RMag, after.RMag},
		{before.BMag, after.BMag}, {before.LogTheta, after.LogTheta}} {
		if pair[0] != nil && pair[0][j] != pair[1][j] {
			t.Errorf("%s: alive latent %d's per-latent parameter changed", what, j)
		}
	}
}
