package store

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"saelab/sae"
)

func randSlice(r *rand.Rand, n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = r.NormFloat64()
	}
	return s
}

func randSlice32(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

// makeLog builds a data log with the given dimensions and parameter names (with their
// per-record value counts).
func makeLog(T, B, I, D, S int, params map[string]int, terms []string, resamples int) sae.DataLog {
	r := rand.New(rand.NewPCG(1, 2))
	log := sae.DataLog{NInst: I, DIn: D, DSAE: S, SampleSize: B}
	for t := 0; t < T; t++ {
		rec := sae.Record{
			Step:       t * 100,
			FracActive: randSlice32(r, I*S),
			Loss:       randSlice32(r, B*I),
			H:          randSlice32(r, B*I*D),
			HR:         randSlice32(r, B*I*D),
			Params:     map[string][]float64{},
			Terms:      map[string][]float32{},
		}
		for p, n := range params {
			rec.Params[p] = randSlice(r, n)
		}
		for _, name := range terms {
			rec.Terms[name] = randSlice32(r, B*I)
		}
		log.Records = append(log.Records, rec)
	}
	for t := 0; t < T; t++ {
		log.Scalars = append(log.Scalars, sae.Scalars{Step: t * 100, LR: 1e-3 / float64(t+1), Loss: r.Float64(),
			LReconstruction: r.Float64(), LSparsity: r.Float64(), FracActive: r.Float64()})
	}
	for k := 0; k < resamples; k++ {
		log.Resamples = append(log.Resamples, sae.ResampleEvent{Step: 2499 + 2500*k, Dead: k + 3})
	}
	return log
}

func standardParams(I, D, S int) map[string]int {
	return map[string]int{"W_enc": I * D * S, "_W_dec": I * S * D, "b_enc": I * S, "b_dec": I * D}
}

// roundLog rounds every float64 of log (the parameters) through round, as storing does; the
// float32 tensors are copied (F32 stores them exactly).
func roundLog(log sae.DataLog, round func(float64) float64) sae.DataLog {
	rs := func(s []float64) []float64 {
		o := make([]float64, len(s))
		for i, x := range s {
			o[i] = round(x)
		}
		return o
	}
	cp := func(s []float32) []float32 { return append([]float32{}, s...) }
	out := log
	out.Records = nil
	for _, r := range log.Records {
		n := sae.Record{Step: r.Step, FracActive: cp(r.FracActive), Loss: cp(r.Loss), H: cp(r.H), HR: cp(r.HR)}
		if len(r.Params) > 0 {
			n.Params = map[string][]float64{}
			for k, v := range r.Params {
				n.Params[k] = rs(v)
			}
		}
		if len(r.Terms) > 0 {
			n.Terms = map[string][]float32{}
			for k, v := range r.Terms {
				n.Terms[k] = cp(v)
			}
		}
		out.Records = append(out.Records, n)
	}
	return out
}

func f32(x float64) float64 { return float64(float32(x)) }

func TestDataLogRoundTrip(t *testing.T) {
	const T, B, I, D, S = 4, 7, 3, 2, 5
	params := standardParams(I, D, S)
	params["W_gate"] = I * D * S
	params["log_theta"] = I * S
	params["model.W"] = I * D * 5 // unknown, divisible by I → [T,I,n/I]
	params["odd"] = 7             // unknown, not divisible by I → [T,n]
	log := makeLog(T, B, I, D, S, params, []string{"L_reconstruction", "L_sparsity", "L_aux"}, 2)

	p := filepath.Join(t.TempDir(), DataLogFile("sae-none"))
	if err := WriteDataLog(p, log); err != nil {
		t.Fatal(err)
	}
	got, err := ReadDataLog(p)
	if err != nil {
		t.Fatal(err)
	}
	want := roundLog(log, f32)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip differs:\n got %+v\nwant %+v", got.Records[0].Params["odd"], want.Records[0].Params["odd"])
	}
	// Values already float32 round-trip exactly: writing what was read gives the same file.
	p2 := filepath.Join(t.TempDir(), "again.safetensors")
	if err := WriteDataLog(p2, got); err != nil {
		t.Fatal(err)
	}
	b1, _ := os.ReadFile(p)
	b2, _ := os.ReadFile(p2)
	if string(b1) != string(b2) {
		t.Error("re-writing a read log changes the file")
	}

	// The stacked shapes and dtypes on disk.
	ts, md, err := ReadSafetensors(p)
	if err != nil {
		t.Fatal(err)
	}
	wantShapes := map[string][]int{
		"steps": {T}, "frac_active": {T, I, S}, "loss": {T, B, I}, "h": {T, B, I, D}, "h_r": {T, B, I, D},
		"param.W_enc": {T, I, D, S}, "param._W_dec": {T, I, S, D}, "param.b_enc": {T, I, S}, "param.b_dec": {T, I, D},
		"param.W_gate": {T, I, D, S}, "param.log_theta": {T, I, S}, "param.model.W": {T, I, D * 5}, "param.odd": {T, 7},
		"term.L_reconstruction": {T, B, I}, "term.L_sparsity": {T, B, I}, "term.L_aux": {T, B, I},
		"resample_steps": {2}, "resample_dead": {2},
		"scalar.step": {T}, "scalar.lr": {T}, "scalar.loss": {T}, "scalar.l_reconstruction": {T},
		"scalar.l_sparsity": {T}, "scalar.frac_active": {T},
	}
	if len(ts) != len(wantShapes) {
		t.Errorf("%d tensors, want %d", len(ts), len(wantShapes))
	}
	for _, tn := range ts {
		if !reflect.DeepEqual(tn.Shape, wantShapes[tn.Name]) {
			t.Errorf("%s: shape %v, want %v", tn.Name, tn.Shape, wantShapes[tn.Name])
		}
		wantDT := DtypeF32
		switch {
		case tn.Name == "steps" || tn.Name == "scalar.step" || strings.HasPrefix(tn.Name, "resample_"):
			wantDT = DtypeI64
		case strings.HasPrefix(tn.Name, "scalar."):
			wantDT = DtypeF64
		}
		if tn.Dtype != wantDT {
			t.Errorf("%s: dtype %s, want %s", tn.Name, tn.Dtype, wantDT)
		}
	}
	for k, v := range map[string]string{"n_inst": "3", "d_in": "2", "d_sae": "5", "sample_size": "7", "format": DataLogFormat} {
		if md[k] != v {
			t.Errorf("metadata %s = %q, want %q", k, md[k], v)
		}
	}
	// Record slices are capped: appending to one must not touch the next.
	got.Records[0].H = append(got.Records[0].H, 99)
	if got.Records[1].H[0] == 99 {
		t.Error("record slices share capacity")
	}
}

func TestDataLogEmptyAndTied(t *testing.T) {
	dir := t.TempDir()
	// No records, no resamples.
	empty := sae.DataLog{NInst: 16, DIn: 2, DSAE: 5, SampleSize: 256}
	p := filepath.Join(dir, "empty.safetensors")
	if err := WriteDataLog(p, empty); err != nil {
		t.Fatal(err)
	}
	got, err := ReadDataLog(p)
	if err != nil || !reflect.DeepEqual(got, empty) {
		t.Fatalf("got %+v, %v", got, err)
	}
	// Tied (no _W_dec), no terms.
	log := makeLog(2, 3, 2, 2, 4, map[string]int{"W_enc": 16, "b_enc": 8, "b_dec": 4}, nil, 0)
	if err := WriteDataLog(p, log); err != nil {
		t.Fatal(err)
	}
	got, err = ReadDataLog(p)
	if err != nil || !reflect.DeepEqual(got, roundLog(log, f32)) {
		t.Fatalf("tied round trip: %v", err)
	}
}

// TestDataLogThreshold checks that BatchTopK's τ (sae.State() "threshold", one per instance) is
// stored as param.threshold [T,I] and read back, and that the older [T,I,1] layout still reads.
func TestDataLogThreshold(t *testing.T) {
	const T, B, I, D, S = 3, 4, 2, 2, 5
	params := standardParams(I, D, S)
	params["threshold"] = I
	log := makeLog(T, B, I, D, S, params, []string{"L_reconstruction", "L_sparsity", "L_auxk"}, 0)
	p := filepath.Join(t.TempDir(), "d.safetensors")
	if err := WriteDataLog(p, log); err != nil {
		t.Fatal(err)
	}
	ts, md, err := ReadSafetensors(p)
	if err != nil {
		t.Fatal(err)
	}
	th, ok := FindTensor(ts, "param.threshold")
	if !ok || !equalShape(th.Shape, []int{T, I}) {
		t.Fatalf("param.threshold: found %v, shape %v, want [%d %d]", ok, th.Shape, T, I)
	}
	got, err := ReadDataLog(p)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, roundLog(log, f32)) {
		t.Error("threshold round trip differs")
	}
	// A record whose threshold has the wrong length is an error naming the shape.
	bad := makeLog(T, B, I, D, S, map[string]int{"threshold": I * S}, nil, 0)
	if err := WriteDataLog(p, bad); err == nil || !strings.Contains(err.Error(), `Params["threshold"]`) {
		t.Errorf("threshold of %d values: err = %v", I*S, err)
	}
	// Legacy [T,I,1].
	for k := range ts {
		if ts[k].Name == "param.threshold" {
			ts[k].Shape = []int{T, I, 1}
		}
	}
	if err := WriteSafetensors(p, ts, md); err != nil {
		t.Fatal(err)
	}
	old, err := ReadDataLog(p)
	if err != nil {
		t.Fatalf("legacy [T,I,1] threshold: %v", err)
	}
	for r := range old.Records {
		if !reflect.DeepEqual(old.Records[r].Params["threshold"], got.Records[r].Params["threshold"]) {
			t.Errorf("record %d: legacy threshold %v, want %v", r, old.Records[r].Params["threshold"], got.Records[r].Params["threshold"])
		}
	}
	// Any other shape is still an error.
	for k := range ts {
		if ts[k].Name == "param.threshold" {
			ts[k].Shape = []int{T, 1, I}
		}
	}
	if err := WriteSafetensors(p, ts, md); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadDataLog(p); err == nil || !strings.Contains(err.Error(), "param.threshold") {
		t.Errorf("threshold [T,1,I]: err = %v", err)
	}
}

func TestDataLogF16Option(t *testing.T) {
	log := makeLog(3, 5, 2, 2, 3, standardParams(2, 2, 3), []string{"L_reconstruction"}, 1)
	p := filepath.Join(t.TempDir(), "d.safetensors")
	if err := WriteDataLogWith(p, log, DataLogOptions{SampleDtype: DtypeF16}); err != nil {
		t.Fatal(err)
	}
	got, err := ReadDataLog(p)
	if err != nil {
		t.Fatal(err)
	}
	for ti, r := range got.Records {
		w := log.Records[ti]
		for k := range r.H {
			if math.Abs(float64(r.H[k]-w.H[k])) > 1e-3*math.Max(1, math.Abs(float64(w.H[k]))) {
				t.Fatalf("H[%d] = %g, want ≈ %g", k, r.H[k], w.H[k])
			}
		}
		if r.Params["W_enc"][0] != f32(w.Params["W_enc"][0]) {
			t.Errorf("params must stay F32")
		}
	}
	if err := WriteDataLogWith(p, log, DataLogOptions{SampleDtype: DtypeI64}); err == nil || !strings.Contains(err.Error(), "SampleDtype") {
		t.Errorf("I64 option: err = %v", err)
	}
	// RoundDataLog gives in memory exactly what the file reads back as, for each dtype.
	for _, dt := range []string{DtypeF16, DtypeBF16, DtypeF32, DtypeF64} {
		opts := DataLogOptions{SampleDtype: dt}
		if err := WriteDataLogWith(p, log, opts); err != nil {
			t.Fatal(err)
		}
		got, err := ReadDataLog(p)
		if err != nil {
			t.Fatal(err)
		}
		rounded := roundLog(log, func(x float64) float64 { return x })
		if err := RoundDataLog(&rounded, opts); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, rounded) {
			t.Errorf("%s: RoundDataLog differs from the file's values", dt)
		}
	}
	// A rounded log writes the same file (StageDataLogWith: the same bytes once committed).
	for _, dt := range []string{DtypeF16, DtypeBF16, DtypeF32} {
		opts := DataLogOptions{SampleDtype: dt}
		rounded := roundLog(log, func(x float64) float64 { return x })
		if err := RoundDataLog(&rounded, opts); err != nil {
			t.Fatal(err)
		}
		p1, p2 := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
		if err := WriteDataLogWith(p1, log, opts); err != nil {
			t.Fatal(err)
		}
		st, err := StageDataLogWith(p2, rounded, opts)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Commit(); err != nil {
			t.Fatal(err)
		}
		b1, _ := os.ReadFile(p1)
		b2, _ := os.ReadFile(p2)
		if string(b1) != string(b2) {
			t.Errorf("%s: the rounded log writes a different file", dt)
		}
	}
	// A per-sample value beyond F16's range is an error naming the element; so is rounding it.
	big := roundLog(log, func(x float64) float64 { return x })
	big.Records[1].HR[5] = 7e4
	err = WriteDataLogWith(p, big, DataLogOptions{SampleDtype: DtypeF16})
	if err == nil || !strings.Contains(err.Error(), `tensor "h_r": element 25: value 70000 overflows F16`) {
		t.Errorf("F16 overflow: err = %v", err)
	}
	before := roundLog(big, func(x float64) float64 { return x })
	err = RoundDataLog(&big, DataLogOptions{SampleDtype: DtypeF16})
	if err == nil || !strings.Contains(err.Error(), `record 1 (step 100): HR[5] = 70000 overflows F16`) {
		t.Errorf("RoundDataLog beyond F16: err = %v", err)
	}
	if !reflect.DeepEqual(big, before) {
		t.Error("RoundDataLog rounded something before failing")
	}
	if err := RoundDataLog(&big, DataLogOptions{SampleDtype: DtypeF16}); err == nil {
		t.Error("RoundDataLog: no error for a value beyond F16")
	}
}

// TestDataLogSize checks the seed demo's log (201 records, 256 samples, 16 instances, d_in 2,
// d_sae 5, standard untied, 2 loss terms) costs 4 bytes per value plus a small header.
func TestDataLogSize(t *testing.T) {
	if testing.Short() {
		t.Skip("writes ~23 MB")
	}
	const T, B, I, D, S = 201, 256, 16, 2, 5
	log := makeLog(T, B, I, D, S, standardParams(I, D, S), []string{"L_reconstruction", "L_sparsity"}, 8)
	dir := t.TempDir()
	p := filepath.Join(dir, "datalog.safetensors")
	if err := WriteDataLog(p, log); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	values := T * (I*S + 3*B*I + 2*B*I*D + 2*I*D*S + I*S + I*D)
	payload := int64(4*values + 8*T + 2*8*8 + 6*8*T)
	if fi.Size() < payload || fi.Size() > payload+2048 {
		t.Errorf("file is %d bytes, want payload %d plus a header under 2 KB", fi.Size(), payload)
	}
	t.Logf("seed-demo data log: %d values, %.1f MB as F32", values, float64(fi.Size())/1e6)

	p16 := filepath.Join(dir, "datalog16.safetensors")
	if err := WriteDataLogWith(p16, log, DataLogOptions{SampleDtype: DtypeF16}); err != nil {
		t.Fatal(err)
	}
	fi16, _ := os.Stat(p16)
	t.Logf("with SampleDtype F16: %.1f MB", float64(fi16.Size())/1e6)
	if fi16.Size() > fi.Size()*52/100 {
		t.Errorf("F16 file %d bytes is not about half of %d", fi16.Size(), fi.Size())
	}
}

func TestWriteDataLogErrors(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "d.safetensors")
	base := func() sae.DataLog {
		return makeLog(3, 4, 2, 2, 3, standardParams(2, 2, 3), []string{"L_reconstruction"}, 0)
	}
	cases := []struct {
		name   string
		mutate func(*sae.DataLog)
		want   string
	}{
		{"negative", func(l *sae.DataLog) { l.DSAE = -1 }, "field DSAE is -1"},
		{"frac_active", func(l *sae.DataLog) { l.Records[1].FracActive = l.Records[1].FracActive[:5] }, "record 1 (step 100): field FracActive has 5 values, want NInst×DSAE = 2×3 = 6"},
		{"loss", func(l *sae.DataLog) { l.Records[2].Loss = nil }, "record 2 (step 200): field Loss"},
		{"h", func(l *sae.DataLog) { l.Records[0].H = append(l.Records[0].H, 1) }, "field H has 17 values"},
		{"h_r", func(l *sae.DataLog) { l.Records[0].HR = nil }, "field HR"},
		{"known param shape", func(l *sae.DataLog) { l.Records[0].Params["W_enc"] = make([]float64, 5) }, `Params["W_enc"] has 5 values, want [2,2,3] = 12`},
		{"param length drift", func(l *sae.DataLog) { l.Records[2].Params["b_enc"] = make([]float64, 5) }, `record 2 (step 200): field Params["b_enc"]`},
		{"param missing", func(l *sae.DataLog) { delete(l.Records[1].Params, "b_dec") }, "record 1 (step 100): field Params has names"},
		{"param renamed", func(l *sae.DataLog) { delete(l.Records[1].Params, "b_dec"); l.Records[1].Params["x"] = nil }, "field Params has names"},
		{"term missing", func(l *sae.DataLog) { l.Records[1].Terms = nil }, "field Terms has names"},
		{"term length", func(l *sae.DataLog) { l.Records[1].Terms["L_reconstruction"] = nil }, `Terms["L_reconstruction"] has 0 values`},
		{"f32 overflow", func(l *sae.DataLog) { l.Records[1].Params["b_enc"][3] = 1e300 }, `tensor "param.b_enc": element 9`},
	}
	for _, c := range cases {
		l := base()
		c.mutate(&l)
		err := WriteDataLog(p, l)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: err = %v, want containing %q and the path", c.name, err, c.want)
		}
	}
	noTempFiles(t, dir)
}

func TestReadDataLogErrors(t *testing.T) {
	dir := t.TempDir()
	log := makeLog(2, 3, 2, 2, 3, standardParams(2, 2, 3), []string{"L_reconstruction"}, 1)
	ts, md, err := dataLogTensors(log, DataLogOptions{})
	if err != nil {
		t.Fatal(err)
	}
	write := func(ts []Tensor, md map[string]string) string {
		p := filepath.Join(dir, "d.safetensors")
		if err := WriteSafetensors(p, ts, md); err != nil {
			t.Fatal(err)
		}
		return p
	}
	without := func(name string) []Tensor {
		var out []Tensor
		for _, x := range ts {
			if x.Name != name {
				out = append(out, x)
			}
		}
		return out
	}
	withMD := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range md {
			m[a] = b
		}
		if v == "" {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	replace := func(name string, shape []int) []Tensor {
		out := without(name)
		return append(out, Tensor{Name: name, Shape: shape, Data: make([]float64, product(shape))})
	}
	cases := []struct {
		name string
		ts   []Tensor
		md   map[string]string
		want string
	}{
		{"plain safetensors", ts, nil, `metadata field format = ""`},
		{"version", ts, withMD("format_version", "2"), "format_version"},
		{"missing n_inst", ts, withMD("n_inst", ""), "metadata field n_inst is missing"},
		{"bad d_sae", ts, withMD("d_sae", "five"), `metadata field d_sae = "five"`},
		{"missing steps", without("steps"), md, `tensor "steps" is missing`},
		{"missing h", without("h"), md, `tensor "h" is missing`},
		{"missing resample_dead", without("resample_dead"), md, `tensor "resample_dead" is missing`},
		{"steps rank", replace("steps", []int{2, 1}), md, `"steps": shape [2,1], want [T]`},
		{"frac_active shape", replace("frac_active", []int{2, 3, 2}), md, `"frac_active": shape [2,3,2], want [2,2,3]`},
		{"param shape", replace("param.W_enc", []int{2, 2, 3, 2}), md, `"param.W_enc": shape [2,2,3,2], want [2,2,2,3]`},
		{"param T", replace("param.extra", []int{3, 2}), md, `"param.extra": shape [3,2], want [T=2, ...]`},
		{"term shape", replace("term.L_aux", []int{2, 3}), md, `"term.L_aux": shape [2,3], want [2,3,2]`},
		{"unexpected", append(without("x"), Tensor{Name: "x", Shape: []int{}, Data: []float64{1}}), md, `unexpected tensor "x"`},
		{"steps not integers", append(without("steps"), Tensor{Name: "steps", Shape: []int{2}, Data: []float64{0.5, 1}}), md, `"steps": element 0 = 0.5 is not an integer`},
		{"missing scalar.step", without("scalar.step"), md, `tensor "scalar.step" is missing`},
		{"missing scalar.lr", without("scalar.lr"), md, `tensor "scalar.lr" is missing`},
		{"scalar shape", replace("scalar.loss", []int{3}), md, `"scalar.loss": shape [3], want [2]`},
		{"unknown scalar", append(without("x"), Tensor{Name: "scalar.x", Shape: []int{2}, Data: []float64{1, 2}}), md, `unexpected tensor "scalar.x"`},
		{"resample mismatch", replace("resample_dead", []int{2}), md, `"resample_dead": shape [2], want [1]`},
	}
	for _, c := range cases {
		p := write(c.ts, c.md)
		_, err := ReadDataLog(p)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: err = %v, want containing %q and the path", c.name, err, c.want)
		}
	}
	// A truncated file.
	p := filepath.Join(dir, "ok.safetensors")
	if err := WriteDataLog(p, log); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	os.WriteFile(p, b[:len(b)-10], 0o644)
	if _, err := ReadDataLog(p); err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "runs past") {
		t.Errorf("truncated: err = %v", err)
	}
}
