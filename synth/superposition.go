package synth

import (
	"fmt"
	"math"

	"saelab/internal/vec"
	"saelab/metrics"
)

// SuperpositionStats is compute_superposition_stats (spec §9.1) over the normalised feature
// vectors: for each feature i, over the other features j, the largest |cos(i, j)| and the
// given percentiles of |cos(i, j)| (torch.quantile, linear interpolation); their means over i;
// and the mean |cos| over unordered pairs.
type SuperpositionStats struct {
	MaxAbsCos         []float64         // per feature: max_{j≠i} |cos(i, j)|
	PercentileAbsCos  map[int][]float64 // percentile → per feature
	MeanMaxAbsCos     float64           // mean_max_abs_cos_sim
	MeanPercentileAbs map[int]float64   // mean_percentile_abs_cos_sim
	MeanAbsCos        float64           // mean_abs_cos_sim, over unordered pairs
}

// Superposition computes SuperpositionStats for V [F×H] and percentiles in [0, 100] (SAELens
// uses 95 and 99). It works a block of rows at a time (memory O(block·F)); F < 2 is an error.
func Superposition(V []float32, F, H int, percentiles []int) (*SuperpositionStats, error) {
	if F < 2 {
		return nil, fmt.Errorf("synth: superposition statistics need at least 2 features, got %d", F)
	}
	if len(V) != F*H {
		return nil, fmt.Errorf("synth: superposition statistics: V has %d values, want %d × %d", len(V), F, H)
	}
	for _, p := range percentiles {
		if p < 0 || p > 100 {
			return nil, fmt.Errorf("synth: percentile %d: must be from 0 to 100", p)
		}
	}
	vn := normalisedCopy(V, F, H)
	vt := make([]float32, H*F)
	for i := 0; i < F; i++ {
		for k := 0; k < H; k++ {
			vt[k*F+i] = vn[i*H+k]
		}
	}
	st := &SuperpositionStats{MaxAbsCos: make([]float64, F), PercentileAbsCos: map[int][]float64{}, MeanPercentileAbs: map[int]float64{}}
	for _, p := range percentiles {
		st.PercentileAbsCos[p] = make([]float64, F)
	}
	rowSum := make([]float64, F) // Σ_{j≠i} |cos(i, j)|, per row so the total is order-fixed
	const block = 256
	for i0 := 0; i0 < F; i0 += block {
		bs := min(block, F-i0)
		g := make([]float32, bs*F)
		vec.Gemm(g, vn[i0*H:(i0+bs)*H], vt, bs, H, F)
		parRows(bs, func(lo, hi int) {
			others := make([]float32, F-1)
			for r := lo; r < hi; r++ {
				i := i0 + r
				row := g[r*F : (r+1)*F]
				k, mx, sum := 0, 0.0, 0.0
				for j, c := range row {
					if j == i {
						continue
					}
					a := float32(math.Abs(float64(c)))
					others[k] = a
					k++
					mx = max(mx, float64(a))
					sum += float64(a)
				}
				st.MaxAbsCos[i], rowSum[i] = mx, sum
				for _, p := range percentiles {
					st.PercentileAbsCos[p][i] = metrics.Quantile(others, float64(p)/100)
				}
			}
		})
	}
	total := 0.0
	for i := 0; i < F; i++ {
		st.MeanMaxAbsCos += st.MaxAbsCos[i]
		total += rowSum[i]
	}
	st.MeanMaxAbsCos /= float64(F)
	st.MeanAbsCos = total / 2 / (float64(F) * float64(F-1) / 2)
	for _, p := range percentiles {
		s := 0.0
		for _, v := range st.PercentileAbsCos[p] {
			s += v
		}
		st.MeanPercentileAbs[p] = s / float64(F)
	}
	return st, nil
}
