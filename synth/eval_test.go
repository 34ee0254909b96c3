package synth

import (
	"math"
	"math/rand/v2"
	"testing"

	"saelab/metrics"
)

// bruteAssign is the best total over all injections of n rows into m columns.
func bruteAssign(score []float32, n, m int) float64 {
	used := make([]bool, m)
	var rec func(i int) float64
	rec = func(i int) float64 {
		if i == n {
			return 0
		}
		best := math.Inf(-1)
		for j := 0; j < m; j++ {
			if !used[j] {
				used[j] = true
				best = max(best, float64(score[i*m+j])+rec(i+1))
				used[j] = false
			}
		}
		return best
	}
	return rec(0)
}

func total(score []float32, m int, col []int) float64 {
	s := 0.0
	seen := map[int]bool{}
	for i, j := range col {
		if seen[j] {
			return math.NaN()
		}
		seen[j] = true
		s += float64(score[i*m+j])
	}
	return s
}

// TestAssignMax checks the exact rectangular assignment against brute force on small
// matrices (with ties and duplicated rows), and against metrics.Assign on larger ones.
func TestAssignMax(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 300; trial++ {
		n := 1 + r.IntN(5)
		m := n + r.IntN(3)
		score := make([]float32, n*m)
		for k := range score {
			score[k] = float32(r.IntN(5)) / 4 // many ties
			if trial%3 == 0 {
				score[k] = r.Float32()
			}
		}
		if trial%5 == 0 && n > 1 { // a duplicated row: both want the same column
			copy(score[m:2*m], score[:m])
		}
		got := total(score, m, AssignMax(score, n, m))
		if want := bruteAssign(score, n, m); math.Abs(got-want) > 1e-5 {
			t.Fatalf("trial %d (%d×%d): total %g, best %g", trial, n, m, got, want)
		}
	}
	for trial := 0; trial < 5; trial++ {
		n, m := 40+r.IntN(30), 80+r.IntN(40)
		score := make([]float32, n*m)
		rows := make([][]float64, n)
		for i := range rows {
			rows[i] = make([]float64, m)
			for j := range rows[i] {
				score[i*m+j] = r.Float32()
				rows[i][j] = float64(score[i*m+j])
			}
		}
		want := 0.0
		for i, j := range metrics.Assign(rows) {
			want += rows[i][j]
		}
		if got := total(score, m, AssignMax(score, n, m)); math.Abs(got-want) > 1e-4 {
			t.Fatalf("%d×%d: total %g, metrics.Assign %g", n, m, got, want)
		}
	}
}

// eye returns the n×n identity (rows are unit vectors eₖ).
func eye(n int) []float32 {
	v := make([]float32, n*n)
	for i := 0; i < n; i++ {
		v[i*n+i] = 1
	}
	return v
}

// TestUniquenessHand is spec §9: T = I₈ and D = [e₀, e₁, e₀, e₂] give 0.75; five copies of one
// truth vector against 10 truths give 0.2.
func TestUniquenessHand(t *testing.T) {
	T := eye(8)
	D := make([]float32, 0, 32)
	for _, k := range []int{0, 1, 0, 2} {
		D = append(D, T[k*8:(k+1)*8]...)
	}
	e, err := NewEvaluator(T, 8, D, 4, 8)
	if err != nil {
		t.Fatal(err)
	}
	if e.Uniqueness != 0.75 {
		t.Fatalf("uniqueness %g, want 0.75", e.Uniqueness)
	}
	T10 := eye(10)
	D5 := make([]float32, 0, 50)
	for range 5 {
		D5 = append(D5, T10[3*10:4*10]...)
	}
	e, _ = NewEvaluator(T10, 10, D5, 5, 10)
	if e.Uniqueness != 0.2 {
		t.Fatalf("uniqueness %g, want 0.2", e.Uniqueness)
	}
	// A zero decoder row has cosine 0 with everything and maps to feature 0.
	e, _ = NewEvaluator(T10, 10, make([]float32, 20), 2, 10)
	if e.Best[0] != 0 || e.Best[1] != 0 || e.Uniqueness != 0.5 {
		t.Fatalf("zero rows: best %v uniqueness %g", e.Best, e.Uniqueness)
	}
}

// TestMCCHand is spec §9: MCC(V, V) = MCC(V, −V) = MCC(V, permuted V) = MCC(V, 3V) = 1, and a
// hand-computed rectangular case where greedy matching is not optimal.
func TestMCCHand(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const F, H = 12, 5
	V := make([]float32, F*H)
	for k := range V {
		V[k] = float32(r.NormFloat64())
	}
	perm := r.Perm(F)
	variants := map[string]func(k int) float32{
		"V":          func(k int) float32 { return V[k] },
		"−V":         func(k int) float32 { return -V[k] },
		"3V":         func(k int) float32 { return 3 * V[k] },
		"permuted V": func(k int) float32 { return V[perm[k/H]*H+k%H] },
	}
	for name, d := range variants {
		D := make([]float32, F*H)
		for k := range D {
			D[k] = d(k)
		}
		e, err := NewEvaluator(V, F, D, F, H)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(e.MCC-1) > 1e-6 {
			t.Errorf("MCC(V, %s) = %g, want 1", name, e.MCC)
		}
	}
	// Two latents, three features in 2-D: greedy would give latent 0 feature 0 (0.9) and
	// latent 1 feature 1 (0.0); the optimum pairs (0→2, 1→0): (0.8 + 0.85)/2.
	cos := []float32{0.9, 0, 0.8, 0.85, 0, 0.1}
	if got := matchedMean(cos, 2, 3); math.Abs(got-0.825) > 1e-7 {
		t.Fatalf("rectangular MCC %g, want 0.825", got)
	}
	// More latents than features: each feature gets a distinct latent.
	D := append(append([]float32{}, V[:H]...), V...)
	e, _ := NewEvaluator(V, F, D, F+1, H)
	if math.Abs(e.MCC-1) > 1e-6 || e.Best[0] != 0 || e.Best[1] != 0 {
		t.Fatalf("S > F: MCC %g, best %v", e.MCC, e.Best[:2])
	}
}

// TestClassificationHand is spec §9: T = D = I₂ over 100 samples; truth 0 on in samples 0–49,
// latent 0 on in all 100, latent 1 and truth 1 never on: precision 0.25, recall 0.5,
// F1 1/3, accuracy 0.75, and one dead latent.
func TestClassificationHand(t *testing.T) {
	e, err := NewEvaluator(eye(2), 2, eye(2), 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	const n = 100
	b := &Batch{N: n, Off: make([]int, n+1)}
	for s := 0; s < n; s++ {
		if s < 50 {
			b.Index = append(b.Index, 0)
			b.Value = append(b.Value, 1)
		}
		b.Off[s+1] = len(b.Index)
	}
	z := make([]float32, 2*n)
	for s := 0; s < n; s++ {
		z[2*s] = 1
	}
	x := make([]float32, 2*n)
	e.Add(b, x, z, x)
	r := e.Result()
	for name, c := range map[string][2]float64{"precision": {r.Precision, 0.25}, "recall": {r.Recall, 0.5},
		"F1": {r.F1, 1.0 / 3}, "accuracy": {r.Accuracy, 0.75}, "true L0": {r.TrueL0, 0.5}, "SAE L0": {r.SAEL0, 1}} {
		if math.Abs(c[0]-c[1]) > 1e-12 {
			t.Errorf("%s = %g, want %g", name, c[0], c[1])
		}
	}
	if r.DeadLatents != 1 {
		t.Errorf("dead latents %d, want 1", r.DeadLatents)
	}
}

// TestExplainedVarianceAndShrinkage: x ~ N(0,1) in 1-D with x̂ = x + 0.5·N(0,1) gives an
// explained variance ≈ 0.75 (spec §9); x̂ = x/2 gives shrinkage 0.5; x̂ = x gives 1 and 1;
// zero inputs give 1 (no variance, no error) and no shrinkage samples.
func TestExplainedVarianceAndShrinkage(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	const n = 200000
	b := &Batch{N: n, Off: make([]int, n+1)}
	x, xn, xh, z := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
	for s := range x {
		x[s] = float32(r.NormFloat64())
		xn[s] = x[s] + 0.5*float32(r.NormFloat64())
		xh[s] = x[s] / 2
	}
	for _, c := range []struct {
		xhat       []float32
		ev, shrink float64
		tol        float64
	}{{xn, 0.75, math.NaN(), 0.01}, {xh, 0.75, 0.5, 0.01}, {x, 1, 1, 1e-12}} {
		e, _ := NewEvaluator([]float32{1}, 1, []float32{1}, 1, 1)
		e.Add(b, x, z, c.xhat)
		r := e.Result()
		if math.Abs(r.ExplainedVariance-c.ev) > c.tol || (!math.IsNaN(c.shrink) && math.Abs(r.Shrinkage-c.shrink) > 1e-6) {
			t.Errorf("explained variance %g (want %g), shrinkage %g (want %g)", r.ExplainedVariance, c.ev, r.Shrinkage, c.shrink)
		}
	}
	e, _ := NewEvaluator([]float32{1}, 1, []float32{1}, 1, 1)
	zero := make([]float32, 10)
	e.Add(&Batch{N: 10, Off: make([]int, 11)}, zero, zero, zero)
	if r := e.Result(); r.ExplainedVariance != 1 || r.Shrinkage != 0 {
		t.Errorf("zero inputs: explained variance %g, shrinkage %g", r.ExplainedVariance, r.Shrinkage)
	}
	if r := (&Evaluator{}).Result(); r.ExplainedVariance != 0 {
		t.Errorf("no samples: explained variance %g", r.ExplainedVariance)
	}
}

// oracleSAE encodes with the true dictionary: z = relu(Vx) for the first S features (a
// crude SAE with known structure), decodes with the same rows.
type oracleSAE struct {
	V    []float32
	S, H int
}

func (o *oracleSAE) Width() int             { return o.S }
func (o *oracleSAE) DecoderRows() []float32 { return o.V[:o.S*o.H] }
func (o *oracleSAE) Encode(x, z []float32) {
	n := len(x) / o.H
	for s := 0; s < n; s++ {
		for j := 0; j < o.S; j++ {
			d := float32(0)
			for k := 0; k < o.H; k++ {
				d += x[s*o.H+k] * o.V[j*o.H+k]
			}
			z[s*o.S+j] = max(d, 0)
		}
	}
}
func (o *oracleSAE) Decode(z, xhat []float32) {
	n := len(z) / o.S
	for s := 0; s < n; s++ {
		for k := 0; k < o.H; k++ {
			v := float32(0)
			for j := 0; j < o.S; j++ {
				v += z[s*o.S+j] * o.V[j*o.H+k]
			}
			xhat[s*o.H+k] = v
		}
	}
}

// TestEvaluateOrthonormal: with orthonormal features, no bias, σ = 0 and an SAE that is the
// dictionary itself, every metric is perfect; a scale factor changes nothing.
func TestEvaluateOrthonormal(t *testing.T) {
	cfg := DefaultConfig(8, 8)
	cfg.Bias = 0
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	m.Dict.V = eye(8)
	for _, scale := range []float64{0, 2.5} {
		r, err := Evaluate(m, &oracleSAE{V: m.Dict.V, S: 8, H: 8}, 5000, 700, 1, scale)
		if err != nil {
			t.Fatal(err)
		}
		if r.MCC != 1 || r.Uniqueness != 1 || math.Abs(r.F1-1) > 1e-12 || math.Abs(r.ExplainedVariance-1) > 1e-6 ||
			math.Abs(r.Shrinkage-1) > 1e-6 || r.DeadLatents != 0 || math.Abs(r.SAEL0-r.TrueL0) > 1e-12 || r.Samples != 5000 {
			t.Fatalf("scale %g: %+v", scale, r)
		}
	}
}
