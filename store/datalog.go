package store

import (
	"fmt"
	"math"
	"sort"
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
		return fmt.Errorf("data log %s: %w", path, err)
	}
	return WriteSafetensors(path, ts, md)
}

// StageDataLogWith is WriteDataLogWith in two steps (see StageAtomic): the file is written,
// and is in place once the returned Staged is committed.
func StageDataLogWith(path string, log sae.DataLog, opts DataLogOptions) (*Staged, error) {
	ts, md, err := dataLogTensors(log, opts)
	if err != nil {
		return nil, fmt.Errorf("data log %s: %w", path, err)
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
					return fmt.Errorf("record %d (step %d): Params[%q][%d] = %g overflows F32", t, r.Step, name, k, x)
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
					return fmt.Errorf("record %d (step %d): %s[%d] = %g overflows F16", t, r.Step, field, k, x)
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
	data, err := readBounded(path)
	if err != nil {
		return sae.DataLog{}, fmt.Errorf("data log %s: %w", path, err)
	}
	ts, md, err := decodeSafetensors(data, isSampleTensor)
	if err != nil {
		return sae.DataLog{}, fmt.Errorf("data log %s: %w", path, err)
	}
	log, err := dataLogFromTensors(ts, md)
	if err != nil {
		return sae.DataLog{}, fmt.Errorf("data log %s: %w", path, err)
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

// legacyParamShape reports whether a parameter's stored per-record shape is an older layout
// the reader still accepts: "threshold" as [I,1] (before it had its own shape).
func legacyParamShape(name string, shape []int, i int) bool {
	return name == "threshold" && equalShape(shape, []int{i, 1})
}

// product is the number of elements of a shape.
func product(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// sortedKeys returns a map's keys in order, so that files are written deterministically.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// scalarFields names the float fields of sae.Scalars on disk, in the order of scalarValues.
var scalarFields = []string{"lr", "loss", "l_reconstruction", "l_sparsity", "frac_active"}

// scalarValues points at sc's float fields in the order of scalarFields.
func scalarValues(sc *sae.Scalars) []*float64 {
	return []*float64{&sc.LR, &sc.Loss, &sc.LReconstruction, &sc.LSparsity, &sc.FracActive}
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
					return fmt.Errorf("record %d (step %d): a value overflows F16", t, r.Step)
				}
			case DtypeBF16:
				for k, x := range v {
					u, ok := formatBF16.encode(float64(x))
					if !ok {
						return fmt.Errorf("record %d (step %d): value %g overflows BF16", t, r.Step, x)
					}
					v[k] = float32(formatBF16.decode(u))
				}
			default:
				return fmt.Errorf("option SampleDtype %q is not a float dtype (F32, F16, BF16, F64)", opts.SampleDtype)
			}
		}
		for _, p := range r.Params {
			for k, x := range p {
				f := float32(x)
				if math.IsInf(float64(f), 0) && !math.IsInf(x, 0) {
					return fmt.Errorf("record %d (step %d): parameter value %g overflows F32", t, r.Step, x)
				}
				p[k] = float64(f)
			}
		}
	}
	return nil
}
