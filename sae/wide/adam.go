package wide

import (
	"math"

	"saelab/internal/par"
)

// param is one trained tensor with its gradient and Adam moments.
type param struct {
	name       string
	w, g, m, v []float32
}

func newParam(name string, w []float32) *param {
	n := len(w)
	return &param{name: name, w: w, g: make([]float32, n), m: make([]float32, n), v: make([]float32, n)}
}

// gradNorm is the global L2 norm of all gradients, summed in float64 in a fixed order.
func gradNorm(ps []*param) float64 {
	s := 0.0
	for _, p := range ps {
		for _, g := range p.g {
			s += float64(g) * float64(g)
		}
	}
	return math.Sqrt(s)
}

// adamStep is torch's clip_grad_norm_(max_norm) followed by torch.optim.Adam (no weight decay)
// in float32: g ·= min(1, max/(‖g‖+1e-6)); m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²;
// θ −= (lr/bc1)·m / (√v/√bc2 + eps). Elementwise, so splitting the work cannot change bits.
func adamStep(ps []*param, t int, lr, b1, b2, eps, clip float64) {
	scale := float32(1)
	if clip > 0 {
		if c := clip / (gradNorm(ps) + 1e-6); c < 1 {
			scale = float32(c)
		}
	}
	bc1, bc2 := 1-math.Pow(b1, float64(t)), 1-math.Pow(b2, float64(t))
	step, sq := float32(lr/bc1), float32(math.Sqrt(bc2))
	fb1, fb2, feps := float32(b1), float32(b2), float32(eps)
	for _, p := range ps {
		par.ForEachRange(len(p.w), func(lo, hi int) {
			w, g, m, v := p.w[lo:hi], p.g[lo:hi], p.m[lo:hi], p.v[lo:hi]
			for i := range w {
				gi := g[i] * scale
				m[i] = fb1*m[i] + (1-fb1)*gi
				v[i] = fb2*v[i] + (1-fb2)*gi*gi
				den := float32(math.Sqrt(float64(v[i])))/sq + feps
				w[i] -= step * m[i] / den
			}
		})
	}
}
