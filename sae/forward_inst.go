package sae

// InstanceForward is one instance's inference forward run one sample at a time, for callers
// that measure batches too large to hold as [B][I][S] (evaluation, the Figure-15 scatter):
// each sample's results are Forward's for it, bit for bit (a sample's forward is a function of
// its input alone). It reads the parameters as they are when it is made; use one per worker.
type InstanceForward struct {
	s          *SAE
	i          int
	w          *work
	aw         *archWork
	terms      []float64
	acts, hrec []float64 // the last sample's: w's, or the all-zero input's copies

	zeroDone           bool // the all-+0 input's results are cached
	zeroLoss           float64
	zeroTerms          []float64
	zeroActs, zeroHRec []float64
}

// NewInstanceForward prepares instance i's forward.
func (s *SAE) NewInstanceForward(i int) *InstanceForward {
	f := &InstanceForward{s: s, i: i, w: s.newWork(), aw: &archWork{}, terms: make([]float64, len(s.TermNames()))}
	s.prepare(i, f.w)
	s.prepArch(i, f.aw)
	return f
}

// Sample runs one input h [D] and returns its loss and its terms (TermNames order, valid until
// the next call); Acts and HRec hold its activations and reconstruction until then.
func (f *InstanceForward) Sample(h []float64) (loss float64, terms []float64) {
	s := f.s
	if positiveZeros(h[:s.Cfg.DIn]) {
		if !f.zeroDone {
			t := s.kernel(f.i, f.w.zero, 0, f.w, f.aw, false)
			f.zeroLoss, f.zeroTerms = s.lossOf(t), append([]float64(nil), t[:len(f.terms)]...)
			f.zeroActs, f.zeroHRec = append([]float64(nil), f.w.acts...), append([]float64(nil), f.w.hrec...)
			f.zeroDone = true
		}
		f.acts, f.hrec = f.zeroActs, f.zeroHRec
		copy(f.terms, f.zeroTerms)
		return f.zeroLoss, f.terms
	}
	t := s.kernel(f.i, h, 0, f.w, f.aw, false)
	copy(f.terms, t[:len(f.terms)])
	f.acts, f.hrec = f.w.acts, f.w.hrec
	return s.lossOf(t), f.terms
}

// Acts returns the last sample's activations [S].
func (f *InstanceForward) Acts() []float64 { return f.acts[:f.s.Cfg.DSAE] }

// HRec returns the last sample's reconstruction [D].
func (f *InstanceForward) HRec() []float64 { return f.hrec[:f.s.Cfg.DIn] }
