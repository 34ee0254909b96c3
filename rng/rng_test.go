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
