package rng

import (
	"math"
	"testing"
)

// expRef is Exp with the wedge decided by math.Exp alone (the sampler before the squeeze).
func (s *Stream) expRef() float64 {
	u := s.Uint64()
	i, j := u&0xff, u>>11
	for {
		x := float64(j) * zigW[i]
		switch {
		case j < zigK[i]:
			return x
		case i == 0:
			return zigR - math.Log(1-s.Float64())
		case zigF[i]+s.Float64()*(zigF[i+1]-zigF[i]) < math.Exp(-x):
			return x
		}
		u := s.Uint64()
		i, j = u&0xff, u>>11
	}
}

// The squeeze decides every wedge point as math.Exp does, so Exp's draws (and the stream's
// position after them) are those of the plain comparison.
func TestExpSqueezeSameDraws(t *testing.T) {
	a, b := New(11, 2), New(11, 2)
	for k := 0; k < 3_000_000; k++ {
		x, y := a.Exp(), b.expRef()
		if math.Float64bits(x) != math.Float64bits(y) {
			t.Fatalf("draw %d: %v, plain comparison %v", k, x, y)
		}
	}
	if a.Uint64() != b.Uint64() {
		t.Fatal("streams diverged")
	}
}

// wedgeUnder equals y < math.Exp(−x) on every layer, for points spread over the wedge and
// points within a few ulps of the curve.
func TestWedgeUnderMatchesExp(t *testing.T) {
	r := New(12)
	for i := uint64(1); i < 256; i++ {
		lo, hi := zigX[i+1], zigX[i]
		for k := 0; k < 4000; k++ {
			x := lo + (hi-lo)*r.Float64()
			var y float64
			if k%2 == 0 {
				y = zigF[i] + r.Float64()*(zigF[i+1]-zigF[i])
			} else {
				y = math.Exp(-x)
				for n := r.Intn(7) - 3; n != 0; n -= int(math.Copysign(1, float64(n))) {
					y = math.Nextafter(y, math.Copysign(math.Inf(1), float64(n)))
				}
			}
			if got, want := wedgeUnder(i, x, y), y < math.Exp(-x); got != want {
				t.Fatalf("layer %d, x %v, y %v: %v, want %v", i, x, y, got, want)
			}
		}
	}
}
