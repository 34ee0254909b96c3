package toymodel

import "math"

// Scratch is per-worker workspace for LossGradInstance: h [H] and dOut [F].
type Scratch struct{ h, dh, dOut []float64 }

// NewScratch sizes a workspace for the model.
func (m *Model) NewScratch() *Scratch {
	return &Scratch{h: make([]float64, m.Cfg.DHidden), dh: make([]float64, m.Cfg.DHidden), dOut: make([]float64, m.Cfg.NFeatures)}
}

// LossGradInstance returns instance i's loss term (1/(B·F)) Σ_b Σ_f imp·(x − x')² on a sparse
// batch, and if gW [H][F] and gB [F] (instance i's slices) are non-nil adds its gradient.
//
// Forward:  h = W·x;  x' = ReLU(Wᵀh + b).
// Backward: δ_f = 2·imp_f·(x'_f − x_f)/(B·F)·1[pre_f > 0];  ∂b += δ;  ∂W[:,f] += δ_f·h (decoder
// use of W) + x_f·(W·δ) (encoder use of W, only where x_f ≠ 0).
//
// All-zero samples have h = 0 and x' = ReLU(b): they add count·(their one term) to the loss
// and to ∂b, and nothing to ∂W.
func (m *Model) LossGradInstance(i int, ib *InstBatch, B int, gW, gB []float64, sc *Scratch) float64 {
	H, F := m.Cfg.DHidden, m.Cfg.NFeatures
	W := m.W[i*H*F : (i+1)*H*F]
	bias := m.BFinal[i*F : (i+1)*F]
	imp := m.Importance[i*F : (i+1)*F]
	norm := 1 / float64(B*F)
	var L float64

	// All-zero samples: one shared forward.
	if nz := float64(ib.Zeros(B)); nz > 0 {
		for f := 0; f < F; f++ {
			if bias[f] > 0 {
				L += nz * imp[f] * bias[f] * bias[f]
				if gB != nil {
					gB[f] += nz * 2 * imp[f] * bias[f] * norm
				}
			}
		}
	}
	h, dh, dOut := sc.h, sc.dh, sc.dOut
	for k := range ib.Sample {
		lo, hi := ib.Start[k], ib.Start[k+1]
		feat, val := ib.Feat[lo:hi], ib.Val[lo:hi]
		for hh := 0; hh < H; hh++ {
			row := W[hh*F : (hh+1)*F]
			var s float64
			for e, f := range feat {
				s += row[f] * val[e]
			}
			h[hh] = s
		}
		// Residual over all features; x_f is nonzero only at the listed entries.
		e := 0
		for f := 0; f < F; f++ {
			pre := bias[f]
			for hh := 0; hh < H; hh++ {
				pre += W[hh*F+f] * h[hh]
			}
			out := math.Max(pre, 0)
			x := 0.0
			if e < len(feat) && int(feat[e]) == f {
				x = val[e]
				e++
			}
			d := out - x
			L += imp[f] * d * d
			if pre > 0 {
				dOut[f] = 2 * imp[f] * d * norm
			} else {
				dOut[f] = 0
			}
		}
		if gW == nil {
			continue
		}
		for hh := 0; hh < H; hh++ {
			row, grow := W[hh*F:(hh+1)*F], gW[hh*F:(hh+1)*F]
			var s float64
			for f := 0; f < F; f++ {
				grow[f] += dOut[f] * h[hh]
				s += row[f] * dOut[f]
			}
			dh[hh] = s
		}
		for e, f := range feat {
			for hh := 0; hh < H; hh++ {
				gW[hh*F+int(f)] += dh[hh] * val[e]
			}
		}
		for f := 0; f < F; f++ {
			gB[f] += dOut[f]
		}
	}
	return L * norm
}
