package phase

import (
	"math"
	"testing"

	"saelab/internal/vec"
	"saelab/rng"
	"saelab/toymodel"
)

// testBlock is a block of shape (H, F) with random W, b and importance, lane l having
// probability ps[l] and batch size B.
func testBlock(H, F, B int, ps []float64, seed uint64) *vec.ToyBlock {
	bl := vec.NewToyBlock(H, F)
	s := rng.New(seed, 99)
	for k := range bl.Theta {
		bl.Theta[k] = 0.8 * s.Normal()
	}
	for f := 0; f < F; f++ { // biases in [−0.2, 0.3): some positive, some not
		for l := 0; l < lanes; l++ {
			bl.Theta[(H*F+f)*lanes+l] = s.Uniform(-0.2, 0.3)
			bl.C[f*lanes+l] = 2 * s.Uniform(0.1, 3) / float64(B*F)
		}
	}
	for l := 0; l < lanes; l++ {
		bl.Thr[l] = vec.PresenceThreshold(ps[l])
		st := rng.New(seed, 100, uint64(l))
		bl.RNG.SetLane(l, [4]uint64{st.Uint64(), st.Uint64(), st.Uint64(), st.Uint64()})
	}
	return bl
}

var kernelShapes = []struct{ H, F int }{{1, 2}, {2, 3}}

var laneProbs = map[string][]float64{
	"mixed":  {0.01, 0.05, 0.3, 1, 0, 0.2, 0.5, 0.02},
	"sparse": {0.01, 0.01, 0.02, 0.01, 0.01, 0.005, 0.01, 0.01},
	"dense":  {1, 1, 1, 1, 1, 1, 1, 1},
}

// replay redraws the batch the block's next gradStep will use: x [B][lanes][F] dense.
func replay(bl *vec.ToyBlock, B int) []float64 {
	g := bl.RNG
	F := bl.F
	x := make([]float64, B*lanes*F)
	for l := 0; l < lanes; l++ {
		for b := 0; b < B; b++ {
			for f := 0; f < F; f++ {
				if r := g.Next(l); r>>32 < bl.Thr[l] {
					x[(b*lanes+l)*F+f] = vec.LaneMagnitude(r)
				}
			}
		}
	}
	return x
}

// model is the block as a toymodel.Model, lane l as instance l.
func blockModel(bl *vec.ToyBlock, t *testing.T, B int) *toymodel.Model {
	t.Helper()
	H, F := bl.H, bl.F
	W, b, imp := make([]float64, lanes*H*F), make([]float64, lanes*F), make([]float64, lanes*F)
	for l := 0; l < lanes; l++ {
		getLane(bl, l, W[l*H*F:(l+1)*H*F], b[l*F:(l+1)*F])
		for f := 0; f < F; f++ {
			imp[l*F+f] = bl.C[f*lanes+l] * float64(B*F) / 2
		}
	}
	m, err := toymodel.FromWeights(toymodel.Config{NInst: lanes, NFeatures: F, DHidden: H, FeatMagDistn: "unif"}, toymodel.Full(imp), toymodel.Values{}, W, b)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// On the same batch, the lane kernel's gradient is toymodel's (LossGradInstance), up to the
// order of the sums.
func TestKernelMatchesToyModel(t *testing.T) {
	const B = 256
	for _, sh := range kernelShapes {
		for name, ps := range laneProbs {
			bl := testBlock(sh.H, sh.F, B, ps, 2)
			x := replay(bl, B)
			m := blockModel(bl, t, B)
			_, gW, gB := m.LossGrad(toymodel.BatchFromDense(x, B, lanes, sh.F))
			bl.Run(B)
			HF := sh.H * sh.F
			for l := 0; l < lanes; l++ {
				var W, b []float64 = make([]float64, HF), make([]float64, sh.F)
				gl := &vec.ToyBlock{H: sh.H, F: sh.F, Theta: bl.Grad}
				getLane(gl, l, W, b)
				want := append(append([]float64(nil), gW[l*HF:(l+1)*HF]...), gB[l*sh.F:(l+1)*sh.F]...)
				got := append(W, b...)
				scale := 1e-300
				for _, v := range want {
					scale = math.Max(scale, math.Abs(v))
				}
				for k := range got {
					if math.Abs(got[k]-want[k]) > 1e-12*scale {
						t.Errorf("H=%d F=%d %s lane %d: grad[%d] = %v, toymodel %v", sh.H, sh.F, name, l, k, got[k], want[k])
					}
				}
			}
		}
	}
}

// Finite differences of the loss (toymodel's Forward and Loss) on the kernel's own batch.
func TestKernelGradientFiniteDifferences(t *testing.T) {
	const B = 64
	for _, sh := range kernelShapes {
		bl := testBlock(sh.H, sh.F, B, laneProbs["mixed"], 3)
		x := replay(bl, B)
		loss := func(theta []float64) float64 {
			c := *bl
			c.Theta = theta
			m := blockModel(&c, t, B)
			out := make([]float64, len(x))
			m.Forward(x, B, out)
			return m.Loss(x, out, B)
		}
		theta := append([]float64(nil), bl.Theta...)
		bl.Run(B)
		const h = 1e-6
		for k := range theta {
			tp, tm := append([]float64(nil), theta...), append([]float64(nil), theta...)
			tp[k] += h
			tm[k] -= h
			fd := (loss(tp) - loss(tm)) / (2 * h)
			if math.Abs(fd-bl.Grad[k]) > 1e-6*math.Max(1, math.Abs(fd)) {
				t.Errorf("H=%d F=%d: ∂L/∂θ[%d] = %v, finite difference %v", sh.H, sh.F, k, bl.Grad[k], fd)
			}
		}
	}
}
