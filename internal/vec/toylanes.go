package vec

// ToyLanes is the toy model's lane kernel (spec §1.4, §1.6) for one instance's nonzero
// samples, eight at a time: sample k sits in lane k mod 8, and each gradient element and the
// loss are accumulated per lane in sample order. The caller adds the lanes in LaneSums's
// fixed tree (Sums).
//
// Acc holds the accumulators, eight lanes each (H = d_hidden, F = n_features):
//
//	∂W [H][F], ∂b [F], then Σ imp·(x' − x)².
//
// A caller may fill Acc with its own kernel of the same arithmetic (the toy model's sparse
// plain kernel does) and still reduce it with Sums.
type ToyLanes struct {
	H, F int       // d_hidden, n_features
	Acc  []float64 // the accumulators, in the order above

	red   []float64 // Acc's lane sums
	h, dh []float64 // [H][8]: a block's h and W·δ (the plain twin uses [H])
	xd    []float64 // plain twin: one sample's x [F]
}

// NewToyLanes sizes the kernel for d_hidden = H and n_features = F.
func NewToyLanes(H, F int) *ToyLanes {
	return &ToyLanes{H: H, F: F, Acc: make([]float64, (H*F+F+1)*8), red: make([]float64, H*F+F+1),
		h: make([]float64, H*8), dh: make([]float64, H*8), xd: make([]float64, F)}
}

// LossAt is the position of the loss accumulator's first lane in Acc.
func (l *ToyLanes) LossAt() int { return (l.H*l.F + l.F) * 8 }

// Run sets Acc to the lane sums of the n nonzero samples x [F][stride] (sample k's features at
// x[f·stride+k], stride ≥ n a multiple of 8, zeros for inactive features and padding) for the
// parameters W [H][F], bias [F], importance imp [F] and norm = 1/(B·F); the loss is accumulated
// only with wantLoss. Per sample, into its lane l, it must equal this plain loop:
//
//	h_h = Σ_f W[h,f]·x_f  (f in order);  pre_f = b_f + Σ_h W[h,f]·h_h;  d_f = max(pre_f, 0) − x_f
//	L_l += imp_f·d_f²;  δ_f = 2·imp_f·d_f·norm if pre_f > 0 else 0
//	∂W_l[h,f] += δ_f·h_h;  (W·δ)_h += W[h,f]·δ_f;  ∂b_l[f] += δ_f   (f in order)
//	then for every f: ∂W_l[h,f] += (W·δ)_h·x_f
func (l *ToyLanes) Run(W, bias, imp []float64, norm float64, x []float64, stride, n int, wantLoss bool) {
	H, F := l.H, l.F
	clear(l.Acc)
	if n == 0 {
		return
	}
	_, _, _ = W[H*F-1], bias[F-1], imp[F-1]
	if stride%8 != 0 || stride < n || len(x) < F*stride {
		panic("vec: ToyLanes.Run needs x [F][stride] with stride a multiple of 8, ≥ n")
	}
	toyLanes(l, W, bias, imp, norm, x, stride, n, wantLoss)
}

// Sums adds the lanes of every accumulator: ∂W [H][F], ∂b [F] and the loss. The slices are
// the kernel's, valid until the next Run.
func (l *ToyLanes) Sums() (gW, gB []float64, loss float64) {
	H, F := l.H, l.F
	LaneSums(l.red, l.Acc)
	return l.red[:H*F], l.red[H*F : H*F+F], l.red[H*F+F]
}

// toyLanesGo is ToyLanes.Run's plain twin: the samples one by one over all features (an
// inactive feature's zero terms change no sum: they are never −0), sample k into lane k mod 8.
func toyLanesGo(l *ToyLanes, W, bias, imp []float64, norm float64, x []float64, stride, n int, wantLoss bool) {
	H, F := l.H, l.F
	acc, h, dh, xd := l.Acc, l.h[:H], l.dh[:H], l.xd[:F]
	gBAt, lossAt := H*F*8, l.LossAt()
	for k := 0; k < n; k++ {
		ln := k & 7
		for f := range xd {
			xd[f] = x[f*stride+k]
		}
		for hh := range h {
			row := W[hh*F : (hh+1)*F]
			var s float64
			for f, v := range xd {
				s += row[f] * v
			}
			h[hh] = s
		}
		clear(dh)
		for f, b := range bias[:F] {
			pre := b
			for hh, hv := range h {
				pre += W[hh*F+f] * hv
			}
			out := pre
			if out <= 0 {
				out = 0 // max(pre, 0), NaN kept
			}
			d := out - xd[f]
			if wantLoss {
				acc[lossAt+ln] += imp[f] * d * d
			}
			g := 2 * imp[f] * d * norm
			if !(pre > 0) {
				g = 0
			}
			for hh, hv := range h {
				acc[(hh*F+f)*8+ln] += g * hv
				dh[hh] += W[hh*F+f] * g
			}
			acc[gBAt+f*8+ln] += g
		}
		for f, v := range xd {
			for hh, d := range dh {
				acc[(hh*F+f)*8+ln] += d * v
			}
		}
	}
}
