package toymodel

// BatchFromDense builds the sparse form of a dense x [B][I][F] (e.g. a batch given from outside).
func BatchFromDense(x []float64, B, I, F int) *Batch {
	bt := NewBatch(B, I, F)
	for i := 0; i < I; i++ {
		ib := &bt.Inst[i]
		for b := 0; b < B; b++ {
			row := x[(b*I+i)*F : (b*I+i+1)*F]
			first := true
			for f, v := range row {
				if v == 0 {
					continue
				}
				if first {
					ib.Sample = append(ib.Sample, int32(b))
					ib.Start = append(ib.Start, int32(len(ib.Feat)))
					first = false
				}
				ib.Feat = append(ib.Feat, int32(f))
				ib.Val = append(ib.Val, v)
			}
		}
		ib.Start = append(ib.Start, int32(len(ib.Feat)))
	}
	return bt
}

// LossGrad returns L = Σ_i loss_i on a sparse batch and its gradient (∂W [I][H][F], ∂b_final [I][F]).
func (m *Model) LossGrad(bt *Batch) (L float64, gW, gB []float64) {
	I, H, F := m.Cfg.NInst, m.Cfg.DHidden, m.Cfg.NFeatures
	gW, gB = make([]float64, I*H*F), make([]float64, I*F)
	sc := m.NewScratch()
	for i := 0; i < I; i++ {
		L += m.LossGradInstance(i, &bt.Inst[i], bt.B, gW[i*H*F:(i+1)*H*F], gB[i*F:(i+1)*F], sc)
	}
	return L, gW, gB
}
