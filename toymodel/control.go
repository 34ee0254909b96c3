package toymodel

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
// returns an error wrapping the context's cause (ErrStopped).
//
// Checkpoints: each instance snapshots its own state at a logged step once Every has passed
// since its last snapshot (0: at every logged step), and when it finishes; Checkpoint then
// receives the run's state from a separate goroutine, at most once per Every, so the training
// workers only copy their instance's few tensors. Checkpoint must not keep its argument.
//
// Resume: a Checkpoint of the same run (model shape, training config and seed) makes TrainWith
// continue each instance from its snapshot (an instance without one starts from m's values);
// the result is bit for bit the uninterrupted run's, since instances share nothing but the
// step-indexed learning rate and bias corrections.
type Control struct {
	Context    context.Context
	Checkpoint func(*Checkpoint) error
	Every      time.Duration
	Resume     *Checkpoint
}

// ErrStopped is wrapped by the error of a training run stopped by its Control's context.
var ErrStopped = errors.New("training stopped")

// Checkpoint is a toy-model training run's state: per instance its latest snapshot, nil for an
// instance that has not started.
type Checkpoint struct {
	Insts []*InstanceState // [I]
}

// InstanceState is one instance's training state after Step steps. Shapes (H = d_hidden,
// F = n_features): W [H][F], BFinal [F], M and V the Adam moments of W and BFinal in that
// order, Losses the instance's loss at each logged step so far.
type InstanceState struct {
	Step      int          // steps done; TrainConfig.Steps when the instance has finished
	W, BFinal []float64    // the instance's parameters
	M, V      [2][]float64 // Adam's first and second moments of W and BFinal
	Batch     rng.State    // the batch stream's position
	Losses    []float64    // [records done] the logged losses (loss/… as the log sums them)
}

// ErrDiverged is wrapped by the error of a training run whose loss or parameters stopped
// being finite.
var ErrDiverged = errors.New("training diverged")

// controller is TrainWith's side of a Control: the stop flag, the keeper of snapshots, the
// first divergence.
type controller struct {
	m      *Model
	tc     TrainConfig
	adam   *optim.Adam
	losses []float64 // [log][I], the run's
	nLog   int
	stop   *par.Stop
	keep   *par.Keeper[*InstanceState]
	ctx    context.Context
	errs   []error // per instance: its divergence
}

// newController checks ctl.Resume against the run and starts the keeper.
func newController(m *Model, tc TrainConfig, adam *optim.Adam, losses []float64, nLog int, ctl Control) (*controller, error) {
	I := m.Cfg.NInst
	c := &controller{m: m, tc: tc, adam: adam, losses: losses, nLog: nLog, stop: par.WatchStop(ctl.Context),
		ctx: ctl.Context, errs: make([]error, I)}
	initial := make([]*InstanceState, I)
	if ck := ctl.Resume; ck != nil {
		if err := c.check(ck); err != nil {
			c.stop.Close()
			return nil, err
		}
		copy(initial, ck.Insts)
	}
	if ctl.Checkpoint != nil {
		c.keep = par.NewKeeper(initial, ctl.Every, func(s []*InstanceState) error {
			return ctl.Checkpoint(&Checkpoint{Insts: s})
		})
	}
	return c, nil
}

// check refuses a checkpoint that is not of this run's shape.
func (c *controller) check(ck *Checkpoint) error {
	H, F := c.m.Cfg.DHidden, c.m.Cfg.NFeatures
	if len(ck.Insts) != c.m.Cfg.NInst {
		return fmt.Errorf("checkpoint: %d instances, the model has %d", len(ck.Insts), c.m.Cfg.NInst)
	}
	for i, st := range ck.Insts {
		if st == nil {
			continue
		}
		switch {
		case st.Step < 0 || st.Step > c.tc.Steps:
			return fmt.Errorf("checkpoint: instance %d at step %d, outside [0, steps = %d]", i, st.Step, c.tc.Steps)
		case len(st.W) != H*F || len(st.BFinal) != F || len(st.M[0]) != H*F || len(st.V[0]) != H*F || len(st.M[1]) != F || len(st.V[1]) != F:
			return fmt.Errorf("checkpoint: instance %d's tensors do not have the model's shape", i)
		case len(st.Losses) != recordsBefore(st.Step, c.tc.Steps, c.tc.LogFreq):
			return fmt.Errorf("checkpoint: instance %d has %d logged losses at step %d", i, len(st.Losses), st.Step)
		}
	}
	return nil
}

// restore sets instance i's state from the resumed checkpoint and returns its first step and
// the number of log records it has done.
func (c *controller) restore(i int, t *trainer, ck *Checkpoint) (from, li int, err error) {
	if ck == nil || ck.Insts[i] == nil {
		return 0, 0, nil
	}
	st := ck.Insts[i]
	H, F, I := c.m.Cfg.DHidden, c.m.Cfg.NFeatures, c.m.Cfg.NInst
	copy(c.m.W[i*H*F:(i+1)*H*F], st.W)
	copy(c.m.BFinal[i*F:(i+1)*F], st.BFinal)
	copy(c.adam.M[0][i*H*F:(i+1)*H*F], st.M[0])
	copy(c.adam.V[0][i*H*F:(i+1)*H*F], st.V[0])
	copy(c.adam.M[1][i*F:(i+1)*F], st.M[1])
	copy(c.adam.V[1][i*F:(i+1)*F], st.V[1])
	if t.s, err = rng.FromState(st.Batch); err != nil {
		return 0, 0, fmt.Errorf("checkpoint: instance %d: %w", i, err)
	}
	for k, L := range st.Losses {
		c.losses[k*I+i] = L
	}
	return st.Step, len(st.Losses), nil
}

// snapshot copies instance i's state after step steps with li records done.
func (c *controller) snapshot(i int, t *trainer, step, li int) *InstanceState {
	H, F, I := c.m.Cfg.DHidden, c.m.Cfg.NFeatures, c.m.Cfg.NInst
	st := &InstanceState{Step: step, Batch: t.s.State(),
		W: clone(c.m.W[i*H*F : (i+1)*H*F]), BFinal: clone(c.m.BFinal[i*F : (i+1)*F]),
		M:      [2][]float64{clone(c.adam.M[0][i*H*F : (i+1)*H*F]), clone(c.adam.M[1][i*F : (i+1)*F])},
		V:      [2][]float64{clone(c.adam.V[0][i*H*F : (i+1)*H*F]), clone(c.adam.V[1][i*F : (i+1)*F])},
		Losses: make([]float64, li)}
	for k := range st.Losses {
		st.Losses[k] = c.losses[k*I+i]
	}
	return st
}

// recordsBefore is the number of logged steps among the first done of a run of steps steps.
func recordsBefore(done, steps, logFreq int) int {
	if done >= steps {
		return NumLogSteps(steps, logFreq)
	}
	if done <= 0 {
		return 0
	}
	return (done-1)/logFreq + 1
}

// RecordsBefore is the number of log records a run of steps steps, logging every logFreq,
// has taken once done steps are done.
func RecordsBefore(done, steps, logFreq int) int { return recordsBefore(done, steps, logFreq) }

func clone(v []float64) []float64 { return append([]float64(nil), v...) }

// logged runs at instance i's logged step (done: steps done, li records): the divergence
// guard, then a snapshot when one is due. It reports whether the instance may go on.
func (c *controller) logged(i int, t *trainer, done, li int, loss float64) bool {
	if err := c.diverged(i, done-1, loss); err != nil {
		c.errs[i] = err
		c.stop.Set()
		return false
	}
	if c.keep != nil && c.keep.Due(i) {
		c.keep.Put(i, c.snapshot(i, t, done, li))
	}
	return true
}

// diverged checks the instance's logged loss and its parameters for NaN and ±Inf.
func (c *controller) diverged(i, step int, loss float64) error {
	H, F := c.m.Cfg.DHidden, c.m.Cfg.NFeatures
	what := ""
	switch {
	case !finite(loss):
		what = fmt.Sprintf("the loss is %v", loss)
	case !allFinite(c.m.W[i*H*F : (i+1)*H*F]):
		what = "W holds NaN or Inf"
	case !allFinite(c.m.BFinal[i*F : (i+1)*F]):
		what = "b_final holds NaN or Inf"
	default:
		return nil
	}
	return fmt.Errorf("%w at step %d (instance %d): %s; likely cause: %s", ErrDiverged, step, i, what, c.cause())
}

// cause names the setting most likely to blame for a divergence.
func (c *controller) cause() string {
	imp := 0.0
	for _, v := range c.m.Importance {
		imp = math.Max(imp, v)
	}
	if imp > 1e6 {
		return fmt.Sprintf("the importance scale (largest importance %g; the loss grows with it, keep it near 1)", imp)
	}
	return fmt.Sprintf("the learning rate (lr = %g; try a smaller one)", c.tc.LR)
}

// end finishes instance i (a final snapshot) or, when stopped, snapshots where it stopped.
func (c *controller) end(i int, t *trainer, done, li int) {
	if c.keep != nil && c.errs[i] == nil {
		c.keep.Put(i, c.snapshot(i, t, done, li))
	}
}

// close stops the keeper (saving once more when stopped by the context) and returns the
// run's error: the first divergence by instance, the stop, or a failed checkpoint.
func (c *controller) close() error {
	defer c.stop.Close()
	interrupted := c.ctx != nil && c.ctx.Err() != nil
	var kerr error
	if c.keep != nil {
		kerr = c.keep.Close(interrupted)
	}
	for _, err := range c.errs {
		if err != nil {
			return err
		}
	}
	if interrupted {
		return fmt.Errorf("%w: %w", ErrStopped, context.Cause(c.ctx))
	}
	if kerr != nil {
		return fmt.Errorf("checkpoint: %w", kerr)
	}
	return nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func allFinite(v []float64) bool {
	for _, x := range v {
		if x-x != 0 { // NaN and ±Inf alone give a non-zero (NaN) difference
			return false
		}
	}
	return true
}
