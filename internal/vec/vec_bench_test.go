package vec

import "testing"

// BenchmarkAddRowsStrided is the toy model's pre = b + Wᵀh at the wide shape (64 rows of 512).
func BenchmarkAddRowsStrided(b *testing.B) {
	const H, F = 64, 512
	m, c, dst := make([]float64, H*F), make([]float64, H), make([]float64, F)
	for k := range m {
		m[k] = float64(k%7) * 0.1
	}
	for k := range c {
		c[k] = 0.5
	}
	for b.Loop() {
		AddRowsStrided(dst, c, m, F)
	}
	b.ReportMetric(float64(b.Elapsed())/float64(b.N)/float64(H*F), "ns/MAC")
}

func BenchmarkAddRowsStridedL1(b *testing.B) {
	const H, F = 16, 256
	m, c, dst := make([]float64, H*F), make([]float64, H), make([]float64, F)
	for k := range c {
		c[k] = 0.5
	}
	for b.Loop() {
		AddRowsStrided(dst, c, m, F)
	}
	b.ReportMetric(float64(b.Elapsed())/float64(b.N)/float64(H*F), "ns/MAC")
}

// BenchmarkAdam is one Adam update of 27 elements (a seed SAE instance), a fifth of them with
// a stuck denormal first moment as dead latents have.
func BenchmarkAdam(b *testing.B) {
	const n = 27
	theta, g, m, v := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	reset := func() {
		for k := range theta {
			theta[k], g[k], m[k], v[k] = 0.5, 1e-3, 1e-4, 1e-7
			if k%5 == 0 {
				g[k], m[k] = 0, 5e-324
			}
		}
	}
	reset()
	for b.Loop() {
		Adam(theta, g, m, v, 0.9, 0.999, 1e-3, 0.5, 1e-8, StuckBound(0.9))
	}
	b.ReportMetric(float64(b.Elapsed())/float64(b.N)/n, "ns/elem")
}
