package store

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"saelab/sae"
)

func TestWriteMetricsJSONL(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, MetricsFile)
	rows := []map[string]any{
		{"run": "sae-none", "step": 0, "loss": 0.5, "lr": 1e-3, "l_sparsity": float32(0.25), "frac_active_mean": 0.1, "l_reconstruction": 0.25},
		{"step": 100, "run": "a<b>&c", "ok": true, "nothing": nil},
		{},
	}
	if err := WriteMetricsJSONL(p, rows); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(p)
	want := `{"frac_active_mean":0.1,"l_reconstruction":0.25,"l_sparsity":0.25,"loss":0.5,"lr":0.001,"run":"sae-none","step":0}
{"nothing":null,"ok":true,"run":"a<b>&c","step":100}
{}
`
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	back, err := ReadMetricsJSONL(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != 3 || back[0]["step"] != 0.0 || back[0]["run"] != "sae-none" || back[1]["ok"] != true {
		t.Errorf("read back %v", back)
	}
	// Zero rows: an empty file.
	if err := WriteMetricsJSONL(p, nil); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); len(b) != 0 {
		t.Errorf("empty rows wrote %q", b)
	}
	if back, err := ReadMetricsJSONL(p); err != nil || back != nil {
		t.Errorf("empty read: %v %v", back, err)
	}
}

func TestWriteMetricsJSONLErrors(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, MetricsFile)
	cases := []struct {
		rows []map[string]any
		want string
	}{
		{[]map[string]any{{"loss": 1.0}, {"loss": math.NaN()}}, `metrics row 1: field "loss" is NaN`},
		{[]map[string]any{{"lr": float32(math.Inf(1))}}, `field "lr" is +Inf`},
		{[]map[string]any{{"v": []float64{1, math.Inf(-1)}}}, `field "v"`},
		{[]map[string]any{{"f": func() {}}}, `field "f"`},
	}
	for _, c := range cases {
		err := WriteMetricsJSONL(p, c.rows)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("err = %v, want containing %q and the path", err, c.want)
		}
	}
	noTempFiles(t, dir)

	for data, want := range map[string]string{
		"{\"a\":1}\n{bad\n": "line 2",
		"{\"a\":1}\n[1]\n":  "line 2",
		"\n\nnull\n":        "line 3: not a JSON object",
	} {
		os.WriteFile(p, []byte(data), 0o644)
		if _, err := ReadMetricsJSONL(p); err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%q: err = %v, want containing %q", data, err, want)
		}
	}
	os.WriteFile(p, []byte("\n{\"a\":1}\n\n"), 0o644)
	if rows, err := ReadMetricsJSONL(p); err != nil || !reflect.DeepEqual(rows, []map[string]any{{"a": 1.0}}) {
		t.Errorf("blank lines: %v %v", rows, err)
	}
}

func TestMetricsRows(t *testing.T) {
	rows := MetricsRows("sae-none", []sae.Scalars{{Step: 100, LR: 1e-3, Loss: 0.5, LReconstruction: 0.25, LSparsity: 1.25, FracActive: 0.1}})
	p := filepath.Join(t.TempDir(), MetricsFile)
	if err := WriteMetricsJSONL(p, rows); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(p)
	want := `{"frac_active_mean":0.1,"l_reconstruction":0.25,"l_sparsity":1.25,"loss":0.5,"lr":0.001,"run":"sae-none","step":100}` + "\n"
	if string(got) != want {
		t.Errorf("got %s want %s", got, want)
	}
}
