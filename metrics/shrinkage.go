package metrics

import "math"

// L2Ratio returns [I] for h, hr [B][I][D]: the mean over samples with
// nonzero h of the norm ratio (spec §6.5; SAELens calls it "shrinkage"),
//
//	l2_ratio[i] = mean_{b : h[b,i] ≠ 0} ‖hr[b,i]‖ / ‖h[b,i]‖
//
// A value below 1 means the SAE shrinks its reconstructions. NaN for an
// instance with no nonzero h; nil if the shapes are inconsistent.
func L2Ratio(h, hr []float64, B, I, D int) []float64 {
	if CheckPair(h, hr, B, I, D) != nil {
		return nil
	}
	out := make([]float64, I)
	for i, r := range reconstructions(h, hr, B, I, D) {
		out[i] = r.L2Ratio()
	}
	return out
}

// RelativeReconstructionBias returns [I] for h, hr [B][I][D] (Gated SAE
// paper, eq. 10; spec §6.5):
//
//	γ[i] = mean_b ‖hr[b,i]‖² / mean_b ⟨h[b,i], hr[b,i]⟩
//
// γ = 1 means unbiased; γ < 1 means shrinkage. It is the ratio of two batch
// means (not a mean of ratios), so all-zero samples contribute nothing
// rather than 0/0. NaN when both means are 0, ±Inf when only the
// denominator is; nil if the shapes are inconsistent.
func RelativeReconstructionBias(h, hr []float64, B, I, D int) []float64 {
	if CheckPair(h, hr, B, I, D) != nil {
		return nil
	}
	out := make([]float64, I)
	for i, r := range reconstructions(h, hr, B, I, D) {
		out[i] = r.RelBias()
	}
	return out
}

// ShrinkageSlope returns the least-squares slope through the origin of y
// against x (the per-feature Figure-15 quantity of spec §6.5):
//
//	slope = Σ x·y / Σ x²
//
// The caller chooses the pairs: for feature f, x = x_f over samples with
// x_f > 1e-4 and y = act_j/‖W[:,f]‖ for the matched latent j. A slope below
// 1 means shrinkage. It returns NaN if len(x) != len(y) or Σ x² = 0.
func ShrinkageSlope(x, y []float64) float64 {
	if len(x) != len(y) {
		return math.NaN()
	}
	var acc Shrinkage
	for k := range x {
		acc.Add(x[k], y[k], 0)
	}
	return acc.Slope()
}

// FiringRatio is ShrinkageSlope over the samples where the latent fires: the least-squares
// slope through the origin of y against x over the k with |act[k]| > ActiveEps (act is the
// latent's raw activation, y its scaled value), i.e. the mean of y/x weighted by x². It
// answers "when the latent is on, how much of the magnitude does it give back?" without
// counting the samples a thresholded latent leaves off (spec §6.5 reads the slope over every
// sample). NaN when the latent never fires or the lengths differ.
func FiringRatio(x, y, act []float64) float64 {
	if len(x) != len(y) || len(x) != len(act) {
		return math.NaN()
	}
	var acc Shrinkage
	for k := range x {
		acc.Add(x[k], y[k], act[k])
	}
	return acc.FiringRatio()
}
