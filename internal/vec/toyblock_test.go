package vec

import (
	"math"
	"testing"

	"saelab/rng"
)

// testToyBlock is a block of shape (H, F) with random W, b and importance, lane l having
// probability ps[l] and batch size B.
func testToyBlock(H, F, B int, ps []float64, seed uint64) *ToyBlock {
	bl := NewToyBlock(H, F)
	s := rng.New(seed, 99)
	for k := range bl.Theta {
		bl.Theta[k] = 0.8 * s.Normal()
	}
	for f := 0; f < F; f++ { // biases in [−0.2, 0.3): some positive, some not
		for l := 0; l < blockLanes; l++ {
			bl.Theta[(H*F+f)*blockLanes+l] = s.Uniform(-0.2, 0.3)
			bl.C[f*blockLanes+l] = 2 * s.Uniform(0.1, 3) / float64(B*F)
		}
	}
	for l := 0; l < blockLanes; l++ {
		bl.Thr[l] = PresenceThreshold(ps[l])
		bl.RNG.SetLane(l, words(rng.New(seed, 100, uint64(l))))
	}
	return bl
}

func (bl *ToyBlock) clone() *ToyBlock {
	c := *bl
	c.Theta = append([]float64(nil), bl.Theta...)
	c.Grad = append([]float64(nil), bl.Grad...)
	c.C = append([]float64(nil), bl.C...)
	return &c
}

var toyBlockShapes = []struct{ H, F int }{{1, 2}, {2, 3}}

var toyBlockProbs = map[string][]float64{
	"mixed":  {0.01, 0.05, 0.3, 1, 0, 0.2, 0.5, 0.02},
	"sparse": {0.01, 0.01, 0.02, 0.01, 0.01, 0.005, 0.01, 0.01},
	"dense":  {1, 1, 1, 1, 1, 1, 1, 1},
}

// The kernel the build runs (archsimd with GOEXPERIMENT=simd on AVX-512) gives toyBlockGo's bits
// and leaves the generators in the same state, step after step.
func TestToyBlockTwins(t *testing.T) {
	for _, sh := range toyBlockShapes {
		for name, ps := range toyBlockProbs {
			fast := testToyBlock(sh.H, sh.F, 64, ps, 1)
			plain := fast.clone()
			for step := 0; step < 4; step++ {
				fast.Run(64)
				toyBlockGo(plain, 64)
				for k := range fast.Grad {
					if math.Float64bits(fast.Grad[k]) != math.Float64bits(plain.Grad[k]) {
						t.Fatalf("H=%d F=%d %s step %d: grad[%d] = %v, plain %v", sh.H, sh.F, name, step, k, fast.Grad[k], plain.Grad[k])
					}
				}
				if fast.RNG != plain.RNG {
					t.Fatalf("H=%d F=%d %s step %d: generator states differ", sh.H, sh.F, name, step)
				}
				for k := range fast.Theta { // move the parameters as training would
					fast.Theta[k] -= 0.5 * fast.Grad[k]
					plain.Theta[k] -= 0.5 * plain.Grad[k]
				}
			}
		}
	}
}

// The unrolled plain kernels give toyBlockGo's bits (in both builds).
func TestToyBlockUnrolledTwins(t *testing.T) {
	for _, sh := range toyBlockShapes {
		for name, ps := range toyBlockProbs {
			fast := testToyBlock(sh.H, sh.F, 64, ps, 4)
			plain := fast.clone()
			for step := 0; step < 3; step++ {
				if !toyBlockFastGo(fast, 64) {
					t.Fatalf("H=%d F=%d has no unrolled kernel", sh.H, sh.F)
				}
				toyBlockGo(plain, 64)
				for k := range fast.Grad {
					if math.Float64bits(fast.Grad[k]) != math.Float64bits(plain.Grad[k]) {
						t.Fatalf("H=%d F=%d %s step %d: grad[%d] = %v, plain %v", sh.H, sh.F, name, step, k, fast.Grad[k], plain.Grad[k])
					}
				}
				if fast.RNG != plain.RNG {
					t.Fatalf("H=%d F=%d %s: generator states differ", sh.H, sh.F, name)
				}
				for k := range fast.Theta {
					fast.Theta[k] -= 0.5 * fast.Grad[k]
					plain.Theta[k] -= 0.5 * plain.Grad[k]
				}
			}
		}
	}
}

// The generator is xoshiro256++: the same outputs as rng.Stream from the same state.
func TestLaneRNGIsXoshiro(t *testing.T) {
	var g LaneRNG
	g.SetLane(3, words(rng.New(5, 6)))
	// rng.New's state is not exported; compare against the published first outputs of
	// xoshiro256++ for the state {1, 2, 3, 4}.
	g.s[0][3], g.s[1][3], g.s[2][3], g.s[3][3] = 1, 2, 3, 4
	want := []uint64{41943041, 58720359, 3588806011781223, 3591011842654386}
	for k, w := range want {
		if got := g.Next(3); got != w {
			t.Fatalf("output %d = %d, want %d", k, got, w)
		}
	}
}

func TestPresenceThreshold(t *testing.T) {
	for _, c := range []struct {
		p    float64
		want uint64
	}{{0, 1}, {1, 1 << 32}, {0.5, 1<<31 + 1}, {math.NaN(), 1}} {
		if got := PresenceThreshold(c.p); got != c.want {
			t.Errorf("PresenceThreshold(%v) = %d, want %d", c.p, got, c.want)
		}
	}
	// Empirical presence rate and mean magnitude over many draws.
	var g LaneRNG
	g.SetLane(0, words(rng.New(1, 2)))
	thr := PresenceThreshold(0.3)
	n, hits, sum := 400000, 0, 0.0
	for k := 0; k < n; k++ {
		r := g.Next(0)
		if r>>32 < thr {
			hits++
			sum += LaneMagnitude(r)
		}
	}
	if rate := float64(hits) / float64(n); math.Abs(rate-0.3) > 0.004 {
		t.Errorf("presence rate %v, want 0.3", rate)
	}
	if mean := sum / float64(hits); math.Abs(mean-0.5) > 0.005 {
		t.Errorf("mean magnitude %v, want 0.5", mean)
	}
}

// words is four draws of st, a lane's initial state.
func words(st *rng.Stream) [4]uint64 {
	return [4]uint64{st.Uint64(), st.Uint64(), st.Uint64(), st.Uint64()}
}
