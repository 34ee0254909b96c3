package toymodel

import (
	"math"
	"runtime"
	"testing"

	"saelab/rng"
)

func linspacePow(base float64, lo, hi float64, n int) []float64 {
	out := make([]float64, n)
	for k := range out {
		e := lo
		if n > 1 {
			e = lo + (hi-lo)*float64(k)/float64(n-1)
		}
		out[k] = math.Pow(base, -e)
	}
	return out
}

// Ported reference test "model": out == ReLU(out) and equals the hand formula.
func TestForwardMatchesFormula(t *testing.T) {
	cfg := Config{NInst: 10, NFeatures: 5, DHidden: 2, FeatMagDistn: "unif"}
	m, err := New(cfg, Values{}, Scalar(0.3), 1)
	if err != nil {
		t.Fatal(err)
	}
	s := rng.New(9)
	for k := range m.BFinal {
		m.BFinal[k] = s.Normal() * 0.1
	}
	const B = 10
	x := make([]float64, B*10*5)
	for k := range x {
		x[k] = s.Float64()
	}
	out := make([]float64, len(x))
	m.Forward(x, B, out)
	for b := 0; b < B; b++ {
		for i := 0; i < 10; i++ {
			for f := 0; f < 5; f++ {
				var pre float64
				for hh := 0; hh < 2; hh++ {
					var h float64
					for g := 0; g < 5; g++ {
						h += m.W[(i*2+hh)*5+g] * x[(b*10+i)*5+g]
					}
					pre += m.W[(i*2+hh)*5+f] * h
				}
				pre += m.BFinal[i*5+f]
				want := math.Max(pre, 0)
				got := out[(b*10+i)*5+f]
				if got < 0 || math.Abs(got-want) > 1e-12 {
					t.Fatalf("out[%d,%d,%d] = %v, want %v", b, i, f, got, want)
				}
			}
		}
	}
}

func TestXavierStdTableAndStats(t *testing.T) {
	table := map[[3]int]float64{{16, 2, 5}: 0.149071, {8, 2, 5}: 0.2, {10, 20, 100}: 0.025820, {20, 20, 200}: 0.015811, {7, 5, 10}: 0.129099}
	for k, want := range table {
		if got := XavierStd(k[0], k[1], k[2]); math.Abs(got-want) > 1e-6 {
			t.Errorf("XavierStd%v = %v, want %v", k, got, want)
		}
	}
	m, err := New(Config{NInst: 20, NFeatures: 200, DHidden: 20, FeatMagDistn: "unif"}, Values{}, Values{}, 3)
	if err != nil {
		t.Fatal(err)
	}
	var s2 float64
	for _, w := range m.W {
		s2 += w * w
	}
	std := math.Sqrt(s2 / float64(len(m.W)))
	if want := XavierStd(20, 20, 200); math.Abs(std/want-1) > 0.02 {
		t.Errorf("empirical std %v, want %v ±2%% over %d draws", std, want, len(m.W))
	}
}

// Ported reference test "generate_batch": p_i = i/11, B = 5000.
func TestGenerateBatchReference(t *testing.T) {
	p := make([]float64, 10)
	for i := range p {
		p[i] = float64(i+1) / 11
	}
	m, err := New(Config{NInst: 10, NFeatures: 5, DHidden: 2, FeatMagDistn: "unif"}, Values{}, PerInstance(p), 1)
	if err != nil {
		t.Fatal(err)
	}
	bt := NewBatch(5000, 10, 5)
	m.Generate(5000, Streams(1, rng.PurposeToyBatch, 10), bt)
	x := bt.Dense()
	var errSum float64
	for i := 0; i < 10; i++ {
		n := 0
		for b := 0; b < 5000; b++ {
			for f := 0; f < 5; f++ {
				v := x[(b*10+i)*5+f]
				if v < 0 || v > 1 {
					t.Fatalf("x out of [0,1]: %v", v)
				}
				if v > 1e-5 {
					n++
				}
			}
		}
		errSum += math.Abs(float64(n)/25000 - p[i])
	}
	if errSum >= 0.05 {
		t.Errorf("Σ|empirical − p| = %v, want < 0.05", errSum)
	}
}

// The reference's batch-statistics self-check (spec §1.5), for both sampling paths.
func TestPairBatchStatistics(t *testing.T) {
	for _, tc := range []struct {
		name      string
		lo, hi, b float64
	}{{"sparse gaps", 0.5, 1, 10}, {"dense draws", 0.31, 0.85, 10}} {
		p := linspacePow(tc.b, tc.lo, tc.hi, 30)
		cfg := Config{NInst: 30, NFeatures: 6, DHidden: 2, NCorrelatedPairs: 1, NAnticorrelatedPairs: 1, FeatMagDistn: "unif"}
		m, err := New(cfg, Values{}, PerInstance(p), 1)
		if err != nil {
			t.Fatal(err)
		}
		const B = 100000
		bt := NewBatch(B, 30, 6)
		m.Generate(B, Streams(2, rng.PurposeToyBatch, 30), bt)
		x := bt.Dense()
		var errCorr, errAnti, errUnc float64
		for i := 0; i < 30; i++ {
			var c, a, u int
			for b := 0; b < B; b++ {
				r := x[(b*30+i)*6 : (b*30+i+1)*6]
				if (r[0] > 0) != (r[1] > 0) {
					t.Fatalf("%s: correlated pair not co-active at b=%d i=%d", tc.name, b, i)
				}
				if r[2] > 0 && r[3] > 0 {
					t.Fatalf("%s: anticorrelated pair co-active at b=%d i=%d", tc.name, b, i)
				}
				c += btoi(r[0] > 0)
				a += btoi(r[2] > 0) + btoi(r[3] > 0)
				u += btoi(r[4] > 0) + btoi(r[5] > 0)
			}
			errCorr += math.Abs(float64(c)/B - p[i])
			errAnti += math.Abs(float64(a)/(2*B) - p[i])
			errUnc += math.Abs(float64(u)/(2*B) - p[i])
		}
		for name, e := range map[string]float64{"correlated": errCorr, "anticorrelated": errAnti, "uncorrelated": errUnc} {
			if e/30 >= 0.002 {
				t.Errorf("%s: %s marginal error %v, want < 0.002", tc.name, name, e/30)
			}
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Per-feature probabilities use thinning; each feature must keep its own rate.
func TestPerFeatureProbabilityThinning(t *testing.T) {
	pf := []float64{0.2, 0.1, 0.05, 0.01, 0.002}
	m, err := New(Config{NInst: 2, NFeatures: 5, DHidden: 2, FeatMagDistn: "normal"}, Values{}, PerFeature(pf), 1)
	if err != nil {
		t.Fatal(err)
	}
	const B = 200000
	bt := NewBatch(B, 2, 5)
	m.Generate(B, Streams(4, rng.PurposeToyBatch, 2), bt)
	counts := make([]int, 5)
	for i := 0; i < 2; i++ {
		ib := &bt.Inst[i]
		for e, f := range ib.Feat {
			if ib.Val[e] < 0 || ib.Val[e] > 1 {
				t.Fatalf("normal magnitude out of [0,1]: %v", ib.Val[e])
			}
			counts[f]++
		}
	}
	for f, p := range pf {
		rate := float64(counts[f]) / (2 * B)
		if se := math.Sqrt(p * (1 - p) / (2 * B)); math.Abs(rate-p) > 5*se {
			t.Errorf("feature %d rate %v, want %v", f, rate, p)
		}
	}
}

func TestValuesAxesAndErrors(t *testing.T) {
	if _, err := (PerInstance([]float64{1, 2, 3})).Broadcast("importance", 4, 3); err == nil {
		t.Error("length-3 per-instance values accepted for I=4")
	}
	v, err := PerFeature([]float64{1, 2}).Broadcast("importance", 2, 2)
	if err != nil || v[0] != 1 || v[1] != 2 || v[2] != 1 {
		t.Errorf("per-feature broadcast %v %v", v, err)
	}
	cfg := Config{NInst: 2, NFeatures: 4, DHidden: 2, NAnticorrelatedPairs: 1, FeatMagDistn: "unif"}
	if _, err := New(cfg, Values{}, Scalar(0.6), 1); err == nil {
		t.Error("anticorrelated pairs with p > 0.5 accepted")
	}
	cfg.NAnticorrelatedPairs = 3
	if _, err := New(cfg, Values{}, Scalar(0.1), 1); err == nil {
		t.Error("too many pairs accepted")
	}
	if _, err := New(Config{NInst: 2, NFeatures: 4, DHidden: 2, FeatMagDistn: "gauss"}, Values{}, Values{}, 1); err == nil {
		t.Error("unknown magnitude distribution accepted")
	}
}

// Finite-difference check of the sparse loss gradient, float64, with biases of both signs.
func TestLossGradFiniteDifference(t *testing.T) {
	cfg := Config{NInst: 3, NFeatures: 5, DHidden: 2, FeatMagDistn: "unif"}
	m, err := New(cfg, Full([]float64{1, .9, .8, .7, .6, 1, 1, 1, 1, 1, .5, 2, 1, 3, 1}), Scalar(0.3), 5)
	if err != nil {
		t.Fatal(err)
	}
	s := rng.New(11)
	for k := range m.BFinal {
		m.BFinal[k] = 0.2 * s.Normal()
	}
	const B = 64
	bt := NewBatch(B, 3, 5)
	m.Generate(B, Streams(6, rng.PurposeToyBatch, 3), bt)
	total := func() float64 {
		sc := m.NewScratch()
		var L float64
		for i := 0; i < 3; i++ {
			L += m.LossGradInstance(i, &bt.Inst[i], B, nil, nil, sc)
		}
		return L
	}
	// The sparse loss must equal the dense one.
	x := bt.Dense()
	out := make([]float64, len(x))
	m.Forward(x, B, out)
	if d, s := m.Loss(x, out, B), total(); math.Abs(d-s) > 1e-12 {
		t.Fatalf("sparse loss %v, dense loss %v", s, d)
	}
	gW, gB := make([]float64, len(m.W)), make([]float64, len(m.BFinal))
	sc := m.NewScratch()
	H, F := 2, 5
	for i := 0; i < 3; i++ {
		m.LossGradInstance(i, &bt.Inst[i], B, gW[i*H*F:(i+1)*H*F], gB[i*F:(i+1)*F], sc)
	}
	check := func(name string, p, g []float64) {
		for k := range p {
			const h = 1e-6
			old := p[k]
			p[k] = old + h
			lp := total()
			p[k] = old - h
			lm := total()
			p[k] = old
			num := (lp - lm) / (2 * h)
			if math.Abs(num-g[k]) > 1e-7+1e-5*math.Abs(num) {
				t.Errorf("%s[%d]: analytic %v, numeric %v", name, k, g[k], num)
			}
		}
	}
	check("W", m.W, gW)
	check("b_final", m.BFinal, gB)
}

func TestTrainDeterministicAcrossGOMAXPROCS(t *testing.T) {
	run := func(procs int) []float64 {
		old := runtime.GOMAXPROCS(procs)
		defer runtime.GOMAXPROCS(old)
		m, err := New(DefaultConfig(), Values{}, Scalar(0.025), 42)
		if err != nil {
			t.Fatal(err)
		}
		tc := DefaultTrainConfig()
		tc.Steps = 300
		if _, err := Train(m, tc, 42, nil); err != nil {
			t.Fatal(err)
		}
		return append(m.W, m.BFinal...)
	}
	a, b := run(1), run(2)
	for k := range a {
		if a[k] != b[k] {
			t.Fatalf("GOMAXPROCS 1 and 2 differ at %d: %v vs %v", k, a[k], b[k])
		}
	}
}

// The seed's base model (16×5×2, p = 0.025, 5k steps) learns a pentagon: all five features
// with norm near 1 in most instances (spec §9.1).
func TestTrainLearnsPentagon(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	m, _ := New(DefaultConfig(), Values{}, Scalar(0.025), 1)
	log, err := Train(m, DefaultTrainConfig(), 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 101 || log[0].Loss <= log[len(log)-1].Loss {
		t.Fatalf("log has %d entries, loss %v → %v", len(log), log[0].Loss, log[len(log)-1].Loss)
	}
	pent := 0
	for i := 0; i < 16; i++ {
		ok := true
		for f := 0; f < 5; f++ {
			n := math.Hypot(m.W[(i*2)*5+f], m.W[(i*2+1)*5+f])
			if n < 0.8 {
				ok = false
			}
		}
		if ok {
			pent++
		}
	}
	t.Logf("%d of 16 instances represent all 5 features", pent)
	if pent < 8 {
		t.Errorf("only %d of 16 instances represent all 5 features", pent)
	}
}
