package store

import (
	"fmt"
	"strconv"

	"saelab/sae"
)

// dataLogTensors lays a data log out as the file's tensors and metadata (see the format at the
// top of datalog.go). The per-record slices are not copied: the tensors stream them.
func dataLogTensors(log sae.DataLog, opts DataLogOptions) ([]Tensor, map[string]string, error) {
	I, D, S, B := log.NInst, log.DIn, log.DSAE, log.SampleSize
	for _, f := range []struct {
		name string
		v    int
	}{{"NInst", I}, {"DIn", D}, {"DSAE", S}, {"SampleSize", B}} {
		if f.v < 0 {
			return nil, nil, fmt.Errorf("field %s is %d, must be ≥ 0", f.name, f.v)
		}
	}
	sdt, err := sampleDtype(opts)
	if err != nil {
		return nil, nil, err
	}
	st, err := newRecordStack(&log)
	if err != nil {
		return nil, nil, err
	}
	T, R := len(log.Records), len(log.Resamples)
	rsSteps, rsDead := make([]float64, R), make([]float64, R)
	for k, ev := range log.Resamples {
		rsSteps[k], rsDead[k] = float64(ev.Step), float64(ev.Dead)
	}
	ts := []Tensor{
		{Name: "steps", Shape: []int{T}, Data: st.steps, Dtype: DtypeI64},
		{Name: "frac_active", Shape: []int{T, I, S}, parts32: st.fa, Dtype: DtypeF32},
		{Name: "loss", Shape: []int{T, B, I}, parts32: st.loss, Dtype: sdt},
		{Name: "h", Shape: []int{T, B, I, D}, parts32: st.h, Dtype: sdt},
		{Name: "h_r", Shape: []int{T, B, I, D}, parts32: st.hr, Dtype: sdt},
		{Name: "resample_steps", Shape: []int{R}, Data: rsSteps, Dtype: DtypeI64},
		{Name: "resample_dead", Shape: []int{R}, Data: rsDead, Dtype: DtypeI64},
	}
	ts = append(ts, scalarTensors(log.Scalars)...)
	for _, p := range st.paramNames {
		ts = append(ts, Tensor{Name: "param." + p, Shape: append([]int{T}, st.paramShapes[p]...), Data: st.params[p], Dtype: DtypeF32})
	}
	for _, name := range st.termNames {
		ts = append(ts, Tensor{Name: "term." + name, Shape: []int{T, B, I}, parts32: st.terms[name], Dtype: sdt})
	}
	md := map[string]string{
		"format":         DataLogFormat,
		"format_version": DataLogFormatVersion,
		"n_inst":         strconv.Itoa(I),
		"d_in":           strconv.Itoa(D),
		"d_sae":          strconv.Itoa(S),
		"sample_size":    strconv.Itoa(B),
	}
	return ts, md, nil
}

// sampleDtype is the dtype of the per-sample tensors.
func sampleDtype(opts DataLogOptions) (string, error) {
	switch opts.SampleDtype {
	case "":
		return DtypeF32, nil
	case DtypeF32, DtypeF16, DtypeBF16, DtypeF64:
		return opts.SampleDtype, nil
	}
	return "", fmt.Errorf("option SampleDtype %q is not a float dtype (F32, F16, BF16, F64)", opts.SampleDtype)
}

// recordStack is the records' fields gathered per tensor, every record checked against the
// log's dimensions and record 0's parameter and term sets.
type recordStack struct {
	steps                 []float64
	fa, loss, h, hr       [][]float32
	paramNames, termNames []string
	paramShapes           map[string][]int
	params                map[string][]float64
	terms                 map[string][][]float32
}

// newRecordStack gathers and checks every record of log.
func newRecordStack(log *sae.DataLog) (*recordStack, error) {
	T := len(log.Records)
	st := &recordStack{steps: make([]float64, T), paramShapes: map[string][]int{}}
	if T > 0 {
		r0 := log.Records[0]
		st.paramNames, st.termNames = sortedKeys(r0.Params), sortedKeys(r0.Terms)
		for _, p := range st.paramNames {
			sh, err := recordParamShape(log, p, len(r0.Params[p]))
			if err != nil {
				return nil, fmt.Errorf("record 0 (step %d): %w", r0.Step, err)
			}
			st.paramShapes[p] = sh
		}
	}
	st.params = make(map[string][]float64, len(st.paramNames))
	for _, p := range st.paramNames {
		st.params[p] = make([]float64, 0, T*product(st.paramShapes[p]))
	}
	st.terms = make(map[string][][]float32, len(st.termNames))
	for t := range log.Records {
		r := &log.Records[t]
		st.steps[t] = float64(r.Step)
		if err := st.add(log, r); err != nil {
			return nil, fmt.Errorf("record %d (step %d): %w", t, r.Step, err)
		}
	}
	return st, nil
}

// recordParamShape is a parameter's per-record shape: the architecture's for a name it knows
// (which the n values must fill), else [I, n/I], or [n] when I does not divide n.
func recordParamShape(log *sae.DataLog, p string, n int) ([]int, error) {
	I := log.NInst
	if sh, ok := sae.ParamShape(p, I, log.DIn, log.DSAE); ok {
		if product(sh) != n {
			return nil, fmt.Errorf("field Params[%q] has %d values, want %s = %d", p, n, describeShape(sh), product(sh))
		}
		return sh, nil
	}
	if I > 0 && n%I == 0 {
		return []int{I, n / I}, nil
	}
	return []int{n}, nil
}

// add appends one record's fields after checking their sizes.
func (st *recordStack) add(log *sae.DataLog, r *sae.Record) error {
	I, D, S, B := log.NInst, log.DIn, log.DSAE, log.SampleSize
	for _, f := range []struct {
		name string
		got  int
		dims string
		want int
		dst  *[][]float32
		v    []float32
	}{
		{"FracActive", len(r.FracActive), fmt.Sprintf("NInst×DSAE = %d×%d", I, S), I * S, &st.fa, r.FracActive},
		{"Loss", len(r.Loss), fmt.Sprintf("SampleSize×NInst = %d×%d", B, I), B * I, &st.loss, r.Loss},
		{"H", len(r.H), fmt.Sprintf("SampleSize×NInst×DIn = %d×%d×%d", B, I, D), B * I * D, &st.h, r.H},
		{"HR", len(r.HR), fmt.Sprintf("SampleSize×NInst×DIn = %d×%d×%d", B, I, D), B * I * D, &st.hr, r.HR},
	} {
		if f.got != f.want {
			return fmt.Errorf("field %s has %d values, want %s = %d", f.name, f.got, f.dims, f.want)
		}
		*f.dst = append(*f.dst, f.v)
	}
	if len(r.Params) != len(st.paramNames) {
		return fmt.Errorf("field Params has names %v, record 0 has %v", sortedKeys(r.Params), st.paramNames)
	}
	for _, p := range st.paramNames {
		v, ok := r.Params[p]
		if !ok {
			return fmt.Errorf("field Params has names %v, record 0 has %v", sortedKeys(r.Params), st.paramNames)
		}
		if sh := st.paramShapes[p]; len(v) != product(sh) {
			return fmt.Errorf("field Params[%q] has %d values, want %s = %d", p, len(v), describeShape(sh), product(sh))
		}
		st.params[p] = append(st.params[p], v...)
	}
	if len(r.Terms) != len(st.termNames) {
		return fmt.Errorf("field Terms has names %v, record 0 has %v", sortedKeys(r.Terms), st.termNames)
	}
	for _, name := range st.termNames {
		v, ok := r.Terms[name]
		if !ok {
			return fmt.Errorf("field Terms has names %v, record 0 has %v", sortedKeys(r.Terms), st.termNames)
		}
		if len(v) != B*I {
			return fmt.Errorf("field Terms[%q] has %d values, want SampleSize×NInst = %d×%d = %d", name, len(v), B, I, B*I)
		}
		st.terms[name] = append(st.terms[name], v)
	}
	return nil
}

// scalarTensors lays out the training-batch scalars: scalar.step I64 [K] and one F64 [K] tensor
// per field.
func scalarTensors(scalars []sae.Scalars) []Tensor {
	K := len(scalars)
	cols := make([][]float64, len(scalarFields)+1)
	for f := range cols {
		cols[f] = make([]float64, K)
	}
	for k, sc := range scalars {
		cols[0][k] = float64(sc.Step)
		for f, v := range scalarValues(&sc) {
			cols[f+1][k] = *v
		}
	}
	ts := []Tensor{{Name: "scalar.step", Shape: []int{K}, Data: cols[0], Dtype: DtypeI64}}
	for f, name := range scalarFields {
		ts = append(ts, Tensor{Name: "scalar." + name, Shape: []int{K}, Data: cols[f+1], Dtype: DtypeF64})
	}
	return ts
}
