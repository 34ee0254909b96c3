package metrics

import (
	"fmt"
	"math"
	"slices"
)

// NormEps is the eps added to vector norms before dividing, as in the
// reference's W_dec_normalized (spec §2.3) and its cosines.
const NormEps = 1e-8

// DefaultRecoveryThreshold is the matched cosine at or above which a true
// feature counts as recovered (spec §6.4, configurable).
const DefaultRecoveryThreshold = 0.99

// GeometricTolDeg is the tolerance, in degrees, on each gap between sorted
// 2-D decoder-row angles in the geometric monosemanticity proxy (spec §6.4).
const GeometricTolDeg = 5.0

// Cosine returns the cosine similarity with eps on each norm (spec §2.3):
//
//	cos(a, b) = a·b / ((‖a‖+1e-8)(‖b‖+1e-8))
//
// so a zero vector has cosine 0 with everything instead of NaN. It returns
// NaN if len(a) != len(b).
func Cosine(a, b []float64) float64 {
	if len(a) != len(b) {
		return math.NaN()
	}
	return dot(a, b) / ((norm(a) + NormEps) * (norm(b) + NormEps))
}

// CosineMatrix returns C [F][S] with C[f,j] = Cosine(t_f, d_j) (spec §6.4),
// where t_f is column f of trueDirs [D][F] (the toy model's W[0]) and d_j is
// row j of dec [S][D] (one instance's W_dec_normalized).
func CosineMatrix(trueDirs []float64, D, F int, dec []float64, S int) ([]float64, error) {
	if err := checkLen("trueDirs", len(trueDirs), "D*F", D, F); err != nil {
		return nil, err
	}
	if err := checkLen("dec", len(dec), "S*D", S, D); err != nil {
		return nil, err
	}
	C := make([]float64, F*S)
	t := make([]float64, D)
	for f := range F {
		for d := range D {
			t[d] = trueDirs[d*F+f]
		}
		for j := range S {
			C[f*S+j] = Cosine(t, dec[j*D:(j+1)*D])
		}
	}
	return C, nil
}

// Recovery holds the ground-truth feature-recovery metrics of spec §6.4 for
// one SAE instance, with C[f,j] = Cosine(t_f, d_j) as in CosineMatrix.
type Recovery struct {
	MaxCos        []float64 // [F] m_f = max_j C[f,j] (signed)
	MMCS          float64   // mean_f m_f (mean max cosine similarity)
	Matched       []int     // [F] latent matched to f by Hungarian on C (maximising Σ C), -1 if unmatched (S < F)
	MatchedCos    []float64 // [F] C[f, Matched[f]], 0 if unmatched
	HungarianMean float64   // mean of MatchedCos over the min(F,S) matched pairs
	MCC           float64   // Hungarian on |C|: mean |C| over its min(F,S) matched pairs
	Recovered     int       // matched rule: #f with MatchedCos[f] >= threshold and Matched[f] alive
	Monosemantic  bool      // Recovered == F: every feature has its own alive latent
	// RecoveredMaxCos is the reference's rule: the number of distinct latents among the best
	// matches argmax_j C[f,j] (lowest index on ties) of the features with MaxCos[f] > threshold;
	// liveness is not checked.
	RecoveredMaxCos int

	// GeometricMonosemantic is the proxy behind the published counts of
	// spec §9 (F = S = 5, D = 2): the sorted angles atan2(d_j[1], d_j[0])
	// leave all S gaps (including the wrap-around) within 360/S ± 5
	// degrees. It ignores F and liveness, and is false when D != 2 or a
	// decoder row is zero.
	GeometricMonosemantic bool
}

// Recover compares one SAE instance's latent directions with the true
// feature directions (spec §6.4). trueDirs is the toy model's W[0], [D][F],
// whose column f is t_f; dec is the instance's W_dec_normalized, [S][D],
// whose row j is d_j; alive [S] says which latents fired during evaluation
// (nil means all did). A feature counts as recovered if its Hungarian
// match has cosine >= threshold and the matched latent is alive.
//
// Hungarian matching, not MaxCos, decides recovery: two latents on the same
// feature both score high cosines but can recover it only once.
func Recover(trueDirs []float64, D, F int, dec []float64, S int, alive []bool, threshold float64) (Recovery, error) {
	if D < 1 || F < 1 || S < 1 {
		return Recovery{}, fmt.Errorf("metrics: Recover needs D, F, S >= 1, got D=%d F=%d S=%d", D, F, S)
	}
	if alive != nil && len(alive) != S {
		return Recovery{}, fmt.Errorf("metrics: alive has %d values, want S = %d", len(alive), S)
	}
	C, err := CosineMatrix(trueDirs, D, F, dec, S)
	if err != nil {
		return Recovery{}, err
	}
	rec := Recovery{
		MaxCos:     make([]float64, F),
		MatchedCos: make([]float64, F),
	}
	signed := make([][]float64, F)
	abs := make([][]float64, F)
	for f := range F {
		signed[f] = C[f*S : (f+1)*S]
		abs[f] = make([]float64, S)
		for j, c := range signed[f] {
			abs[f][j] = math.Abs(c)
		}
		rec.MaxCos[f] = slices.Max(signed[f])
		rec.MMCS += rec.MaxCos[f]
	}
	rec.MMCS /= float64(F)
	rec.RecoveredMaxCos = maxCosRecovered(signed, rec.MaxCos, threshold)

	rec.Matched = Assign(signed)
	pairs := 0
	for f, j := range rec.Matched {
		if j < 0 {
			continue
		}
		pairs++
		rec.MatchedCos[f] = signed[f][j]
		rec.HungarianMean += signed[f][j]
		if signed[f][j] >= threshold && (alive == nil || alive[j]) {
			rec.Recovered++
		}
	}
	rec.HungarianMean /= float64(pairs)
	rec.Monosemantic = rec.Recovered == F

	for f, j := range Assign(abs) {
		if j >= 0 {
			rec.MCC += abs[f][j]
		}
	}
	rec.MCC /= float64(pairs) // the same min(F,S) pairs as above

	if D == 2 {
		rec.GeometricMonosemantic = EvenlySpaced(dec, S, GeometricTolDeg)
	}
	return rec, nil
}

// maxCosRecovered counts the distinct best-matching latents of the features whose best cosine
// exceeds the threshold (the reference's recovery rule).
func maxCosRecovered(C [][]float64, maxCos []float64, threshold float64) int {
	seen := map[int]bool{}
	for f, row := range C {
		if maxCos[f] > threshold {
			seen[slices.Index(row, maxCos[f])] = true
		}
	}
	return len(seen)
}

// EvenlySpaced reports whether the S rows of rows [S][2], taken as angles
// atan2(y, x) and sorted, leave S gaps (the last wrapping around 360°) each
// within 360/S ± tolDeg degrees: the regular-polygon test behind the
// geometric monosemanticity proxy of spec §6.4. A zero row has no angle, so
// it makes the answer false, as does len(rows) != 2*S or S < 1.
func EvenlySpaced(rows []float64, S int, tolDeg float64) bool {
	if S < 1 || len(rows) != 2*S {
		return false
	}
	ang := make([]float64, S)
	for j := range S {
		x, y := rows[2*j], rows[2*j+1]
		if x == 0 && y == 0 {
			return false
		}
		ang[j] = math.Atan2(y, x) * 180 / math.Pi
	}
	slices.Sort(ang)
	want := 360 / float64(S)
	for j := range S {
		var gap float64
		if j+1 < S {
			gap = ang[j+1] - ang[j]
		} else {
			gap = ang[0] + 360 - ang[j]
		}
		if !(math.Abs(gap-want) <= tolDeg) { // NaN angles fail too
			return false
		}
	}
	return true
}
