package optim

import (
	"math"

	"saelab/internal/vec"
)

// Adam is torch.optim.Adam with no weight decay and no AMSGrad, over a fixed list of flat
// parameters. It keeps one step counter for all of them, as the reference does (every
// parameter is stepped on every call). Frozen parameters are simply not registered.
type Adam struct {
	Beta1, Beta2, Eps float64     // PyTorch's betas and eps
	T                 int         // steps taken so far
	M, V              [][]float64 // first and second moments, one per parameter

	// stuck is vec.StuckBound(stuckB1): the denormal first moments that β1 leaves unchanged
	// (the vec.Adam shortcut is used only while Beta1 is still stuckB1).
	stuck   uint64
	stuckB1 float64
}

// NewAdam returns Adam with the given betas and eps for parameters of the given sizes.
func NewAdam(beta1, beta2, eps float64, sizes ...int) *Adam {
	a := &Adam{Beta1: beta1, Beta2: beta2, Eps: eps, stuck: vec.StuckBound(beta1), stuckB1: beta1}
	for _, n := range sizes {
		a.M = append(a.M, make([]float64, n))
		a.V = append(a.V, make([]float64, n))
	}
	return a
}

// Begin advances the step counter and returns the two bias corrections for this step.
// Call it once per optimisation step, then Update each parameter (or each slice of one).
func (a *Adam) Begin() (bc1, bc2 float64) {
	a.T++
	return BiasCorrections(a.Beta1, a.Beta2, a.T)
}

// BiasCorrections returns Adam's bias corrections 1 − β1ᵗ and 1 − β2ᵗ for step counter t
// (1-based), the values Begin returns on its t-th call: a training loop can compute them per
// step instead of storing one pair per step.
func BiasCorrections(beta1, beta2 float64, t int) (bc1, bc2 float64) {
	return 1 - math.Pow(beta1, float64(t)), 1 - math.Pow(beta2, float64(t))
}

// Update applies one Adam step to the part of param k that starts at offset off: theta and
// grad are that part (same length), and the moments used are M[k][off:off+len(theta)].
//
//	m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  θ ← θ − (lr/bc1)·m / (sqrt(v)/sqrt(bc2) + eps)
//
// Parts let callers update disjoint instances in parallel with identical results.
//
// The loop runs as vec.Adam (archsimd when available, the same bits either way), with its
// exact shortcut for first moments stuck in the denormals (dead latents: g = 0 step after
// step), whose arithmetic would otherwise take the processor's slow denormal path.
func (a *Adam) Update(k, off int, theta, grad []float64, lr, bc1, bc2 float64) {
	m, v := a.M[k][off:off+len(theta)], a.V[k][off:off+len(theta)]
	stepSize := lr / bc1
	vec.Adam(theta, grad[:len(theta)], m, v, a.Beta1, a.Beta2, stepSize, math.Sqrt(bc2), a.Eps, a.stuckFor(stepSize))
}

// stuckFor is the shortcut's bound for this step: the stuck moments of StuckBound(Beta1)
// whose product with stepSize rounds to ±0 (stepSize·k < ½, with margin).
func (a *Adam) stuckFor(stepSize float64) uint64 {
	k := a.stuck
	if math.Float64bits(a.Beta1) != math.Float64bits(a.stuckB1) || !(stepSize > 0) {
		return 0
	}
	if lim := 0.49 / stepSize; lim < float64(k) {
		k = uint64(lim)
	}
	return k
}
