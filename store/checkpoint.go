package store

import (
	"fmt"
	"strconv"

	"saelab/rng"
	"saelab/sae"
	"saelab/toymodel"
)

// The checkpoint file of a training phase, checkpoint-toymodel.ckpt or
// checkpoint-sae-<run>.ckpt in the run directory: a safetensors file with the phase's
// per-instance training states stacked along the instance axis (an instance that has not
// started has started = 0 and zeros elsewhere), all exact:
//
//	ckpt.started, ckpt.step              I64 [I]
//	toy model:  ckpt.W F64 [I,H,F], ckpt.b_final F64 [I,F], their Adam moments ckpt.m.W,
//	            ckpt.v.W, ckpt.m.b_final, ckpt.v.b_final; ckpt.losses F64 [I,R];
//	            ckpt.streams I64 [I,1,4,2]
//	SAE:        ckpt.param.<p>, ckpt.m.<p>, ckpt.v.<p> F64 [I,n] (each Params tensor, n per
//	            instance); ckpt.state.<p> F64 [I,n] (State); ckpt.steps_since_fired I64 [I,S]
//	            (TopK family); ckpt.last_fired I64 [I,S]; ckpt.streams I64 [I,3,4,2];
//	            ckpt.records, ckpt.resamples I64 [I]; ckpt.scalars F64 [I,R,1+terms];
//	            ckpt.frac_mean F64 [I,R]; ckpt.resampled I64 [I,E]; and the data log so far
//	            in the data-log file's tensors (parameters F32, per-sample values F32)
//
// where R is the run's number of log records and E of resamplings. A stream position is four
// 64-bit words, each stored as two 32-bit halves (low, high) so that I64 holds it exactly.
// Metadata: format=saelab.checkpoint, format_version, kind (toymodel or sae), the shape
// (n_inst, and n_features/d_hidden or d_in/d_sae/sample_size), steps, and run, the caller's
// description of the run: a checkpoint is read back only by the run that wrote it.
const (
	CheckpointFormat        = "saelab.checkpoint"
	CheckpointFormatVersion = "1"
)

// ToyModelCheckpointFile is the toy model's checkpoint in a run directory.
const ToyModelCheckpointFile = "checkpoint-toymodel.ckpt"

// SAECheckpointFile is the checkpoint of SAE run run in a run directory.
func SAECheckpointFile(run string) string { return "checkpoint-sae-" + run + ".ckpt" }

// WriteToyModelCheckpoint writes a toy-model training checkpoint atomically; run describes the
// run (e.g. its config), and ReadToyModelCheckpoint refuses a file with another.
func WriteToyModelCheckpoint(path string, ck *toymodel.Checkpoint, c toymodel.Config, tc toymodel.TrainConfig, run string) error {
	I, H, F := c.NInst, c.DHidden, c.NFeatures
	R := toymodel.NumLogSteps(tc.Steps, tc.LogFreq)
	if len(ck.Insts) != I {
		return fmt.Errorf("checkpoint %s: %d instances, want %d", path, len(ck.Insts), I)
	}
	st := newStacker(I)
	for i, s := range ck.Insts {
		if s == nil {
			continue
		}
		st.instance(i, s.Step)
		st.put("ckpt.W", i, H*F, s.W)
		st.put("ckpt.b_final", i, F, s.BFinal)
		st.put("ckpt.m.W", i, H*F, s.M[0])
		st.put("ckpt.v.W", i, H*F, s.V[0])
		st.put("ckpt.m.b_final", i, F, s.M[1])
		st.put("ckpt.v.b_final", i, F, s.V[1])
		st.put("ckpt.losses", i, R, s.Losses)
		st.put("ckpt.streams", i, 8, streamWords(s.Batch))
	}
	ts := st.tensors([]stackSpec{
		{"ckpt.W", []int{H, F}, DtypeF64}, {"ckpt.b_final", []int{F}, DtypeF64},
		{"ckpt.m.W", []int{H, F}, DtypeF64}, {"ckpt.v.W", []int{H, F}, DtypeF64},
		{"ckpt.m.b_final", []int{F}, DtypeF64}, {"ckpt.v.b_final", []int{F}, DtypeF64},
		{"ckpt.losses", []int{R}, DtypeF64}, {"ckpt.streams", []int{1, 4, 2}, DtypeI64},
	})
	md := checkpointMeta("toymodel", run, tc.Steps, map[string]int{"n_inst": I, "n_features": F, "d_hidden": H})
	return WriteSafetensors(path, ts, md)
}

// ReadToyModelCheckpoint reads a checkpoint written by WriteToyModelCheckpoint for the same
// run, checking every shape against c and tc.
func ReadToyModelCheckpoint(path string, c toymodel.Config, tc toymodel.TrainConfig, run string) (*toymodel.Checkpoint, error) {
	data, err := readBounded(path)
	if err == nil {
		var ck *toymodel.Checkpoint
		if ck, err = decodeToyModelCheckpoint(data, c, tc, run); err == nil {
			return ck, nil
		}
	}
	return nil, fmt.Errorf("checkpoint %s: %w", path, err)
}

// decodeToyModelCheckpoint is ReadToyModelCheckpoint on the file's bytes.
func decodeToyModelCheckpoint(data []byte, c toymodel.Config, tc toymodel.TrainConfig, run string) (*toymodel.Checkpoint, error) {
	I, H, F := c.NInst, c.DHidden, c.NFeatures
	R := toymodel.NumLogSteps(tc.Steps, tc.LogFreq)
	ts, md, err := DecodeSafetensors(data)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*toymodel.Checkpoint, error) { return nil, err }
	if err := checkCheckpointMeta(md, "toymodel", run, tc.Steps, map[string]int{"n_inst": I, "n_features": F, "d_hidden": H}); err != nil {
		return fail(err)
	}
	un, err := newUnstacker(ts, I, tc.Steps)
	if err != nil {
		return fail(err)
	}
	ck := &toymodel.Checkpoint{Insts: make([]*toymodel.InstanceState, I)}
	for i := range ck.Insts {
		step, ok := un.instance(i)
		if !ok {
			continue
		}
		s := &toymodel.InstanceState{Step: step}
		records := toymodel.RecordsBefore(step, tc.Steps, tc.LogFreq)
		var words []float64
		for _, f := range []struct {
			name  string
			shape []int
			dst   *[]float64
			keep  int
		}{{"ckpt.W", []int{H, F}, &s.W, H * F}, {"ckpt.b_final", []int{F}, &s.BFinal, F},
			{"ckpt.m.W", []int{H, F}, &s.M[0], H * F}, {"ckpt.v.W", []int{H, F}, &s.V[0], H * F},
			{"ckpt.m.b_final", []int{F}, &s.M[1], F}, {"ckpt.v.b_final", []int{F}, &s.V[1], F},
			{"ckpt.losses", []int{R}, &s.Losses, records}, {"ckpt.streams", []int{1, 4, 2}, &words, 8}} {
			if *f.dst, err = un.get(f.name, i, f.shape, f.keep); err != nil {
				return fail(err)
			}
		}
		if s.Batch, err = streamState(words); err != nil {
			return fail(fmt.Errorf("instance %d: %w", i, err))
		}
		ck.Insts[i] = s
	}
	return ck, nil
}

// WriteSAECheckpoint writes an SAE training checkpoint atomically; run describes the run, and
// ReadSAECheckpoint refuses a file with another.
func WriteSAECheckpoint(path string, ck *sae.Checkpoint, c sae.Config, tc sae.TrainConfig, run string) error {
	I, S := c.NInst, c.DSAE
	ps, sts, fired := sae.Layout(c)
	R, E, nT := len(ck.Log.Records), resamplings(tc), len(sae.TermNamesOf(c.Arch))
	if len(ck.Insts) != I {
		return fmt.Errorf("checkpoint %s: %d instances, want %d", path, len(ck.Insts), I)
	}
	st := newStacker(I)
	for i, s := range ck.Insts {
		if s == nil {
			continue
		}
		st.instance(i, s.Step)
		for k, p := range ps {
			n := product(p.Shape) / I
			st.put("ckpt.param."+p.Name, i, n, s.Params[k])
			st.put("ckpt.m."+p.Name, i, n, s.M[k])
			st.put("ckpt.v."+p.Name, i, n, s.V[k])
		}
		for k, p := range sts {
			st.put("ckpt.state."+p.Name, i, product(p.Shape)/I, s.State[k])
		}
		if fired {
			st.put("ckpt.steps_since_fired", i, S, ints(s.StepsSinceFired))
		}
		st.put("ckpt.last_fired", i, S, ints(s.LastFired))
		st.put("ckpt.streams", i, 24, append(append(streamWords(s.Batch), streamWords(s.Resample)...), streamWords(s.LogBatch)...))
		st.put("ckpt.records", i, 1, []float64{float64(s.Records)})
		st.put("ckpt.resamples", i, 1, []float64{float64(len(s.Resampled))})
		st.put("ckpt.scalars", i, R*(nT+1), s.Scalars)
		st.put("ckpt.frac_mean", i, R, s.FracMean)
		st.put("ckpt.resampled", i, E, ints(s.Resampled))
	}
	ts := st.tensors(saeSpecs(c, R, E, nT))
	logTs, logMd, err := dataLogTensors(ck.Log, DataLogOptions{})
	if err != nil {
		return fmt.Errorf("checkpoint %s: data log: %w", path, err)
	}
	md := checkpointMeta("sae", run, tc.Steps, map[string]int{"n_inst": I, "d_in": c.DIn, "d_sae": S, "sample_size": tc.HiddenSampleSize})
	for _, k := range []string{"n_inst", "d_in", "d_sae", "sample_size"} {
		md["log_"+k] = logMd[k]
	}
	return WriteSafetensors(path, append(ts, logTs...), md)
}

// saeSpecs lays out the SAE checkpoint's stacked tensors.
func saeSpecs(c sae.Config, R, E, nT int) []stackSpec {
	I, S := c.NInst, c.DSAE
	ps, sts, fired := sae.Layout(c)
	var specs []stackSpec
	for _, p := range ps {
		n := []int{product(p.Shape) / I}
		specs = append(specs, stackSpec{"ckpt.param." + p.Name, n, DtypeF64}, stackSpec{"ckpt.m." + p.Name, n, DtypeF64}, stackSpec{"ckpt.v." + p.Name, n, DtypeF64})
	}
	for _, p := range sts {
		specs = append(specs, stackSpec{"ckpt.state." + p.Name, []int{product(p.Shape) / I}, DtypeF64})
	}
	if fired {
		specs = append(specs, stackSpec{"ckpt.steps_since_fired", []int{S}, DtypeI64})
	}
	return append(specs, stackSpec{"ckpt.last_fired", []int{S}, DtypeI64}, stackSpec{"ckpt.streams", []int{3, 4, 2}, DtypeI64},
		stackSpec{"ckpt.records", nil, DtypeI64}, stackSpec{"ckpt.resamples", nil, DtypeI64},
		stackSpec{"ckpt.scalars", []int{R, nT + 1}, DtypeF64}, stackSpec{"ckpt.frac_mean", []int{R}, DtypeF64},
		stackSpec{"ckpt.resampled", []int{E}, DtypeI64})
}

// ReadSAECheckpoint reads a checkpoint written by WriteSAECheckpoint for the same run,
// checking every shape against c and tc.
func ReadSAECheckpoint(path string, c sae.Config, tc sae.TrainConfig, run string) (*sae.Checkpoint, error) {
	data, err := readBounded(path)
	if err == nil {
		var ck *sae.Checkpoint
		if ck, err = decodeSAECheckpoint(data, c, tc, run); err == nil {
			return ck, nil
		}
	}
	return nil, fmt.Errorf("checkpoint %s: %w", path, err)
}

// decodeSAECheckpoint is ReadSAECheckpoint on the file's bytes.
func decodeSAECheckpoint(data []byte, c sae.Config, tc sae.TrainConfig, run string) (*sae.Checkpoint, error) {
	I, S := c.NInst, c.DSAE
	R, E, nT := toymodel.NumLogSteps(tc.Steps, tc.LogFreq), resamplings(tc), len(sae.TermNamesOf(c.Arch))
	fail := func(err error) (*sae.Checkpoint, error) { return nil, err }
	all, md, err := decodeSafetensors(data, isSampleTensor)
	if err != nil {
		return fail(err)
	}
	dims := map[string]int{"n_inst": I, "d_in": c.DIn, "d_sae": S, "sample_size": tc.HiddenSampleSize}
	if err := checkCheckpointMeta(md, "sae", run, tc.Steps, dims); err != nil {
		return fail(err)
	}
	var ts, logTs []Tensor
	for _, t := range all {
		if len(t.Name) > 5 && t.Name[:5] == "ckpt." {
			ts = append(ts, t)
		} else {
			logTs = append(logTs, t)
		}
	}
	logMd := map[string]string{"format": DataLogFormat, "format_version": DataLogFormatVersion}
	for k := range dims {
		logMd[k] = md["log_"+k]
	}
	log, err := dataLogFromTensors(logTs, logMd)
	if err != nil {
		return fail(fmt.Errorf("data log: %w", err))
	}
	if len(log.Records) != R {
		return fail(fmt.Errorf("data log: %d records, want %d", len(log.Records), R))
	}
	un, err := newUnstacker(ts, I, tc.Steps)
	if err != nil {
		return fail(err)
	}
	ck := &sae.Checkpoint{Insts: make([]*sae.InstanceState, I), Log: log}
	for i := range ck.Insts {
		s, err := un.saeInstance(i, c, saeSpecs(c, R, E, nT), nT)
		if err != nil {
			return fail(err)
		}
		ck.Insts[i] = s
	}
	return ck, nil
}

// saeInstance reads instance i's state (nil when it has not started).
func (un *unstacker) saeInstance(i int, c sae.Config, specs []stackSpec, nT int) (*sae.InstanceState, error) {
	step, ok := un.instance(i)
	if !ok {
		return nil, nil
	}
	ps, sts, fired := sae.Layout(c)
	v := map[string][]float64{}
	for _, sp := range specs {
		x, err := un.get(sp.name, i, sp.shape, product(sp.shape))
		if err != nil {
			return nil, err
		}
		v[sp.name] = x
	}
	s := &sae.InstanceState{Step: step, Records: int(v["ckpt.records"][0])}
	n := int(v["ckpt.resamples"][0])
	if s.Records < 0 || s.Records > len(v["ckpt.frac_mean"]) || n < 0 || n > len(v["ckpt.resampled"]) {
		return nil, fmt.Errorf("instance %d: %d records and %d resamplings do not fit the run", i, s.Records, n)
	}
	for _, p := range ps {
		s.Params = append(s.Params, v["ckpt.param."+p.Name])
		s.M = append(s.M, v["ckpt.m."+p.Name])
		s.V = append(s.V, v["ckpt.v."+p.Name])
	}
	for _, p := range sts {
		s.State = append(s.State, v["ckpt.state."+p.Name])
	}
	if fired {
		s.StepsSinceFired = toInts64(v["ckpt.steps_since_fired"])
	}
	s.LastFired = toInts64(v["ckpt.last_fired"])
	s.Scalars = v["ckpt.scalars"][:s.Records*(nT+1)]
	s.FracMean = v["ckpt.frac_mean"][:s.Records]
	s.Resampled = toInts64(v["ckpt.resampled"][:n])
	w := v["ckpt.streams"]
	for k, dst := range []*rng.State{&s.Batch, &s.Resample, &s.LogBatch} {
		st, err := streamState(w[k*8 : (k+1)*8])
		if err != nil {
			return nil, fmt.Errorf("instance %d: %w", i, err)
		}
		*dst = st
	}
	return s, nil
}

// resamplings is the number of resamplings a run of tc makes.
func resamplings(tc sae.TrainConfig) int {
	if tc.Resample == "none" || tc.ResampleFreq < 1 {
		return 0
	}
	return tc.Steps / tc.ResampleFreq
}

// checkpointMeta is a checkpoint's metadata.
func checkpointMeta(kind, run string, steps int, dims map[string]int) map[string]string {
	md := map[string]string{"format": CheckpointFormat, "format_version": CheckpointFormatVersion, "kind": kind,
		"run": run, "steps": strconv.Itoa(steps)}
	for k, v := range dims {
		md[k] = strconv.Itoa(v)
	}
	return md
}

// checkCheckpointMeta refuses a checkpoint of another format, kind, run or shape.
func checkCheckpointMeta(md map[string]string, kind, run string, steps int, dims map[string]int) error {
	switch {
	case md["format"] != CheckpointFormat:
		return fmt.Errorf("metadata field format = %q, want %q (not a saelab checkpoint)", md["format"], CheckpointFormat)
	case md["format_version"] != CheckpointFormatVersion:
		return fmt.Errorf("metadata field format_version = %q, this reader knows %q", md["format_version"], CheckpointFormatVersion)
	case md["kind"] != kind:
		return fmt.Errorf("metadata field kind = %q, want %q", md["kind"], kind)
	case md["run"] != run || md["steps"] != strconv.Itoa(steps):
		return fmt.Errorf("it was written by another run (its config differs from this one's)")
	}
	for k, v := range dims {
		if md[k] != strconv.Itoa(v) {
			return fmt.Errorf("metadata field %s = %q, want %d", k, md[k], v)
		}
	}
	return nil
}

// streamWords lays a stream position out as eight 32-bit halves (low, high per word).
func streamWords(s rng.State) []float64 {
	out := make([]float64, 8)
	for k, w := range s {
		out[2*k], out[2*k+1] = float64(w&0xffffffff), float64(w>>32)
	}
	return out
}

// streamState rebuilds a stream position from its halves.
func streamState(h []float64) (rng.State, error) {
	var s rng.State
	for k := range s {
		lo, hi := h[2*k], h[2*k+1]
		if lo < 0 || lo >= 1<<32 || hi < 0 || hi >= 1<<32 {
			return s, fmt.Errorf("a random-stream position word is out of range")
		}
		s[k] = uint64(lo) | uint64(hi)<<32
	}
	if _, err := rng.FromState(s); err != nil {
		return s, err
	}
	return s, nil
}

func ints(v []int) []float64 {
	out := make([]float64, len(v))
	for k, x := range v {
		out[k] = float64(x)
	}
	return out
}

func toInts64(v []float64) []int {
	out := make([]int, len(v))
	for k, x := range v {
		out[k] = int(x)
	}
	return out
}

// stackSpec is one stacked tensor: its name, per-instance shape and dtype.
type stackSpec struct {
	name  string
	shape []int
	dtype string
}

// stacker gathers per-instance slices into [I, ...] tensors (zeros for instances without).
type stacker struct {
	I       int
	started []float64
	step    []float64
	data    map[string][]float64
}

func newStacker(I int) *stacker {
	return &stacker{I: I, started: make([]float64, I), step: make([]float64, I), data: map[string][]float64{}}
}

// instance marks instance i as started at step.
func (st *stacker) instance(i, step int) { st.started[i], st.step[i] = 1, float64(step) }

// put stores instance i's n values of tensor name (v may be shorter: the rest stay zero).
func (st *stacker) put(name string, i, n int, v []float64) {
	d, ok := st.data[name]
	if !ok {
		d = make([]float64, st.I*n)
		st.data[name] = d
	}
	copy(d[i*n:(i+1)*n], v)
}

// tensors returns the stacked tensors of specs, with ckpt.started and ckpt.step first.
func (st *stacker) tensors(specs []stackSpec) []Tensor {
	ts := []Tensor{{Name: "ckpt.started", Shape: []int{st.I}, Data: st.started, Dtype: DtypeI64},
		{Name: "ckpt.step", Shape: []int{st.I}, Data: st.step, Dtype: DtypeI64}}
	for _, sp := range specs {
		n := product(sp.shape)
		d, ok := st.data[sp.name]
		if !ok {
			d = make([]float64, st.I*n)
		}
		ts = append(ts, Tensor{Name: sp.name, Shape: append([]int{st.I}, sp.shape...), Data: d, Dtype: sp.dtype})
	}
	return ts
}

// unstacker reads per-instance slices back from stacked tensors.
type unstacker struct {
	I, steps int
	byName   map[string]Tensor
	started  []float64
	step     []float64
}

func newUnstacker(ts []Tensor, I, steps int) (*unstacker, error) {
	un := &unstacker{I: I, steps: steps, byName: map[string]Tensor{}}
	for _, t := range ts {
		if !isFloatDtype(t.Dtype) && t.Dtype != DtypeI64 {
			return nil, fmt.Errorf("tensor %s has dtype %s", t.Name, t.Dtype)
		}
		un.byName[t.Name] = t
	}
	var err error
	if un.started, err = un.full("ckpt.started", nil); err != nil {
		return nil, err
	}
	if un.step, err = un.full("ckpt.step", nil); err != nil {
		return nil, err
	}
	return un, nil
}

// full returns tensor name's data after checking its shape is [I, shape...].
func (un *unstacker) full(name string, shape []int) ([]float64, error) {
	t, ok := un.byName[name]
	if !ok {
		return nil, fmt.Errorf("tensor %s is missing", name)
	}
	if want := append([]int{un.I}, shape...); !equalShape(t.Shape, want) {
		return nil, fmt.Errorf("tensor %s: shape %s, want %s", name, describeShape(t.Shape), describeShape(want))
	}
	return t.Data, nil
}

// instance reports whether instance i has started and at which step.
func (un *unstacker) instance(i int) (int, bool) {
	if un.started[i] == 0 {
		return 0, false
	}
	return int(un.step[i]), true
}

// get returns the first keep of instance i's values of tensor name ([I, shape...]), checked
// finite (a checkpoint is written only from finite states).
func (un *unstacker) get(name string, i int, shape []int, keep int) ([]float64, error) {
	d, err := un.full(name, shape)
	if err != nil {
		return nil, err
	}
	if st, _ := un.instance(i); st < 0 || st > un.steps {
		return nil, fmt.Errorf("instance %d: step %d outside [0, %d]", i, st, un.steps)
	}
	n := product(shape)
	if keep < 0 || keep > n {
		return nil, fmt.Errorf("tensor %s: instance %d needs %d values, the tensor holds %d", name, i, keep, n)
	}
	v := append([]float64(nil), d[i*n:i*n+keep]...)
	if !finiteAll(v) {
		return nil, fmt.Errorf("tensor %s holds NaN or Inf for instance %d", name, i)
	}
	return v, nil
}

func finiteAll(v []float64) bool {
	for _, x := range v {
		if x-x != 0 {
			return false
		}
	}
	return true
}
