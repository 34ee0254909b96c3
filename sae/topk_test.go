package sae

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"

	"saelab/rng"
	"saelab/toymodel"
)

// randomizeTopK gives an SAE generic biases (and, for rescaling, decoder rows off unit norm).
func randomizeTopK(s *SAE, r *rng.Stream, bEncMean float64) {
	for k := range s.BEnc {
		s.BEnc[k] = bEncMean + 0.3*r.Normal()
	}
	for k := range s.BDec {
		s.BDec[k] = 0.1 * r.Normal()
	}
	for k := range s.WDec {
		s.WDec[k] *= 0.5 + r.Float64()
	}
}

// preRef is an independent dense pre-activation (h − b_dec)·W_enc + b_enc of one sample.
func preRef(s *SAE, i int, x []float64) []float64 {
	D, S := s.Cfg.DIn, s.Cfg.DSAE
	pre := append([]float64(nil), s.BEnc[i*S:(i+1)*S]...)
	for j := 0; j < S; j++ {
		for d := 0; d < D; d++ {
			pre[j] += (x[d] - s.BDec[i*D+d]) * s.WEnc[i*D*S+d*S+j]
		}
	}
	return pre
}

// Finite differences of every parameter of TopK, BatchTopK and Matryoshka (tied and untied,
// with and without rescale_acts_by_decoder_norm) at points where no selection changes under
// the perturbation: the differentiable parts (decode, normalisation, prefix terms).
func TestTopKFamilyFiniteDifference(t *testing.T) {
	for _, arch := range []string{"topk", "batchtopk", "matryoshka"} {
		for _, tied := range []bool{false, true} {
			for _, rescale := range []bool{false, true} {
				name := fmt.Sprintf("%s tied=%v rescale=%v", arch, tied, rescale)
				s := archSAE(t, arch, 2, 5, tied, func(c *Config) {
					c.K = map[string]float64{"topk": 2, "batchtopk": 1.5, "matryoshka": 2}[arch]
					c.RescaleActsByDecoderNorm = rescale
				})
				r := rng.New(51)
				randomizeTopK(s, r, 0)
				const B = 16
				h := randomBatch(r, B, 2, 2, 1, 1, 4, 10)
				_, grads := s.Gradients(h, B)
				finiteDiff(t, name, s, allNames(s), grads, func() float64 { L, _ := s.Gradients(h, B); return L })
			}
		}
	}
}

// auxRef is an independent AuxK loss (spec §5) summed over instances and averaged over the
// batch, with the residual r = h − h_rec frozen (the stopgrad) and the dead mask given.
func auxRef(s *SAE, h []float64, B int, resid []float64, dead []bool) float64 {
	I, D, S := s.Cfg.NInst, s.Cfg.DIn, s.Cfg.DSAE
	wn := s.WDecNormalized()
	var total float64
	for i := 0; i < I; i++ {
		var cand []int
		for j := 0; j < S; j++ {
			if dead[i*S+j] {
				cand = append(cand, j)
			}
		}
		kAux := D / 2
		if len(cand) == 0 || kAux == 0 {
			continue
		}
		sc := math.Min(float64(len(cand))/float64(kAux), 1)
		kAux = min(kAux, len(cand))
		for b := 0; b < B; b++ {
			x := h[(b*I+i)*D : (b*I+i+1)*D]
			pre := preRef(s, i, x)
			order := append([]int(nil), cand...)
			sort.SliceStable(order, func(a, c int) bool { return pre[order[a]] > pre[order[c]] })
			e := append([]float64(nil), s.BDec[i*D:(i+1)*D]...)
			for _, j := range order[:kAux] {
				for d := 0; d < D; d++ {
					e[d] += pre[j] * wn[(i*S+j)*D+d]
				}
			}
			for d := 0; d < D; d++ {
				diff := e[d] - resid[(b*I+i)*D+d]
				total += s.Cfg.AuxKCoeff * sc * diff * diff / float64(B)
			}
		}
	}
	return total
}

// The AuxK gradient: the difference of the gradients with and without AuxK matches finite
// differences of the independent AuxK loss with the residual frozen; the term's value matches
// too. d_in = 6 (k_aux = 3) with 2 dead latents exercises scale = 2/3 and k_aux = 2.
func TestAuxKFiniteDifference(t *testing.T) {
	for _, arch := range []string{"topk", "batchtopk"} {
		for _, rescale := range []bool{false, true} {
			name := fmt.Sprintf("%s rescale=%v", arch, rescale)
			m, err := toymodel.New(toymodel.Config{NInst: 2, NFeatures: 10, DHidden: 6, FeatMagDistn: "unif"}, toymodel.Values{}, toymodel.Scalar(0.1), 1)
			if err != nil {
				t.Fatal(err)
			}
			cfg := DefaultConfig(2, 6, 8)
			cfg.Arch, cfg.K, cfg.RescaleActsByDecoderNorm, cfg.AuxKCoeff, cfg.DeadFeatureWindow = arch, 3, rescale, 0.7, 10
			s, err := New(cfg, m, 5)
			if err != nil {
				t.Fatal(err)
			}
			r := rng.New(61)
			randomizeTopK(s, r, 0)
			dead := make([]bool, 2*8)
			for _, k := range []int{1, 6, 8 + 0, 8 + 3} {
				s.StepsSinceFired[k] = 11 // > window: dead
				dead[k] = true
			}
			s.StepsSinceFired[2] = 10 // = window: alive
			const B = 10
			h := randomBatch(r, B, 2, 6, 1, 3)
			out := s.ForwardTraining(h, B)
			resid := make([]float64, len(h))
			for k := range h {
				resid[k] = h[k] - out.HRec[k]
			}
			var lAux float64
			for _, v := range out.Terms["L_auxk"] {
				lAux += v / B
			}
			if ref := auxRef(s, h, B, resid, dead); math.Abs(ref-lAux) > 1e-12*max(1, ref) || ref == 0 {
				t.Fatalf("%s: L_auxk %v, reference %v", name, lAux, ref)
			}
			_, gAll := s.Gradients(h, B)
			s.Cfg.AuxKCoeff = 0
			_, gMain := s.Gradients(h, B)
			s.Cfg.AuxKCoeff = 0.7
			diff := map[string][]float64{}
			for n, g := range gAll {
				diff[n] = make([]float64, len(g))
				for k := range g {
					diff[n][k] = g[k] - gMain[n][k]
				}
			}
			finiteDiff(t, name, s, allNames(s), diff, func() float64 { return auxRef(s, h, B, resid, dead) })
		}
	}
	// d_in = 1 gives k_aux = 0: no AuxK at all.
	m, _ := toymodel.New(toymodel.Config{NInst: 1, NFeatures: 3, DHidden: 1, FeatMagDistn: "unif"}, toymodel.Values{}, toymodel.Scalar(0.5), 1)
	cfg := DefaultConfig(1, 1, 3)
	cfg.Arch, cfg.DeadFeatureWindow = "topk", 0
	s, err := New(cfg, m, 1)
	if err != nil {
		t.Fatal(err)
	}
	s.StepsSinceFired[0] = 5
	if v := s.Forward([]float64{0.7}, 1).Terms["L_auxk"][0]; v != 0 {
		t.Errorf("d_in = 1: L_auxk = %v, want 0", v)
	}
}

// Ties go to the lower index, in both selection paths of keepLargest.
func TestKeepLargestTies(t *testing.T) {
	v := []float64{1, 3, 2, 3, 2, 0.5, 3, 3, 3, 1}
	for _, c := range []struct {
		k    int
		want []int
	}{{1, []int{1}}, {2, []int{1, 3}}, {4, []int{1, 3, 6, 7}}, {6, []int{1, 3, 6, 7, 8, 2}}, {9, []int{1, 3, 6, 7, 8, 2, 4, 0, 9}}} {
		keep := make([]bool, len(v))
		keepLargest(v, nil, keep, c.k, make([]int, len(v)))
		var got []int
		for j, k := range keep {
			if k {
				got = append(got, j)
			}
		}
		want := slices.Sorted(slices.Values(c.want))
		if !slices.Equal(got, want) {
			t.Errorf("k=%d: kept %v, want %v", c.k, got, want)
		}
	}
	keep := make([]bool, 4)
	if n := keepLargest([]float64{5, -1, 7, -2}, []bool{false, true, false, true}, keep, 1, make([]int, 4)); n != 1 || !keep[1] || keep[3] {
		t.Errorf("candidates: kept %v", keep)
	}
}

// TopK never has more than k active latents per sample: in every data-log record of a
// training run (L_sparsity is the per-sample L0) and in a forward pass afterwards.
func TestTopKNeverExceedsK(t *testing.T) {
	for _, k := range []float64{1, 2} {
		s := archSAE(t, "topk", 4, 5, false, func(c *Config) { c.K = k })
		tc := DefaultTrainConfig()
		tc.Steps, tc.LogFreq = 1500, 100
		log, err := Train(s, tc, 2, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range log.Records {
			for b, l0 := range rec.Terms["L_sparsity"] {
				if float64(l0) > k {
					t.Fatalf("k=%v: step %d sample %d has %v active latents", k, rec.Step, b, l0)
				}
			}
		}
		h := s.GenerateHidden(2048, toymodel.Streams(7, rng.PurposeEval, 4))
		out := s.Forward(h, 2048)
		for b := 0; b < 2048*4; b++ {
			n := 0
			for j := 0; j < 5; j++ {
				if out.Acts[b*5+j] != 0 {
					n++
				}
			}
			if float64(n) > k {
				t.Fatalf("k=%v: %d active latents", k, n)
			}
		}
	}
}

// bruteBatchTopK is the spec's selection done literally: the int(k·B) largest ReLU(sel) values
// of the flattened (B × S) batch of one instance, ties to the lower flat index.
func bruteBatchTopK(s *SAE, h []float64, B, i int) []bool {
	I, D, S := s.Cfg.NInst, s.Cfg.DIn, s.Cfg.DSAE
	w := s.newWork()
	s.prepare(i, w)
	vals := make([]float64, B*S)
	for b := 0; b < B; b++ {
		pre := preRef(s, i, h[(b*I+i)*D:(b*I+i+1)*D])
		for j := 0; j < S; j++ {
			v := pre[j]
			if s.Cfg.RescaleActsByDecoderNorm {
				v *= w.norm[j]
			}
			vals[b*S+j] = max(v, 0)
		}
	}
	idx := make([]int, B*S)
	for k := range idx {
		idx[k] = k
	}
	sort.SliceStable(idx, func(a, c int) bool { return vals[idx[a]] > vals[idx[c]] })
	keep := make([]bool, B*S)
	for _, k := range idx[:min(int(s.Cfg.K*float64(B)), B*S)] {
		keep[k] = true
	}
	return keep
}

// BatchTopK's grouped selection equals the literal one for every k from 0.05 to d_sae, on a
// batch where most samples are all-zero and the zero rows have positive (tied) values, so that
// the cut falls inside the zero group, among nonzero samples and among zeros.
func TestBatchTopKSelectionBruteForce(t *testing.T) {
	for _, rescale := range []bool{false, true} {
		s := archSAE(t, "batchtopk", 2, 5, false, func(c *Config) { c.RescaleActsByDecoderNorm = rescale })
		r := rng.New(71)
		randomizeTopK(s, r, 0.1)
		const B = 40
		var zeros []int
		for b := 0; b < B; b++ {
			if b%5 != 2 {
				zeros = append(zeros, b)
			}
		}
		h := randomBatch(r, B, 2, 2, 1, zeros...)
		for k := 0.05; k <= 5; k += 0.05 {
			s.Cfg.K = k
			_, kept := s.forwardTraining(h, B)
			for i := 0; i < 2; i++ {
				want := bruteBatchTopK(s, h, B, i)
				n := 0
				for b := 0; b < B; b++ {
					for j := 0; j < 5; j++ {
						if kept[(b*2+i)*5+j] != want[b*5+j] {
							t.Fatalf("rescale=%v k=%v instance %d: kept[%d,%d] = %v, brute force %v", rescale, k, i, b, j, !want[b*5+j], want[b*5+j])
						}
						if want[b*5+j] {
							n++
						}
					}
				}
				if n != int(k*B) {
					t.Fatalf("k=%v: %d kept, want %d", k, n, int(k*B))
				}
			}
		}
	}
}

// BatchTopK's average L0 on the training batch is k when at least k·B values are positive:
// exactly int(k·B) activations are kept; the training step's L_sparsity sum says the same.
func TestBatchTopKL0EqualsK(t *testing.T) {
	s := archSAE(t, "batchtopk", 3, 5, false, func(c *Config) { c.K = 1.5 })
	r := rng.New(81)
	randomizeTopK(s, r, 1.0) // mostly positive pre-activations
	const B = 64
	h := randomBatch(r, B, 3, 2, 0.5, 0, 1, 2, 30)
	out := s.ForwardTraining(h, B)
	w := s.newWork()
	counts := make([]int, 5)
	for i := 0; i < 3; i++ {
		n := 0
		for b := 0; b < B; b++ {
			for j := 0; j < 5; j++ {
				if out.Acts[(b*3+i)*5+j] > 0 {
					n++
				}
			}
		}
		if n != int(1.5*B) {
			t.Errorf("instance %d: %d active on the batch, want k·B = %d (average L0 %v)", i, n, int(1.5*B), float64(n)/B)
		}
		s.prepare(i, w)
		sums := s.lossGradBatch(i, denseHidden(h, B, 3, 2, i), B, w, counts)
		if got := sums[2] / B; got != 1.5 {
			t.Errorf("instance %d: mean L_sparsity (L0) %v, want 1.5", i, got)
		}
	}
}

// BatchTopK's inference forward (Forward, the data log, evaluation) is JumpReLU with θ = τ:
// acts = ReLU(pre)·1[pre > τ]; training moves τ, which the log and State report as "threshold".
func TestBatchTopKThresholdPath(t *testing.T) {
	s := archSAE(t, "batchtopk", 2, 5, false, func(c *Config) { c.K = 0.5 })
	tc := DefaultTrainConfig()
	tc.Steps, tc.LogFreq = 400, 100
	log, err := Train(s, tc, 4, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, tau := range s.Threshold {
		if !(tau > 0) {
			t.Errorf("instance %d: τ = %v after training, want > 0", i, tau)
		}
	}
	last := log.Records[len(log.Records)-1]
	if !slices.Equal(last.Params["threshold"], s.Threshold) {
		t.Errorf("logged threshold %v, want %v", last.Params["threshold"], s.Threshold)
	}
	if st := s.State(); len(st) != 1 || st[0].Name != "threshold" || !slices.Equal(st[0].Shape, []int{2}) {
		t.Errorf("State() = %+v", st)
	}
	h := randomBatch(rng.New(3), 50, 2, 2, 0.6, 0, 1)
	out := s.Forward(h, 50)
	for b := 0; b < 50; b++ {
		for i := 0; i < 2; i++ {
			pre := preRef(s, i, h[(b*2+i)*2:(b*2+i+1)*2])
			for j, p := range pre {
				want := 0.0
				if p > s.Threshold[i] {
					want = p
				}
				if got := out.Acts[(b*2+i)*5+j]; math.Abs(got-want) > 1e-12 {
					t.Fatalf("acts[%d,%d,%d] = %v, want %v", b, i, j, got, want)
				}
			}
		}
	}
}

// Steps since fired: +1 per training step, 0 when the latent fires; dead for AuxK once it
// exceeds dead_feature_window.
func TestStepsSinceFired(t *testing.T) {
	s := archSAE(t, "topk", 1, 5, false, func(c *Config) { c.K, c.DeadFeatureWindow = 2, 3 })
	s.BEnc[4] = -100 // never fires
	tc := DefaultTrainConfig()
	tc.Steps, tc.BatchSize = 20, 256
	if _, err := Train(s, tc, 1, nil); err != nil {
		t.Fatal(err)
	}
	if s.StepsSinceFired[4] != 20 {
		t.Errorf("silent latent: %d steps since fired, want 20", s.StepsSinceFired[4])
	}
	aw := &archWork{}
	s.prepArch(0, aw)
	if !aw.dead[4] || aw.nDead < 1 {
		t.Errorf("dead mask %v", aw.dead)
	}
	for j := 0; j < 4; j++ {
		if s.StepsSinceFired[j] > 3 && !aw.dead[j] {
			t.Errorf("latent %d: %d steps since fired but not dead", j, s.StepsSinceFired[j])
		}
	}
}

// Every architecture trains end to end through the unchanged loop, with resampling, and its
// log records carry its parameters, state and loss terms.
func TestArchTrainSmoke(t *testing.T) {
	for _, arch := range Archs {
		for _, tied := range []bool{false, true} {
			if tied && arch == "matching_pursuit" {
				continue // refused: it has no encoder to tie
			}
			s := archSAE(t, arch, 2, 5, tied, func(c *Config) {
				if arch == "topk" || arch == "matching_pursuit" {
					c.K = 2
				} else {
					c.K = 0.25
				}
			})
			tc := DefaultTrainConfig()
			tc.Steps, tc.LogFreq, tc.Resample, tc.ResampleFreq, tc.ResampleWindow = 300, 100, "advanced", 100, 50
			log, err := Train(s, tc, 1, nil)
			if err != nil {
				t.Fatal(err)
			}
			rec := log.Records[len(log.Records)-1]
			for _, p := range s.logged() {
				if len(rec.Params[p.Name]) != len(p.Data) {
					t.Errorf("%s: record lacks %s", arch, p.Name)
				}
			}
			if len(rec.Terms) != len(s.TermNames()) {
				t.Errorf("%s: terms %v", arch, rec.Terms)
			}
			for _, v := range f64s(rec.Loss) {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("%s tied=%v: loss %v", arch, tied, v)
				}
			}
			sc := log.Scalars[len(log.Scalars)-1]
			if math.IsNaN(sc.Loss) || sc.LReconstruction <= 0 {
				t.Errorf("%s: scalars %+v", arch, sc)
			}
		}
	}
}

// Config validation names the field, its value and what is allowed.
func TestArchConfigValidation(t *testing.T) {
	for _, c := range []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.Arch = "relu" }, `arch = "relu"`},
		{func(c *Config) { c.Arch, c.K = "topk", 1.5 }, "k = 1.5: topk needs an integer in [1, d_sae = 5]"},
		{func(c *Config) { c.Arch, c.K = "topk", 6 }, "k = 6"},
		{func(c *Config) { c.Arch, c.K = "batchtopk", 0 }, "k = 0: batchtopk needs a number in (0, d_sae = 5]"},
		{func(c *Config) { c.Arch, c.MatryoshkaWidths = "matryoshka", []int{2, 2, 5} }, "matryoshka_widths = [2 2 5]"},
		{func(c *Config) { c.Arch, c.MatryoshkaWidths = "matryoshka", []int{1, 7} }, "matryoshka_widths = [1 7]"},
		{func(c *Config) { c.AuxKCoeff = -1 }, "aux_k_coeff = -1"},
		{func(c *Config) { c.DeadFeatureWindow = -2 }, "dead_feature_window = -2"},
		{func(c *Config) { c.TopKThresholdLR = 2 }, "topk_threshold_lr = 2"},
	} {
		cfg := DefaultConfig(2, 2, 5)
		c.edit(&cfg)
		err := cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want it to contain %q", err, c.want)
		}
	}
	for _, arch := range Archs {
		cfg := DefaultConfig(2, 2, 5)
		cfg.Arch = arch
		if err := cfg.Validate(); err != nil {
			t.Errorf("default config for %s: %v", arch, err)
		}
	}
}

// The new architectures keep the engine's determinism: GOMAXPROCS 1 and 2 give identical
// parameters, state and log.
func TestArchDeterministicAcrossGOMAXPROCS(t *testing.T) {
	for _, arch := range []string{"gated", "jumprelu", "topk", "batchtopk", "matryoshka", "matching_pursuit"} {
		run := func(procs int) []float64 {
			old := runtime.GOMAXPROCS(procs)
			defer runtime.GOMAXPROCS(old)
			s := archSAE(t, arch, 4, 5, false, func(c *Config) { c.K, c.DeadFeatureWindow = 1, 50 })
			tc := DefaultTrainConfig()
			tc.Steps, tc.Resample, tc.ResampleFreq, tc.ResampleWindow = 400, "advanced", 200, 100
			log, err := Train(s, tc, 9, nil)
			if err != nil {
				t.Fatal(err)
			}
			var out []float64
			for _, p := range s.logged() {
				out = append(out, p.Data...)
			}
			for _, n := range s.StepsSinceFired {
				out = append(out, float64(n))
			}
			return append(out, f64s(log.Records[len(log.Records)-1].HR)...)
		}
		if a, b := run(1), run(2); !slices.Equal(a, b) {
			t.Errorf("%s: GOMAXPROCS 1 vs 2 differ", arch)
		}
	}
}
