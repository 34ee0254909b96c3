package store

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func saelensStandard(dIn, dSAE int) (map[string]any, []SAELensTensor) {
	fill := func(n int, k float32) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = k * float32(i+1) / 7
		}
		return v
	}
	cfg := map[string]any{"d_in": dIn, "d_sae": dSAE, "dtype": "float32", "device": "cpu",
		"apply_b_dec_to_input": true, "architecture": "standard",
		"metadata": map[string]any{"sae_lens_version": "6.18.0", "model_name": nil, "saelab_instance": 2}}
	return cfg, []SAELensTensor{
		{"W_enc", []int{dIn, dSAE}, fill(dIn*dSAE, 1)},
		{"b_enc", []int{dSAE}, fill(dSAE, -1)},
		{"W_dec", []int{dSAE, dIn}, fill(dIn*dSAE, 0.5)},
		{"b_dec", []int{dIn}, fill(dIn, 0.25)},
	}
}

func TestSAELensRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "inst_00")
	cfg, ts := saelensStandard(3, 5)
	if err := WriteSAELens(dir, cfg, ts); err != nil {
		t.Fatal(err)
	}
	got, err := ReadSAELens(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.DIn != 3 || got.DSAE != 5 || got.Arch != "standard" || len(got.Ignored) != 0 {
		t.Errorf("header = %d, %d, %q, ignored %v", got.DIn, got.DSAE, got.Arch, got.Ignored)
	}
	if md, _ := got.Config["metadata"].(map[string]any); md["saelab_instance"] != json.Number("2") || md["sae_lens_version"] != "6.18.0" {
		t.Errorf("metadata = %v", got.Config["metadata"])
	}
	for _, want := range ts {
		g, ok := got.Tensor(want.Name)
		if !ok || !slices.Equal(g.Shape, want.Shape) || !slices.Equal(g.Data, want.Data) {
			t.Errorf("tensor %s = %v %v, want %v %v", want.Name, g.Shape, g.Data, want.Shape, want.Data)
		}
	}
	// SAELens reads the weights with safetensors: no metadata, F32, plain names.
	_, md, err := ReadSafetensors(filepath.Join(dir, SAELensWeightsFile))
	if err != nil || md != nil {
		t.Errorf("weights metadata = %v, %v; want none", md, err)
	}
}

// TestSAELensFixture reads a directory written by hand in SAELens's format (a BatchTopK SAE
// saved as jumprelu, with the coefficient_autotuner state of older SynthSAEBench SAEs,
// including a BOOL tensor).
func TestSAELensFixture(t *testing.T) {
	s, err := ReadSAELens("testdata/saelens-jumprelu")
	if err != nil {
		t.Fatal(err)
	}
	if s.Arch != "jumprelu" || s.DIn != 3 || s.DSAE != 2 {
		t.Fatalf("header = %q %d %d", s.Arch, s.DIn, s.DSAE)
	}
	if !slices.Equal(s.Ignored, []string{"coefficient_autotuner._initialized", "coefficient_autotuner._smoothed_l0"}) {
		t.Errorf("ignored = %v", s.Ignored)
	}
	want := map[string][]float32{
		"W_enc": {0.5, -1, 0.25, 2, -0.75, 0.125}, "b_enc": {0.1, -0.2}, "W_dec": {1, 0, -0.5, 0, 0.5, 0.25},
		"b_dec": {0.01, 0.02, 0.03}, "threshold": {0.3, 0.3},
	}
	if len(s.Tensors) != len(want) {
		t.Errorf("%d tensors, want %d", len(s.Tensors), len(want))
	}
	for name, v := range want {
		g, ok := s.Tensor(name)
		if !ok || !slices.Equal(g.Data, v) {
			t.Errorf("%s = %v, want %v", name, g.Data, v)
		}
	}
	if md := s.Config["metadata"].(map[string]any); md["custom_key"] != "kept" || md["model_name"] != nil {
		t.Errorf("metadata = %v", md)
	}
	// Written back, it reads the same (the ignored state is dropped).
	out := filepath.Join(t.TempDir(), "copy")
	if err := WriteSAELens(out, s.Config, s.Tensors); err != nil {
		t.Fatal(err)
	}
	back, err := ReadSAELens(out)
	if err != nil || len(back.Tensors) != len(want) || len(back.Ignored) != 0 {
		t.Fatalf("copy: %v, %d tensors, ignored %v", err, len(back.Tensors), back.Ignored)
	}
}

func TestSAELensLegacyTopK(t *testing.T) {
	dir := t.TempDir()
	_, ts := saelensStandard(2, 4)
	cfg := map[string]any{"d_in": 2, "d_sae": 4, "activation_fn_str": "topk", "activation_fn_kwargs": map[string]any{"k": 3}}
	if err := WriteSAELens(dir, map[string]any{"d_in": 2, "d_sae": 4, "architecture": "x"}, ts); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(cfg)
	if err := WriteFileAtomic(filepath.Join(dir, SAELensConfigFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := ReadSAELens(dir)
	if err != nil || s.Arch != "topk" || s.Config["k"] != json.Number("3") {
		t.Fatalf("legacy topk: %v, arch %q, k %v", err, s.Arch, s.Config["k"])
	}
}

func TestSAELensErrors(t *testing.T) {
	cases := []struct {
		name string
		edit func(cfg map[string]any, ts []SAELensTensor) []SAELensTensor
		want string
	}{
		{"no d_in", func(c map[string]any, ts []SAELensTensor) []SAELensTensor { delete(c, "d_in"); return ts }, "field d_in = <nil>"},
		{"fractional d_sae", func(c map[string]any, ts []SAELensTensor) []SAELensTensor { c["d_sae"] = 2.5; return ts }, "field d_sae = 2.5"},
		{"no architecture", func(c map[string]any, ts []SAELensTensor) []SAELensTensor { c["architecture"] = 3; return ts }, "field architecture = 3"},
		{"dtype", func(c map[string]any, ts []SAELensTensor) []SAELensTensor { c["dtype"] = "float16"; return ts }, "field dtype = float16"},
		{"NaN in cfg", func(c map[string]any, ts []SAELensTensor) []SAELensTensor {
			c["metadata"] = map[string]any{"x": math.NaN()}
			return ts
		}, "field metadata.x = NaN"},
		{"NaN weight", func(c map[string]any, ts []SAELensTensor) []SAELensTensor {
			ts[1].Data[2] = float32(math.Inf(1))
			return ts
		}, "tensor b_enc: element 2 = +Inf"},
		{"missing", func(c map[string]any, ts []SAELensTensor) []SAELensTensor { return ts[1:] }, "needs tensor W_enc, which is missing"},
		{"shape", func(c map[string]any, ts []SAELensTensor) []SAELensTensor {
			ts[2].Shape = []int{3, 5}
			return ts
		}, "tensor W_dec has shape [3,5]; architecture standard with d_in = 3 and d_sae = 5 needs [5,3]"},
		{"data", func(c map[string]any, ts []SAELensTensor) []SAELensTensor { ts[3].Data = ts[3].Data[:1]; return ts }, "holds 3 values but Data has 1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "sae")
			cfg, ts := saelensStandard(3, 5)
			err := WriteSAELens(dir, cfg, c.edit(cfg, ts))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error = %v, want %q", err, c.want)
			}
			if _, serr := os.Stat(filepath.Join(dir, SAELensConfigFile)); serr == nil {
				t.Error("cfg.json written despite the error")
			}
		})
	}
}

func TestSAELensReadErrors(t *testing.T) {
	write := func(t *testing.T, cfg string, weights []byte) string {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, SAELensConfigFile), []byte(cfg), 0o644)
		if weights != nil {
			os.WriteFile(filepath.Join(dir, SAELensWeightsFile), weights, 0o644)
		}
		return dir
	}
	good, _ := os.ReadFile("testdata/saelens-jumprelu/sae_weights.safetensors")
	ints, _ := EncodeSafetensors([]Tensor{{Name: "W_dec", Shape: []int{1}, Data: []float64{1}, Dtype: DtypeI32}}, nil)
	cases := []struct {
		name, cfg string
		weights   []byte
		want      string
	}{
		{"cfg not JSON", "[1]", good, "not a JSON object"},
		{"cfg too large", `{"x":"` + strings.Repeat("a", maxSAELensConfigBytes) + `"}`, good, "at most 1048576 are read"},
		{"no weights", `{"d_in":3,"d_sae":2,"architecture":"jumprelu"}`, nil, "sae_weights.safetensors: no such file"},
		{"wrong d_sae", `{"d_in":3,"d_sae":4,"architecture":"jumprelu"}`, good, "tensor W_dec has shape [2,3]"},
		{"truncated", `{"d_in":3,"d_sae":2,"architecture":"jumprelu"}`, good[:len(good)-4], "truncated file"},
		{"integer tensor", `{"d_in":1,"d_sae":1,"architecture":"custom"}`, ints, "tensor W_dec has dtype I32"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadSAELens(write(t, c.cfg, c.weights))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error = %v, want %q", err, c.want)
			}
		})
	}
}
