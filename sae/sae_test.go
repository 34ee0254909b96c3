package sae

import (
	"math"
	"runtime"
	"testing"

	"saelab/rng"
	"saelab/toymodel"
)

func seedModel(t testing.TB, I int) *toymodel.Model {
	t.Helper()
	m, err := toymodel.New(toymodel.Config{NInst: I, NFeatures: 5, DHidden: 2, FeatMagDistn: "unif"}, toymodel.Values{}, toymodel.Scalar(0.025), 1)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func newSAE(t testing.TB, m *toymodel.Model, S int, tied bool) *SAE {
	t.Helper()
	cfg := DefaultConfig(m.Cfg.NInst, m.Cfg.DHidden, S)
	cfg.TiedWeights = tied
	s, err := New(cfg, m, 3)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Spec §2.5 worked example.
func TestWorkedExample(t *testing.T) {
	m, _ := toymodel.New(toymodel.Config{NInst: 1, NFeatures: 5, DHidden: 2, FeatMagDistn: "unif"}, toymodel.Values{}, toymodel.Values{}, 1)
	s := newSAE(t, m, 3, false)
	copy(s.WEnc, []float64{1, 0, -1, 0, 1, 1})
	copy(s.BEnc, []float64{0, 0, -0.5})
	copy(s.WDec, []float64{2, 0, 0, 1, 1, 1})
	copy(s.BDec, []float64{0.1, -0.1})
	out := s.Forward([]float64{1, 0.5, 0, 0}, 2)
	want := []struct {
		acts, hrec      []float64
		lrec, lsp, loss float64
	}{
		{[]float64{0.9, 0.6, 0}, []float64{1, 0.5}, 0, 1.5, 0.3},
		{[]float64{0, 0.1, 0}, []float64{0.1, 0}, 0.005, 0.1, 0.025},
	}
	for b, w := range want {
		for j := range w.acts {
			near(t, "acts", out.Acts[b*3+j], w.acts[j], 1e-7)
		}
		for d := range w.hrec {
			near(t, "h_rec", out.HRec[b*2+d], w.hrec[d], 1e-7)
		}
		near(t, "L_reconstruction", out.LReconstruction[b], w.lrec, 1e-7)
		near(t, "L_sparsity", out.LSparsity[b], w.lsp, 1e-7)
		near(t, "loss", out.Loss[b], w.loss, 1e-7)
	}
}

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// Finite-difference check of every parameter's gradient, untied and tied, with nonzero
// biases so that every path (b_dec through input and output) is exercised.
func TestGradientsFiniteDifference(t *testing.T) {
	for _, tied := range []bool{false, true} {
		m := seedModel(t, 2)
		s := newSAE(t, m, 5, tied)
		r := rng.New(5)
		for k := range s.BEnc {
			s.BEnc[k] = 0.1 * r.Normal()
		}
		for k := range s.BDec {
			s.BDec[k] = 0.1 * r.Normal()
		}
		const B = 12
		h := make([]float64, B*2*2)
		for k := range h {
			h[k] = r.Normal()
		}
		_, grads := s.Gradients(h, B)
		loss := func() float64 { L, _ := s.Gradients(h, B); return L }
		for _, p := range s.Params() {
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
					t.Errorf("tied=%v %s[%d]: analytic %v, numeric %v", tied, p.Name, k, g[k], num)
				}
			}
		}
	}
}

// Ported reference test "sae_init": parameter-name sets and the frozen toy model.
func TestInitNamesAndFrozenCopy(t *testing.T) {
	m := seedModel(t, 3)
	before := append([]float64(nil), m.W...)
	for _, tc := range []struct {
		tied  bool
		names []string
	}{{false, []string{"W_enc", "_W_dec", "b_enc", "b_dec"}}, {true, []string{"W_enc", "b_enc", "b_dec"}}} {
		s := newSAE(t, m, 5, tc.tied)
		ps := s.Params()
		if len(ps) != len(tc.names) {
			t.Fatalf("tied=%v: %d params, want %v", tc.tied, len(ps), tc.names)
		}
		for k, p := range ps {
			if p.Name != tc.names[k] {
				t.Errorf("tied=%v: param %d is %s, want %s", tc.tied, k, p.Name, tc.names[k])
			}
		}
		for i := 1; i < 3; i++ {
			for k := 0; k < 10; k++ {
				if s.Model.W[i*10+k] != m.W[k] {
					t.Fatal("SAE model instances must all equal instance 0")
				}
			}
		}
		tcfg := DefaultTrainConfig()
		tcfg.Steps = 50
		if _, err := Train(s, tcfg, 1, nil); err != nil {
			t.Fatal(err)
		}
		for k := 0; k < 10; k++ {
			if s.Model.W[k] != before[k] {
				t.Fatal("the SAE's toy model moved during training")
			}
		}
	}
	for k := range before {
		if m.W[k] != before[k] {
			t.Fatal("the caller's toy model was mutated")
		}
	}
}

// Kaiming-uniform: empirical std within 2% of bound/√3 over ≥1e5 draws and nothing outside.
func TestKaimingInit(t *testing.T) {
	for k, want := range map[[2]int]float64{{2, 5}: 0.774597, {10, 30}: 0.141421, {2, 10}: 0.547723} {
		near(t, "bound", KaimingBound(k[0], k[1]), want, 1e-6)
	}
	m, _ := toymodel.New(toymodel.Config{NInst: 10000, NFeatures: 5, DHidden: 2, FeatMagDistn: "unif"}, toymodel.Values{}, toymodel.Values{}, 1)
	s := newSAE(t, m, 5, false)
	bound := KaimingBound(2, 5)
	var s2 float64
	for _, w := range s.WEnc {
		if math.Abs(w) > bound {
			t.Fatalf("draw %v outside ±%v", w, bound)
		}
		s2 += w * w
	}
	std := math.Sqrt(s2 / float64(len(s.WEnc)))
	if want := bound / math.Sqrt(3); math.Abs(std/want-1) > 0.02 {
		t.Errorf("std %v, want %v", std, want)
	}
}

// Ported "W_dec_normalized": rows have unit norm, and a zero W_dec stays ~0.
func TestWDecNormalized(t *testing.T) {
	s := newSAE(t, seedModel(t, 1), 5, false)
	wn := s.WDecNormalized()
	for j := 0; j < 5; j++ {
		n := math.Hypot(wn[j*2], wn[j*2+1])
		dec := s.DecoderRows(0)
		raw := math.Hypot(dec[j*2], dec[j*2+1])
		near(t, "row", wn[j*2], dec[j*2]/(raw+1e-8), 1e-12)
		near(t, "norm", n, 1, 1e-7)
	}
	clear(s.WDec)
	var sum float64
	for _, v := range s.WDecNormalized() {
		sum += v * v
	}
	if sum >= 1e-6 {
		t.Errorf("zero W_dec normalises to Σ² = %v", sum)
	}
}

// Spec §2.7 cadence: 20k steps, log_freq 100, resample every 2500 → 201 records, 8 resamples.
func TestCadence(t *testing.T) {
	if got := len(toymodel.LogSteps(20000, 100)); got != 201 {
		t.Errorf("records = %d, want 201", got)
	}
	if got := len(toymodel.LogSteps(10000, 100)); got != 101 {
		t.Errorf("records = %d, want 101", got)
	}
	s := newSAE(t, seedModel(t, 2), 5, false)
	tc := DefaultTrainConfig()
	tc.Steps, tc.BatchSize, tc.Resample = 20000, 8, "simple"
	log, err := Train(s, tc, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(log.Records) != 201 || log.Records[200].Step != 19999 {
		t.Errorf("%d records, last step %d", len(log.Records), log.Records[len(log.Records)-1].Step)
	}
	if len(log.Resamples) != 8 || log.Resamples[0].Step != 2499 || log.Resamples[7].Step != 19999 {
		t.Errorf("resamples %+v", log.Resamples)
	}
}

func TestDeterministicAcrossGOMAXPROCS(t *testing.T) {
	run := func(procs int) []float64 {
		old := runtime.GOMAXPROCS(procs)
		defer runtime.GOMAXPROCS(old)
		s := newSAE(t, seedModel(t, 4), 5, false)
		tc := DefaultTrainConfig()
		tc.Steps, tc.Resample, tc.ResampleFreq, tc.ResampleWindow = 600, "advanced", 200, 100
		log, err := Train(s, tc, 9, nil)
		if err != nil {
			t.Fatal(err)
		}
		out := append(append(append([]float64(nil), s.WEnc...), s.WDec...), s.BEnc...)
		return append(out, f64s(log.Records[len(log.Records)-1].HR)...)
	}
	a, b := run(1), run(2)
	for k := range a {
		if a[k] != b[k] {
			t.Fatalf("GOMAXPROCS 1 vs 2 differ at %d", k)
		}
	}
}
