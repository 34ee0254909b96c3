package store

import "math"

// Means are an sae run's instance means: the numbers a comparison table, a run's summary
// line and a sweep's row show for the whole run.
type Means struct {
	Loss, LReconstruction, LSparsity, L0 float64
	DeadLatents, MMCS, RecoveredFeatures float64
	// Monosemantic is the fraction of instances with every feature recovered.
	Monosemantic float64
	// Extra is the mean of each instance extra (explained_variance, l2_ratio, mcc, ...) over
	// the instances that have it.
	Extra map[string]float64
}

// Means returns the run's instance means (zero for a run without instances). Each core mean
// is accumulated as Σ x/n, each extra as (Σ x)/n over the instances that have the key.
func (rs RunSummary) Means() Means {
	m := Means{Extra: map[string]float64{}}
	n := float64(len(rs.Instances))
	if n == 0 {
		return m
	}
	count := map[string]int{}
	for _, in := range rs.Instances {
		m.Loss += in.Loss / n
		m.LReconstruction += in.LReconstruction / n
		m.LSparsity += in.LSparsity / n
		m.L0 += in.L0 / n
		m.DeadLatents += float64(in.DeadLatents) / n
		m.MMCS += in.MMCS / n
		m.RecoveredFeatures += float64(in.RecoveredFeatures) / n
		if in.Monosemantic {
			m.Monosemantic += 1 / n
		}
		for k, v := range in.Extra {
			m.Extra[k] += v
			count[k]++
		}
	}
	for k, c := range count {
		m.Extra[k] /= float64(c)
	}
	return m
}

// ExtraMean is Extra[key], or NaN when no instance has the key.
func (m Means) ExtraMean(key string) float64 {
	if v, ok := m.Extra[key]; ok {
		return v
	}
	return math.NaN()
}

// RunExtra is the run-level "extra" of a compare directory's sae runs: mean_l0,
// mean_l_reconstruction, mean_dead_latents, and mean_explained_variance, mean_l2_ratio and
// mean_shrinkage_slope where some instance has them.
func (m Means) RunExtra() map[string]float64 {
	out := map[string]float64{"mean_l0": m.L0, "mean_l_reconstruction": m.LReconstruction, "mean_dead_latents": m.DeadLatents}
	for _, key := range []string{"explained_variance", "l2_ratio", "shrinkage_slope"} {
		if v, ok := m.Extra[key]; ok {
			out["mean_"+key] = v
		}
	}
	return out
}
