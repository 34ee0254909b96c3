package vec

import "math"

// Adam applies PyTorch's Adam step to one parameter slice (optim.Adam.Update's loop, exactly):
//
//	m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  θ ← θ − stepSize·m / (√v/√bc2 + eps)
//
// with stepSize = lr/bc1. The archsimd twin performs the same IEEE operations (square root
// and division are correctly rounded in both) and gives the same bits.
//
// stuck enables an exact shortcut for the moments of parameters whose gradient has been zero
// for long (dead latents): their first moment decays into the denormals and stops at
// m = ±k·2⁻¹⁰⁷⁴ with β1·m = m, and every step then spends two denormal multiplications on
// values known in advance. The caller guarantees, for every 1 ≤ k ≤ stuck, that
// β1·(±k·2⁻¹⁰⁷⁴) = ±k·2⁻¹⁰⁷⁴ and that stepSize·(±k·2⁻¹⁰⁷⁴) rounds to ±0 (stepSize > 0 and
// stepSize·k < ½; StuckBound gives the first). Then, when g = ±0 and 0 < |m| ≤ stuck·2⁻¹⁰⁷⁴,
// the loop's results are known without those multiplications: m + (1−β1)·(±0) = m since
// m ≠ 0, and stepSize·m = copysign(0, m); the remaining operations (v's update, the
// denominator, the division and θ's subtraction) run as in the loop, so every signed zero,
// NaN and infinity comes out as the loop's. stuck = 0 is the plain loop.
func Adam(theta, grad, m, v []float64, b1, b2, stepSize, sqrtBC2, eps float64, stuck uint64) {
	n := len(theta)
	grad, m, v = grad[:n], m[:n], v[:n]
	adam(theta, grad, m, v, b1, b2, stepSize, sqrtBC2, eps, stuck)
}

// StuckBound returns the largest k ≤ 1024 such that β1·(±k'·2⁻¹⁰⁷⁴) = ±k'·2⁻¹⁰⁷⁴ for every
// 1 ≤ k' ≤ k, found by performing those multiplications (0 when β1·2⁻¹⁰⁷⁴ ≠ 2⁻¹⁰⁷⁴).
func StuckBound(b1 float64) uint64 {
	var k uint64
	for k < 1024 {
		x := math.Float64frombits(k + 1)
		if b1*x != x || b1*-x != -x {
			break
		}
		k++
	}
	return k
}

// isStuck reports whether g = ±0 and 0 < |m| ≤ stuck·2⁻¹⁰⁷⁴.
func isStuck(g, m float64, stuck uint64) bool {
	return g == 0 && math.Float64bits(m)&^(1<<63)-1 < stuck
}

// adamGo is Adam's plain twin: the loop of Adam's doc comment, with the stuck shortcut.
func adamGo(theta, grad, m, v []float64, b1, b2, stepSize, sqrtBC2, eps float64, stuck uint64) {
	grad, m, v = grad[:len(theta)], m[:len(theta)], v[:len(theta)]
	for j := range theta {
		g := grad[j]
		if stuck > 0 && isStuck(g, m[j], stuck) {
			// m[j] stays; stepSize·m[j] = ±0.
			v[j] = b2*v[j] + (1-b2)*g*g
			theta[j] -= math.Copysign(0, m[j]) / (math.Sqrt(v[j])/sqrtBC2 + eps)
			continue
		}
		m[j] = b1*m[j] + (1-b1)*g
		v[j] = b2*v[j] + (1-b2)*g*g
		theta[j] -= stepSize * m[j] / (math.Sqrt(v[j])/sqrtBC2 + eps)
	}
}
