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
// feature 1 active. The samples go through instance i's forward one at a time, twice (to pick
// the latent, then to read it), so memory stays O(d_sae) whatever Figure15Samples·d_sae is.
func Figure15(s *sae.SAE, i int, seed uint64) (Figure15Series, bool, error) {
	if i < 0 || i >= s.Cfg.NInst {
		return Figure15Series{}, false, fmt.Errorf("instance %d: the SAE has %d", i, s.Cfg.NInst)
	}
	H, F := s.Model.Cfg.DHidden, s.Model.Cfg.NFeatures
	if F <= Figure15Feature {
		return Figure15Series{}, false, nil
	}
	N := Figure15Samples
	var ib toymodel.InstBatch
	s.Model.GenerateInstance(i, N, rng.New(seed, purposeFigure15, uint64(i)), &ib)
	h := make([]float64, s.Cfg.DIn)
	fwd := s.NewInstanceForward(i)
	// The latent: argmax of the mean activation over samples with feature 1 active (ties to
	// the lower index); the sums run in sample order.
	mean := make([]float64, s.Cfg.DSAE)
	n := 0
	eachSample(s, &ib, N, h, func(_ int, feat []int32, val []float64) {
		if x1 := featureValue(feat, val, Figure15Feature); x1 > figure15Active {
			n++
			fwd.Sample(h)
			for j, a := range fwd.Acts() {
				mean[j] += a
			}
		}
	})
	if n == 0 {
		return Figure15Series{}, false, nil
	}
	j := 0
	for k := range mean {
		if mean[k] > mean[j] {
			j = k
		}
	}
	var wn float64
	for d := 0; d < H; d++ {
		w := s.Model.W[(i*H+d)*F+Figure15Feature]
		wn += w * w
	}
	wn = math.Sqrt(wn)
	se := Figure15Series{Instance: i, Latent: j}
	eachSample(s, &ib, N, h, func(_ int, feat []int32, val []float64) {
		for _, v := range val {
			if v > figure15Active {
				fwd.Sample(h)
				se.X = append(se.X, featureValue(feat, val, Figure15Feature))
				se.Y = append(se.Y, fwd.Acts()[j]/wn)
				return
			}
		}
	})
	return se, true, nil
}

// featureValue is feature f's value in a sample's sparse entries (0 when absent).
func featureValue(feat []int32, val []float64, f int) float64 {
	for e, g := range feat {
		if int(g) == f {
			return val[e]
		}
	}
	return 0
}
