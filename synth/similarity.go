package synth

import (
	"fmt"
	"math"
	"slices"

	"saelab/internal/vec"
)

// Similarity is a window of plot_sae_feature_similarity (spec §10): the signed cosines of some
// latents' decoder rows and encoder columns with some true features, rounded to 0.01. Rows are
// latents in the best ordering, columns the distinct features they match best, ascending.
type Similarity struct {
	Latents  []int     // the rows' latent indices
	Features []int     // the columns' feature indices
	Dec      []float64 // [len(Latents)×len(Features)] cos(W_dec row, V row)
	Enc      []float64 // the same for the W_enc columns; nil without an encoder
	// Best is every latent's best-matching feature (the largest |cos| of its decoder row,
	// the first on ties), and Order all latents in the best ordering.
	Best  []int32
	Order []int
}

// similarityBlock is how many latents' cosines with every feature are held at once: the
// argmax needs no S×F matrix.
const similarityBlock = 256

// FeatureSimilarity computes the Similarity of an SAE with decoder rows dec [S×H] and encoder
// enc [H×S] (SAELens's W_enc, whose columns are the latents' encoder directions; nil for
// none) against the true features truth [F×H], for the first maxLatents latents of the best
// ordering.
func FeatureSimilarity(truth []float32, F int, dec, enc []float32, S, H, maxLatents int) (*Similarity, error) {
	switch {
	case F < 1 || S < 1 || H < 1 || len(truth) != F*H || len(dec) != S*H:
		return nil, fmt.Errorf("synth: feature similarity: truth must be F×H and the decoder S×H (got %d and %d values for F=%d, S=%d, H=%d)", len(truth), len(dec), F, S, H)
	case enc != nil && len(enc) != H*S:
		return nil, fmt.Errorf("synth: feature similarity: the encoder has %d values, want H×S = %d", len(enc), H*S)
	case maxLatents < 1:
		return nil, fmt.Errorf("synth: feature similarity: %d latents shown: must be at least 1", maxLatents)
	}
	for _, w := range [][]float32{dec, enc} {
		for i, v := range w {
			if !finite(float64(v)) {
				return nil, fmt.Errorf("synth: feature similarity: weight %d = %g: must be finite", i, v)
			}
		}
	}
	tT := normalisedT(truth, F, H)
	sim := &Similarity{Best: make([]int32, S)}
	c := make([]float32, min(similarityBlock, S)*F)
	for j0 := 0; j0 < S; j0 += similarityBlock {
		n := min(similarityBlock, S-j0)
		clear(c) // Gemm adds to c
		vec.Gemm(c[:n*F], normalisedCopy(dec[j0*H:(j0+n)*H], n, H), tT, n, H, F)
		for r := 0; r < n; r++ {
			sim.Best[j0+r] = int32(argmaxAbsFirst(c[r*F : (r+1)*F]))
		}
	}
	sim.Order = BestOrdering(sim.Best)
	sim.Latents = sim.Order[:min(maxLatents, S)]
	for _, j := range sim.Latents {
		f := int(sim.Best[j])
		if len(sim.Features) == 0 || sim.Features[len(sim.Features)-1] != f { // ascending: equal ones are adjacent
			sim.Features = append(sim.Features, f)
		}
	}
	sub := make([]float32, len(sim.Features)*H) // the columns' feature vectors
	for k, f := range sim.Features {
		copy(sub[k*H:(k+1)*H], truth[f*H:(f+1)*H])
	}
	subT := normalisedT(sub, len(sim.Features), H)
	rows := make([]float32, len(sim.Latents)*H)
	for r, j := range sim.Latents {
		copy(rows[r*H:(r+1)*H], dec[j*H:(j+1)*H])
	}
	sim.Dec = roundedCos(rows, len(sim.Latents), subT, len(sim.Features), H)
	if enc != nil {
		for r, j := range sim.Latents {
			for k := 0; k < H; k++ {
				rows[r*H+k] = enc[k*S+j]
			}
		}
		sim.Enc = roundedCos(rows, len(sim.Latents), subT, len(sim.Features), H)
	}
	return sim, nil
}

// BestOrdering is find_best_feature_ordering (spec §10) given each latent's best feature:
// the latents sorted by it, stably, so latents with the same best feature keep their order
// (torch's argsort, which the reference uses, need not).
func BestOrdering(best []int32) []int {
	order := make([]int, len(best))
	for j := range order {
		order[j] = j
	}
	slices.SortStableFunc(order, func(a, b int) int { return int(best[a]) - int(best[b]) })
	return order
}

// RoundCos rounds a cosine to 0.01 as the plots show it, without a negative zero.
func RoundCos(v float32) float64 {
	r := math.Round(float64(v)*100) / 100
	if r == 0 {
		return 0
	}
	return r
}

// roundedCos is the signed cosines of the rows of a [na×H] with the columns of bT [H×nb]
// (already normalised), rounded.
func roundedCos(a []float32, na int, bT []float32, nb, H int) []float64 {
	c := signedCos(a, na, bT, nb, H)
	out := make([]float64, len(c))
	for k, v := range c {
		out[k] = RoundCos(v)
	}
	return out
}

// signedCos is the cosines [na×nb] of a's rows [na×H] with the columns of bT [H×nb], which are
// already normalised: one GEMM, shared by AbsCos and the report's heatmaps.
func signedCos(a []float32, na int, bT []float32, nb, H int) []float32 {
	c := make([]float32, na*nb)
	vec.Gemm(c, normalisedCopy(a, na, H), bT, na, H, nb)
	return c
}

// normalisedT is bᵀ [H×nb] with b's rows [nb×H] divided by max(‖row‖, 1e-8).
func normalisedT(b []float32, nb, H int) []float32 {
	bt := make([]float32, H*nb)
	for j := 0; j < nb; j++ {
		row := b[j*H : (j+1)*H]
		n := float32(max(math.Sqrt(sumSquares(row)), 1e-8))
		for k, x := range row {
			bt[k*nb+j] = x / n
		}
	}
	return bt
}

// argmaxAbsFirst is the index of the largest |v|, the first on ties (torch.argmax).
func argmaxAbsFirst(v []float32) int {
	best, bv := 0, float32(-1)
	for k, x := range v {
		if a := float32(math.Abs(float64(x))); a > bv {
			best, bv = k, a
		}
	}
	return best
}
