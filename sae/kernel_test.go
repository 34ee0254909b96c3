package sae

import (
	"math"
	"testing"

	"saelab/internal/vec"
	"saelab/rng"
	"saelab/toymodel"
)

// laneReference is the lane kernel's order spelled out with standardSample: the all-zero
// group into w, then lane l's samples (k ≡ l mod 8) in order into lane l's own sums, added to
// w in the fixed tree.
func (s *SAE) laneReference(i int, hb *hiddenBatch, B int, w *work, counts []int) (sums [3]float64) {
	D := s.Cfg.DIn
	invB := 1 / float64(B)
	lam := s.Cfg.SparsityCoeff
	if hb.NZero > 0 {
		fm := float64(hb.NZero)
		lrec, lsp := s.standardSample(i, w.zero, fm*invB, w, true)
		sums[0] += fm * (lrec + lam*lsp)
		sums[1] += fm * lrec
		sums[2] += fm * lsp
		for j, a := range w.acts {
			if a > 1e-8 {
				counts[j] += hb.NZero
			}
		}
	}
	var lw [8]*work
	var ls [8][3]float64
	var lc [8][]int
	for l := range lw {
		lw[l] = s.newWork()
		s.prepare(i, lw[l])
		lc[l] = make([]int, s.Cfg.DSAE)
		for k := l; k < len(hb.Sample); k += 8 {
			lrec, lsp := s.standardSample(i, hb.H[k*D:(k+1)*D], invB, lw[l], true)
			ls[l][0] += lrec + lam*lsp
			ls[l][1] += lrec
			ls[l][2] += lsp
			for j, a := range lw[l].acts {
				if a > 1e-8 {
					lc[l][j]++
				}
			}
		}
	}
	tree := func(f func(l int) float64) float64 {
		var v [8]float64
		for l := range v {
			v[l] = f(l)
		}
		return ((v[0] + v[4]) + (v[2] + v[6])) + ((v[1] + v[5]) + (v[3] + v[7]))
	}
	for p := range w.g {
		if p == 1 && s.WDec != nil {
			continue // _W_dec's gradient comes from gWn in finishDecoderGrad
		}
		for k := range w.g[p] {
			w.g[p][k] += tree(func(l int) float64 { return lw[l].g[p][k] })
		}
	}
	for k := range w.gWn {
		w.gWn[k] += tree(func(l int) float64 { return lw[l].gWn[k] })
	}
	for c := range sums {
		sums[c] += tree(func(l int) float64 { return ls[l][c] })
	}
	for j := range counts {
		for l := range lc {
			counts[j] += lc[l][j]
		}
	}
	return sums
}

// The lane kernels (archsimd and plain Go) must reproduce laneReference bit for bit.
func TestStandardLanesMatchReferenceBits(t *testing.T) {
	defer func(old bool) { vec.SIMD = old }(vec.SIMD)
	for _, tc := range []struct {
		F, D, S int
		p       float64
		B       int
		tied    bool
	}{{5, 2, 5, 0.025, 1024, false}, {5, 2, 5, 0.3, 100, true}, {6, 3, 7, 0.2, 61, false}, {8, 4, 16, 0.1, 203, false}, {5, 2, 1, 0.5, 37, false}} {
		m, err := toymodel.New(toymodel.Config{NInst: 2, NFeatures: tc.F, DHidden: tc.D, FeatMagDistn: "unif"}, toymodel.Values{}, toymodel.Scalar(tc.p), 1)
		if err != nil {
			t.Fatal(err)
		}
		cfg := DefaultConfig(2, tc.D, tc.S)
		cfg.TiedWeights = tc.tied
		s, err := New(cfg, m, 3)
		if err != nil {
			t.Fatal(err)
		}
		if !s.useLanes() {
			t.Fatalf("shape %+v does not use the lane kernel", tc)
		}
		r := rng.New(5)
		for k := range s.BEnc {
			s.BEnc[k] = 0.3 * r.Normal()
		}
		for k := range s.BDec {
			s.BDec[k] = 0.1 * r.Normal()
		}
		for i := 0; i < 2; i++ {
			var hb hiddenBatch
			s.drawHidden(i, tc.B, rng.New(7, uint64(i)), &hb)
			want := s.newWork()
			s.prepare(i, want)
			wc := make([]int, tc.S)
			ws := s.laneReference(i, &hb, tc.B, want, wc)
			for _, simd := range []bool{vec.SIMD, false} {
				vec.SIMD = simd
				got := s.newWork()
				s.prepare(i, got)
				gc := make([]int, tc.S)
				gs := s.standardBatch(i, &hb, tc.B, got, gc)
				bits(t, "sums", gs[:3], ws[:])
				for p := range got.g {
					if p == 1 && s.WDec != nil {
						continue
					}
					bits(t, "grad", got.g[p], want.g[p])
				}
				bits(t, "gWn", got.gWn, want.gWn)
				for j := range gc {
					if gc[j] != wc[j] {
						t.Fatalf("counts %v, want %v", gc, wc)
					}
				}
			}
		}
	}
}

func bits(t *testing.T, name string, got, want []float64) {
	t.Helper()
	for k := range want {
		if math.Float64bits(got[k]) != math.Float64bits(want[k]) {
			t.Fatalf("%s[%d] = %v, want %v (bit-identical)", name, k, got[k], want[k])
		}
	}
}

// drawHiddenSoA must draw the same batch as drawHidden, bit for bit, in its layout.
func TestDrawHiddenSoAMatchesDrawHidden(t *testing.T) {
	for _, tc := range []struct {
		cfg toymodel.Config
		p   toymodel.Values
	}{
		{toymodel.Config{NInst: 2, NFeatures: 5, DHidden: 2, FeatMagDistn: "unif"}, toymodel.Scalar(0.025)},
		{toymodel.Config{NInst: 2, NFeatures: 6, DHidden: 3, FeatMagDistn: "normal", NCorrelatedPairs: 1}, toymodel.Scalar(0.1)},
		{toymodel.Config{NInst: 2, NFeatures: 5, DHidden: 2, FeatMagDistn: "unif"}, toymodel.PerFeature([]float64{0.1, 0.2, 0.01, 0.05, 0.3})},
		{toymodel.Config{NInst: 2, NFeatures: 5, DHidden: 2, FeatMagDistn: "unif"}, toymodel.Scalar(0.6)},
		{toymodel.Config{NInst: 2, NFeatures: 100, DHidden: 20, FeatMagDistn: "unif"}, toymodel.Scalar(0.5)},
		{toymodel.Config{NInst: 2, NFeatures: 300, DHidden: 16, FeatMagDistn: "unif"}, toymodel.Scalar(0.01)},
	} {
		m, err := toymodel.New(tc.cfg, toymodel.Values{}, tc.p, 1)
		if err != nil {
			t.Fatal(err)
		}
		s, err := New(DefaultConfig(2, tc.cfg.DHidden, 4), m, 3)
		if err != nil {
			t.Fatal(err)
		}
		D := tc.cfg.DHidden
		for _, B := range []int{1, 7, 300} {
			var a, b hiddenBatch
			s.drawHidden(1, B, rng.New(9), &a)
			s.drawHiddenSoA(1, B, rng.New(9), &b)
			if a.NZero != b.NZero || len(a.Sample) != len(b.Sample) {
				t.Fatalf("%+v B=%d: %d/%d zero, %d/%d nonzero", tc.cfg, B, a.NZero, b.NZero, len(a.Sample), len(b.Sample))
			}
			for k := range a.Sample {
				if a.Sample[k] != b.Sample[k] {
					t.Fatalf("sample %d: %d vs %d", k, a.Sample[k], b.Sample[k])
				}
				for d := 0; d < D; d++ {
					if math.Float64bits(a.H[k*D+d]) != math.Float64bits(b.hd[d*b.stride+k]) {
						t.Fatalf("%+v: h[%d][%d] = %v vs %v", tc.cfg, k, d, a.H[k*D+d], b.hd[d*b.stride+k])
					}
				}
			}
			for d := 0; d < D; d++ {
				for k := len(b.Sample); k < b.stride; k++ {
					if b.hd[d*b.stride+k] != 0 {
						t.Fatal("padding not zero")
					}
				}
			}
		}
	}
}

// The large-shape kernel must reproduce standardSample's sequential sums bit for bit.
func TestStandardLargeMatchesSequentialBits(t *testing.T) {
	for _, tc := range []struct {
		F, D, S int
		p       float64
		B       int
		tied    bool
	}{{100, 20, 200, 0.5, 40, false}, {30, 9, 13, 0.1, 300, true}, {64, 16, 100, 0.05, 200, false}, {512, 64, 1024, 0.01, 6, false}} {
		m, err := toymodel.New(toymodel.Config{NInst: 2, NFeatures: tc.F, DHidden: tc.D, FeatMagDistn: "unif"}, toymodel.Values{}, toymodel.Scalar(tc.p), 1)
		if err != nil {
			t.Fatal(err)
		}
		cfg := DefaultConfig(2, tc.D, tc.S)
		cfg.TiedWeights = tc.tied
		s, err := New(cfg, m, 3)
		if err != nil {
			t.Fatal(err)
		}
		if s.useLanes() {
			t.Fatalf("shape %+v uses the lane kernel", tc)
		}
		r := rng.New(5)
		for k := range s.BEnc {
			s.BEnc[k] = 0.05 * r.Normal()
		}
		for k := range s.BDec {
			s.BDec[k] = 0.05 * r.Normal()
		}
		for i := 0; i < 2; i++ {
			var hb hiddenBatch
			s.drawHidden(i, tc.B, rng.New(7, uint64(i)), &hb)
			invB := 1 / float64(tc.B)
			want := s.newWork()
			s.prepare(i, want)
			wc := make([]int, tc.S)
			var ws [3]float64
			add := func(h []float64, mult int) {
				fm := float64(mult)
				lrec, lsp := s.standardSample(i, h, fm*invB, want, true)
				ws[0] += fm * (lrec + s.Cfg.SparsityCoeff*lsp)
				ws[1] += fm * lrec
				ws[2] += fm * lsp
				for j, a := range want.acts {
					if a > 1e-8 {
						wc[j] += mult
					}
				}
			}
			if hb.NZero > 0 {
				add(want.zero, hb.NZero)
			}
			for k := range hb.Sample {
				add(hb.H[k*tc.D:(k+1)*tc.D], 1)
			}
			got := s.newWork()
			s.prepare(i, got)
			gc := make([]int, tc.S)
			gs := s.standardBatch(i, &hb, tc.B, got, gc)
			bits(t, "sums", gs[:3], ws[:])
			for p := range got.g {
				bits(t, "grad", got.g[p], want.g[p])
			}
			bits(t, "gWn", got.gWn, want.gWn)
			for j := range gc {
				if gc[j] != wc[j] {
					t.Fatalf("counts %v, want %v", gc, wc)
				}
			}
		}
	}
}

// Training gives the same bits (parameters and data log) with the archsimd kernels as with
// the plain-Go twins; without GOEXPERIMENT=simd both runs use the plain kernels.
func TestTrainSameBitsWithPlainKernels(t *testing.T) {
	defer func(old bool) { vec.SIMD = old }(vec.SIMD)
	run := func(simd bool) []float64 {
		vec.SIMD = simd
		s := newSAE(t, seedModel(t, 4), 5, false)
		tc := DefaultTrainConfig()
		tc.Steps, tc.Resample, tc.ResampleFreq, tc.ResampleWindow = 400, "simple", 150, 100
		log, err := Train(s, tc, 9, nil)
		if err != nil {
			t.Fatal(err)
		}
		out := append(append(append([]float64(nil), s.WEnc...), s.WDec...), s.BEnc...)
		out = append(out, s.BDec...)
		for _, r := range log.Records {
			out = append(append(append(out, f64s(r.HR)...), f64s(r.Loss)...), f64s(r.FracActive)...)
		}
		for _, sc := range log.Scalars {
			out = append(out, sc.Loss, sc.LReconstruction, sc.LSparsity, sc.FracActive)
		}
		return out
	}
	bits(t, "trained SAE and data log", run(vec.SIMD), run(false))
}
