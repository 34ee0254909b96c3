package sae

import (
	"math"
	"testing"

	"saelab/rng"
	"saelab/toymodel"
)

// refWindow makes the reference tests' window: frac ~ U[0,1) of shape (W,I,S); latents with
// frac[0] < deadBelow are dead and zeroed across the whole window.
func refWindow(r *rng.Stream, W, I, S int, deadBelow float64) []float64 {
	win := make([]float64, W*I*S)
	for k := range win {
		win[k] = r.Float64()
	}
	for k := 0; k < I*S; k++ {
		if win[k] < deadBelow {
			for t := 0; t < W; t++ {
				win[t*I*S+k] = 0
			}
		}
	}
	return win
}

func randomize(r *rng.Stream, v []float64, scale float64) {
	for k := range v {
		v[k] = scale * r.Normal()
	}
}

func sqnorm(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x * x
	}
	return s
}

// checkAliveUnchanged is the reference's common check: alive latents keep W_enc, W_dec, b_enc;
// dead b_enc are 0.
func checkAliveUnchanged(t *testing.T, before, after *SAE, dead []bool) {
	t.Helper()
	I, D, S := after.Cfg.NInst, after.Cfg.DIn, after.Cfg.DSAE
	for i := 0; i < I; i++ {
		db, da := before.DecoderRows(i), after.DecoderRows(i)
		for j := 0; j < S; j++ {
			k := i*S + j
			if dead[k] {
				if math.Abs(after.BEnc[k]) >= 1e-8 {
					t.Errorf("dead b_enc[%d,%d] = %v", i, j, after.BEnc[k])
				}
				continue
			}
			if after.BEnc[k] != before.BEnc[k] {
				t.Errorf("alive b_enc[%d,%d] changed", i, j)
			}
			for d := 0; d < D; d++ {
				if after.WEnc[i*D*S+d*S+j] != before.WEnc[i*D*S+d*S+j] || da[j*D+d] != db[j*D+d] {
					t.Errorf("alive latent (%d,%d) weights changed", i, j)
				}
			}
		}
	}
}

func cloneSAE(s *SAE) *SAE {
	c := *s
	c.WEnc = append([]float64(nil), s.WEnc...)
	c.WDec = append([]float64(nil), s.WDec...)
	c.BEnc = append([]float64(nil), s.BEnc...)
	c.BDec = append([]float64(nil), s.BDec...)
	if s.WDec == nil {
		c.WDec = nil
	}
	return &c
}

// Ported reference test resample_simple: I=8, d_in=2, S=5, λ=0.25, random b_enc, window of 5.
func TestRefResampleSimple(t *testing.T) {
	r := rng.New(21)
	m, _ := toymodel.New(toymodel.Config{NInst: 8, NFeatures: 5, DHidden: 2, FeatMagDistn: "unif"}, toymodel.Values{}, toymodel.Values{}, 1)
	cfg := DefaultConfig(8, 2, 5)
	cfg.SparsityCoeff = 0.25
	s, _ := New(cfg, m, 2)
	randomize(r, s.BEnc, 1)
	win := refWindow(r, 5, 8, 5, 0.5)
	dead := DeadMask(win, 5, 8, 5)
	if count(dead) == 0 {
		t.Fatal("test setup has no dead latents")
	}
	before := cloneSAE(s)
	n := 0
	for i := 0; i < 8; i++ {
		n += s.resampleSimpleInstance(i, dead[i*5:(i+1)*5], 0.5, r)
	}
	if n != count(dead) {
		t.Fatalf("reset %d latents, want %d", n, count(dead))
	}
	checkAliveUnchanged(t, before, s, dead)
	moved, total := 0, 0
	for i := 0; i < 8; i++ {
		db, da := before.DecoderRows(i), s.DecoderRows(i)
		for j := 0; j < 5; j++ {
			if !dead[i*5+j] {
				continue
			}
			row := da[j*2 : j*2+2]
			for d := 0; d < 2; d++ {
				total++
				if math.Abs(row[d]-db[j*2+d]) > 1e-6 {
					moved++
				}
				// dead W_dec rows equal the normalised dead W_enc columns
				enc := []float64{s.WEnc[i*10+j], s.WEnc[i*10+5+j]}
				n := math.Sqrt(sqnorm(enc))
				if math.Abs(row[d]-enc[d]/n) > 1e-6 {
					t.Errorf("dead W_dec[%d,%d] %v is not the normalised W_enc column %v", i, j, row, enc)
				}
			}
			if math.Abs(sqnorm(row)-1) > 1e-6 {
				t.Errorf("dead W_dec row (%d,%d) norm² %v, want 1", i, j, sqnorm(row))
			}
		}
	}
	if float64(moved) <= 0.5*float64(total) {
		t.Errorf("only %d of %d dead W_dec entries moved", moved, total)
	}
	// An all-alive window runs and changes nothing.
	alive := make([]bool, 40)
	before = cloneSAE(s)
	for i := 0; i < 8; i++ {
		s.resampleSimpleInstance(i, alive[i*5:(i+1)*5], 0.5, r)
	}
	checkAliveUnchanged(t, before, s, alive)
}

// Ported reference test resample_advanced: I=6, d_in=10, S=30, λ=0.25, random b_enc and
// b_dec, window 5, dead probability 0.5, B=100, scale 0.4.
func TestRefResampleAdvanced(t *testing.T) {
	for _, tied := range []bool{false, true} {
		r := rng.New(22)
		m, _ := toymodel.New(toymodel.Config{NInst: 6, NFeatures: 12, DHidden: 10, FeatMagDistn: "unif"}, toymodel.Values{}, toymodel.Scalar(0.3), 1)
		cfg := DefaultConfig(6, 10, 30)
		cfg.SparsityCoeff, cfg.TiedWeights = 0.25, tied
		s, _ := New(cfg, m, 2)
		randomize(r, s.BEnc, 1)
		randomize(r, s.BDec, 1)
		dead := DeadMask(refWindow(r, 5, 6, 30, 0.5), 5, 6, 30)
		h := s.GenerateHidden(100, toymodel.Streams(3, rng.PurposeEval, 6))
		before := cloneSAE(s)
		aliveNorm := make([]float64, 6)
		for i := range aliveNorm {
			aliveNorm[i] = s.aliveEncoderNorm(i, dead[i*30:(i+1)*30])
		}
		if _, err := s.ResampleAdvanced(dead, h, 100, 0.4, r); err != nil {
			t.Fatal(err)
		}
		checkAliveUnchanged(t, before, s, dead)
		moved := 0
		for i := 0; i < 6; i++ {
			da := s.DecoderRows(i)
			for j := 0; j < 30; j++ {
				if !dead[i*30+j] {
					continue
				}
				row := da[j*10 : (j+1)*10]
				for d := 0; d < 10; d++ {
					enc := s.WEnc[i*300+d*30+j]
					if row[d] != before.DecoderRows(i)[j*10+d] {
						moved++
					}
					if tied {
						continue // one storage: the encoder's write (v̂·a·scale) wins, §2.11
					}
					if want := 0.4 * aliveNorm[i] * row[d]; math.Abs(enc-want) > 1e-6 {
						t.Fatalf("dead W_enc[%d,%d,%d] = %v, want 0.4·a·W_dec = %v", i, d, j, enc, want)
					}
				}
				if tied {
					if got := math.Sqrt(sqnorm(row)); math.Abs(got-0.4*aliveNorm[i]) > 1e-6 {
						t.Errorf("tied dead column norm %v, want a·scale = %v", got, 0.4*aliveNorm[i])
					}
				} else if math.Abs(sqnorm(row)-1) > 1e-6 {
					t.Errorf("dead W_dec row norm² %v", sqnorm(row))
				}
			}
		}
		if moved == 0 {
			t.Error("no dead W_dec entry moved")
		}
	}
}

// Ported distribution test: h = 0.1·N(0,1) with h[i,i,:] += 20, so instance i's only likely
// sample is i, and every dead W_dec row of instance i must be normalise(h[i,i] − b_dec[i]).
func TestRefResampleAdvancedDistribution(t *testing.T) {
	r := rng.New(23)
	m, _ := toymodel.New(toymodel.Config{NInst: 6, NFeatures: 12, DHidden: 10, FeatMagDistn: "unif"}, toymodel.Values{}, toymodel.Values{}, 1)
	cfg := DefaultConfig(6, 10, 30)
	cfg.SparsityCoeff = 0.25
	s, _ := New(cfg, m, 2)
	randomize(r, s.BEnc, 1)
	randomize(r, s.BDec, 1)
	dead := DeadMask(refWindow(r, 5, 6, 30, 0.5), 5, 6, 30)
	h := make([]float64, 100*6*10)
	randomize(r, h, 0.1)
	for i := 0; i < 6; i++ {
		for d := 0; d < 10; d++ {
			h[(i*6+i)*10+d] += 20
		}
	}
	if _, err := s.ResampleAdvanced(dead, h, 100, 0.4, r); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 6; i++ {
		want, raw := make([]float64, 10), make([]float64, 10)
		for d := range want {
			want[d] = h[(i*6+i)*10+d] - s.BDec[i*10+d]
			raw[d] = h[(i*6+i)*10+d]
		}
		unitVec(want, 1e-8)
		unitVec(raw, 1e-8)
		rows := s.DecoderRows(i)
		for j := 0; j < 30; j++ {
			if !dead[i*30+j] {
				continue
			}
			var errC, errU float64
			for d := 0; d < 10; d++ {
				errC = math.Max(errC, math.Abs(rows[j*10+d]-want[d]))
				errU = math.Max(errU, math.Abs(rows[j*10+d]-raw[d]))
			}
			if errC > 1e-6 {
				if errU <= 1e-6 {
					t.Fatalf("instance %d latent %d: the sample was not centred (h − b_dec) before normalising", i, j)
				}
				t.Fatalf("instance %d latent %d: W_dec row is not normalise(h[%d,%d] − b_dec): error %v", i, j, i, i, errC)
			}
		}
	}
}

// Ported sae_generate_batch: shape (100, I, d_in) and h = W[0]·x for every instance.
func TestGenerateHiddenShape(t *testing.T) {
	s := newSAE(t, seedModel(t, 3), 5, false)
	x, h := s.GenerateWithFeatures(100, toymodel.Streams(1, rng.PurposeEval, 3))
	if len(h) != 100*3*2 {
		t.Fatalf("h has %d values, want 100·3·2", len(h))
	}
	for b := 0; b < 100; b++ {
		for i := 0; i < 3; i++ {
			for d := 0; d < 2; d++ {
				var want float64
				for f := 0; f < 5; f++ {
					want += s.Model.W[d*5+f] * x[(b*3+i)*5+f]
				}
				if math.Abs(h[(b*3+i)*2+d]-want) > 1e-12 {
					t.Fatalf("h[%d,%d,%d] = %v, want W[0]·x = %v", b, i, d, h[(b*3+i)*2+d], want)
				}
			}
		}
	}
}
