package optim

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestScheduleValues(t *testing.T) { // spec §1.8 worked example, steps = 5
	cos := []float64{1, .92388, .70711, .38268, 0}
	lin := []float64{1, .8, .6, .4, .2}
	for s := 0; s < 5; s++ {
		if got := CosineDecayLR(s, 5); math.Abs(got-cos[s]) > 5e-6 {
			t.Errorf("cosine(%d,5) = %v, want %v", s, got, cos[s])
		}
		if got := LinearLR(s, 5); math.Abs(got-lin[s]) > 1e-12 {
			t.Errorf("linear(%d,5) = %v, want %v", s, got, lin[s])
		}
		if got := LinearWarmupLR(s, 5); math.Abs(got-float64(s)/5) > 1e-12 {
			t.Errorf("warmup(%d,5) = %v", s, got)
		}
	}
	if CosineDecayLR(0, 1) != 1 {
		t.Error("cosine with steps=1 must be 1")
	}
	if got := AnthropicLR(1250, 5000); got != 0.5 {
		t.Errorf("anthropic(1250) = %v", got)
	}
	if got := AnthropicLR(2500, 5000); got != 1 {
		t.Errorf("anthropic(2500) = %v", got)
	}
	if got := AnthropicLR(4999, 5000); math.Abs(got) > 1e-12 {
		t.Errorf("anthropic(last) = %v", got)
	}
	if _, err := ParseSchedule("nope"); err == nil {
		t.Error("unknown schedule accepted")
	}
	for _, n := range ScheduleNames() {
		if _, err := ParseSchedule(n + "_lr"); err != nil {
			t.Error(err)
		}
	}
}

// Two Adam steps by hand: θ=1, g=0.5 then g=−1, lr 0.1.
func TestAdamTwoStepsByHand(t *testing.T) {
	a := NewAdam(0.9, 0.999, 1e-8, 1)
	th := []float64{1}
	bc1, bc2 := a.Begin()
	a.Update(0, 0, th, []float64{0.5}, 0.1, bc1, bc2)
	// m=0.05, v=0.00025; m̂=0.5, v̂=0.25 → step 0.1·0.5/(0.5+1e-8)
	want1 := 1 - 0.1*0.05/0.1/(math.Sqrt(0.00025)/math.Sqrt(0.001)+1e-8)
	if math.Abs(th[0]-want1) > 1e-15 {
		t.Fatalf("step 1: %v want %v", th[0], want1)
	}
	bc1, bc2 = a.Begin()
	a.Update(0, 0, th, []float64{-1}, 0.1, bc1, bc2)
	m := 0.9*0.05 + 0.1*(-1)
	v := 0.999*0.00025 + 0.001*1
	want2 := want1 - (0.1/(1-0.81))*m/(math.Sqrt(v)/math.Sqrt(1-0.999*0.999)+1e-8)
	if math.Abs(th[0]-want2) > 1e-15 {
		t.Fatalf("step 2: %v want %v", th[0], want2)
	}
	// A zero gradient still moves the parameter through its moments.
	before := th[0]
	bc1, bc2 = a.Begin()
	a.Update(0, 0, th, []float64{0}, 0.1, bc1, bc2)
	if th[0] == before {
		t.Error("zero gradient must still move the parameter")
	}
}

func TestValidateLoopNamesField(t *testing.T) {
	if err := ValidateLoop(1024, 5000, 50, 1e-3, "constant", 0.9, 0.999, 1e-8); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{ValidateLoop(0, 5000, 50, 1e-3, "constant", 0.9, 0.999, 1e-8), "batch_size = 0"},
		{ValidateLoop(1024, 0, 50, 1e-3, "constant", 0.9, 0.999, 1e-8), "steps = 0"},
		{ValidateLoop(1024, 5000, 0, 1e-3, "constant", 0.9, 0.999, 1e-8), "log_freq = 0"},
		{ValidateLoop(1024, 5000, 50, -1, "constant", 0.9, 0.999, 1e-8), "lr = -1"},
		{ValidateLoop(1024, 5000, 50, 1e-3, "cosine_warm", 0.9, 0.999, 1e-8), "cosine_warm"},
		{ValidateLoop(1024, 5000, 50, 1e-3, "constant", 1, 0.999, 1e-8), "adam_beta1 = 1"},
		{ValidateLoop(1024, 2000, 50, 1e-3, "anthropic", 0.9, 0.999, 1e-8), "anthropic needs steps > 2501"},
	} {
		if tc.err == nil || !strings.Contains(tc.err.Error(), tc.want) {
			t.Errorf("error %v, want it to mention %q", tc.err, tc.want)
		}
	}
}

// updatePlain is Update's formula as a plain loop (torch.optim.Adam's single-tensor step).
func updatePlain(a *Adam, k, off int, theta, grad []float64, lr, bc1, bc2 float64) {
	m, v := a.M[k][off:off+len(theta)], a.V[k][off:off+len(theta)]
	stepSize, sqrtBC2 := lr/bc1, math.Sqrt(bc2)
	for j := range theta {
		g := grad[j]
		m[j] = a.Beta1*m[j] + (1-a.Beta1)*g
		v[j] = a.Beta2*v[j] + (1-a.Beta2)*g*g
		theta[j] -= stepSize * m[j] / (math.Sqrt(v[j])/sqrtBC2 + a.Eps)
	}
}

// Update (vec.Adam: archsimd when built with it, and the stuck-moment shortcut) must equal
// the plain formula bit for bit over a long run in which some parameters' gradients are zero
// from some step on, so that their first moments decay through the denormals and stop there
// (the dead latents of an SAE), for parts of every length at every offset.
func TestUpdateMatchesPlainLoop(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	sizes := []int{27, 10, 5, 2, 1, 64}
	for _, b1 := range []float64{0.9, 0.8, 0.5} {
		fast, plain := NewAdam(b1, 0.999, 1e-8, sizes...), NewAdam(b1, 0.999, 1e-8, sizes...)
		theta, ref := make([][]float64, len(sizes)), make([][]float64, len(sizes))
		deadFrom := make([][]int, len(sizes))
		for k, n := range sizes {
			theta[k], deadFrom[k] = make([]float64, n), make([]int, n)
			for j := range theta[k] {
				theta[k][j] = r.NormFloat64()
				switch j % 4 {
				case 0:
					theta[k][j] = 0
				case 1:
					deadFrom[k][j] = 1 << 30
				default:
					deadFrom[k][j] = r.IntN(400)
				}
			}
			ref[k] = append([]float64(nil), theta[k]...)
		}
		grad := make([]float64, 64)
		denormal, stuck := 0, 0
		const steps = 9000
		for step := 0; step < steps; step++ {
			bc1, bc2 := fast.Begin()
			plain.Begin()
			lr := 1e-3
			if step%7 == 3 {
				lr = 0.5 // too large for the shortcut at some steps
			}
			for k, n := range sizes {
				// Update the parameter in two parts, as Train does per instance.
				cut := r.IntN(n + 1)
				for j := range grad[:n] {
					grad[j] = 0
					if step < deadFrom[k][j] {
						grad[j] = r.NormFloat64() * 1e-2
					}
				}
				for _, part := range [][2]int{{0, cut}, {cut, n}} {
					lo, hi := part[0], part[1]
					fast.Update(k, lo, theta[k][lo:hi], grad[lo:hi], lr, bc1, bc2)
					updatePlain(plain, k, lo, ref[k][lo:hi], grad[lo:hi], lr, bc1, bc2)
				}
				for j := range theta[k] {
					if math.Float64bits(theta[k][j]) != math.Float64bits(ref[k][j]) ||
						math.Float64bits(fast.M[k][j]) != math.Float64bits(plain.M[k][j]) ||
						math.Float64bits(fast.V[k][j]) != math.Float64bits(plain.V[k][j]) {
						t.Fatalf("β1 %v step %d param %d[%d]: θ, m, v = %v, %v, %v; plain loop %v, %v, %v", b1, step, k, j,
							theta[k][j], fast.M[k][j], fast.V[k][j], ref[k][j], plain.M[k][j], plain.V[k][j])
					}
					if m := math.Abs(plain.M[k][j]); m > 0 && m < 0x1p-1022 {
						denormal++
						if math.Float64bits(m) <= 5 {
							stuck++
						}
					}
				}
			}
		}
		if stuck == 0 || denormal == stuck {
			t.Errorf("β1 %v: %d stuck and %d decaying denormal first moments: the test did not reach the case", b1, stuck, denormal-stuck)
		}
	}
}
