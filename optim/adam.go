// Package optim holds Adam in PyTorch's exact form and the reference's learning-rate schedules.
package optim

import "math"

// Adam is torch.optim.Adam with no weight decay and no AMSGrad, over a fixed list of flat
// parameters. It keeps one step counter for all of them, as the reference does (every
// parameter is stepped on every call). Frozen parameters are simply not registered.
type Adam struct {
	Beta1, Beta2, Eps float64
	T                 int         // steps taken so far
	M, V              [][]float64 // first and second moments, one per parameter
}

// NewAdam returns Adam with the given betas and eps for parameters of the given sizes.
func NewAdam(beta1, beta2, eps float64, sizes ...int) *Adam {
	a := &Adam{Beta1: beta1, Beta2: beta2, Eps: eps}
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
	return 1 - math.Pow(a.Beta1, float64(a.T)), 1 - math.Pow(a.Beta2, float64(a.T))
}

// Update applies one Adam step to the part of param k that starts at offset off: theta and
// grad are that part (same length), and the moments used are M[k][off:off+len(theta)].
//
//	m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  θ ← θ − (lr/bc1)·m / (sqrt(v)/sqrt(bc2) + eps)
//
// Parts let callers update disjoint instances in parallel with identical results.
func (a *Adam) Update(k, off int, theta, grad []float64, lr, bc1, bc2 float64) {
	m, v := a.M[k][off:off+len(theta)], a.V[k][off:off+len(theta)]
	grad = grad[:len(theta)]
	b1, b2 := a.Beta1, a.Beta2
	stepSize := lr / bc1
	sqrtBC2 := math.Sqrt(bc2)
	for j := range theta {
		g := grad[j]
		m[j] = b1*m[j] + (1-b1)*g
		v[j] = b2*v[j] + (1-b2)*g*g
		theta[j] -= stepSize * m[j] / (math.Sqrt(v[j])/sqrtBC2 + a.Eps)
	}
}
