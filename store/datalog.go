package store

import (
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"

	"saelab/sae"
)

// The data-log file (spec §2.7) is one safetensors file, datalog-<run>.safetensors, holding the
// records stacked along a leading step axis T (B = SampleSize, I = NInst, D = DIn, S = DSAE):
//
//	steps            I64 [T]
//	frac_active      F32 [T,I,S]
//	loss             F32 [T,B,I]
//	h, h_r           F32 [T,B,I,D]
//	param.<p>        F32 [T, shape of p]   W_enc, W_gate [I,D,S]; _W_dec [I,S,D]; b_dec [I,D];
//	                                       b_enc, b_gate, r_mag, b_mag, log_theta [I,S];
//	                                       threshold [I] (BatchTopK's τ; files written before
//	                                       saelab 0.1.0-dev's compare hold [T,I,1], still read);
//	                                       any other name [T,I,n/I] (or [T,n] if I does not divide n)
//	term.<t>         F32 [T,B,I]           L_reconstruction, L_sparsity, L_aux, ...
//	resample_steps   I64 [R]
//	resample_dead    I64 [R]
//	scalar.step      I64 [K]               DataLog.Scalars, the training-batch values per logged step;
//	scalar.<f>       F64 [K]               f = lr, loss, l_reconstruction, l_sparsity, frac_active
//
// and the metadata format=saelab.datalog, format_version=1, n_inst, d_in, d_sae, sample_size.
//
// Values are stored as F32 (the per-sample tensors as DataLogOptions.SampleDtype), so a round
// trip returns each parameter (float64) rounded to the nearest float32 and the per-sample
// float32 tensors exactly (F32) or rounded to the sample dtype (RoundDataLog does the same in
// memory); integers (steps, resample events) and the few Scalars (F64) are exact. The writer
// streams the records' own slices (no stacked copy); the reader decodes the per-sample tensors
// straight into float32, one backing array per tensor.
// Nil and empty slices and maps are not distinguished: a log with no records reads back with
// Records == nil, no resample events with Resamples == nil, no scalars with Scalars == nil, no
// params/terms with nil maps.
const (
	DataLogFormat        = "saelab.datalog"
	DataLogFormatVersion = "1"
)

// DataLogOptions tunes WriteDataLogWith.
type DataLogOptions struct {
	// SampleDtype is the dtype of the per-sample tensors (loss, h, h_r, term.*), which are almost
	// all of the file: "" or DtypeF32 (the default), or DtypeF16 / DtypeBF16 to halve the file at
	// the cost of 16-bit precision (F16: ~3 significant digits, |x| ≤ 65504). steps, frac_active,
	// params and resample events are unaffected.
	SampleDtype string
}

// WriteDataLog writes log to path atomically as described above, with F32 values.
func WriteDataLog(path string, log sae.DataLog) error {
	return WriteDataLogWith(path, log, DataLogOptions{})
}

// WriteDataLogWith is WriteDataLog with options.
func WriteDataLogWith(path string, log sae.DataLog, opts DataLogOptions) error {
	ts, md, err := dataLogTensors(log, opts)
	if err != nil {
		return fmt.Errorf("store: write %s: %w", path, err)
	}
	return WriteSafetensors(path, ts, md)
}

// StageDataLogWith is WriteDataLogWith in two steps (see StageAtomic): the file is written,
// and is in place once the returned Staged is committed.
func StageDataLogWith(path string, log sae.DataLog, opts DataLogOptions) (*Staged, error) {
	ts, md, err := dataLogTensors(log, opts)
	if err != nil {
		return nil, fmt.Errorf("store: write %s: %w", path, err)
	}
	return StageSafetensors(path, ts, md)
}

// f16OverflowBits is the float32 bit pattern of 65520, the smallest value F16 rounds to
// infinity.
const f16OverflowBits = 0x477ff000

// DataLogFits reports the first value of log that a file written with opts cannot hold (nil
// if there is none): a parameter beyond F32, or a per-sample value beyond the sample dtype's
// range (F16: |v| ≥ 65520 rounds to infinity; BF16 and F32 hold every finite float32).
func DataLogFits(log *sae.DataLog, opts DataLogOptions) error {
	for t := range log.Records {
		r := &log.Records[t]
		for name, p := range r.Params {
			for k, x := range p {
				if f := float32(x); math.IsInf(float64(f), 0) && !math.IsInf(x, 0) {
					return fmt.Errorf("datalog: record %d (step %d): Params[%q][%d] = %g overflows F32", t, r.Step, name, k, x)
				}
			}
		}
		if opts.SampleDtype != DtypeF16 {
			continue
		}
		check := func(field string, v []float32) error {
			// |x| ≥ 65520 and finite, on the bits: [bits(65520), bits(+Inf)).
			for k, x := range v {
				if a := math.Float32bits(x) &^ (1 << 31); a-f16OverflowBits < 0x7f800000-f16OverflowBits {
					return fmt.Errorf("datalog: record %d (step %d): %s[%d] = %g overflows F16", t, r.Step, field, k, x)
				}
			}
			return nil
		}
		for _, f := range []struct {
			name string
			v    []float32
		}{{"Loss", r.Loss}, {"H", r.H}, {"HR", r.HR}} {
			if err := check(f.name, f.v); err != nil {
				return err
			}
		}
		for _, name := range sortedKeys(r.Terms) {
			if err := check(fmt.Sprintf("Terms[%q]", name), r.Terms[name]); err != nil {
				return err
			}
		}
	}
	return nil
}

// ReadDataLog reads a file written by WriteDataLog and checks every shape against the metadata.
func ReadDataLog(path string) (sae.DataLog, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return sae.DataLog{}, fmt.Errorf("store: read %s: %w", path, err)
	}
	ts, md, err := decodeSafetensors(data, isSampleTensor)
	if err != nil {
		return sae.DataLog{}, fmt.Errorf("store: read %s: %w", path, err)
	}
	log, err := dataLogFromTensors(ts, md)
	if err != nil {
		return sae.DataLog{}, fmt.Errorf("store: read %s: %w", path, err)
	}
	return log, nil
}

// isSampleTensor reports whether a data-log tensor holds float32 record fields (read as float32).
func isSampleTensor(name string) bool {
	switch name {
	case "frac_active", "loss", "h", "h_r":
		return true
	}
	return strings.HasPrefix(name, "term.")
}

// paramShape returns the per-record shape of a parameter the spec names.
func paramShape(name string, i, d, s int) ([]int, bool) {
	switch name {
	case "W_enc", "W_gate":
		return []int{i, d, s}, true
	case "_W_dec":
		return []int{i, s, d}, true
	case "b_dec":
		return []int{i, d}, true
	case "b_enc", "b_gate", "r_mag", "b_mag", "log_theta":
		return []int{i, s}, true
	case "threshold": // sae.State(): BatchTopK's and Matryoshka's τ, one per instance
		return []int{i}, true
	}
	return nil, false
}

// legacyParamShape reports whether a parameter's stored per-record shape is an older layout
// the reader still accepts: "threshold" as [I,1] (before it had its own shape).
func legacyParamShape(name string, shape []int, i int) bool {
	return name == "threshold" && equalShape(shape, []int{i, 1})
}

func product(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func dataLogTensors(log sae.DataLog, opts DataLogOptions) ([]Tensor, map[string]string, error) {
	I, D, S, B := log.NInst, log.DIn, log.DSAE, log.SampleSize
	for _, f := range []struct {
		name string
		v    int
	}{{"NInst", I}, {"DIn", D}, {"DSAE", S}, {"SampleSize", B}} {
		if f.v < 0 {
			return nil, nil, fmt.Errorf("datalog: field %s is %d, must be ≥ 0", f.name, f.v)
		}
	}
	sdt := opts.SampleDtype
	switch sdt {
	case "":
		sdt = DtypeF32
	case DtypeF32, DtypeF16, DtypeBF16, DtypeF64:
	default:
		return nil, nil, fmt.Errorf("datalog: option SampleDtype %q is not a float dtype (F32, F16, BF16, F64)", opts.SampleDtype)
	}
	T := len(log.Records)

	// The parameter and term sets, and each parameter's shape, come from record 0; every other
	// record must match.
	var paramNames, termNames []string
	paramShapes := map[string][]int{}
	if T > 0 {
		r0 := log.Records[0]
		paramNames = sortedKeys(r0.Params)
		termNames = sortedKeys(r0.Terms)
		for _, p := range paramNames {
			n := len(r0.Params[p])
			if sh, ok := paramShape(p, I, D, S); ok {
				if product(sh) != n {
					return nil, nil, fmt.Errorf("datalog: record 0 (step %d): field Params[%q] has %d values, want %s = %d",
						r0.Step, p, n, describeShape(sh), product(sh))
				}
				paramShapes[p] = sh
			} else if I > 0 && n%I == 0 {
				paramShapes[p] = []int{I, n / I}
			} else {
				paramShapes[p] = []int{n}
			}
		}
	}

	steps := make([]float64, T)
	fa := make([][]float32, 0, T)
	loss := make([][]float32, 0, T)
	h := make([][]float32, 0, T)
	hr := make([][]float32, 0, T)
	params := make(map[string][]float64, len(paramNames))
	for _, p := range paramNames {
		params[p] = make([]float64, 0, T*product(paramShapes[p]))
	}
	terms := make(map[string][][]float32, len(termNames))
	for _, t := range termNames {
		terms[t] = make([][]float32, 0, T)
	}

	check := func(t int, r *sae.Record, field string, got int, dims string, want int) error {
		if got != want {
			return fmt.Errorf("datalog: record %d (step %d): field %s has %d values, want %s = %d", t, r.Step, field, got, dims, want)
		}
		return nil
	}
	for t := range log.Records {
		r := &log.Records[t]
		steps[t] = float64(r.Step)
		if len(r.FracActive) != I*S {
			return nil, nil, check(t, r, "FracActive", len(r.FracActive), fmt.Sprintf("NInst×DSAE = %d×%d", I, S), I*S)
		}
		if len(r.Loss) != B*I {
			return nil, nil, check(t, r, "Loss", len(r.Loss), fmt.Sprintf("SampleSize×NInst = %d×%d", B, I), B*I)
		}
		if len(r.H) != B*I*D {
			return nil, nil, check(t, r, "H", len(r.H), fmt.Sprintf("SampleSize×NInst×DIn = %d×%d×%d", B, I, D), B*I*D)
		}
		if len(r.HR) != B*I*D {
			return nil, nil, check(t, r, "HR", len(r.HR), fmt.Sprintf("SampleSize×NInst×DIn = %d×%d×%d", B, I, D), B*I*D)
		}
		fa = append(fa, r.FracActive)
		loss = append(loss, r.Loss)
		h = append(h, r.H)
		hr = append(hr, r.HR)
		if len(r.Params) != len(paramNames) {
			return nil, nil, fmt.Errorf("datalog: record %d (step %d): field Params has names %v, record 0 has %v", t, r.Step, sortedKeys(r.Params), paramNames)
		}
		for _, p := range paramNames {
			v, ok := r.Params[p]
			if !ok {
				return nil, nil, fmt.Errorf("datalog: record %d (step %d): field Params has names %v, record 0 has %v", t, r.Step, sortedKeys(r.Params), paramNames)
			}
			if err := check(t, r, fmt.Sprintf("Params[%q]", p), len(v), describeShape(paramShapes[p]), product(paramShapes[p])); err != nil {
				return nil, nil, err
			}
			params[p] = append(params[p], v...)
		}
		if len(r.Terms) != len(termNames) {
			return nil, nil, fmt.Errorf("datalog: record %d (step %d): field Terms has names %v, record 0 has %v", t, r.Step, sortedKeys(r.Terms), termNames)
		}
		for _, name := range termNames {
			v, ok := r.Terms[name]
			if !ok {
				return nil, nil, fmt.Errorf("datalog: record %d (step %d): field Terms has names %v, record 0 has %v", t, r.Step, sortedKeys(r.Terms), termNames)
			}
			if len(v) != B*I {
				return nil, nil, check(t, r, fmt.Sprintf("Terms[%q]", name), len(v), fmt.Sprintf("SampleSize×NInst = %d×%d", B, I), B*I)
			}
			terms[name] = append(terms[name], v)
		}
	}

	R := len(log.Resamples)
	rsSteps := make([]float64, R)
	rsDead := make([]float64, R)
	for k, ev := range log.Resamples {
		rsSteps[k] = float64(ev.Step)
		rsDead[k] = float64(ev.Dead)
	}

	ts := []Tensor{
		{Name: "steps", Shape: []int{T}, Data: steps, Dtype: DtypeI64},
		{Name: "frac_active", Shape: []int{T, I, S}, parts32: fa, Dtype: DtypeF32},
		{Name: "loss", Shape: []int{T, B, I}, parts32: loss, Dtype: sdt},
		{Name: "h", Shape: []int{T, B, I, D}, parts32: h, Dtype: sdt},
		{Name: "h_r", Shape: []int{T, B, I, D}, parts32: hr, Dtype: sdt},
		{Name: "resample_steps", Shape: []int{R}, Data: rsSteps, Dtype: DtypeI64},
		{Name: "resample_dead", Shape: []int{R}, Data: rsDead, Dtype: DtypeI64},
	}
	K := len(log.Scalars)
	scal := make([][]float64, len(scalarFields)+1)
	for f := range scal {
		scal[f] = make([]float64, K)
	}
	for k, sc := range log.Scalars {
		scal[0][k] = float64(sc.Step)
		for f, v := range scalarValues(&sc) {
			scal[f+1][k] = *v
		}
	}
	ts = append(ts, Tensor{Name: "scalar.step", Shape: []int{K}, Data: scal[0], Dtype: DtypeI64})
	for f, name := range scalarFields {
		ts = append(ts, Tensor{Name: "scalar." + name, Shape: []int{K}, Data: scal[f+1], Dtype: DtypeF64})
	}
	for _, p := range paramNames {
		ts = append(ts, Tensor{Name: "param." + p, Shape: append([]int{T}, paramShapes[p]...), Data: params[p], Dtype: DtypeF32})
	}
	for _, name := range termNames {
		ts = append(ts, Tensor{Name: "term." + name, Shape: []int{T, B, I}, parts32: terms[name], Dtype: sdt})
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

// scalarFields names the float fields of sae.Scalars on disk, in the order of scalarValues.
var scalarFields = []string{"lr", "loss", "l_reconstruction", "l_sparsity", "frac_active"}

func scalarValues(sc *sae.Scalars) []*float64 {
	return []*float64{&sc.LR, &sc.Loss, &sc.LReconstruction, &sc.LSparsity, &sc.FracActive}
}

func metaInt(md map[string]string, key string) (int, error) {
	s, ok := md[key]
	if !ok {
		return 0, fmt.Errorf("datalog: metadata field %s is missing", key)
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("datalog: metadata field %s = %q is not a non-negative integer", key, s)
	}
	return v, nil
}

func toInts(t Tensor) ([]int, error) {
	out := make([]int, len(t.Data))
	for k, x := range t.Data {
		if x != math.Trunc(x) || math.Abs(x) > maxExactInt {
			return nil, fmt.Errorf("datalog: tensor %q: element %d = %g is not an integer", t.Name, k, x)
		}
		out[k] = int(x)
	}
	return out, nil
}

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

func dataLogFromTensors(ts []Tensor, md map[string]string) (sae.DataLog, error) {
	var log sae.DataLog
	if md["format"] != DataLogFormat {
		return log, fmt.Errorf("datalog: metadata field format = %q, want %q (not a saelab data log)", md["format"], DataLogFormat)
	}
	if md["format_version"] != DataLogFormatVersion {
		return log, fmt.Errorf("datalog: metadata field format_version = %q, this reader knows %q", md["format_version"], DataLogFormatVersion)
	}
	var err error
	if log.NInst, err = metaInt(md, "n_inst"); err != nil {
		return log, err
	}
	if log.DIn, err = metaInt(md, "d_in"); err != nil {
		return log, err
	}
	if log.DSAE, err = metaInt(md, "d_sae"); err != nil {
		return log, err
	}
	if log.SampleSize, err = metaInt(md, "sample_size"); err != nil {
		return log, err
	}
	I, D, S, B := log.NInst, log.DIn, log.DSAE, log.SampleSize

	byName := make(map[string]Tensor, len(ts))
	for _, t := range ts {
		byName[t.Name] = t
	}
	get := func(name string) (Tensor, error) {
		t, ok := byName[name]
		if !ok {
			return t, fmt.Errorf("datalog: tensor %q is missing", name)
		}
		return t, nil
	}
	stepsT, err := get("steps")
	if err != nil {
		return log, err
	}
	if len(stepsT.Shape) != 1 {
		return log, fmt.Errorf("datalog: tensor \"steps\": shape %s, want [T]", describeShape(stepsT.Shape))
	}
	T := stepsT.Shape[0]
	steps, err := toInts(stepsT)
	if err != nil {
		return log, err
	}
	want := func(name string, shape ...int) (Tensor, error) {
		t, err := get(name)
		if err != nil {
			return t, err
		}
		if !equalShape(t.Shape, shape) {
			return t, fmt.Errorf("datalog: tensor %q: shape %s, want %s", name, describeShape(t.Shape), describeShape(shape))
		}
		return t, nil
	}
	fa, err := want("frac_active", T, I, S)
	if err != nil {
		return log, err
	}
	loss, err := want("loss", T, B, I)
	if err != nil {
		return log, err
	}
	h, err := want("h", T, B, I, D)
	if err != nil {
		return log, err
	}
	hr, err := want("h_r", T, B, I, D)
	if err != nil {
		return log, err
	}
	rsStepsT, err := get("resample_steps")
	if err != nil {
		return log, err
	}
	if len(rsStepsT.Shape) != 1 {
		return log, fmt.Errorf("datalog: tensor \"resample_steps\": shape %s, want [R]", describeShape(rsStepsT.Shape))
	}
	R := rsStepsT.Shape[0]
	rsDeadT, err := want("resample_dead", R)
	if err != nil {
		return log, err
	}

	scStepT, err := get("scalar.step")
	if err != nil {
		return log, err
	}
	if len(scStepT.Shape) != 1 {
		return log, fmt.Errorf("datalog: tensor \"scalar.step\": shape %s, want [K]", describeShape(scStepT.Shape))
	}
	K := scStepT.Shape[0]
	scSteps, err := toInts(scStepT)
	if err != nil {
		return log, err
	}
	scVals := make([][]float64, len(scalarFields))
	for f, name := range scalarFields {
		t, err := want("scalar."+name, K)
		if err != nil {
			return log, err
		}
		scVals[f] = t.Data
	}
	for k := 0; k < K; k++ {
		sc := sae.Scalars{Step: scSteps[k]}
		for f, v := range scalarValues(&sc) {
			*v = scVals[f][k]
		}
		log.Scalars = append(log.Scalars, sc)
	}

	params := map[string]Tensor{}
	terms := map[string]Tensor{}
	fixed := map[string]bool{"steps": true, "frac_active": true, "loss": true, "h": true, "h_r": true,
		"resample_steps": true, "resample_dead": true, "scalar.step": true}
	for _, name := range scalarFields {
		fixed["scalar."+name] = true
	}
	for _, t := range ts {
		switch {
		case fixed[t.Name]:
		case strings.HasPrefix(t.Name, "param.") && len(t.Name) > len("param."):
			p := strings.TrimPrefix(t.Name, "param.")
			if len(t.Shape) < 1 || t.Shape[0] != T {
				return log, fmt.Errorf("datalog: tensor %q: shape %s, want [T=%d, ...]", t.Name, describeShape(t.Shape), T)
			}
			if sh, ok := paramShape(p, I, D, S); ok && !equalShape(t.Shape[1:], sh) && !legacyParamShape(p, t.Shape[1:], I) {
				return log, fmt.Errorf("datalog: tensor %q: shape %s, want %s", t.Name, describeShape(t.Shape), describeShape(append([]int{T}, sh...)))
			}
			params[p] = t
		case strings.HasPrefix(t.Name, "term.") && len(t.Name) > len("term."):
			if !equalShape(t.Shape, []int{T, B, I}) {
				return log, fmt.Errorf("datalog: tensor %q: shape %s, want %s", t.Name, describeShape(t.Shape), describeShape([]int{T, B, I}))
			}
			terms[strings.TrimPrefix(t.Name, "term.")] = t
		default:
			return log, fmt.Errorf("datalog: unexpected tensor %q", t.Name)
		}
	}

	rsSteps, err := toInts(rsStepsT)
	if err != nil {
		return log, err
	}
	rsDead, err := toInts(rsDeadT)
	if err != nil {
		return log, err
	}
	for k := 0; k < R; k++ {
		log.Resamples = append(log.Resamples, sae.ResampleEvent{Step: rsSteps[k], Dead: rsDead[k]})
	}

	// Each record's slices alias one backing array per tensor, capped so appends cannot spill
	// into the next record.
	part := func(data []float64, t, n int) []float64 { return data[t*n : (t+1)*n : (t+1)*n] }
	part32 := func(data []float32, t, n int) []float32 { return data[t*n : (t+1)*n : (t+1)*n] }
	fa32, loss32, h32, hr32 := f32Data(fa), f32Data(loss), f32Data(h), f32Data(hr)
	terms32 := make(map[string][]float32, len(terms))
	for name, tt := range terms {
		terms32[name] = f32Data(tt)
	}
	for t := 0; t < T; t++ {
		r := sae.Record{
			Step:       steps[t],
			FracActive: part32(fa32, t, I*S),
			Loss:       part32(loss32, t, B*I),
			H:          part32(h32, t, B*I*D),
			HR:         part32(hr32, t, B*I*D),
		}
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
		log.Records = append(log.Records, r)
	}
	return log, nil
}

// f32Data returns a tensor's values as one float32 slice: its single decoded piece, or Data
// converted (a tensor of an integer dtype, or one built in memory).
func f32Data(t Tensor) []float32 {
	if len(t.parts32) == 1 {
		return t.parts32[0]
	}
	if t.parts32 != nil {
		out := make([]float32, 0, t.size())
		for _, p := range t.parts32 {
			out = append(out, p...)
		}
		return out
	}
	out := make([]float32, len(t.Data))
	for k, x := range t.Data {
		out[k] = float32(x)
	}
	return out
}

// RoundDataLog rounds log in place to what a data-log file written with opts holds, so that
// the log equals what ReadDataLog returns for that file: the per-sample tensors (loss, h, h_r,
// terms) to opts.SampleDtype and the parameters to float32 (frac_active is float32 already,
// steps, resample events and scalars are exact). Writing the rounded log gives the same file.
// A value that does not fit the dtype (DataLogFits) is an error, and nothing is rounded.
func RoundDataLog(log *sae.DataLog, opts DataLogOptions) error {
	if err := DataLogFits(log, opts); err != nil {
		return err
	}
	sdt := opts.SampleDtype
	for t := range log.Records {
		r := &log.Records[t]
		samples := [][]float32{r.Loss, r.H, r.HR}
		for _, name := range sortedKeys(r.Terms) {
			samples = append(samples, r.Terms[name])
		}
		for _, v := range samples {
			switch sdt {
			case "", DtypeF32, DtypeF64:
			case DtypeF16:
				if !RoundF16(v) {
					return fmt.Errorf("datalog: record %d (step %d): a value overflows F16", t, r.Step)
				}
			case DtypeBF16:
				for k, x := range v {
					u, ok := formatBF16.encode(float64(x))
					if !ok {
						return fmt.Errorf("datalog: record %d (step %d): value %g overflows BF16", t, r.Step, x)
					}
					v[k] = float32(formatBF16.decode(u))
				}
			default:
				return fmt.Errorf("datalog: option SampleDtype %q is not a float dtype (F32, F16, BF16, F64)", opts.SampleDtype)
			}
		}
		for _, p := range r.Params {
			for k, x := range p {
				f := float32(x)
				if math.IsInf(float64(f), 0) && !math.IsInf(x, 0) {
					return fmt.Errorf("datalog: record %d (step %d): parameter value %g overflows F32", t, r.Step, x)
				}
				p[k] = float64(f)
			}
		}
	}
	return nil
}
