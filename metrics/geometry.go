package metrics

import "math"

// PolyEps is the eps on the column norm in Polysemanticity and the
// neuron-monosemanticity score (the N-D plot of spec §6.1 uses 1e-6, not
// the 1e-8 of compute_dimensionality).
const PolyEps = 1e-6

// Dimensionality returns compute_dimensionality [I][F] for toy-model
// weights W [I][H][F] (spec §6.1):
//
//	D_f = ‖W_f‖² / Σ_g (Ŵ_f·W_g)²,   Ŵ_f = W_f/(‖W_f‖+1e-8),  g = f included
//
// The result keeps both axes even when I or F is 1 (the reference's
// .squeeze() drops them; spec §10). A zero column W_f, for which the
// reference computes 0/0 = NaN, gets 0: an unrepresented feature occupies
// no dimensions. It returns nil if the shape is inconsistent (see
// CheckWeights).
func Dimensionality(W []float64, I, H, F int) []float64 {
	if CheckWeights(W, I, H, F) != nil {
		return nil
	}
	out := make([]float64, I*F)
	for i := range I {
		G := gram(W[i*H*F:(i+1)*H*F], H, F)
		for f := range F {
			sq := G[f*F+f]
			if sq == 0 {
				continue
			}
			// Ŵ_f·W_g = G[f,g]/(‖W_f‖+eps), so the denominator is
			// Σ_g G[f,g]² / (‖W_f‖+eps)².
			s := math.Sqrt(sq) + NormEps
			var den float64
			for _, v := range G[f*F : (f+1)*F] {
				den += v * v
			}
			out[i*F+f] = sq * s * s / den
		}
	}
	return out
}

// DimsPerFeature returns the dimensions per feature [I] of W [I][H][F]
// (spec §6.1):
//
//	dpf[i] = H / ‖W[i]‖²_F
//
// +Inf for an all-zero instance; nil if the shape is inconsistent.
func DimsPerFeature(W []float64, I, H, F int) []float64 {
	if CheckWeights(W, I, H, F) != nil {
		return nil
	}
	out := make([]float64, I)
	for i := range I {
		w := W[i*H*F : (i+1)*H*F]
		out[i] = float64(H) / dot(w, w)
	}
	return out
}

// Polysemanticity returns [I][F] for W [I][H][F], the interference each
// feature receives from the others in the N-D plot (spec §6.1):
//
//	P_f = sqrt(Σ_{g≠f} (Ŵ_f·W_g)²),   Ŵ_f = W_f/(‖W_f‖+1e-6)
//
// It returns nil if the shape is inconsistent (see CheckWeights).
func Polysemanticity(W []float64, I, H, F int) []float64 {
	if CheckWeights(W, I, H, F) != nil {
		return nil
	}
	out := make([]float64, I*F)
	for i := range I {
		G := gram(W[i*H*F:(i+1)*H*F], H, F)
		for f := range F {
			s := math.Sqrt(G[f*F+f]) + PolyEps
			var sum float64
			for g, v := range G[f*F : (f+1)*F] {
				if g != f {
					sum += v * v
				}
			}
			out[i*F+f] = math.Sqrt(sum) / s
		}
	}
	return out
}

// NeuronMonosemanticity returns [I][H] for W [I][H][F], the share of hidden
// neuron h's weight norm on its largest feature (spec §6.1, neuron plot):
//
//	M_h = max_f |W[h,f]| / sqrt(Σ_f W[h,f]² + 1e-6)
//
// A neuron is monosemantic if M_h > 0.99. It returns nil if the shape is
// inconsistent.
func NeuronMonosemanticity(W []float64, I, H, F int) []float64 {
	if CheckWeights(W, I, H, F) != nil {
		return nil
	}
	out := make([]float64, I*H)
	for k := range out {
		row := W[k*F : (k+1)*F]
		var m float64
		for _, v := range row {
			m = max(m, math.Abs(v))
		}
		out[k] = m / math.Sqrt(dot(row, row)+PolyEps)
	}
	return out
}

// gram returns WᵀW [F][F] for one instance's w [H][F]: every metric here
// depends on W only through the column dot products.
func gram(w []float64, H, F int) []float64 {
	G := make([]float64, F*F)
	for h := range H {
		row := w[h*F : (h+1)*F]
		for f, a := range row {
			if a == 0 {
				continue
			}
			g := G[f*F : (f+1)*F]
			for k, b := range row {
				g[k] += a * b
			}
		}
	}
	return G
}
