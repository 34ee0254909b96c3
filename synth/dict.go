package synth

import (
	"math"

	"saelab/internal/vec"
	"saelab/rng"
)

// Dictionary is SAELens's FeatureDictionary (spec §1): x = a·V + b.
type Dictionary struct {
	F, H int
	V    []float32 // feature vectors [F×H], unit rows
	Bias []float32 // b [H]; zeros when the config's bias is 0
}

// NewDictionary draws the dictionary in the order of spec §1: E ~ N(0,1)^{F×H} with rows
// normalised (norm clamped at 1e-8), then the bias g ~ N(0,1)^H scaled to norm bias (if
// bias ≠ 0), then the orthogonalisation of §1.1 if ortho is not nil. All draws come from s.
func NewDictionary(F, H int, bias float64, ortho *OrthogonalizationConfig, s *rng.Stream) *Dictionary {
	d := &Dictionary{F: F, H: H, V: make([]float32, F*H), Bias: make([]float32, H)}
	for k := range d.V {
		d.V[k] = float32(s.Normal())
	}
	normaliseRows(d.V, F, H)
	if bias != 0 {
		g := make([]float64, H)
		for k := range g {
			g[k] = s.Normal()
		}
		n := 0.0
		for _, x := range g {
			n += x * x
		}
		n = max(math.Sqrt(n), 1e-8)
		for k, x := range g {
			d.Bias[k] = float32(x / n * bias)
		}
	}
	if ortho != nil {
		Orthogonalize(d.V, F, H, *ortho)
	}
	return d
}

// normaliseRows divides each row by max(‖row‖, 1e-8).
func normaliseRows(v []float32, F, H int) {
	for i := 0; i < F; i++ {
		row := v[i*H : (i+1)*H]
		n := math.Sqrt(sumSquares(row))
		n = max(n, 1e-8)
		for k := range row {
			row[k] = float32(float64(row[k]) / n)
		}
	}
}

// Orthogonalize replaces the rows of E [F×H] by orthogonalize_embeddings(E) (spec §1.1): from
// the row-normalised E, cfg.NumSteps steps of Adam(lr, β 0.9/0.999, eps 1e-8) on
//
//	L(E) = Σ_{i≠j} (e_i·e_j)² + F·Σ_i (e_i·e_i − 1)²
//
// (ordered pairs), with no renormalisation between steps, then a final row normalisation.
// The work is two float32 products per step (vec.Gemm), so the result is the same for any
// GOMAXPROCS.
func Orthogonalize(E []float32, F, H int, cfg OrthogonalizationConfig) {
	normaliseRows(E, F, H)
	if cfg.NumSteps > 0 {
		grad := make([]float32, F*H)
		m, v := make([]float32, F*H), make([]float32, F*H)
		w := newOrthoWork(F, H, cfg.ChunkSize)
		const b1, b2, eps = 0.9, 0.999, 1e-8
		for t := 1; t <= cfg.NumSteps; t++ {
			orthoGradient(E, F, H, grad, w)
			bc1, bc2 := 1-math.Pow(b1, float64(t)), 1-math.Pow(b2, float64(t))
			stepSize, sqrtBC2 := cfg.LR/bc1, math.Sqrt(bc2)
			for k, g := range grad {
				gk := float64(g)
				mk := b1*float64(m[k]) + (1-b1)*gk
				vk := b2*float64(v[k]) + (1-b2)*gk*gk
				m[k], v[k] = float32(mk), float32(vk)
				E[k] = float32(float64(E[k]) - stepSize*mk/(math.Sqrt(vk)/sqrtBC2+eps))
			}
		}
	}
	normaliseRows(E, F, H)
}

// orthoWork is the scratch of orthoGradient: Eᵀ [H×F] and one row block of the Gram matrix.
type orthoWork struct {
	et    []float32
	gram  []float32
	chunk int
}

func newOrthoWork(F, H, chunk int) *orthoWork {
	chunk = min(max(chunk, 1), F)
	return &orthoWork{et: make([]float32, H*F), gram: make([]float32, chunk*F), chunk: chunk}
}

// orthoGradient writes ∂L/∂E into grad: with G = E·Eᵀ and G' equal to G off the diagonal and
// F·(G_ii − 1) on it,
//
//	∂L/∂e_i = 4·Σ_{j≠i} (e_i·e_j)·e_j + 4F·(‖e_i‖² − 1)·e_i = 4·(G'·E)_i,
//
// computed a block of w.chunk rows at a time (memory only; the sums are the same).
func orthoGradient(E []float32, F, H int, grad []float32, w *orthoWork) {
	for i := 0; i < F; i++ {
		for k := 0; k < H; k++ {
			w.et[k*F+i] = E[i*H+k]
		}
	}
	for i0 := 0; i0 < F; i0 += w.chunk {
		cs := min(w.chunk, F-i0)
		g := w.gram[:cs*F]
		clear(g)
		vec.Gemm(g, E[i0*H:(i0+cs)*H], w.et, cs, H, F)
		for r := 0; r < cs; r++ {
			d := &g[r*F+i0+r]
			*d = float32(F) * (*d - 1)
		}
		out := grad[i0*H : (i0+cs)*H]
		clear(out)
		vec.Gemm(out, g, E, cs, F, H)
		for k := range out {
			out[k] *= 4
		}
	}
}
