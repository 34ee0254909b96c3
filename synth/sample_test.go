package synth

import (
	"math"
	"runtime"
	"slices"
	"testing"

	"saelab/rng"
)

// referenceSample draws n samples the way the reference does (spec §5.1, §6.4), densely: every
// feature's firing (independent, or z = ε·Fmᵀ + η⊙√d > t), a magnitude per firing feature,
// then level by level: gating of the features at depth L, and mutual exclusion of the groups
// whose members sit at depth L+1 where their parent is active. It returns [n×F].
func referenceSample(g *Generator, n int, st *rng.Stream) []float32 {
	F := g.F
	out := make([]float32, n*F)
	maxDepth := int32(-1)
	if g.fo != nil {
		maxDepth = slices.Max(g.fo.depth)
	}
	for s := 0; s < n; s++ {
		a := out[s*F : (s+1)*F]
		var eps []float64
		if g.Corr != nil {
			eps = make([]float64, g.Corr.R)
			for k := range eps {
				eps[k] = st.Normal()
			}
		}
		for f := 0; f < F; f++ {
			var fires bool
			if g.Corr == nil {
				fires = st.Float64() < float64(g.Prob[f])
			} else {
				z := math.Sqrt(float64(g.Corr.Diag[f])) * st.Normal()
				for k, e := range eps {
					z += e * float64(g.Corr.Factor[f*g.Corr.R+k])
				}
				fires = z > Threshold(float64(g.Prob[f]))
			}
			if fires {
				a[f] = float32(max(0, float64(g.Mean[f])+float64(g.Sigma[f])*st.Normal()))
			}
		}
		if g.fo == nil {
			continue
		}
		fo := g.fo
		for L := int32(0); L <= maxDepth; L++ {
			for f := 0; f < F; f++ {
				if P := fo.parent[f]; fo.depth[f] == L && P >= 0 {
					switch {
					case !(a[P] > 0):
						a[f] = 0
					case fo.rescale[f]:
						a[f] *= a[P] / g.Mean[P]
					}
				}
			}
			for grp := int32(0); grp < int32(fo.groups); grp++ {
				var members []int
				parentOK := true
				for f := 0; f < F; f++ {
					if fo.group[f] == grp && fo.depth[f] == L+1 {
						if P := fo.parent[f]; P >= 0 && !(a[P] > 0) {
							parentOK = false
						}
						if a[f] > 0 {
							members = append(members, f)
						}
					}
				}
				if parentOK && len(members) > 1 {
					keep := members[st.Intn(len(members))]
					for _, f := range members {
						if f != keep {
							a[f] = 0
						}
					}
				}
			}
		}
	}
	return out
}

// testForest is a small forest with every kind of node: root 0 (ME, rescaling) over features 1
// and 2 and an organisational ME, rescaling node over 3 and 4; feature 1 (binary gate) over 5
// and 6; an organisational ME root over the top-level features 7 and 8; 9–11 outside.
func testForest() []*Node {
	leaf := func(f int) *Node { return &Node{Feature: f} }
	return []*Node{
		{Feature: 0, MutuallyExclusive: true, ScaleChildren: true, Children: []*Node{
			{Feature: 1, Children: []*Node{leaf(5), leaf(6)}},
			leaf(2),
			{Feature: NoFeature, MutuallyExclusive: true, ScaleChildren: true, Children: []*Node{leaf(3), leaf(4)}},
		}},
		{Feature: NoFeature, MutuallyExclusive: true, Children: []*Node{leaf(7), leaf(8)}},
	}
}

func testGenerator(t *testing.T, corr bool) *Generator {
	t.Helper()
	p := []float32{0.6, 0.5, 0.4, 0.7, 0.3, 0.5, 0.6, 0.4, 0.5, 0.05, 0, 1}
	sigma := []float32{0.5, 0.5, 0, 0.5, 0.5, 1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.25}
	mu := []float32{0.3, 1, 1, 1, 0.5, 0.2, 1, 1, 1, 1, 1, 1} // E[a₀/μ₀ | active] ≈ 1.8: rescaling shows
	var lr *LowRank
	if corr {
		lr, _ = GenerateLowRank(len(p), 2, 0.5, rng.New(9))
	}
	g, err := NewGenerator(p, sigma, mu, lr, testForest())
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// checkInvariants fails if a child is active without its effective parent or an ME group has
// more than one active member.
func checkInvariants(t *testing.T, g *Generator, dense []float32, n int) {
	t.Helper()
	F, fo := g.F, g.fo
	for s := 0; s < n; s++ {
		a := dense[s*F : (s+1)*F]
		count := map[int32]int{}
		for f := 0; f < F; f++ {
			if !(a[f] > 0) {
				continue
			}
			if P := fo.parent[f]; P >= 0 && !(a[P] > 0) {
				t.Fatalf("sample %d: feature %d active without its parent %d", s, f, P)
			}
			if grp := fo.group[f]; grp >= 0 {
				if count[grp]++; count[grp] > 1 {
					t.Fatalf("sample %d: two active members of ME group %d", s, grp)
				}
			}
		}
	}
}

// TestSampleMatchesReference compares the sparse top-down sampler with the dense reference
// order of spec §5.1/§6.4 on a forest with every node kind, independent and copula firing:
// per-feature activation rates and mean activations within 5 combined standard errors, and
// the invariants (no child without its parent, at most one active per ME group) on every
// sample of both.
func TestSampleMatchesReference(t *testing.T) {
	const n = 30000
	for _, corr := range []bool{false, true} {
		g := testGenerator(t, corr)
		var b Batch
		g.Sample(&b, n, 5, 0)
		got := b.Dense(g.F)
		ref := referenceSample(g, n, rng.New(6))
		checkInvariants(t, g, got, n)
		checkInvariants(t, g, ref, n)
		for f := 0; f < g.F; f++ {
			r1, m1, v1 := activity(got, g.F, f, n)
			r2, m2, v2 := activity(ref, g.F, f, n)
			seR := math.Sqrt((r1*(1-r1) + r2*(1-r2)) / n)
			if math.Abs(r1-r2) > 5*seR+1e-12 {
				t.Errorf("corr %v, feature %d: active rate %.4f, reference %.4f (se %.4f)", corr, f, r1, r2, seR)
			}
			seM := math.Sqrt((v1 + v2) / n)
			if math.Abs(m1-m2) > 5*seM+1e-12 {
				t.Errorf("corr %v, feature %d: mean activation %.4f, reference %.4f (se %.4f)", corr, f, m1, m2, seM)
			}
		}
	}
}

// activity returns feature f's active rate, mean activation (zeros included) and the
// activation's variance.
func activity(dense []float32, F, f, n int) (rate, mean, variance float64) {
	s, s2, k := 0.0, 0.0, 0
	for i := 0; i < n; i++ {
		v := float64(dense[i*F+f])
		if v > 0 {
			k++
		}
		s += v
		s2 += v * v
	}
	mean = s / float64(n)
	return float64(k) / float64(n), mean, s2/float64(n) - mean*mean
}

// TestSampleMarginals checks that every feature fires with its probability p exactly (within
// 4.5 standard errors), with independent firing and under a strong low-rank copula, and that
// with σ = 0 every firing feature has activation μ.
func TestSampleMarginals(t *testing.T) {
	p := []float32{0.9, 0.5, 0.5, 0.3, 0.26, 0.1, 0.02, 0.005, 1, 0, 0.75, 0.49}
	F := len(p)
	sigma, mu := make([]float32, F), make([]float32, F)
	for f := range mu {
		mu[f] = 1
	}
	const n = 40000
	for _, corr := range []bool{false, true} {
		var lr *LowRank
		if corr {
			lr, _ = GenerateLowRank(F, 3, 0.45, rng.New(3))
		}
		g, err := NewGenerator(p, sigma, mu, lr, nil)
		if err != nil {
			t.Fatal(err)
		}
		var b Batch
		g.Sample(&b, n, 11, 0)
		counts := make([]int, F)
		for e, f := range b.Index {
			counts[f]++
			if b.Value[e] != 1 {
				t.Fatalf("σ = 0: activation %g, want μ = 1", b.Value[e])
			}
		}
		for f := range p {
			rate, pf := float64(counts[f])/n, float64(p[f])
			if se := math.Sqrt(pf * (1 - pf) / n); math.Abs(rate-pf) > 4.5*se {
				t.Errorf("corr %v: feature %d fires at %.4f, want %.4f (se %.4f)", corr, f, rate, pf, se)
			}
		}
	}
}

// TestCopulaPairs checks the joint firing of two features under a rank-1 copula against the
// Gaussian orthant probability P(Z₁ > t₁, Z₂ > t₂) with correlation ρ = Fm₁·Fm₂, computed by
// quadrature: P = ∫_{t₁}^∞ φ(x)·Φ̄((t₂ − ρx)/√(1−ρ²)) dx.
func TestCopulaPairs(t *testing.T) {
	lr := &LowRank{F: 3, R: 1, Factor: []float32{0.9, 0.8, -0.7}, Diag: []float32{1 - 0.81, 1 - 0.64, 1 - 0.49}}
	p := []float32{0.2, 0.3, 0.25}
	g, err := NewGenerator(p, []float32{0, 0, 0}, []float32{1, 1, 1}, lr, nil)
	if err != nil {
		t.Fatal(err)
	}
	const n = 60000
	var b Batch
	g.Sample(&b, n, 2, 7)
	d := b.Dense(3)
	for _, pr := range [][2]int{{0, 1}, {0, 2}, {1, 2}} {
		i, j := pr[0], pr[1]
		both := 0
		for s := 0; s < n; s++ {
			if d[s*3+i] > 0 && d[s*3+j] > 0 {
				both++
			}
		}
		rho := float64(lr.Factor[i]) * float64(lr.Factor[j])
		want := orthant(Threshold(float64(p[i])), Threshold(float64(p[j])), rho)
		got := float64(both) / n
		if se := math.Sqrt(want * (1 - want) / n); math.Abs(got-want) > 4.5*se {
			t.Errorf("features %d, %d (ρ %.2f): joint rate %.4f, want %.4f (se %.4f)", i, j, rho, got, want, se)
		}
	}
}

func orthant(t1, t2, rho float64) float64 {
	const h = 1e-4
	s := 0.0
	for x := t1 + h/2; x < 9; x += h {
		s += math.Exp(-x*x/2) / math.Sqrt(2*math.Pi) * normalTail((t2-rho*x)/math.Sqrt(1-rho*rho)) * h
	}
	return s
}

// TestCompensationRealisedRates is spec §6.5's worked example sampled with independent firing:
// P(1 active) = 0.5·0.48·(1 − 0.28/2) = 0.2064 and P(2 active) = 0.5·0.28·(1 − 0.48/2) = 0.1064.
func TestCompensationRealisedRates(t *testing.T) {
	roots := []*Node{{Feature: 0, MutuallyExclusive: true, Children: []*Node{{Feature: 1}, {Feature: 2}}}}
	p := []float32{0.5, 0.2, 0.1}
	compensate(p, CompensationFactors(roots, p))
	g, err := NewGenerator(p, []float32{0, 0, 0}, []float32{1, 1, 1}, nil, roots)
	if err != nil {
		t.Fatal(err)
	}
	const n = 100000
	var b Batch
	g.Sample(&b, n, 3, 0)
	counts := make([]int, 3)
	for _, f := range b.Index {
		counts[f]++
	}
	for f, want := range map[int]float64{0: 0.5, 1: 0.2064, 2: 0.1064} {
		got := float64(counts[f]) / n
		if se := math.Sqrt(want * (1 - want) / n); math.Abs(got-want) > 4.5*se {
			t.Errorf("feature %d active at %.4f, want %.4f (se %.4f)", f, got, want, se)
		}
	}
}

// TestMagnitudeMoments checks the activations of firing features: with a = max(0, μ + σδ),
// a feature is active with probability p·Φ(μ/σ), and its active values are a normal truncated
// at 0, with mean μ + σ·λ and variance σ²(1 + αλ − λ²), α = −μ/σ, λ = φ(α)/Φ̄(α).
func TestMagnitudeMoments(t *testing.T) {
	p := []float32{0.5, 0.8}
	mu := []float32{1, 0.2}
	sigma := []float32{0.5, 1}
	g, err := NewGenerator(p, sigma, mu, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	const n = 80000
	var b Batch
	g.Sample(&b, n, 4, 0)
	for f := range p {
		var vals []float64
		for e, k := range b.Index {
			if int(k) == f {
				vals = append(vals, float64(b.Value[e]))
			}
		}
		m, s := float64(mu[f]), float64(sigma[f])
		alpha := -m / s
		lambda := math.Exp(-alpha*alpha/2) / math.Sqrt(2*math.Pi) / normalTail(alpha)
		wantRate := float64(p[f]) * normalTail(alpha)
		wantMean := m + s*lambda
		wantVar := s * s * (1 + alpha*lambda - lambda*lambda)
		rate := float64(len(vals)) / n
		mean, v := 0.0, 0.0
		for _, x := range vals {
			mean += x
		}
		mean /= float64(len(vals))
		for _, x := range vals {
			v += (x - mean) * (x - mean)
		}
		v /= float64(len(vals))
		k := float64(len(vals))
		if se := math.Sqrt(wantRate * (1 - wantRate) / n); math.Abs(rate-wantRate) > 4.5*se {
			t.Errorf("feature %d: active rate %.4f, want %.4f", f, rate, wantRate)
		}
		if se := math.Sqrt(wantVar / k); math.Abs(mean-wantMean) > 4.5*se {
			t.Errorf("feature %d: mean active value %.4f, want %.4f", f, mean, wantMean)
		}
		if math.Abs(v-wantVar) > 0.03*wantVar {
			t.Errorf("feature %d: variance %.4f, want %.4f", f, v, wantVar)
		}
	}
}

// TestSampleDeterministic checks that a batch depends only on (seed, index): identical bits for
// GOMAXPROCS 1, 2 and 5, different batches for different indices; and that the batch is
// well formed (ascending features, positive values).
func TestSampleDeterministic(t *testing.T) {
	for _, corr := range []bool{false, true} {
		g := testGenerator(t, corr)
		var first Batch
		for i, procs := range []int{1, 2, 5} {
			old := runtime.GOMAXPROCS(procs)
			var b Batch
			g.Sample(&b, 300, 7, 3)
			runtime.GOMAXPROCS(old)
			if i == 0 {
				first = b
				continue
			}
			if !slices.Equal(b.Off, first.Off) || !slices.Equal(b.Index, first.Index) || !slices.Equal(b.Value, first.Value) {
				t.Fatalf("corr %v: GOMAXPROCS %d gives a different batch", corr, procs)
			}
		}
		for s := 0; s < first.N; s++ {
			for e := first.Off[s]; e < first.Off[s+1]; e++ {
				if !(first.Value[e] > 0) || (e > first.Off[s] && first.Index[e] <= first.Index[e-1]) {
					t.Fatalf("sample %d is not ascending with positive values", s)
				}
			}
		}
		var other Batch
		g.Sample(&other, 300, 7, 4)
		if slices.Equal(other.Value, first.Value) {
			t.Fatal("batch index 4 repeats batch 3")
		}
	}
}

// TestHidden checks x = a·V + b against a direct sum, for any GOMAXPROCS.
func TestHidden(t *testing.T) {
	cfg := DefaultConfig(40, 6)
	cfg.Correlation = DefaultCorrelation()
	cfg.Correlation.Rank = 3
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var b Batch
	x := make([]float32, 200*6)
	m.Sample(&b, x, 200, 1, 0)
	dense := b.Dense(40)
	for s := 0; s < 200; s++ {
		for k := 0; k < 6; k++ {
			want := float64(m.Dict.Bias[k])
			for f := 0; f < 40; f++ {
				want += float64(dense[s*40+f]) * float64(m.Dict.V[f*6+k])
			}
			if math.Abs(float64(x[s*6+k])-want) > 1e-5 {
				t.Fatalf("x[%d][%d] = %g, want %g", s, k, x[s*6+k], want)
			}
		}
	}
	old := runtime.GOMAXPROCS(1)
	x1 := make([]float32, len(x))
	m.Dict.Hidden(&b, x1)
	runtime.GOMAXPROCS(old)
	if !slices.Equal(x, x1) {
		t.Fatal("Hidden differs with GOMAXPROCS 1")
	}
}

// TestSynthSAEBench16kTrueL0 samples the full preset (with its copula) and checks spec
// §11.1's true L0: ≈ 34.5 overall (34.4–34.6) and ≈ 25.1 over features 0–4095 (25.1–25.2).
// The tolerance is several standard errors of the 8192-sample mean.
func TestSynthSAEBench16kTrueL0(t *testing.T) {
	g, _, err := NewGeneratorFromConfig(SynthSAEBench16k())
	if err != nil {
		t.Fatal(err)
	}
	const n = 8192
	var b Batch
	g.Sample(&b, n, 1, 0)
	all, first := 0, 0
	for _, f := range b.Index {
		all++
		if f < 4096 {
			first++
		}
	}
	l0, l04096 := float64(all)/n, float64(first)/n
	t.Logf("true L0 %.3f, over features 0–4095 %.3f", l0, l04096)
	if math.Abs(l0-34.5) > 0.4 || math.Abs(l04096-25.15) > 0.35 {
		t.Fatalf("true L0 %.3f (want ≈ 34.5), over the first 4096 %.3f (want ≈ 25.1)", l0, l04096)
	}
}
