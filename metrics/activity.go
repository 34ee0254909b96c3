package metrics

import "math"

// ActiveEps is the firing threshold of spec §2.8: a latent is active on a
// sample when |a| > ActiveEps. The comparison is strict, so a NaN
// activation never counts as firing (as in PyTorch).
const ActiveEps = 1e-8

// DensityEps is added to feature densities before taking log10 (spec §6.2,
// and the SAELens sparsity tensor of §11) so that dead latents map to -10.
const DensityEps = 1e-10

func active(a float64) bool { return math.Abs(a) > ActiveEps }

// FracActive returns frac_active [I][S] for acts [B][I][S]:
//
//	frac[i,j] = mean_b 1(|acts[b,i,j]| > 1e-8)
//
// It returns nil if the shape is inconsistent (see CheckActs).
func FracActive(acts []float64, B, I, S int) []float64 {
	if CheckActs(acts, B, I, S) != nil {
		return nil
	}
	count := make([]float64, I*S)
	for b := range B {
		row := acts[b*I*S : (b+1)*I*S]
		for k, a := range row {
			if active(a) {
				count[k]++
			}
		}
	}
	for k := range count {
		count[k] /= float64(B)
	}
	return count
}

// L0 returns the mean number of active latents per sample, [I], for acts
// [B][I][S]:
//
//	L0[i] = mean_b #{j : |acts[b,i,j]| > 1e-8} = Σ_j frac[i,j]
//
// It returns nil if the shape is inconsistent (see CheckActs).
func L0(acts []float64, B, I, S int) []float64 {
	if CheckActs(acts, B, I, S) != nil {
		return nil
	}
	l0 := make([]float64, I)
	for b := range B {
		for i := range I {
			for _, a := range acts[(b*I+i)*S : (b*I+i+1)*S] {
				if active(a) {
					l0[i]++
				}
			}
		}
	}
	for i := range l0 {
		l0[i] /= float64(B)
	}
	return l0
}

// Alive returns [I][S] with alive[i,j] true iff latent j of instance i fired
// (|a| > 1e-8) on at least one of the B samples of acts [B][I][S]. Its
// negation is the evaluation notion of dead (spec §6.2); Recover takes one
// instance's row of it.
//
// It returns nil if the shape is inconsistent (see CheckActs).
func Alive(acts []float64, B, I, S int) []bool {
	if CheckActs(acts, B, I, S) != nil {
		return nil
	}
	alive := make([]bool, I*S)
	for b := range B {
		for k, a := range acts[b*I*S : (b+1)*I*S] {
			if active(a) {
				alive[k] = true
			}
		}
	}
	return alive
}

// DeadLatents returns, per instance, the number of latents that never fired
// on the B samples of acts [B][I][S] (spec §6.2, evaluation):
//
//	dead[i] = #{j : |acts[b,i,j]| <= 1e-8 for all b}
//
// The training notion of dead (a whole resampling window) is spec §2.8 and
// lives with the resampler. It returns nil if the shape is inconsistent.
func DeadLatents(acts []float64, B, I, S int) []int {
	alive := Alive(acts, B, I, S)
	if alive == nil {
		return nil
	}
	dead := make([]int, I)
	for k, ok := range alive {
		if !ok {
			dead[k/S]++
		}
	}
	return dead
}

// LogDensity returns log10(frac + 1e-10) elementwise, the x axis of the
// density histogram (spec §6.2). frac may have any shape.
func LogDensity(frac []float64) []float64 {
	out := make([]float64, len(frac))
	for k, f := range frac {
		out[k] = math.Log10(f + DensityEps)
	}
	return out
}
