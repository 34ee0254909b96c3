package sae

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"saelab/internal/par"
	"saelab/optim"
	"saelab/rng"
)

// Control steers TrainWith from outside the loop; the zero Control trains to the end.
//
// Stopping: when Context ends, every running instance finishes its current step, takes a
// snapshot (with Checkpoint set) and stops; TrainWith saves the checkpoint once more and
// returns an error wrapping ErrStopped and the context's cause.
//
// Checkpoints: each instance snapshots its own state at a logged step once Every has passed
// since its last snapshot (0: at every logged step, saved at once), and when it finishes;
// Checkpoint then receives the run's state from a separate goroutine, at most once per Every,
// so the training workers only copy their own instance's tensors. Checkpoint must not keep its
// argument or anything it holds.
//
// Resume: a Checkpoint of the same run (the same SAE config, training config, model and seed)
// makes TrainWith continue each instance from its snapshot; an instance without one starts
// from s's values. The result is bit for bit the uninterrupted run's: instances share nothing
// but the step-indexed learning rate and bias corrections.
type Control struct {
	Context    context.Context
	Checkpoint func(*Checkpoint) error
	Every      time.Duration
	Resume     *Checkpoint
}

// ErrStopped is wrapped by the error of a training run stopped by its Control's context.
var ErrStopped = errors.New("training stopped")

// ErrDiverged is wrapped by the error of a training run whose loss or parameters stopped
// being finite at a logged step.
var ErrDiverged = errors.New("training diverged")

// Checkpoint is an SAE training run's state: per instance its latest snapshot (nil for an
// instance not started), and the data log with, for each instance i, its parts of the first
// Insts[i].Records records filled (every other value zero).
type Checkpoint struct {
	Insts []*InstanceState // [I]
	Log   DataLog
}

// InstanceState is one instance's training state after Step steps: its slice of each
// parameter and state tensor (Params and State order) and of Adam's moments, the TopK family's
// steps since each latent fired, the resampler's last firing step per latent, its three
// streams' positions, and its share of the data log's bookkeeping so far.
type InstanceState struct {
	Step            int         // steps done; TrainConfig.Steps when the instance has finished
	Params, State   [][]float64 // the instance's slices, in Params and State order
	M, V            [][]float64 // Adam's moments, in Params order
	StepsSinceFired []int       // [S] the TopK family's; nil for the other architectures
	LastFired       []int       // [S] the last step each latent fired on a training batch (−1: never)
	Batch, Resample rng.State   // the training-batch and resampling streams
	LogBatch        rng.State   // the data log's sample stream
	Records         int         // data-log records filled
	Scalars         []float64   // [Records][1+len(TermNames)] training-batch means: loss, terms...
	FracMean        []float64   // [Records] the training batch's mean frac_active
	Resampled       []int       // latents reset at each resampling so far
}

// trainRun is TrainWith's state shared by its workers, and its side of the Control.
type trainRun struct {
	s             *SAE
	tc            TrainConfig
	params        []Param
	adam          *optim.Adam
	log           *DataLog
	logSteps      []int
	resampleSteps []int
	resampled     []int     // [resample][I]
	scal          []float64 // [log][I][nT+1]
	fracMean      []float64 // [log][I]
	nT            int

	stop   *par.Stop
	keep   *par.Keeper[*InstanceState]
	ctx    context.Context
	errs   []error // per instance: its divergence or failed restore
	ckLog  *DataLog
	copied []int // per instance: records copied into ckLog
}

// control starts r's side of ctl: the stop flag and, with a Checkpoint, the keeper; with
// Resume, it checks the checkpoint against the run and restores its data-log parts.
func (r *trainRun) control(ctl Control) error {
	I := r.s.Cfg.NInst
	r.stop, r.ctx, r.errs, r.copied = par.WatchStop(ctl.Context), ctl.Context, make([]error, I), make([]int, I)
	initial := make([]*InstanceState, I)
	if ck := ctl.Resume; ck != nil {
		if err := r.check(ck); err != nil {
			r.stop.Close()
			return err
		}
		copy(initial, ck.Insts)
		for i, st := range ck.Insts {
			if st != nil {
				copyInstanceRecords(r.log, &ck.Log, i, 0, st.Records)
				r.copied[i] = st.Records
			}
		}
		r.ckLog = &ck.Log
	}
	if ctl.Checkpoint == nil {
		return nil
	}
	r.keep = par.NewKeeper(initial, ctl.Every, func(snaps []*InstanceState) error {
		if r.ckLog == nil { // made at the first save: a run shorter than Every never needs it
			l := r.s.newLog(r.logSteps, r.tc.HiddenSampleSize)
			r.ckLog = &l
		}
		for i, st := range snaps {
			if st != nil && st.Records > r.copied[i] {
				copyInstanceRecords(r.ckLog, r.log, i, r.copied[i], st.Records)
				r.copied[i] = st.Records
			}
		}
		return ctl.Checkpoint(&Checkpoint{Insts: snaps, Log: *r.ckLog})
	})
	return nil
}

// check refuses a checkpoint that is not of this run's shape.
func (r *trainRun) check(ck *Checkpoint) error {
	s := r.s
	I, S := s.Cfg.NInst, s.Cfg.DSAE
	if len(ck.Insts) != I {
		return fmt.Errorf("checkpoint: %d instances, the SAE has %d", len(ck.Insts), I)
	}
	if err := ck.Log.sameShape(r.log); err != nil {
		return fmt.Errorf("checkpoint: data log: %w", err)
	}
	state := s.State()
	for i, st := range ck.Insts {
		if st == nil {
			continue
		}
		bad := func(what string) error { return fmt.Errorf("checkpoint: instance %d: %s", i, what) }
		switch {
		case st.Step < 0 || st.Step > r.tc.Steps:
			return bad(fmt.Sprintf("step %d outside [0, steps = %d]", st.Step, r.tc.Steps))
		case !sliceShapes(st.Params, r.params, I) || !sliceShapes(st.M, r.params, I) || !sliceShapes(st.V, r.params, I) || !sliceShapes(st.State, state, I):
			return bad("its tensors do not have the SAE's shapes")
		case (s.StepsSinceFired != nil) != (st.StepsSinceFired != nil) || (st.StepsSinceFired != nil && len(st.StepsSinceFired) != S) || len(st.LastFired) != S:
			return bad("its latent counters do not have d_sae entries")
		case st.Records != recordsBefore(r.logSteps, st.Step) || len(st.Scalars) != st.Records*(r.nT+1) || len(st.FracMean) != st.Records:
			return bad(fmt.Sprintf("%d data-log records at step %d", st.Records, st.Step))
		case len(st.Resampled) != recordsBefore(r.resampleSteps, st.Step):
			return bad(fmt.Sprintf("%d resampling events at step %d", len(st.Resampled), st.Step))
		}
	}
	return nil
}

// recordsBefore counts the steps of the ascending list that are < done.
func recordsBefore(steps []int, done int) int {
	n := 0
	for n < len(steps) && steps[n] < done {
		n++
	}
	return n
}

// sliceShapes reports whether vs holds one instance's slice of each tensor of ps.
func sliceShapes(vs [][]float64, ps []Param, I int) bool {
	if len(vs) != len(ps) {
		return false
	}
	for k, p := range ps {
		if len(vs[k]) != len(p.Data)/I {
			return false
		}
	}
	return true
}

// restore sets instance i's state from the resumed checkpoint and returns its first step and
// the records and resamplings it has done.
func (r *trainRun) restore(i int, t *trainer, rl **rng.Stream, ck *Checkpoint) (from, li, ri int, err error) {
	if ck == nil || ck.Insts[i] == nil {
		return 0, 0, 0, nil
	}
	st, s := ck.Insts[i], r.s
	I, S := s.Cfg.NInst, s.Cfg.DSAE
	for k, p := range r.params {
		per := len(p.Data) / I
		copy(p.Data[i*per:(i+1)*per], st.Params[k])
		copy(r.adam.M[k][i*per:(i+1)*per], st.M[k])
		copy(r.adam.V[k][i*per:(i+1)*per], st.V[k])
	}
	for k, p := range s.State() {
		per := len(p.Data) / I
		copy(p.Data[i*per:(i+1)*per], st.State[k])
	}
	if st.StepsSinceFired != nil {
		copy(s.StepsSinceFired[i*S:(i+1)*S], st.StepsSinceFired)
	}
	copy(t.lastFired, st.LastFired)
	streams := []**rng.Stream{&t.rb, &t.rr, rl}
	for k, pos := range []rng.State{st.Batch, st.Resample, st.LogBatch} {
		if *streams[k], err = rng.FromState(pos); err != nil {
			return 0, 0, 0, fmt.Errorf("checkpoint: instance %d: %w", i, err)
		}
	}
	for li := 0; li < st.Records; li++ {
		copy(r.scal[(li*I+i)*(r.nT+1):(li*I+i+1)*(r.nT+1)], st.Scalars[li*(r.nT+1):(li+1)*(r.nT+1)])
		r.fracMean[li*I+i] = st.FracMean[li]
	}
	for ri, n := range st.Resampled {
		r.resampled[ri*I+i] = n
	}
	return st.Step, st.Records, len(st.Resampled), nil
}

// snapshot copies instance i's state after done steps, li records and ri resamplings.
func (r *trainRun) snapshot(i int, t *trainer, rl *rng.Stream, done, li, ri int) *InstanceState {
	s := r.s
	I, S := s.Cfg.NInst, s.Cfg.DSAE
	st := &InstanceState{Step: done, Batch: t.rb.State(), Resample: t.rr.State(), LogBatch: rl.State(),
		LastFired: append([]int(nil), t.lastFired...), Records: li,
		Scalars: make([]float64, li*(r.nT+1)), FracMean: make([]float64, li), Resampled: make([]int, ri)}
	part := func(v []float64) []float64 {
		per := len(v) / I
		return append([]float64(nil), v[i*per:(i+1)*per]...)
	}
	for k, p := range r.params {
		st.Params = append(st.Params, part(p.Data))
		st.M = append(st.M, part(r.adam.M[k]))
		st.V = append(st.V, part(r.adam.V[k]))
	}
	for _, p := range s.State() {
		st.State = append(st.State, part(p.Data))
	}
	if s.StepsSinceFired != nil {
		st.StepsSinceFired = append([]int(nil), s.StepsSinceFired[i*S:(i+1)*S]...)
	}
	for li := range st.FracMean {
		copy(st.Scalars[li*(r.nT+1):], r.scal[(li*I+i)*(r.nT+1):(li*I+i+1)*(r.nT+1)])
		st.FracMean[li] = r.fracMean[li*I+i]
	}
	for k := range st.Resampled {
		st.Resampled[k] = r.resampled[k*I+i]
	}
	return st
}

// logged runs at instance i's logged step (done steps, li records, ri resamplings): the
// divergence guard on the step's batch values and the instance's parameters, then a snapshot
// when one is due. It reports whether the instance may go on.
func (r *trainRun) logged(i int, t *trainer, rl *rng.Stream, done, li, ri int, sums []float64) bool {
	if err := r.diverged(i, done-1, sums); err != nil {
		r.errs[i] = err
		r.stop.Set()
		return false
	}
	if r.keep != nil && r.keep.Due(i) {
		r.keep.Put(i, r.snapshot(i, t, rl, done, li, ri))
	}
	return true
}

// diverged checks the step's loss and terms and instance i's parameters and state for NaN and
// ±Inf.
func (r *trainRun) diverged(i, step int, sums []float64) error {
	s := r.s
	I := s.Cfg.NInst
	what := ""
	names := append([]string{"loss"}, s.TermNames()...)
	for k, v := range sums {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			what = fmt.Sprintf("the training batch's %s is %v", names[k], v)
			break
		}
	}
	if what == "" {
		for _, p := range s.logged() {
			per := len(p.Data) / I
			if !allFinite(p.Data[i*per : (i+1)*per]) {
				what = p.Name + " holds NaN or Inf"
				break
			}
		}
	}
	if what == "" {
		return nil
	}
	return fmt.Errorf("%w at step %d (instance %d): %s; likely cause: %s", ErrDiverged, step, i, what, r.cause())
}

// cause names the setting most likely to blame for a divergence: a huge loss weight or
// resampling scale, else the learning rate.
func (r *trainRun) cause() string {
	c, tc := r.s.Cfg, r.tc
	const huge = 1e6
	switch {
	case c.SparsityCoeff > huge:
		return fmt.Sprintf("the sparsity coefficient (sparsity_coeff = %g; the loss grows with it, try 0.01–10)", c.SparsityCoeff)
	case c.AuxKCoeff > huge:
		return fmt.Sprintf("the AuxK coefficient (aux_k_coeff = %g; try 1)", c.AuxKCoeff)
	case tc.Resample != "none" && tc.ResampleScale > huge:
		return fmt.Sprintf("the resampling scale (resample_scale = %g; resampled encoder columns get that norm, try 0.5)", tc.ResampleScale)
	}
	return fmt.Sprintf("the learning rate (lr = %g; try a smaller one)", tc.LR)
}

// end snapshots instance i where it finished or stopped.
func (r *trainRun) end(i int, t *trainer, rl *rng.Stream, done, li, ri int) {
	if r.keep != nil && r.errs[i] == nil {
		r.keep.Put(i, r.snapshot(i, t, rl, done, li, ri))
	}
}

// close stops the keeper (saving once more when stopped by the context) and returns the
// run's error: the first divergence by instance, the stop, or a failed checkpoint.
func (r *trainRun) close() error {
	defer r.stop.Close()
	interrupted := r.ctx != nil && r.ctx.Err() != nil
	var kerr error
	if r.keep != nil {
		kerr = r.keep.Close(interrupted)
	}
	for _, err := range r.errs {
		if err != nil {
			return err
		}
	}
	if interrupted {
		return fmt.Errorf("%w: %w", ErrStopped, context.Cause(r.ctx))
	}
	if kerr != nil {
		return fmt.Errorf("checkpoint: %w", kerr)
	}
	return nil
}

func allFinite(v []float64) bool {
	for _, x := range v {
		if x-x != 0 { // NaN and ±Inf alone give a non-zero (NaN) difference
			return false
		}
	}
	return true
}

// copyInstanceRecords copies instance i's parts of records [from, to) from src to dst (logs
// of one shape).
func copyInstanceRecords(dst, src *DataLog, i, from, to int) {
	I, D, S, n := src.NInst, src.DIn, src.DSAE, src.SampleSize
	for t := from; t < to; t++ {
		d, s := &dst.Records[t], &src.Records[t]
		copy(d.FracActive[i*S:(i+1)*S], s.FracActive[i*S:(i+1)*S])
		for b := 0; b < n; b++ {
			r := b*I + i
			d.Loss[r] = s.Loss[r]
			copy(d.H[r*D:(r+1)*D], s.H[r*D:(r+1)*D])
			copy(d.HR[r*D:(r+1)*D], s.HR[r*D:(r+1)*D])
			for name, v := range s.Terms {
				d.Terms[name][r] = v[r]
			}
		}
		for name, v := range s.Params {
			per := len(v) / I
			copy(d.Params[name][i*per:(i+1)*per], v[i*per:(i+1)*per])
		}
	}
}

// sameShape reports how log differs in shape from want (records, steps, tensors), or nil.
func (log *DataLog) sameShape(want *DataLog) error {
	if log.NInst != want.NInst || log.DIn != want.DIn || log.DSAE != want.DSAE || log.SampleSize != want.SampleSize {
		return fmt.Errorf("%d instances × %d × %d latents, %d samples; want %d × %d × %d, %d", log.NInst, log.DIn, log.DSAE, log.SampleSize,
			want.NInst, want.DIn, want.DSAE, want.SampleSize)
	}
	if len(log.Records) != len(want.Records) {
		return fmt.Errorf("%d records, want %d", len(log.Records), len(want.Records))
	}
	for t := range want.Records {
		g, w := &log.Records[t], &want.Records[t]
		if g.Step != w.Step || len(g.FracActive) != len(w.FracActive) || len(g.Loss) != len(w.Loss) || len(g.H) != len(w.H) ||
			len(g.HR) != len(w.HR) || len(g.Params) != len(w.Params) || len(g.Terms) != len(w.Terms) {
			return fmt.Errorf("record %d does not match the run's", t)
		}
		for name, v := range w.Params {
			if len(g.Params[name]) != len(v) {
				return fmt.Errorf("record %d: parameter %s does not match the run's", t, name)
			}
		}
		for name, v := range w.Terms {
			if len(g.Terms[name]) != len(v) {
				return fmt.Errorf("record %d: term %s does not match the run's", t, name)
			}
		}
	}
	return nil
}
