package vec

import "math"

// Adam applies PyTorch's Adam step to one parameter slice (optim.Adam.Update's loop, exactly):
//
//	m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  θ ← θ − stepSize·m / (√v/√bc2 + eps)
//
// with stepSize = lr/bc1. The archsimd twin performs the same IEEE operations (square root
// and division are correctly rounded in both) and gives the same bits; it is here for
// optim to adopt (the update is a fifth of the seed SAE's step).
func Adam(theta, grad, m, v []float64, b1, b2, stepSize, sqrtBC2, eps float64) {
	n := len(theta)
	grad, m, v = grad[:n], m[:n], v[:n]
	adam(theta, grad, m, v, b1, b2, stepSize, sqrtBC2, eps)
}

func adamGeneric(theta, grad, m, v []float64, b1, b2, stepSize, sqrtBC2, eps float64) {
	grad, m, v = grad[:len(theta)], m[:len(theta)], v[:len(theta)]
	for j := range theta {
		g := grad[j]
		m[j] = b1*m[j] + (1-b1)*g
		v[j] = b2*v[j] + (1-b2)*g*g
		theta[j] -= stepSize * m[j] / (math.Sqrt(v[j])/sqrtBC2 + eps)
	}
}
