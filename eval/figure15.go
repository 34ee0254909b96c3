package eval

import (
	"fmt"
	"math"

	"saelab/rng"
	"saelab/sae"
	"saelab/toymodel"
)

// Figure-15 replication (spec §7.6 part 2): for one SAE instance, the latent that stands for
// feature 1 and its activation against the feature's true value, showing shrinkage.
const (
	// Figure15Feature is the feature the scatter follows (the reference's feature 1).
	Figure15Feature = 1
	// Figure15Samples are drawn per SAE; only samples with an active feature are plotted.
	Figure15Samples = 16384
	// figure15Active is the presence threshold of a feature value.
	figure15Active = 1e-4
	// purposeFigure15 keys the scatter's sample stream (distinct from every engine purpose).
	purposeFigure15 uint64 = 0x5e1ab002
)

// Figure15Series is one SAE instance's scatter: X the true value of feature 1 and Y the
// activation of Latent divided by ‖W[:,1]‖, over the samples with any active feature.
type Figure15Series struct {
	Instance, Latent int
	X, Y             []float64
}

// Figure15 draws Figure15Samples fresh samples of instance i from seed and returns its scatter.
// The latent is the one with the largest mean activation over the samples where feature 1 is
// active (spec §7.6); ok is false when the model has fewer than 2 features or no sample has
// feature 1 active.
func Figure15(s *sae.SAE, i int, seed uint64) (Figure15Series, bool, error) {
	if i < 0 || i >= s.Cfg.NInst {
		return Figure15Series{}, false, fmt.Errorf("instance %d: the SAE has %d", i, s.Cfg.NInst)
	}
	S := s.Cfg.DSAE
	H, F := s.Model.Cfg.DHidden, s.Model.Cfg.NFeatures
	if F <= Figure15Feature {
		return Figure15Series{}, false, nil
	}
	N := Figure15Samples
	// Instance i alone: its samples as the whole batch would draw them (stream i), through a
	// one-instance copy of the SAE: instance i's numbers for 1/I of the work.
	var ib toymodel.InstBatch
	s.Model.GenerateInstance(i, N, rng.New(seed, purposeFigure15, uint64(i)), &ib)
	x := make([]float64, N*F) // [N][F]
	for k, b := range ib.Sample {
		for e := ib.Start[k]; e < ib.Start[k+1]; e++ {
			x[int(b)*F+int(ib.Feat[e])] = ib.Val[e]
		}
	}
	h := make([]float64, N*H) // [N][1][H], h = W[0]·x as Model.Hidden sums it
	for b := 0; b < N; b++ {
		for d := 0; d < H; d++ {
			var sum float64
			for f, w := range s.Model.W[d*F : (d+1)*F] {
				sum += w * x[b*F+f]
			}
			h[b*H+d] = sum
		}
	}
	one, err := instanceSAE(s, i)
	if err != nil {
		return Figure15Series{}, false, err
	}
	acts := one.Forward(h, N).Acts // [N][1][S]
	j, ok := figure15Latent(x, acts, N, F, S)
	if !ok {
		return Figure15Series{}, false, nil
	}
	var wn float64
	for d := 0; d < H; d++ {
		w := s.Model.W[(i*H+d)*F+Figure15Feature]
		wn += w * w
	}
	wn = math.Sqrt(wn)
	se := Figure15Series{Instance: i, Latent: j}
	for b := 0; b < N; b++ {
		for f := 0; f < F; f++ {
			if x[b*F+f] > figure15Active {
				se.X = append(se.X, x[b*F+Figure15Feature])
				se.Y = append(se.Y, acts[b*S+j]/wn)
				break
			}
		}
	}
	return se, true, nil
}

// figure15Latent is argmax_j of the mean activation over samples where feature 1 is active
// (ties to the lower index); ok is false when no sample has it active.
func figure15Latent(x, acts []float64, N, F, S int) (int, bool) {
	mean := make([]float64, S)
	n := 0
	for b := 0; b < N; b++ {
		if x[b*F+Figure15Feature] > figure15Active {
			n++
			for j := 0; j < S; j++ {
				mean[j] += acts[b*S+j]
			}
		}
	}
	if n == 0 {
		return 0, false
	}
	j := 0
	for k := range mean {
		if mean[k] > mean[j] {
			j = k
		}
	}
	return j, true
}

// instanceSAE returns a one-instance SAE with s's instance i: its config with n_inst 1, on a
// one-instance copy of s's toy model (instance i's row; every SAE instance reads W[0], which
// sae.New copies to every instance), with instance i's parameters and state.
func instanceSAE(s *sae.SAE, i int) (*sae.SAE, error) {
	m := s.Model
	H, F := m.Cfg.DHidden, m.Cfg.NFeatures
	mc := m.Cfg
	mc.NInst = 1
	m1, err := toymodel.FromWeights(mc, toymodel.Full(m.Importance[i*F:(i+1)*F]), toymodel.Full(m.FeatureProbability[i*F:(i+1)*F]),
		m.W[i*H*F:(i+1)*H*F], m.BFinal[i*F:(i+1)*F])
	if err != nil {
		return nil, err
	}
	cfg := s.Cfg
	cfg.NInst = 1
	one, err := sae.New(cfg, m1, 0)
	if err != nil {
		return nil, err
	}
	src := append(s.Params(), s.State()...)
	dst := append(one.Params(), one.State()...)
	if len(src) != len(dst) {
		return nil, fmt.Errorf("one instance has %d tensors, the SAE %d", len(dst), len(src))
	}
	for k, p := range src {
		per := len(p.Data) / s.Cfg.NInst
		if dst[k].Name != p.Name || len(dst[k].Data) != per {
			return nil, fmt.Errorf("one instance's tensor %s does not match the SAE's %s", dst[k].Name, p.Name)
		}
		copy(dst[k].Data, p.Data[i*per:(i+1)*per])
	}
	return one, nil
}
