package sae

import (
	"math"

	"saelab/internal/par"
)

// ForwardParallel is Forward, with the same bits, on GOMAXPROCS workers: each takes a
// contiguous range of samples (reading h and writing the outputs in order) with its own
// scratch per instance, and an instance's all-zero samples (every h_d = +0, the bulk of a
// sparse batch) share one forward whose results are copied, since a sample's forward is a
// function of its input alone.
func (s *SAE) ForwardParallel(h []float64, B int) Output {
	I, D, S := s.Cfg.NInst, s.Cfg.DIn, s.Cfg.DSAE
	out := s.newOutput(B)
	names := s.TermNames()
	terms := make([][]float64, len(names))
	for k, n := range names {
		terms[k] = out.Terms[n]
	}
	h = h[:B*I*D]
	type inst struct {
		w           *work
		aw          *archWork
		zt          termVec
		zacts, zrec []float64 // the all-zero sample's results, once computed
	}
	par.ForEachRange((B+forwardChunk-1)/forwardChunk, func(lo, hi int) {
		in := make([]inst, I)
		for i := range in {
			in[i].w, in[i].aw = s.newWork(), &archWork{}
			s.prepare(i, in[i].w)
			s.prepArch(i, in[i].aw)
		}
		for b := lo * forwardChunk; b < min(hi*forwardChunk, B); b++ {
			for i := range in {
				c := &in[i]
				r := b*I + i
				x := h[r*D : (r+1)*D]
				t, acts, hrec := c.zt, c.zacts, c.zrec
				if !positiveZeros(x) {
					t, acts, hrec = s.kernel(i, x, 0, c.w, c.aw, false), c.w.acts, c.w.hrec
				} else if c.zacts == nil {
					c.zt = s.kernel(i, c.w.zero, 0, c.w, c.aw, false)
					c.zacts, c.zrec = append([]float64(nil), c.w.acts[:S]...), append([]float64(nil), c.w.hrec[:D]...)
					t, acts, hrec = c.zt, c.zacts, c.zrec
				}
				for k, tk := range terms {
					tk[r] = t[k]
				}
				out.Loss[r] = s.lossOf(t)
				// element by element: for a few values a call to memmove costs more
				oa, oh := out.Acts[r*S:(r+1)*S], out.HRec[r*D:(r+1)*D]
				for k, a := range acts[:S] {
					oa[k] = a
				}
				for k, v := range hrec[:D] {
					oh[k] = v
				}
			}
		}
	})
	return out
}

// forwardChunk is ForwardParallel's unit of work in samples.
const forwardChunk = 64

// positiveZeros reports whether every element of x is +0 (the input w.zero holds).
func positiveZeros(x []float64) bool {
	for _, v := range x {
		if math.Float64bits(v) != 0 {
			return false
		}
	}
	return true
}
