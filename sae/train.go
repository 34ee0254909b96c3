package sae

import (
	"math"
	"time"

	"saelab/internal/par"
	"saelab/optim"
	"saelab/rng"
	"saelab/toymodel"
)

// Progress is what a progress callback sees while training. Each worker trains a contiguous
// block of instances one after the other, so at a tick some instances have finished, one per
// worker is training and the rest have not started: Step is the mean over instances of the
// steps done (the run's fraction done; the minimum would stay 0 until every worker reached its
// last instance). Loss, LReconstruction and LSparsity are I × the mean over the started
// instances of their latest training-batch value, comparable to the reference's postfix (the
// sum over instances); FracActive is the mean over the started instances and the latents of
// their latest training batch's frac_active. The values are published every few steps, so
// they may lag the step count by up to progressEvery steps; the final callback carries the
// last logged step's values.
type Progress struct {
	Step, Steps     int     // steps done (mean over instances) and in all
	LR, Loss        float64 // the learning rate at Step; I × the mean training-batch loss
	FracActive      float64 // mean over instances and latents
	LReconstruction float64 // I × the mean training-batch L_reconstruction
	LSparsity       float64 // I × the mean training-batch L_sparsity
}

// Scalars are the training-batch values at one logged step (sum over instances of the batch
// mean, as the reference's progress postfix; FracActive is the mean over instances and latents).
type Scalars struct {
	Step                                             int     // the logged step
	LR, Loss, LReconstruction, LSparsity, FracActive float64 // the step's lr, and the batch values
}

// Train runs optimize (spec §2.7) in place and returns the data log. Each instance trains on
// its own worker with its own streams, so the result does not depend on GOMAXPROCS. Per step,
// in the reference's order: resample check, lr, fresh batch, forward/backward and Adam,
// decoder renormalisation when untied, frac_active, then the log record.
func Train(s *SAE, tc TrainConfig, seed uint64, progress func(Progress)) (DataLog, error) {
	return TrainWith(s, tc, seed, progress, Control{})
}

// TrainWith is Train steered by ctl: stopped by a context, checkpointed, resumed (Control).
// A loss, loss term or parameter that is not finite at a logged step stops the run with
// ErrDiverged.
func TrainWith(s *SAE, tc TrainConfig, seed uint64, progress func(Progress), ctl Control) (DataLog, error) {
	if err := tc.Validate(); err != nil {
		return DataLog{}, err
	}
	if err := CheckTraining(s.Cfg, tc); err != nil {
		return DataLog{}, err
	}
	sched, _ := optim.ParseSchedule(tc.Schedule)
	lr := func(step int) float64 { return tc.LR * sched(step, tc.Steps) }
	I, S := s.Cfg.NInst, s.Cfg.DSAE
	params := s.Params()
	sizes := make([]int, len(params))
	for k, p := range params {
		sizes[k] = len(p.Data)
	}
	adam := optim.NewAdam(tc.Beta1, tc.Beta2, tc.Eps, sizes...)
	logSteps := toymodel.LogSteps(tc.Steps, tc.LogFreq)
	log := s.newLog(logSteps, tc.HiddenSampleSize)
	var resampleSteps []int
	if tc.Resample != "none" {
		for st := tc.ResampleFreq - 1; st < tc.Steps; st += tc.ResampleFreq {
			resampleSteps = append(resampleSteps, st)
		}
	}
	nT := len(s.TermNames())
	r := &trainRun{s: s, tc: tc, params: params, adam: adam, log: &log, logSteps: logSteps, resampleSteps: resampleSteps,
		resampled: make([]int, len(resampleSteps)*I),
		scal:      make([]float64, len(logSteps)*I*(nT+1)), // [log][I][loss, terms...] training-batch means
		fracMean:  make([]float64, len(logSteps)*I), nT: nT}
	if err := r.control(ctl); err != nil {
		return DataLog{}, err
	}
	// Each instance's [steps done, loss, L_rec, L_sp, frac_active] for the progress callback.
	board := par.NewBoard(I)

	run := func(i int) {
		t := s.newTrainer(i, tc, seed, params, adam)
		rl := rng.New(seed, rng.PurposeSAELogBatch, uint64(i))
		from, li, ri, err := r.restore(i, t, &rl, ctl.Resume)
		if err != nil {
			r.errs[i] = err
			return
		}
		if from > 0 && progress != nil && li > 0 {
			sc := r.scal[((li-1)*I+i)*(nT+1):]
			board.Publish(i, []float64{float64(from), sc[0], sc[1], sc[2], r.fracMean[(li-1)*I+i]})
		}
		var hr hiddenBatch
		invB := 1 / float64(tc.BatchSize)
		step := from
		for ; step < tc.Steps && !r.stop.Stopped(); step++ {
			if ri < len(resampleSteps) && resampleSteps[ri] == step {
				r.resampled[ri*I+i] = t.resample(step)
				ri++
			}
			// One shared step counter, as in torch: step s uses the corrections of t = s+1.
			bc1, bc2 := optim.BiasCorrections(tc.Beta1, tc.Beta2, step+1)
			sums, fsum := t.step(step, lr(step), bc1, bc2)
			if progress != nil && (step%progressEvery == progressEvery-1 || step == tc.Steps-1) {
				board.Publish(i, []float64{float64(step + 1), sums[0] * invB, sums[1] * invB, sums[2] * invB, fsum / float64(S)})
			}
			if li < len(logSteps) && logSteps[li] == step {
				for k := 0; k <= nT; k++ {
					r.scal[(li*I+i)*(nT+1)+k] = sums[k] * invB
				}
				r.fracMean[li*I+i] = fsum / float64(S)
				s.logInstance(&log.Records[li], i, step, tc.HiddenSampleSize, rl, &hr, t.w)
				li++
				if !r.logged(i, t, rl, step+1, li, ri, sums[:nT+1]) {
					return
				}
			}
		}
		if step > from {
			r.end(i, t, rl, step, li, ri)
		}
	}

	var tick func()
	if progress != nil {
		tick = func() {
			progress(boardProgress(board, I, tc.Steps, lr))
		}
	}
	par.ForEachBlockTickingN(I, tc.Workers, run, 100*time.Millisecond, tick)
	if err := r.close(); err != nil {
		return DataLog{}, err
	}

	log.finish(resampleSteps, r.resampled, logSteps, r.scal, r.fracMean, nT, lr)
	if progress != nil {
		last := log.Scalars[len(log.Scalars)-1]
		progress(Progress{Step: tc.Steps, Steps: tc.Steps, LR: last.LR, Loss: last.Loss, FracActive: last.FracActive,
			LReconstruction: last.LReconstruction, LSparsity: last.LSparsity})
	}
	return log, nil
}

// finish fills the log's resampling events (latents reset per instance, [resample][I]) and
// its scalars (the instances' training-batch means [log][I][loss, terms...] summed over the
// instances, and their frac_active means [log][I] averaged).
func (log *DataLog) finish(resampleSteps, resampled, logSteps []int, scal, fracMean []float64, nT int, lr func(step int) float64) {
	I := log.NInst
	for r, st := range resampleSteps {
		n := 0
		for i := 0; i < I; i++ {
			n += resampled[r*I+i]
		}
		log.Resamples = append(log.Resamples, ResampleEvent{Step: st, Dead: n})
	}
	for li, st := range logSteps {
		sc := Scalars{Step: st, LR: lr(st)}
		for i := 0; i < I; i++ {
			base := (li*I + i) * (nT + 1)
			sc.Loss += scal[base]
			sc.LReconstruction += scal[base+1]
			sc.LSparsity += scal[base+2]
			sc.FracActive += fracMean[li*I+i] / float64(I)
		}
		log.Scalars = append(log.Scalars, sc)
	}
}

// progressEvery is how often (in steps) a training instance publishes its latest values for
// the progress callback: a publication is a few atomic stores, too many for every step.
const progressEvery = 16

// boardProgress summarises the instances' latest publications (see Progress).
func boardProgress(b *par.Board, I, steps int, lr func(step int) float64) Progress {
	var v [5]float64
	var done, started, loss, lrec, lsp, frac float64
	for i := 0; i < I; i++ {
		b.Read(i, v[:])
		done += v[0]
		if v[0] > 0 {
			started++
			loss += v[1]
			lrec += v[2]
			lsp += v[3]
			frac += v[4]
		}
	}
	st := int(done / float64(I))
	p := Progress{Step: st, Steps: steps, LR: lr(min(st, steps-1))}
	if started > 0 {
		c := float64(I) / started
		p.Loss, p.LReconstruction, p.LSparsity, p.FracActive = c*loss, c*lrec, c*lsp, frac/started
	}
	return p
}

// newLog allocates every record so that instances can fill their own parts concurrently. The
// per-sample tensors of a record share one allocation (capped slices: appending to one cannot
// touch the next).
func (s *SAE) newLog(steps []int, n int) DataLog {
	I, D, S := s.Cfg.NInst, s.Cfg.DIn, s.Cfg.DSAE
	log := DataLog{NInst: I, DIn: D, DSAE: S, SampleSize: n, Records: make([]Record, len(steps))}
	terms, logged := s.TermNames(), s.logged()
	for r, st := range steps {
		buf := make([]float32, I*S+n*I*(1+2*D+len(terms)))
		take := func(k int) []float32 {
			v := buf[:k:k]
			buf = buf[k:]
			return v
		}
		rec := Record{Step: st, FracActive: take(I * S), Loss: take(n * I), H: take(n * I * D), HR: take(n * I * D),
			Params: make(map[string][]float64, len(logged)), Terms: make(map[string][]float32, len(terms))}
		for _, p := range logged {
			rec.Params[p.Name] = make([]float64, len(p.Data))
		}
		for _, t := range terms {
			rec.Terms[t] = take(n * I)
		}
		log.Records[r] = rec
	}
	return log
}

// logInstance fills instance i's part of a record: a forward pass on a separate batch of n
// samples with the post-update parameters (spec §2.7 step 7).
func (s *SAE) logInstance(rec *Record, i, step, n int, r *rng.Stream, hb *hiddenBatch, w *work) {
	I, D, S := s.Cfg.NInst, s.Cfg.DIn, s.Cfg.DSAE
	s.drawHidden(i, n, r, hb)
	s.prepare(i, w)
	var terms [len(termVec{})][]float32
	for k, name := range s.TermNames() {
		terms[k] = rec.Terms[name]
	}
	put := func(b int, t termVec) {
		rec.Loss[b*I+i] = float32(s.lossOf(t))
		for k, tk := range terms {
			if tk != nil {
				tk[b*I+i] = float32(t[k])
			}
		}
		hr := rec.HR[(b*I+i)*D : (b*I+i+1)*D]
		for d, v := range w.hrec[:D] {
			hr[d] = float32(v)
		}
	}
	// Activity counts accumulate in the record (integers ≤ n, exact in float32), then become
	// fractions: float32 division of exact integers rounds as the float64 quotient would.
	fa := rec.FracActive[i*S : (i+1)*S]
	count := func(mult int) {
		for j, a := range w.acts {
			if math.Abs(a) > 1e-8 {
				fa[j] += float32(mult)
			}
		}
	}
	// The all-zero samples (h = 0 exactly; zero in the freshly allocated record) share one forward.
	if hb.NZero > 0 {
		t := s.sample(i, w.zero, 0, w, false)
		k := 0
		for b := 0; b < n; b++ {
			if k < len(hb.Sample) && int(hb.Sample[k]) == b {
				k++
				continue
			}
			put(b, t)
		}
		count(hb.NZero)
	}
	for k, b32 := range hb.Sample {
		b := int(b32)
		h := hb.H[k*D : (k+1)*D]
		dst := rec.H[(b*I+i)*D : (b*I+i+1)*D]
		for d, v := range h {
			dst[d] = float32(v)
		}
		put(b, s.sample(i, h, 0, w, false))
		count(1)
	}
	for j := 0; j < S; j++ {
		fa[j] /= float32(n)
	}
	for _, p := range s.logged() {
		per := len(p.Data) / I
		copy(rec.Params[p.Name][i*per:(i+1)*per], p.Data[i*per:(i+1)*per])
	}
}

// trainer is one instance's training state: its streams, scratch and dead-latent tracking.
// A step (without resampling or logging) allocates nothing.
type trainer struct {
	s         *SAE
	i         int
	tc        TrainConfig
	params    []Param
	adam      *optim.Adam
	rb, rr    *rng.Stream
	w         *work
	hb, hr    hiddenBatch
	counts    []int
	lastFired []int
	dead      []bool
}

func (s *SAE) newTrainer(i int, tc TrainConfig, seed uint64, params []Param, adam *optim.Adam) *trainer {
	S := s.Cfg.DSAE
	t := &trainer{s: s, i: i, tc: tc, params: params, adam: adam, w: s.newWork(),
		rb: rng.New(seed, rng.PurposeSAEBatch, uint64(i)), rr: rng.New(seed, rng.PurposeResample, uint64(i)),
		counts: make([]int, S), lastFired: make([]int, S), dead: make([]bool, S)}
	for j := range t.lastFired {
		t.lastFired[j] = -1
	}
	return t
}

// resample runs the resampling of spec §2.7 step 1 for the instance at this step and returns
// the number of latents reset. Dead: silent on every training batch of the last ≤ window
// steps (spec §2.8).
func (t *trainer) resample(step int) int {
	s, i, tc := t.s, t.i, t.tc
	from := max(0, step-tc.ResampleWindow)
	for j := range t.dead {
		t.dead[j] = step > 0 && t.lastFired[j] < from
	}
	nd := count(t.dead)
	if nd == 0 {
		return 0
	}
	if tc.Resample == "simple" {
		return s.resampleSimpleInstance(i, t.dead, tc.ResampleScale, t.rr)
	}
	if hs := s.pickAdvanced(i, tc.BatchSize, nd, t.rr, &t.hr, t.w); hs != nil {
		return s.resampleAdvancedInstance(i, t.dead, hs, tc.ResampleScale)
	}
	return 0
}

// step runs spec §2.7 steps 2–6 for the instance: a fresh batch, forward and backward, Adam,
// the decoder renormalisation and the activity bookkeeping. It returns the batch sums of
// [loss, terms...] and Σ_j frac_active_j.
func (t *trainer) step(step int, lr, bc1, bc2 float64) (sums [5]float64, fsum float64) {
	s, i := t.s, t.i
	B := t.tc.BatchSize
	s.arch.draw(s, i, B, t.rb, &t.hb)
	s.prepare(i, t.w)
	sums = s.lossGradBatch(i, &t.hb, B, t.w, t.counts)
	I := s.Cfg.NInst
	for k, p := range t.params {
		per := len(p.Data) / I
		t.adam.Update(k, i*per, p.Data[i*per:(i+1)*per], t.w.g[k], lr, bc1, bc2)
	}
	s.afterStep(i, t.w)
	invB := 1 / float64(B)
	for j, c := range t.counts {
		if c > 0 {
			t.lastFired[j] = step
		}
		fsum += float64(c) * invB
	}
	return sums, fsum
}
