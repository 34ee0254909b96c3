package metrics

import "math"

// MSE returns the reconstruction error [I] for h, hr [B][I][D]:
//
//	MSE[i] = mean_{b,d} (hr[b,i,d] − h[b,i,d])²
//
// This is mean_b of the per-sample L_reconstruction of spec §2.5, which
// averages (not sums) over d. It returns nil if the shapes are inconsistent
// (see CheckPair).
func MSE(h, hr []float64, B, I, D int) []float64 {
	if CheckPair(h, hr, B, I, D) != nil {
		return nil
	}
	out := make([]float64, I)
	for b := range B {
		for i := range I {
			off := (b*I + i) * D
			out[i] += sqDist(h[off:off+D], hr[off:off+D])
		}
	}
	for i := range out {
		out[i] /= float64(B * D)
	}
	return out
}

// ExplainedVariance returns [I] for h, hr [B][I][D]:
//
//	EV[i] = 1 − mean_b ‖h − hr‖² / mean_b ‖h − h̄‖²,   h̄[i] = mean_b h[b,i,:]
//
// Numerator and denominator are averaged separately (spec §6.3): a mean of
// per-sample ratios would blow up on samples close to h̄, which in sparse
// toy data are the common case. The value is NaN for an instance whose h
// has zero variance over the batch, where it is undefined. It returns nil
// if the shapes are inconsistent (see CheckPair).
func ExplainedVariance(h, hr []float64, B, I, D int) []float64 {
	if CheckPair(h, hr, B, I, D) != nil {
		return nil
	}
	acc := reconstructions(h, hr, B, I, D)
	out := make([]float64, I)
	for i := range out {
		out[i] = acc[i].ExplainedVariance()
	}
	return out
}

// reconstructions runs one Reconstruction per instance over the batch, with its h mean.
func reconstructions(h, hr []float64, B, I, D int) []*Reconstruction {
	means := make([]*Mean, I)
	for i := range means {
		means[i] = NewMean(D)
	}
	for b := range B {
		for i := range I {
			means[i].Add(h[(b*I+i)*D : (b*I+i+1)*D])
		}
	}
	acc := make([]*Reconstruction, I)
	for i := range acc {
		acc[i] = NewReconstruction(means[i].Value())
	}
	for b := range B {
		for i := range I {
			off := (b*I + i) * D
			acc[i].Add(h[off:off+D], hr[off:off+D])
		}
	}
	return acc
}

// CosSim returns [I] for h, hr [B][I][D]: the mean of Cosine(h, hr) over
// the samples whose h is not exactly zero (spec §6.3),
//
//	cossim[i] = mean_{b : h[b,i] ≠ 0} h·hr / ((‖h‖+1e-8)(‖hr‖+1e-8))
//
// Toy batches contain many all-zero inputs (no feature present), whose
// cosine is meaningless, hence the filter. The value is NaN for an instance
// with no nonzero h. It returns nil if the shapes are inconsistent.
func CosSim(h, hr []float64, B, I, D int) []float64 {
	if CheckPair(h, hr, B, I, D) != nil {
		return nil
	}
	sum := make([]float64, I)
	n := make([]int, I)
	for b := range B {
		for i := range I {
			off := (b*I + i) * D
			x := h[off : off+D]
			if isZero(x) {
				continue
			}
			sum[i] += Cosine(x, hr[off:off+D])
			n[i]++
		}
	}
	return meanOrNaN(sum, n)
}

func sqDist(a, b []float64) float64 {
	var s float64
	for k := range a {
		d := a[k] - b[k]
		s += d * d
	}
	return s
}

func dot(a, b []float64) float64 {
	var s float64
	for k := range a {
		s += a[k] * b[k]
	}
	return s
}

func norm(a []float64) float64 { return math.Sqrt(dot(a, a)) }

func isZero(a []float64) bool {
	for _, v := range a {
		if v != 0 {
			return false
		}
	}
	return true
}

// meanOrNaN divides sum[i] by n[i], giving NaN for an empty mean.
func meanOrNaN(sum []float64, n []int) []float64 {
	out := make([]float64, len(sum))
	for i := range sum {
		if n[i] == 0 {
			out[i] = math.NaN()
			continue
		}
		out[i] = sum[i] / float64(n[i])
	}
	return out
}
