package wide

import (
	"saelab/internal/par"
	"saelab/internal/vec"
)

// entries lists a batch's touched latents by sample (CSR): sample b owns entries
// [off[b], off[b+1]), at latents idx (ascending within a sample). Everything after the
// encoder's dense product works on these lists, so its cost follows the active latents.
type entries struct {
	off  []int
	idx  []int32
	pre  []float32 // the pre-activation the selection saw
	c    []float32 // coefficient of W_dec,j in the reconstruction
	u    []float32 // architecture-specific second value (gated: π_gate)
	dc   []float32 // ∂L/∂c
	du   []float32 // ∂L/∂u
	dpre []float32 // ∂L/∂(encoder product xc·W_enc + b) for this entry
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// build sizes the lists from count(b) (run in parallel) and lets fill(b, lo, hi) write
// sample b's entries at [lo, hi). Samples are independent, so the schedule cannot change the
// result.
func (e *entries) build(B int, count func(b int) int, fill func(b, lo, hi int)) {
	e.off = grow(e.off, B+1)
	cnt := e.off[1:]
	par.ForEachRange(B, func(lo, hi int) {
		for b := lo; b < hi; b++ {
			cnt[b] = count(b)
		}
	})
	e.off[0] = 0
	for b := 0; b < B; b++ {
		e.off[b+1] += e.off[b]
	}
	n := e.off[B]
	e.idx, e.pre, e.c, e.u = grow(e.idx, n), grow(e.pre, n), grow(e.c, n), grow(e.u, n)
	e.dc, e.du, e.dpre = grow(e.dc, n), grow(e.du, n), grow(e.dpre, n)
	clear(e.dc)
	clear(e.du)
	clear(e.dpre)
	par.ForEachRange(B, func(lo, hi int) {
		for b := lo; b < hi; b++ {
			fill(b, e.off[b], e.off[b+1])
		}
	})
}

// latIndex is the transpose of an entries list: latent j owns positions [off[j], off[j+1]),
// in increasing sample order, at rows row[p] of the batch; perm[p] is the entry.
type latIndex struct {
	off  []int
	row  []int32
	perm []int32
	vals []float32
	sum  []float32
	cur  []int
}

// build transposes e (a counting sort, stable in sample order).
func (l *latIndex) build(e *entries, S int) {
	n := len(e.idx)
	l.off = grow(l.off, S+1)
	clear(l.off)
	for _, j := range e.idx {
		l.off[j+1]++
	}
	for j := 0; j < S; j++ {
		l.off[j+1] += l.off[j]
	}
	l.row, l.perm, l.vals = grow(l.row, n), grow(l.perm, n), grow(l.vals, n)
	l.cur = grow(l.cur, S)
	copy(l.cur, l.off[:S])
	B := len(e.off) - 1
	for b := 0; b < B; b++ {
		for p := e.off[b]; p < e.off[b+1]; p++ {
			j := e.idx[p]
			q := l.cur[j]
			l.cur[j]++
			l.row[q], l.perm[q] = int32(b), int32(p)
		}
	}
}

// gather returns src in latent order (one buffer, reused by the next call).
func (l *latIndex) gather(src []float32) []float32 {
	for q, p := range l.perm {
		l.vals[q] = src[p]
	}
	return l.vals
}

// rowSums returns Σ over each latent's positions of v (latent order), in sample order.
func (l *latIndex) rowSums(v []float32, S int) []float32 {
	l.sum = grow(l.sum, S)
	for j := 0; j < S; j++ {
		s := float32(0)
		for _, x := range v[l.off[j]:l.off[j+1]] {
			s += x
		}
		l.sum[j] = s
	}
	return l.sum
}

func dot32(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// decodeInto adds Σ_entries c·W_dec,j to the rows of xhat [B×D] (vec.GemmSparse).
func decodeInto(xhat []float32, e *entries, coef, wDec []float32, B, S, D int) {
	vec.GemmSparse(xhat, e.off, e.idx, coef, wDec, B, S, D)
}

// decodeBack is the decoder's backward pass for reconstructions Σ_e coef_e·W_dec,j whose
// gradient is G[k] [B×D] for latents in band k, bands = [0, ends[0]), [ends[0], ends[1]), …:
//
//	dst_e += G[k(j)]_b · W_dec,j                    (∂L/∂coef_e, every entry e = (b, j))
//	∂L/∂W_dec,j += Σ_{e at j} coef_e · G[k(j)]_b    (into gWdec, if not nil)
//
// Matryoshka passes, for band k, the sum of the gradients of every reconstruction that
// includes it; the others pass one band. With one band and more than B·S/denseDiv entries
// (a dense architecture early in training), the dot products come from one dense product
// G·W_decᵀ (vec.Gemm, wDecT = W_decᵀ [D×S]), which is then cheaper than entry-by-entry dots.
func (t *trainer) decodeBack(e *entries, coef, dst []float32, G [][]float32, ends []int, wDec, wDecT, gWdec []float32) {
	B, D := t.B, t.D
	S := ends[len(ends)-1]
	if len(G) == 1 && wDecT != nil && len(e.idx)*t.denseDiv > B*S {
		t.dense = grow(t.dense, B*S)
		clear(t.dense)
		vec.Gemm(t.dense, G[0], wDecT, B, D, S)
		par.ForEachRange(B, func(lo, hi int) {
			for b := lo; b < hi; b++ {
				row := t.dense[b*S : (b+1)*S]
				for p := e.off[b]; p < e.off[b+1]; p++ {
					dst[p] += row[e.idx[p]]
				}
			}
		})
	} else {
		par.ForEachRange(B, func(lo, hi int) {
			for b := lo; b < hi; b++ {
				k := 0
				for p := e.off[b]; p < e.off[b+1]; p++ {
					j := int(e.idx[p])
					for j >= ends[k] {
						k++
					}
					dst[p] += dot32(G[k][b*D:(b+1)*D], wDec[j*D:(j+1)*D])
				}
			}
		})
	}
	if gWdec == nil {
		return
	}
	vals := t.lat.gather(coef)
	start := 0
	for k, end := range ends {
		vec.GemmSparse(gWdec[start*D:], t.lat.off[start:end+1], t.lat.row, vals, G[k], end-start, B, D)
		start = end
	}
}

// encodeBack is the encoder's backward pass from dpre: with pre = xc·W_enc + b and xc = x − b_dec,
//
//	∂L/∂W_encᵀ_j += Σ_b dpre_bj · xc_b;   ∂L/∂b_j += Σ_b dpre_bj;   ∂L/∂b_dec −= Σ_j (Σ_b dpre_bj)·W_encᵀ_j
//
// gB receives the bias gradient (nil: skipped); gBDec nil skips the last term.
func encodeBack(e *entries, l *latIndex, xc, wEncT, gWEncT, gB, gBDec []float32, B, S, D int) {
	vals := l.gather(e.dpre)
	vec.GemmSparse(gWEncT, l.off, l.row, vals, xc, S, B, D)
	sums := l.rowSums(vals, S)
	if gB != nil {
		for j, s := range sums {
			gB[j] += s
		}
	}
	if gBDec != nil {
		for j, s := range sums {
			if s != 0 {
				axpy32(gBDec, -s, wEncT[j*D:(j+1)*D])
			}
		}
	}
}

func axpy32(dst []float32, a float32, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] += a * v
	}
}
