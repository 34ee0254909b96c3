package store

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"saelab/sae"
)

// dataLogFromTensors rebuilds a data log from the file's tensors and metadata, checking every
// shape against the metadata's dimensions.
func dataLogFromTensors(ts []Tensor, md map[string]string) (sae.DataLog, error) {
	var log sae.DataLog
	if err := readDataLogMeta(md, &log); err != nil {
		return log, err
	}
	tf := tensorFile{byName: make(map[string]Tensor, len(ts))}
	for _, t := range ts {
		tf.byName[t.Name] = t
	}
	stepsT, err := tf.vector("steps", "T")
	if err != nil {
		return log, err
	}
	T := stepsT.Shape[0]
	steps, err := toInts(stepsT)
	if err != nil {
		return log, err
	}
	if log.Resamples, err = readResamples(&tf); err != nil {
		return log, err
	}
	if log.Scalars, err = readScalars(&tf); err != nil {
		return log, err
	}
	params, terms, err := readNamedTensors(ts, &log, T)
	if err != nil {
		return log, err
	}
	I, D, S, B := log.NInst, log.DIn, log.DSAE, log.SampleSize
	var fixed [4]Tensor
	for k, f := range []struct {
		name  string
		shape []int
	}{{"frac_active", []int{T, I, S}}, {"loss", []int{T, B, I}}, {"h", []int{T, B, I, D}}, {"h_r", []int{T, B, I, D}}} {
		if fixed[k], err = tf.shaped(f.name, f.shape...); err != nil {
			return log, err
		}
	}
	log.Records = splitRecords(&log, steps, fixed, params, terms)
	return log, nil
}

// readDataLogMeta checks the format and reads the dimensions.
func readDataLogMeta(md map[string]string, log *sae.DataLog) error {
	if md["format"] != DataLogFormat {
		return fmt.Errorf("metadata field format = %q, want %q (not a saelab data log)", md["format"], DataLogFormat)
	}
	if md["format_version"] != DataLogFormatVersion {
		return fmt.Errorf("metadata field format_version = %q, this reader knows %q", md["format_version"], DataLogFormatVersion)
	}
	for _, f := range []struct {
		key string
		dst *int
	}{{"n_inst", &log.NInst}, {"d_in", &log.DIn}, {"d_sae", &log.DSAE}, {"sample_size", &log.SampleSize}} {
		s, ok := md[f.key]
		if !ok {
			return fmt.Errorf("metadata field %s is missing", f.key)
		}
		v, err := strconv.Atoi(s)
		if err != nil || v < 0 {
			return fmt.Errorf("metadata field %s = %q is not a non-negative integer", f.key, s)
		}
		*f.dst = v
	}
	return nil
}

// tensorFile looks tensors up by name with the format's shape checks.
type tensorFile struct{ byName map[string]Tensor }

// get returns a tensor that must exist.
func (tf *tensorFile) get(name string) (Tensor, error) {
	t, ok := tf.byName[name]
	if !ok {
		return t, fmt.Errorf("tensor %q is missing", name)
	}
	return t, nil
}

// vector returns a rank-1 tensor; dim names its length in errors.
func (tf *tensorFile) vector(name, dim string) (Tensor, error) {
	t, err := tf.get(name)
	if err == nil && len(t.Shape) != 1 {
		err = fmt.Errorf("tensor %q: shape %s, want [%s]", name, describeShape(t.Shape), dim)
	}
	return t, err
}

// shaped returns a tensor of exactly the given shape.
func (tf *tensorFile) shaped(name string, shape ...int) (Tensor, error) {
	t, err := tf.get(name)
	if err == nil && !equalShape(t.Shape, shape) {
		err = fmt.Errorf("tensor %q: shape %s, want %s", name, describeShape(t.Shape), describeShape(shape))
	}
	return t, err
}

// readResamples reads the resampling events.
func readResamples(tf *tensorFile) ([]sae.ResampleEvent, error) {
	stepsT, err := tf.vector("resample_steps", "R")
	if err != nil {
		return nil, err
	}
	deadT, err := tf.shaped("resample_dead", stepsT.Shape[0])
	if err != nil {
		return nil, err
	}
	steps, err := toInts(stepsT)
	if err != nil {
		return nil, err
	}
	dead, err := toInts(deadT)
	if err != nil {
		return nil, err
	}
	var out []sae.ResampleEvent
	for k := range steps {
		out = append(out, sae.ResampleEvent{Step: steps[k], Dead: dead[k]})
	}
	return out, nil
}

// readScalars reads the training-batch scalars of the logged steps.
func readScalars(tf *tensorFile) ([]sae.Scalars, error) {
	stepT, err := tf.vector("scalar.step", "K")
	if err != nil {
		return nil, err
	}
	K := stepT.Shape[0]
	steps, err := toInts(stepT)
	if err != nil {
		return nil, err
	}
	cols := make([][]float64, len(scalarFields))
	for f, name := range scalarFields {
		t, err := tf.shaped("scalar."+name, K)
		if err != nil {
			return nil, err
		}
		cols[f] = t.Data
	}
	var out []sae.Scalars
	for k := 0; k < K; k++ {
		sc := sae.Scalars{Step: steps[k]}
		for f, v := range scalarValues(&sc) {
			*v = cols[f][k]
		}
		out = append(out, sc)
	}
	return out, nil
}

// readNamedTensors collects the param.* and term.* tensors, refusing any other unknown name.
func readNamedTensors(ts []Tensor, log *sae.DataLog, T int) (params, terms map[string]Tensor, err error) {
	I, D, S, B := log.NInst, log.DIn, log.DSAE, log.SampleSize
	fixed := map[string]bool{"steps": true, "frac_active": true, "loss": true, "h": true, "h_r": true,
		"resample_steps": true, "resample_dead": true, "scalar.step": true}
	for _, name := range scalarFields {
		fixed["scalar."+name] = true
	}
	params, terms = map[string]Tensor{}, map[string]Tensor{}
	for _, t := range ts {
		switch {
		case fixed[t.Name]:
		case strings.HasPrefix(t.Name, "param.") && len(t.Name) > len("param."):
			p := strings.TrimPrefix(t.Name, "param.")
			if len(t.Shape) < 1 || t.Shape[0] != T {
				return nil, nil, fmt.Errorf("tensor %q: shape %s, want [T=%d, ...]", t.Name, describeShape(t.Shape), T)
			}
			if sh, ok := sae.ParamShape(p, I, D, S); ok && !equalShape(t.Shape[1:], sh) && !legacyParamShape(p, t.Shape[1:], I) {
				return nil, nil, fmt.Errorf("tensor %q: shape %s, want %s", t.Name, describeShape(t.Shape), describeShape(append([]int{T}, sh...)))
			}
			params[p] = t
		case strings.HasPrefix(t.Name, "term.") && len(t.Name) > len("term."):
			if !equalShape(t.Shape, []int{T, B, I}) {
				return nil, nil, fmt.Errorf("tensor %q: shape %s, want %s", t.Name, describeShape(t.Shape), describeShape([]int{T, B, I}))
			}
			terms[strings.TrimPrefix(t.Name, "term.")] = t
		default:
			return nil, nil, fmt.Errorf("unexpected tensor %q", t.Name)
		}
	}
	return params, terms, nil
}

// splitRecords cuts the stacked tensors into records. Each record's slices alias one backing
// array per tensor, capped so appends cannot spill into the next record.
func splitRecords(log *sae.DataLog, steps []int, fixed [4]Tensor, params, terms map[string]Tensor) []sae.Record {
	I, D, S, B := log.NInst, log.DIn, log.DSAE, log.SampleSize
	part := func(data []float64, t, n int) []float64 { return data[t*n : (t+1)*n : (t+1)*n] }
	part32 := func(data []float32, t, n int) []float32 { return data[t*n : (t+1)*n : (t+1)*n] }
	fa32, loss32, h32, hr32 := f32Data(fixed[0]), f32Data(fixed[1]), f32Data(fixed[2]), f32Data(fixed[3])
	terms32 := make(map[string][]float32, len(terms))
	for name, tt := range terms {
		terms32[name] = f32Data(tt)
	}
	var recs []sae.Record
	for t, step := range steps {
		r := sae.Record{Step: step, FracActive: part32(fa32, t, I*S), Loss: part32(loss32, t, B*I),
			H: part32(h32, t, B*I*D), HR: part32(hr32, t, B*I*D)}
		if len(params) > 0 {
			r.Params = make(map[string][]float64, len(params))
			for p, pt := range params {
				r.Params[p] = part(pt.Data, t, product(pt.Shape[1:]))
			}
		}
		if len(terms) > 0 {
			r.Terms = make(map[string][]float32, len(terms))
			for name, tt := range terms32 {
				r.Terms[name] = part32(tt, t, B*I)
			}
		}
		recs = append(recs, r)
	}
	return recs
}

// toInts reads an integer tensor, refusing values that are not exact integers.
func toInts(t Tensor) ([]int, error) {
	out := make([]int, len(t.Data))
	for k, x := range t.Data {
		if x != math.Trunc(x) || math.Abs(x) > maxExactInt {
			return nil, fmt.Errorf("tensor %q: element %d = %g is not an integer", t.Name, k, x)
		}
		out[k] = int(x)
	}
	return out, nil
}

// equalShape reports whether two shapes are the same.
func equalShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
