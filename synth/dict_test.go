package synth

import (
	"math"
	"runtime"
	"slices"
	"testing"

	"saelab/rng"
)

// orthoLoss is L(E) of spec §1.1 in float64.
func orthoLoss(E []float64, F, H int) float64 {
	L := 0.0
	for i := 0; i < F; i++ {
		for j := 0; j < F; j++ {
			d := 0.0
			for k := 0; k < H; k++ {
				d += E[i*H+k] * E[j*H+k]
			}
			if i == j {
				L += float64(F) * (d - 1) * (d - 1)
			} else {
				L += d * d
			}
		}
	}
	return L
}

// TestOrthoGradientFiniteDifference checks the hand-derived ∂L/∂E of spec §1.1 (computed in
// float32 through vec.Gemm, in row blocks of 1, 2 and F) against central differences of L.
func TestOrthoGradientFiniteDifference(t *testing.T) {
	const F, H = 7, 3
	s := rng.New(4)
	E := make([]float32, F*H)
	for k := range E {
		E[k] = float32(s.Normal() * 0.7)
	}
	E64 := make([]float64, F*H)
	for k, v := range E {
		E64[k] = float64(v)
	}
	for _, chunk := range []int{1, 2, F} {
		grad := make([]float32, F*H)
		orthoGradient(E, F, H, grad, newOrthoWork(F, H, chunk))
		for k := range E64 {
			const h = 1e-6
			old := E64[k]
			E64[k] = old + h
			lp := orthoLoss(E64, F, H)
			E64[k] = old - h
			lm := orthoLoss(E64, F, H)
			E64[k] = old
			fd := (lp - lm) / (2 * h)
			if math.Abs(float64(grad[k])-fd) > 1e-4*max(1, math.Abs(fd)) {
				t.Fatalf("chunk %d: ∂L/∂E[%d] = %g, finite difference %g", chunk, k, grad[k], fd)
			}
		}
	}
}

// TestOrthogonalize checks that the orthogonalisation lowers the loss and the mean |cos|,
// returns unit rows, and gives the same bits for any GOMAXPROCS.
func TestOrthogonalize(t *testing.T) {
	const F, H = 40, 8
	cfg := OrthogonalizationConfig{NumSteps: 150, LR: 0.01, ChunkSize: 16}
	var first []float32
	for _, procs := range []int{1, 2} {
		old := runtime.GOMAXPROCS(procs)
		d := NewDictionary(F, H, 0, nil, rng.New(8))
		before := meanAbsCos(d.V, F, H)
		Orthogonalize(d.V, F, H, cfg)
		runtime.GOMAXPROCS(old)
		after := meanAbsCos(d.V, F, H)
		if !(after < 0.9*before) {
			t.Fatalf("mean |cos| %.4f → %.4f: not lowered", before, after)
		}
		for i := 0; i < F; i++ {
			if n := math.Sqrt(sumSquares(d.V[i*H : (i+1)*H])); math.Abs(n-1) > 1e-6 {
				t.Fatalf("row %d has norm %g", i, n)
			}
		}
		if first == nil {
			first = d.V
		} else if !slices.Equal(first, d.V) {
			t.Fatal("orthogonalisation differs between GOMAXPROCS 1 and 2")
		}
	}
	// H ≥ F: the vectors become orthonormal.
	d := NewDictionary(6, 10, 0, &OrthogonalizationConfig{NumSteps: 300, LR: 0.01, ChunkSize: 1024}, rng.New(2))
	if c := meanAbsCos(d.V, 6, 10); c > 0.01 {
		t.Fatalf("6 vectors in 10 dimensions: mean |cos| %.4f after orthogonalisation", c)
	}
}

func meanAbsCos(V []float32, F, H int) float64 {
	s := 0.0
	for i := 0; i < F; i++ {
		for j := i + 1; j < F; j++ {
			d := 0.0
			for k := 0; k < H; k++ {
				d += float64(V[i*H+k]) * float64(V[j*H+k])
			}
			s += math.Abs(d)
		}
	}
	return s / float64(F*(F-1)/2)
}

// TestDictionaryBias checks the bias: norm equal to the config's value, zero when it is 0.
func TestDictionaryBias(t *testing.T) {
	d := NewDictionary(5, 4, 0.5, nil, rng.New(1))
	if n := math.Sqrt(sumSquares(d.Bias)); math.Abs(n-0.5) > 1e-6 {
		t.Fatalf("bias norm %g, want 0.5", n)
	}
	d = NewDictionary(5, 4, 0, nil, rng.New(1))
	if sumSquares(d.Bias) != 0 {
		t.Fatal("bias 0 must give b = 0")
	}
}

// TestLowRank checks the correlation factor: unit diagonal of C, capped rows, and the §9.1
// statistics against the dense matrix.
func TestLowRank(t *testing.T) {
	lr, capped := GenerateLowRank(30, 4, 0.6, rng.New(5)) // s_i ≈ 0.36·χ²₄: some rows exceed 0.99
	if capped == 0 {
		t.Fatal("expected capped rows at scale 0.6")
	}
	F, r := lr.F, lr.R
	sum, sum2, nOff := 0.0, 0.0, 0.0
	for i := 0; i < F; i++ {
		diag := float64(lr.Diag[i]) + sumSquares(lr.Factor[i*r:(i+1)*r])
		if math.Abs(diag-1) > 1e-6 || lr.Diag[i] < 0.0099 {
			t.Fatalf("row %d: C_ii = %g, d = %g", i, diag, lr.Diag[i])
		}
		for j := 0; j < F; j++ {
			if i == j {
				continue
			}
			c := 0.0
			for k := 0; k < r; k++ {
				c += float64(lr.Factor[i*r+k]) * float64(lr.Factor[j*r+k])
			}
			sum += c
			sum2 += c * c
			nOff++
		}
	}
	rms, mean := lr.CorrelationStats()
	if math.Abs(rms-math.Sqrt(sum2/nOff)) > 1e-9 || math.Abs(mean-sum/nOff) > 1e-9 {
		t.Fatalf("stats rms %g mean %g, dense %g %g", rms, mean, math.Sqrt(sum2/nOff), sum/nOff)
	}
}
