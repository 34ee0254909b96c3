package store

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

func exampleSummary() Summary {
	return Summary{
		Version: "0.1.0",
		Seed:    0,
		Runs: []RunSummary{
			{Name: "toy-model", Kind: KindToyModel, Steps: 5000, WallSeconds: 0.1, FinalLoss: Float64(0)},
			{Name: "sae-none", Kind: KindSAE, Arch: "standard", Resample: "none", Steps: 20000, WallSeconds: 0.5,
				MonosemanticInstances: Int(3), MeanMMCS: Float64(0.92),
				Instances: []InstanceSummary{
					{Index: 0, L0: 0.1, DeadLatents: 1, MMCS: 0.9, RecoveredFeatures: 4},
					{Index: 1, Loss: 0.2, MMCS: 0.99, RecoveredFeatures: 5, Monosemantic: true, Extra: map[string]float64{"l2_ratio": 0.8}},
				}},
		},
	}
}

func keysOf(m map[string]any) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}

// TestSummarySchema checks the exact key set of each object kind in summary.json.
func TestSummarySchema(t *testing.T) {
	data, err := EncodeSummary(exampleSummary())
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if got := keysOf(doc); got != "runs,seed,version" {
		t.Errorf("top-level keys %s", got)
	}
	runs := doc["runs"].([]any)
	toy := runs[0].(map[string]any)
	if got, want := keysOf(toy), "final_loss,kind,name,steps,wall_seconds"; got != want {
		t.Errorf("toymodel keys %s, want %s", got, want)
	}
	sae := runs[1].(map[string]any)
	if got, want := keysOf(sae), "arch,instances,kind,mean_mmcs,monosemantic_instances,name,resample,steps,wall_seconds"; got != want {
		t.Errorf("sae keys %s, want %s", got, want)
	}
	insts := sae["instances"].([]any)
	base := "dead_latents,index,l0,l_reconstruction,l_sparsity,loss,mmcs,monosemantic,recovered_features"
	if got := keysOf(insts[0].(map[string]any)); got != base {
		t.Errorf("instance keys %s, want %s", got, base)
	}
	if got := keysOf(insts[1].(map[string]any)); got != "dead_latents,extra,index,l0,l_reconstruction,l_sparsity,loss,mmcs,monosemantic,recovered_features" {
		t.Errorf("instance-with-extra keys %s", got)
	}
	// Zero values are written, not dropped.
	if toy["final_loss"] != 0.0 || doc["seed"] != 0.0 {
		t.Errorf("zero values: final_loss %v seed %v", toy["final_loss"], doc["seed"])
	}
	// Indented, newline-terminated.
	if !strings.HasPrefix(string(data), "{\n  \"version\": \"0.1.0\",\n  \"seed\": 0,\n  \"runs\": [") || !strings.HasSuffix(string(data), "}\n") {
		t.Errorf("layout:\n%s", data)
	}
	// No runs is [] rather than null.
	data, err = EncodeSummary(Summary{Version: "v", Seed: math.MaxUint64})
	if err != nil || !strings.Contains(string(data), `"runs": []`) || !strings.Contains(string(data), "18446744073709551615") {
		t.Errorf("empty runs: %s %v", data, err)
	}
}

// TestSummaryBriefExample decodes the example given for the format.
func TestSummaryBriefExample(t *testing.T) {
	const example = `{"version": "...", "seed": 0,
 "runs": [
  {"name": "toy-model", "kind": "toymodel", "steps": 5000, "wall_seconds": 0.1, "final_loss": 0.0},
  {"name": "sae-none", "kind": "sae", "arch": "standard", "resample": "none", "steps": 20000,
   "wall_seconds": 0.5, "monosemantic_instances": 3, "mean_mmcs": 0.92,
   "instances": [{"index": 0, "loss": 0.0, "l_reconstruction": 0.0, "l_sparsity": 0.0, "l0": 0.1,
                  "dead_latents": 1, "mmcs": 0.9, "recovered_features": 4, "monosemantic": false}]}]}`
	s, err := DecodeSummary([]byte(example))
	if err != nil {
		t.Fatal(err)
	}
	if *s.Runs[1].MonosemanticInstances != 3 || s.Runs[1].Instances[0].RecoveredFeatures != 4 || *s.Runs[0].FinalLoss != 0 {
		t.Errorf("decoded %+v", s)
	}
}

// TestSummaryCommandAndRunExtra checks the optional fields a compare directory writes: the
// top-level command and an sae run's extra, both omitted when empty (above) and round-tripped.
func TestSummaryCommandAndRunExtra(t *testing.T) {
	in := exampleSummary()
	in.Command = "compare"
	in.Runs[1].Extra = map[string]float64{"mean_shrinkage_slope": 0.8, "mean_l2_ratio": 0.9}
	data, err := EncodeSummary(in)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if got := keysOf(doc); got != "command,runs,seed,version" || doc["command"] != "compare" {
		t.Errorf("top-level keys %s, command %v", got, doc["command"])
	}
	sae := doc["runs"].([]any)[1].(map[string]any)
	if got, want := keysOf(sae), "arch,extra,instances,kind,mean_mmcs,monosemantic_instances,name,resample,steps,wall_seconds"; got != want {
		t.Errorf("sae keys %s, want %s", got, want)
	}
	out, err := DecodeSummary(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Errorf("got %+v\nwant %+v", out, in)
	}
}

func TestSummaryRoundTrip(t *testing.T) {
	p := filepath.Join(t.TempDir(), SummaryFile)
	in := exampleSummary()
	if err := WriteSummary(p, in); err != nil {
		t.Fatal(err)
	}
	out, err := ReadSummary(p)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Errorf("got %+v\nwant %+v", out, in)
	}
}

func TestSummaryNonFinite(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, SummaryFile)
	cases := []struct {
		mutate func(*Summary)
		want   string
	}{
		{func(s *Summary) { s.Runs[0].FinalLoss = Float64(math.NaN()) }, `runs[0] ("toy-model").final_loss is NaN`},
		{func(s *Summary) { s.Runs[0].WallSeconds = math.Inf(1) }, `runs[0] ("toy-model").wall_seconds is +Inf`},
		{func(s *Summary) { s.Runs[1].MeanMMCS = Float64(math.Inf(-1)) }, `runs[1] ("sae-none").mean_mmcs is -Inf`},
		{func(s *Summary) { s.Runs[1].Instances[1].MMCS = math.NaN() }, `runs[1] ("sae-none").instances[1].mmcs is NaN`},
		{func(s *Summary) { s.Runs[1].Instances[0].LSparsity = math.NaN() }, `instances[0].l_sparsity is NaN`},
		{func(s *Summary) { s.Runs[1].Instances[1].Extra["l2_ratio"] = math.NaN() }, `instances[1].extra["l2_ratio"] is NaN`},
		{func(s *Summary) { s.Runs[1].Extra = map[string]float64{"mean_l2_ratio": math.Inf(1)} }, `runs[1] ("sae-none").extra["mean_l2_ratio"] is +Inf`},
	}
	for _, c := range cases {
		s := exampleSummary()
		c.mutate(&s)
		err := WriteSummary(p, s)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("err = %v, want containing %q and the path", err, c.want)
		}
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("a file was written despite the error")
		}
	}
	noTempFiles(t, dir)
}

func TestSummarySchemaErrors(t *testing.T) {
	cases := []struct {
		mutate func(*Summary)
		want   string
	}{
		{func(s *Summary) { s.Version = "" }, "field version is empty"},
		{func(s *Summary) { s.Runs[0].Name = "" }, "runs[0].name is empty"},
		{func(s *Summary) { s.Runs[0].Kind = "other" }, `kind is "other"`},
		{func(s *Summary) { s.Runs[0].Arch = "standard" }, "arch is set on a toymodel run"},
		{func(s *Summary) { s.Runs[0].Resample = "none" }, "resample is set on a toymodel run"},
		{func(s *Summary) { s.Runs[0].MeanMMCS = Float64(1) }, "mean_mmcs is set on a toymodel run"},
		{func(s *Summary) { s.Runs[0].MonosemanticInstances = Int(1) }, "monosemantic_instances is set on a toymodel run"},
		{func(s *Summary) { s.Runs[0].Instances = s.Runs[1].Instances }, "instances is set on a toymodel run"},
		{func(s *Summary) { s.Runs[0].Extra = map[string]float64{"x": 1} }, "extra is set on a toymodel run"},
		{func(s *Summary) { s.Runs[1].Extra = map[string]float64{"": 1} }, `runs[1] ("sae-none").extra has an empty key`},
		{func(s *Summary) { s.Runs[0].FinalLoss = nil }, "final_loss is missing"},
		{func(s *Summary) { s.Runs[1].FinalLoss = Float64(1) }, "final_loss is set on an sae run"},
		{func(s *Summary) { s.Runs[1].Arch = "" }, "arch is missing"},
		{func(s *Summary) { s.Runs[1].Resample = "" }, "resample is missing"},
		{func(s *Summary) { s.Runs[1].MonosemanticInstances = nil }, "monosemantic_instances is missing"},
		{func(s *Summary) { s.Runs[1].MeanMMCS = nil }, "mean_mmcs is missing"},
		{func(s *Summary) { s.Runs[1].Instances = nil }, "instances is missing"},
		{func(s *Summary) { s.Runs[1].Steps = -1 }, "steps is -1"},
	}
	for _, c := range cases {
		s := exampleSummary()
		c.mutate(&s)
		if _, err := EncodeSummary(s); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("err = %v, want containing %q", err, c.want)
		}
	}
}

func TestReadSummaryErrors(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, SummaryFile)
	cases := []struct {
		data, want string
	}{
		{``, "ends too early"},
		{`{"version": "v", "runs": [`, "ends too early"},
		{`{"version": "v", "bogus": 1}`, `unknown field "bogus"`},
		{`{"version": "v"} {}`, "unexpected data after"},
		{`{"version": "v", "seed": -1}`, "seed"},
		{`{"version": "v", "runs": [{"name": "t", "kind": "toymodel", "steps": 1, "wall_seconds": 0, "final_loss": null}]}`, "final_loss is missing"},
		{`{"version": "v", "runs": [{"name": "t", "kind": "sae", "arch": "standard", "resample": "none", "steps": 1, "wall_seconds": 0, "monosemantic_instances": 0, "mean_mmcs": 0, "instances": []}]}`, "instances is missing"},
	}
	for _, c := range cases {
		os.WriteFile(p, []byte(c.data), 0o644)
		_, err := ReadSummary(p)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%q: err = %v, want containing %q and the path", c.data, err, c.want)
		}
	}
	if _, err := ReadSummary(filepath.Join(dir, "missing.json")); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("missing file: %v", err)
	}
}
