package store

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// sameFloat is == that treats NaN as equal to NaN and tells -0 from 0.
func sameFloat(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return a == b && math.Signbit(a) == math.Signbit(b)
}

func sameData(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !sameFloat(a[i], b[i]) {
			return false
		}
	}
	return true
}

// build makes a safetensors encoding from a raw header string and body, for corrupt-file tests.
func build(header string, body []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint64(len(header)))
	b.WriteString(header)
	b.Write(body)
	return b.Bytes()
}

func TestSafetensorsRoundTrip(t *testing.T) {
	in := []Tensor{
		{Name: "W_enc", Shape: []int{2, 3}, Data: []float64{1, -2, 0.1, 1e-30, math.Inf(1), math.NaN()}},
		{Name: "b_enc", Shape: []int{3}, Data: []float64{0, math.Copysign(0, -1), 3.5}, Dtype: DtypeF32},
		{Name: "scalar", Shape: nil, Data: []float64{42}},
		{Name: "empty", Shape: []int{0, 4}, Data: []float64{}},
		{Name: "f64", Shape: []int{2}, Data: []float64{0.1, math.MaxFloat64}, Dtype: DtypeF64},
		{Name: "steps", Shape: []int{3}, Data: []float64{0, 100, -1 << 53}, Dtype: DtypeI64},
		{Name: "i32", Shape: []int{2}, Data: []float64{math.MinInt32, math.MaxInt32}, Dtype: DtypeI32},
		{Name: "half", Shape: []int{3}, Data: []float64{1, 65504, 0.1}, Dtype: DtypeF16},
		{Name: "bhalf", Shape: []int{3}, Data: []float64{1, 3e38, 0.1}, Dtype: DtypeBF16},
		{Name: "ünïcode <&>", Shape: []int{1}, Data: []float64{7}},
	}
	md := map[string]string{"format": "pt", "note": "a <b> & \"c\""}
	enc, err := EncodeSafetensors(in, md)
	if err != nil {
		t.Fatal(err)
	}
	if hl := binary.LittleEndian.Uint64(enc); hl%8 != 0 {
		t.Errorf("header length %d is not a multiple of 8", hl)
	}
	out, gotMD, err := DecodeSafetensors(enc)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotMD, md) {
		t.Errorf("metadata %v, want %v", gotMD, md)
	}
	if len(out) != len(in) {
		t.Fatalf("%d tensors, want %d", len(out), len(in))
	}
	for i := 1; i < len(out); i++ {
		if out[i-1].Name >= out[i].Name {
			t.Errorf("tensors not sorted by name: %q before %q", out[i-1].Name, out[i].Name)
		}
	}
	for _, w := range in {
		g, ok := FindTensor(out, w.Name)
		if !ok {
			t.Fatalf("tensor %q missing", w.Name)
		}
		wantDtype := w.Dtype
		if wantDtype == "" {
			wantDtype = DtypeF32
		}
		if g.Dtype != wantDtype {
			t.Errorf("%s: dtype %s, want %s", w.Name, g.Dtype, wantDtype)
		}
		wantShape := w.Shape
		if wantShape == nil {
			wantShape = []int{}
		}
		if !reflect.DeepEqual(g.Shape, wantShape) {
			t.Errorf("%s: shape %v, want %v", w.Name, g.Shape, wantShape)
		}
		want := make([]float64, len(w.Data))
		for k, x := range w.Data {
			switch wantDtype {
			case DtypeF32:
				want[k] = float64(float32(x))
			case DtypeF16:
				u, _ := formatF16.encode(x)
				want[k] = formatF16.decode(u)
			case DtypeBF16:
				u, _ := formatBF16.encode(x)
				want[k] = formatBF16.decode(u)
			default:
				want[k] = x
			}
		}
		if !sameData(g.Data, want) {
			t.Errorf("%s: data %v, want %v", w.Name, g.Data, want)
		}
	}
}

// TestSafetensorsGoldenBytes pins the byte layout to what the reference implementation writes
// for {"a": float32 [1, 2]} with no metadata.
func TestSafetensorsGoldenBytes(t *testing.T) {
	enc, err := EncodeSafetensors([]Tensor{{Name: "a", Shape: []int{2}, Data: []float64{1, 2}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	header := `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`
	for len(header)%8 != 0 {
		header += " "
	}
	want := build(header, []byte{0, 0, 0x80, 0x3f, 0, 0, 0, 0x40})
	if !bytes.Equal(enc, want) {
		t.Errorf("got\n%q\nwant\n%q", enc, want)
	}
}

func TestSafetensorsLayout(t *testing.T) {
	in := []Tensor{
		{Name: "z64", Shape: []int{1}, Data: []float64{1}, Dtype: DtypeF64},
		{Name: "a16", Shape: []int{3}, Data: []float64{1, 2, 3}, Dtype: DtypeF16},
		{Name: "b32", Shape: []int{1}, Data: []float64{1}},
		{Name: "a32", Shape: []int{1}, Data: []float64{1}},
		{Name: "i64", Shape: []int{1}, Data: []float64{1}, Dtype: DtypeI64},
	}
	enc, err := EncodeSafetensors(in, nil)
	if err != nil {
		t.Fatal(err)
	}
	hl := binary.LittleEndian.Uint64(enc)
	header := string(enc[8 : 8+hl])
	// Largest element size first, then by name: every tensor starts aligned to its size.
	order := []string{`"i64"`, `"z64"`, `"a32"`, `"b32"`, `"a16"`}
	last := -1
	for _, n := range order {
		i := strings.Index(header, n)
		if i <= last {
			t.Fatalf("header %s: %s out of order", header, n)
		}
		last = i
	}
	for _, want := range []string{`"i64":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}`,
		`"z64":{"dtype":"F64","shape":[1],"data_offsets":[8,16]}`,
		`"a32":{"dtype":"F32","shape":[1],"data_offsets":[16,20]}`,
		`"a16":{"dtype":"F16","shape":[3],"data_offsets":[24,30]}`} {
		if !strings.Contains(header, want) {
			t.Errorf("header %s lacks %s", header, want)
		}
	}
}

func TestWriteReadSafetensorsFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "m.safetensors")
	in := []Tensor{{Name: "x", Shape: []int{2, 2}, Data: []float64{1, 2, 3, 4}}}
	if err := WriteSafetensors(p, in, map[string]string{"k": "v"}); err != nil {
		t.Fatal(err)
	}
	out, md, err := ReadSafetensors(p)
	if err != nil {
		t.Fatal(err)
	}
	in[0].Dtype = DtypeF32
	if !reflect.DeepEqual(out, in) || md["k"] != "v" {
		t.Errorf("got %v %v", out, md)
	}
	// No metadata round-trips as nil.
	if err := WriteSafetensors(p, in, nil); err != nil {
		t.Fatal(err)
	}
	if _, md, err = ReadSafetensors(p); err != nil || md != nil {
		t.Errorf("metadata %v, err %v; want nil, nil", md, err)
	}
	// Errors name the file.
	if err := os.WriteFile(p, []byte("short"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ReadSafetensors(p); err == nil || !strings.Contains(err.Error(), p) {
		t.Errorf("err = %v, want one naming %s", err, p)
	}
	if _, _, err := ReadSafetensors(p + ".missing"); err == nil || !strings.Contains(err.Error(), p) {
		t.Errorf("err = %v", err)
	}
	// A failed write names the file and leaves nothing behind.
	bad := filepath.Join(filepath.Dir(p), "bad.safetensors")
	err = WriteSafetensors(bad, []Tensor{{Name: "x", Shape: []int{1}, Data: []float64{0.5}, Dtype: DtypeI64}}, nil)
	if err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), `"x"`) {
		t.Errorf("err = %v", err)
	}
	if _, err := os.Stat(bad); !os.IsNotExist(err) {
		t.Errorf("bad file exists: %v", err)
	}
	noTempFiles(t, filepath.Dir(p), "m.safetensors")
}

func TestEncodeSafetensorsErrors(t *testing.T) {
	cases := []struct {
		name string
		ts   []Tensor
		md   map[string]string
		want string
	}{
		{"empty name", []Tensor{{Name: "", Shape: []int{1}, Data: []float64{1}}}, nil, "empty name"},
		{"reserved", []Tensor{{Name: "__metadata__", Shape: []int{1}, Data: []float64{1}}}, nil, "reserved"},
		{"duplicate", []Tensor{{Name: "a", Shape: []int{1}, Data: []float64{1}}, {Name: "a", Shape: []int{1}, Data: []float64{1}}}, nil, `"a": duplicate`},
		{"negative dim", []Tensor{{Name: "a", Shape: []int{-1}, Data: nil}}, nil, "negative"},
		{"len mismatch", []Tensor{{Name: "a", Shape: []int{2, 2}, Data: []float64{1}}}, nil, "holds 4 values but Data has 1"},
		{"dtype", []Tensor{{Name: "a", Shape: []int{1}, Data: []float64{1}, Dtype: "U8"}}, nil, `unsupported dtype "U8"`},
		{"f32 overflow", []Tensor{{Name: "a", Shape: []int{2}, Data: []float64{0, 1e39}}}, nil, `"a": element 1: value 1e+39 overflows F32`},
		{"f16 overflow", []Tensor{{Name: "a", Shape: []int{1}, Data: []float64{65520}, Dtype: DtypeF16}}, nil, "overflows F16"},
		{"i64 fraction", []Tensor{{Name: "a", Shape: []int{1}, Data: []float64{1.5}, Dtype: DtypeI64}}, nil, "not an I64"},
		{"i64 nan", []Tensor{{Name: "a", Shape: []int{1}, Data: []float64{math.NaN()}, Dtype: DtypeI64}}, nil, "not an I64"},
		{"i64 range", []Tensor{{Name: "a", Shape: []int{1}, Data: []float64{1 << 63}, Dtype: DtypeI64}}, nil, "not an I64"},
		{"i32 range", []Tensor{{Name: "a", Shape: []int{1}, Data: []float64{1 << 31}, Dtype: DtypeI32}}, nil, "not an I32"},
		{"bad utf8 name", []Tensor{{Name: "a\xff", Shape: []int{1}, Data: []float64{1}}}, nil, "UTF-8"},
		{"bad utf8 meta", nil, map[string]string{"k": "\xff"}, "UTF-8"},
	}
	for _, c := range cases {
		_, err := EncodeSafetensors(c.ts, c.md)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want containing %q", c.name, err, c.want)
		}
	}
}

func TestDecodeSafetensorsErrors(t *testing.T) {
	good, err := EncodeSafetensors([]Tensor{
		{Name: "a", Shape: []int{2}, Data: []float64{1, 2}},
		{Name: "b", Shape: []int{1}, Data: []float64{3}},
	}, map[string]string{"k": "v"})
	if err != nil {
		t.Fatal(err)
	}
	hugeLen := make([]byte, 16)
	binary.LittleEndian.PutUint64(hugeLen, math.MaxUint64)
	overLimit := make([]byte, 16)
	binary.LittleEndian.PutUint64(overLimit, maxHeaderLen+1)
	tooLong := append([]byte(nil), good...)
	binary.LittleEndian.PutUint64(tooLong, uint64(len(good))) // claims more than is there
	body8 := make([]byte, 8)
	entry := func(s string) string { return `{"t":` + s + `}` }

	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "shorter than the 8-byte"},
		{"7 bytes", good[:7], "shorter than the 8-byte"},
		{"truncated header", good[:20], "exceeds the 12 bytes"},
		{"truncated data", good[:len(good)-1], "runs past"},
		{"header length too large", tooLong, "exceeds the"},
		{"header length u64 max", hugeLen, "exceeds the limit"},
		{"header length over limit", overLimit, "exceeds the limit"},
		{"zero header", build("", nil), "header length is 0"},
		{"not an object", build(`[1,2]   `, nil), "does not start with '{'"},
		{"bad json", build(`{"t":{"dtype":"F32",`, nil), "header JSON"},
		{"bad json 2", build(`{"t" 1}`, nil), "header JSON"},
		{"trailing garbage", build(`{} x`, nil), "unexpected bytes after"},
		{"invalid utf8", build("{\"\xff\":1}", nil), "UTF-8"},
		{"duplicate tensor", build(`{"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"t":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, body8), `duplicate key "t"`},
		{"duplicate metadata", build(`{"__metadata__":{},"__metadata__":{}}`, nil), "duplicate key"},
		{"metadata not strings", build(`{"__metadata__":{"a":1}}`, nil), "__metadata__"},
		{"metadata not object", build(`{"__metadata__":[]}`, nil), "__metadata__"},
		{"entry not object", build(entry(`"x"`), nil), `tensor "t"`},
		{"unknown field", build(entry(`{"dtype":"F32","shape":[1],"data_offsets":[0,4],"extra":1}`), body8[:4]), `unknown field "extra"`},
		{"missing dtype", build(entry(`{"shape":[1],"data_offsets":[0,4]}`), body8[:4]), "missing field dtype"},
		{"missing shape", build(entry(`{"dtype":"F32","data_offsets":[0,4]}`), body8[:4]), "missing field shape"},
		{"missing offsets", build(entry(`{"dtype":"F32","shape":[1]}`), body8[:4]), "missing field data_offsets"},
		{"null entry", build(entry(`null`), nil), "missing field dtype"},
		{"unknown dtype", build(entry(`{"dtype":"Q7","shape":[1],"data_offsets":[0,4]}`), body8[:4]), `unsupported dtype "Q7"`},
		{"negative dim", build(entry(`{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}`), body8[:4]), "negative"},
		{"fractional dim", build(entry(`{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}`), body8[:4]), `tensor "t"`},
		{"negative offset", build(entry(`{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}`), body8[:4]), `tensor "t"`},
		{"three offsets", build(entry(`{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}`), body8), "has 3 values"},
		{"begin > end", build(entry(`{"dtype":"F32","shape":[0],"data_offsets":[4,0]}`), body8[:4]), "begin > end"},
		{"size mismatch", build(entry(`{"dtype":"F32","shape":[3],"data_offsets":[0,8]}`), body8), "needs 12 bytes"},
		{"dtype size mismatch", build(entry(`{"dtype":"F64","shape":[2],"data_offsets":[0,8]}`), body8), "needs 16 bytes"},
		{"huge shape", build(entry(`{"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,8]}`), body8), "needs more bytes"},
		{"offsets overlapping", build(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, body8), "overlaps tensor"},
		{"offsets identical", build(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, body8), "overlaps"},
		{"offsets gap", build(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, body8), "gap of 4 bytes"},
		{"data after tensors", build(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, body8), "cover 4 bytes but the data section has 8"},
		{"data without tensors", build(`{}`, body8), "cover 0 bytes"},
		{"empty name", build(`{"":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, body8[:4]), "empty name"},
		{"i64 beyond 2^53", build(entry(`{"dtype":"I64","shape":[1],"data_offsets":[0,8]}`), []byte{1, 0, 0, 0, 0, 0, 0x20, 0}), "does not fit a float64"},
	}
	for _, c := range cases {
		_, _, err := DecodeSafetensors(c.data)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want containing %q", c.name, err, c.want)
		}
	}
}

func TestDecodeSafetensorsAccepts(t *testing.T) {
	// Whitespace after the object, no metadata, null metadata, keys in any order, empty file.
	cases := map[string][]byte{
		"newline padding": build("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}\n\t ", []byte{0, 0, 0x80, 0x3f}),
		"null metadata":   build(`{"__metadata__":null}`, nil),
		"reordered":       build(`{"b":{"data_offsets":[4,8],"shape":[],"dtype":"F32"},"a":{"shape":[1],"dtype":"F32","data_offsets":[0,4]}}`, make([]byte, 8)),
		"no tensors":      build(`{}      `, nil),
		"zero-size":       build(`{"e":{"dtype":"F64","shape":[3,0],"data_offsets":[0,0]}}`, nil),
	}
	for name, data := range cases {
		if _, _, err := DecodeSafetensors(data); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestMiniFloatExhaustive(t *testing.T) {
	for _, m := range []struct {
		name string
		f    miniFormat
	}{{"F16", formatF16}, {"BF16", formatBF16}} {
		for b := 0; b < 1<<16; b++ {
			x := m.f.decode(uint16(b))
			if math.IsNaN(x) {
				continue
			}
			got, ok := m.f.encode(x)
			if !ok || got != uint16(b) {
				t.Fatalf("%s: 0x%04x decodes to %g, re-encodes to 0x%04x ok=%v", m.name, b, x, got, ok)
			}
		}
	}
}

func TestMiniFloatRounding(t *testing.T) {
	cases := []struct {
		f    miniFormat
		x    float64
		want uint16
		ok   bool
	}{
		{formatF16, 1, 0x3c00, true},
		{formatF16, -2, 0xc000, true},
		{formatF16, 65504, 0x7bff, true},
		{formatF16, 65519.99, 0x7bff, true},
		{formatF16, 65520, 0x7c00, false},
		{formatF16, math.Ldexp(1, -24), 0x0001, true},
		{formatF16, math.Ldexp(1, -25), 0x0000, true},             // tie to even (0)
		{formatF16, math.Ldexp(3, -25), 0x0002, true},             // tie to even (2)
		{formatF16, math.Ldexp(1, -14), 0x0400, true},             // smallest normal
		{formatF16, math.Ldexp(1023.5, -24), 0x0400, true},        // subnormal rounds up into the normals
		{formatF16, 1 + math.Ldexp(1, -11), 0x3c00, true},         // tie to even
		{formatF16, 1 + math.Ldexp(3, -11), 0x3c02, true},         // tie to even
		{formatF16, 1 + math.Ldexp(1, -11) + 1e-12, 0x3c01, true}, // above the tie: no double rounding
		{formatF16, 0.1, 0x2e66, true},
		{formatF16, math.Inf(-1), 0xfc00, true},
		{formatF16, math.Copysign(0, -1), 0x8000, true},
		{formatBF16, 1, 0x3f80, true},
		{formatBF16, 0.1, 0x3dcd, true},
		{formatBF16, math.MaxFloat64, 0x7f80, false},
	}
	for _, c := range cases {
		got, ok := c.f.encode(c.x)
		if got != c.want || ok != c.ok {
			t.Errorf("encode(%g) (mant %d) = 0x%04x %v, want 0x%04x %v", c.x, c.f.mant, got, ok, c.want, c.ok)
		}
	}
	if u, _ := formatF16.encode(math.NaN()); !math.IsNaN(formatF16.decode(u)) {
		t.Error("F16 NaN does not round-trip")
	}
}

// FuzzDecodeSafetensors: the decoder never panics, and whatever it accepts re-encodes and
// decodes to the same tensors.
func FuzzDecodeSafetensors(f *testing.F) {
	seed, _ := EncodeSafetensors([]Tensor{
		{Name: "a", Shape: []int{2}, Data: []float64{1, 2}},
		{Name: "s", Shape: []int{1}, Data: []float64{7}, Dtype: DtypeI64},
		{Name: "h", Shape: []int{1}, Data: []float64{0.5}, Dtype: DtypeF16},
	}, map[string]string{"k": "v"})
	f.Add(seed)
	f.Add(seed[:len(seed)-3])
	f.Add(build(`{}`, nil))
	f.Add(build(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, make([]byte, 8)))
	f.Add(build(`{"a":{"dtype":"BF16","shape":[0],"data_offsets":[0,0]}}`, nil))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, '{'})
	f.Fuzz(func(t *testing.T, data []byte) {
		ts, md, err := DecodeSafetensors(data)
		if err != nil {
			return
		}
		enc, err := EncodeSafetensors(ts, md)
		if err != nil {
			t.Fatalf("re-encode of an accepted file: %v", err)
		}
		ts2, md2, err := DecodeSafetensors(enc)
		if err != nil {
			t.Fatalf("decode of re-encoding: %v", err)
		}
		if len(md) != len(md2) || len(ts) != len(ts2) {
			t.Fatalf("round trip changed counts")
		}
		for i := range ts {
			if ts[i].Name != ts2[i].Name || ts[i].Dtype != ts2[i].Dtype || !reflect.DeepEqual(ts[i].Shape, ts2[i].Shape) || !sameData(ts[i].Data, ts2[i].Data) {
				t.Fatalf("round trip changed tensor %q", ts[i].Name)
			}
		}
	})
}
