package rng

import (
	"math"
	"testing"
)

func TestStreamsDifferByKey(t *testing.T) {
	a, b, c := New(1, 0, 1), New(1, 1, 0), New(1, 0, 1)
	if a.Uint64() == b.Uint64() {
		t.Fatal("streams (0,1) and (1,0) start with the same value")
	}
	a2 := New(1, 0, 1)
	if a2.Uint64() != c.Uint64() {
		t.Fatal("same seed and keys must give the same stream")
	}
}

func TestUniformAndNormalMoments(t *testing.T) {
	s := New(7)
	const n = 200000
	var su, sn, sn2 float64
	for i := 0; i < n; i++ {
		u := s.Float64()
		if u < 0 || u >= 1 {
			t.Fatalf("Float64 out of [0,1): %v", u)
		}
		su += u
		z := s.Normal()
		sn += z
		sn2 += z * z
	}
	if m := su / n; math.Abs(m-0.5) > 0.005 {
		t.Errorf("uniform mean %v, want 0.5", m)
	}
	if m := sn / n; math.Abs(m) > 0.01 {
		t.Errorf("normal mean %v, want 0", m)
	}
	if v := sn2 / n; math.Abs(v-1) > 0.02 {
		t.Errorf("normal variance %v, want 1", v)
	}
}

// The gap sampler must give each trial success probability p, independently.
func TestGapsMatchBernoulli(t *testing.T) {
	for _, p := range []float64{0.01, 0.025, 0.3, 0.9} {
		s := New(3)
		g := NewGaps(p)
		const trials = 400000
		hits, pairs := 0, 0
		prev := -10
		for pos := g.Next(s); pos < trials; pos += 1 + g.Next(s) {
			hits++
			if pos == prev+1 {
				pairs++
			}
			prev = pos
		}
		rate := float64(hits) / trials
		if se := math.Sqrt(p * (1 - p) / trials); math.Abs(rate-p) > 5*se {
			t.Errorf("p=%v: rate %v (5σ=%v)", p, rate, 5*se)
		}
		// Adjacent successes happen with probability p² per position: independence check.
		pr := float64(pairs) / trials
		if se := math.Sqrt(p * p / trials); math.Abs(pr-p*p) > 6*se+1e-4 {
			t.Errorf("p=%v: adjacent rate %v, want %v", p, pr, p*p)
		}
	}
	if NewGaps(0).Next(New(1)) != math.MaxInt || NewGaps(1).Next(New(1)) != 0 {
		t.Error("edge probabilities 0 and 1")
	}
}

func TestIntnRange(t *testing.T) {
	s := New(5)
	counts := make([]int, 7)
	for i := 0; i < 70000; i++ {
		counts[s.Intn(7)]++
	}
	for k, c := range counts {
		if c < 9500 || c > 10500 {
			t.Errorf("Intn(7) bucket %d has %d of 70000", k, c)
		}
	}
}

// Exp must be Exp(1): its distribution function at many points (fast path, wedges and tail)
// within a few standard errors, and its first moments.
func TestExpDistribution(t *testing.T) {
	s := New(7)
	const n = 2000000
	qs := []float64{0.001, 0.01, 0.05, 0.1, 0.2, 0.5, 0.7, 1, 1.5, 2, 3, 5, 7, 7.69, 8, 9, 11}
	below := make([]int, len(qs))
	var m1, m2 float64
	for k := 0; k < n; k++ {
		x := s.Exp()
		if !(x >= 0) {
			t.Fatalf("draw %v", x)
		}
		m1 += x
		m2 += x * x
		for q, v := range qs {
			if x < v {
				below[q]++
			}
		}
	}
	for q, v := range qs {
		p := 1 - math.Exp(-v)
		got := float64(below[q]) / n
		if se := math.Sqrt(p * (1 - p) / n); math.Abs(got-p) > 5*se+1e-9 {
			t.Errorf("P(E < %v) = %v, want %v (5σ = %v)", v, got, p, 5*se)
		}
	}
	if m := m1 / n; math.Abs(m-1) > 0.005 {
		t.Errorf("mean %v, want 1", m)
	}
	if v := m2/n - (m1/n)*(m1/n); math.Abs(v-1) > 0.01 {
		t.Errorf("variance %v, want 1", v)
	}
}

// The gaps must follow the geometric law P(K = k) = (1−p)^k·p: a χ² test over k, and
// AppendPositions must give the same process as Next.
func TestGapsGeometricLaw(t *testing.T) {
	for _, p := range []float64{0.001, 0.025, 0.2, 0.6} {
		s := New(11)
		g := NewGaps(p)
		const n = 400000
		const bins = 40
		counts := make([]float64, bins+1) // last bin: k ≥ bins·w
		w := max(1, int(0.1/p))
		for k := 0; k < n; k++ {
			counts[min(g.Next(s)/w, bins)]++
		}
		var chi2 float64
		q := 1 - p
		for b := 0; b <= bins; b++ {
			lo := math.Pow(q, float64(b*w))
			hi := 0.0
			if b < bins {
				hi = math.Pow(q, float64((b+1)*w))
			}
			e := n * (lo - hi)
			if e < 5 {
				continue
			}
			chi2 += (counts[b] - e) * (counts[b] - e) / e
		}
		if chi2 > 90 { // 41 dof: p-value ≈ 1e-5
			t.Errorf("p=%v: χ² = %v over %d bins", p, chi2, bins+1)
		}

		// AppendPositions: success rate and independence of neighbours over a long sequence.
		pos := g.AppendPositions(nil, New(12), 2000000)
		rate := float64(len(pos)) / 2000000
		if se := math.Sqrt(p * (1 - p) / 2000000); math.Abs(rate-p) > 5*se {
			t.Errorf("p=%v: AppendPositions rate %v", p, rate)
		}
		for k := 1; k < len(pos); k++ {
			if pos[k] <= pos[k-1] || pos[k] >= 2000000 {
				t.Fatalf("p=%v: positions not ascending in range at %d", p, k)
			}
		}
	}
	if got := NewGaps(1).AppendPositions(nil, New(1), 5); len(got) != 5 || got[4] != 4 {
		t.Errorf("p=1 positions %v", got)
	}
	if got := NewGaps(0).AppendPositions(nil, New(1), 5); len(got) != 0 {
		t.Errorf("p=0 positions %v", got)
	}
}
