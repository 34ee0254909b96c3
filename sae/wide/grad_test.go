package wide

import (
	"fmt"
	"math"
	"testing"

	"saelab/rng"
)

// testTrainer returns a small trainer with every parameter moved off its initial value, a
// random batch and half the latents dead, so each term of the loss is live.
func testTrainer(arch string) (*trainer, []float32) { return testTrainerWith(arch, true) }

func testTrainerWith(arch string, applyBDec bool) (*trainer, []float32) {
	const D, S, B = 8, 12, 6
	c := DefaultConfig(arch, D, S, 3)
	c.ApplyBDecToInput = applyBDec
	c.DecoderInitNorm = 0.6
	if arch == "matryoshka" {
		c.MatryoshkaWidths = []int{3, 7, S}
	}
	if arch == "jumprelu" {
		c.JumpReLUInitThreshold, c.JumpReLUBandwidth = 0.3, 0.4
	}
	c.L1Coeff = 0.3
	t := newTrainer(c, B, 7)
	st := rng.New(99, 1)
	for _, p := range t.ps {
		for i := range p.w {
			p.w[i] += float32(0.1 * st.Normal())
		}
	}
	t.refresh()
	t.coef = c.L1Coeff
	for j := 0; j < S; j += 2 {
		t.dead[j] = true
		t.nDead++
	}
	x := make([]float32, B*D)
	for i := range x {
		x[i] = float32(st.Normal())
	}
	return t, x
}

// signature lists the discrete choices of the last forward (selections, active flags, picks):
// a finite difference is meaningful only where they do not change.
func (t *trainer) signature() string {
	s := fmt.Sprint(t.main.idx, t.mp.e.idx, t.mp.e.off)
	for p := range t.main.idx {
		s += fmt.Sprint(t.main.c[p] > 0)
	}
	for _, a := range t.aux {
		s += fmt.Sprint(a.idx)
	}
	return s
}

// Every gradient of every architecture against central differences of the float32 loss, with
// the decoder's backward pass entry by entry (denseDiv 0) and as one dense product.
func TestGradientsFiniteDifference(t *testing.T) {
	for _, arch := range Archs {
		for _, div := range []int{0, 1 << 20} {
			t.Run(fmt.Sprintf("%s/dense=%v", arch, div > 0), func(t *testing.T) { fdCheck(t, arch, div, true) })
		}
		t.Run(arch+"/raw_input", func(t *testing.T) { fdCheck(t, arch, 0, false) }) // apply_b_dec_to_input false
	}
}

func fdCheck(t *testing.T, arch string, denseDiv int, applyBDec bool) {
	tr, x := testTrainerWith(arch, applyBDec)
	tr.denseDiv = denseDiv
	tr.lossGrad(x)
	tr.freeze = true // hold SAELens's detached residuals and gated's sg(W_dec), sg(b_dec)
	tr.detDec, tr.detBDec = append([]float32(nil), tr.wDec...), append([]float32(nil), tr.bDec...)
	tr.detDecT = append([]float32(nil), tr.wDecT...)
	tr.lossGrad(x)
	base := tr.signature()
	grads := make([][]float32, len(tr.ps))
	for k, p := range tr.ps {
		grads[k] = append([]float32(nil), p.g...)
	}
	checked, worst := 0, 0.0
	for k, p := range tr.ps {
		if p.name == "log_threshold" { // straight-through: not a true derivative (TestJumpReLUSTE)
			continue
		}
		for i := range p.w {
			w0 := p.w[i]
			const h = 1e-2
			eval := func(v float32) (float64, bool) {
				p.w[i] = v
				tr.refresh()
				l := tr.lossGrad(x)
				return l, tr.signature() == base
			}
			lp, okp := eval(w0 + h)
			lm, okm := eval(w0 - h)
			p.w[i] = w0
			tr.refresh()
			if !okp || !okm {
				continue
			}
			fd := (lp - lm) / (2 * float64(h))
			an := float64(grads[k][i])
			err := math.Abs(fd-an) / (1e-2 + math.Abs(an))
			worst = max(worst, err)
			if err > 3e-2 {
				t.Errorf("%s[%d]: analytic %.6g, finite difference %.6g", p.name, i, an, fd)
			}
			checked++
		}
	}
	total := 0
	for _, p := range tr.ps {
		total += len(p.w)
	}
	if checked < total/2 {
		t.Fatalf("only %d coordinates away from a kink", checked)
	}
	t.Logf("%d coordinates, worst relative error %.2g", checked, worst)
}

// The spec's JumpReLU self-test (reference-semantics.md §4): z = [1, 1.4, 1.6, 2], θ = 1.5,
// ε = 0.5 and unit upstream gradients give θ.grad [0, −3, −3, 0] for JumpReLU and
// [0, −2, −2, 0] for Step.
func TestJumpReLUSTE(t *testing.T) {
	z := []float64{1, 1.4, 1.6, 2}
	wantJ, wantS := []float64{0, -3, -3, 0}, []float64{0, -2, -2, 0}
	for i, v := range z {
		if g := jumpReLUThetaGrad(v, 1.5, 0.5, 1, 0); math.Abs(g-wantJ[i]) > 1e-12 {
			t.Errorf("JumpReLU θ.grad at z=%g: %g, want %g", v, g, wantJ[i])
		}
		if g := jumpReLUThetaGrad(v, 1.5, 0.5, 0, 1); math.Abs(g-wantS[i]) > 1e-12 {
			t.Errorf("Step θ.grad at z=%g: %g, want %g", v, g, wantS[i])
		}
	}
}

// The trainer's log-threshold gradient is θ·Σ_b of the STE terms, with ∂L/∂z taken from the
// reconstruction: check it against a direct evaluation of the per-entry formula.
func TestJumpReLULogThresholdGradient(t *testing.T) {
	tr, x := testTrainer("jumprelu")
	tr.lossGrad(x)
	S, D, B := tr.S, tr.D, tr.B
	eps := tr.c.JumpReLUBandwidth
	want := make([]float64, S)
	near := 0
	for b := 0; b < B; b++ {
		gb := tr.g[b*D : (b+1)*D]
		for j := 0; j < S; j++ {
			th := math.Exp(float64(tr.logTh[j]))
			p := float64(tr.pre[b*S+j])
			dz := 0.0
			for d := 0; d < D; d++ {
				dz += float64(gb[d]) * float64(tr.wDec[j*D+d])
			}
			if rect((p - th) / eps) {
				near++
			}
			want[j] += th * jumpReLUThetaGrad(p, th, eps, dz, tr.coef/float64(B))
		}
	}
	if near < 3 {
		t.Fatalf("only %d pre-activations near a threshold: the test checks nothing", near)
	}
	for j := range want {
		if got := float64(tr.gLogTh[j]); math.Abs(got-want[j]) > 1e-4*(1+math.Abs(want[j])) {
			t.Errorf("∂L/∂log θ_%d = %g, want %g", j, got, want[j])
		}
	}
}

// Hand value of spec synthetic.md §11.4: target 25, first update with L0 = 50 gives
// ℓ̄ = 50 and m = 1 + 3e-4·tanh(10).
func TestAutotunerHandValue(t *testing.T) {
	a := NewAutotuner(25, 0)
	m := a.Update(50, 0)
	if want := 1 + 3e-4*math.Tanh(10); math.Abs(m-want) > 1e-15 || a.Smoothed != 50 {
		t.Fatalf("multiplier %.10g, smoothed %g; want %.10g and 50", m, a.Smoothed, want)
	}
	if math.Abs(m-1.0003) > 1e-7 {
		t.Fatalf("multiplier %.10g, want ≈ 1.0003", m)
	}
	// Below the target and falling: the multiplier shrinks at full gain.
	b := NewAutotuner(25, 0)
	b.Update(20, 0)
	if m := b.Update(10, 1); !(m < 1) {
		t.Fatalf("multiplier %g after L0 fell below the target, want < 1", m)
	}
	// Before the start step nothing changes.
	c := NewAutotuner(25, 10)
	if m := c.Update(50, 3); m != 1 {
		t.Fatalf("multiplier %g before start_step, want 1", m)
	}
}
