package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"saelab/config"
	"saelab/metrics"
	"saelab/report"
	"saelab/rng"
	"saelab/run"
	"saelab/sae"
	"saelab/store"
	"saelab/toymodel"
)

// compareArchs is the architecture of each default compare run.
var compareArchs = map[string]string{"standard": "standard", "gated": "gated", "jumprelu": "jumprelu",
	"topk-k1": "topk", "topk-k2": "topk", "batchtopk": "batchtopk", "matryoshka": "matryoshka",
	"matching_pursuit": "matching_pursuit"}

// TestCompare runs a tiny compare and checks the run directory, the printed table, the report
// and its re-rendering.
func TestCompare(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cmp")
	code, out := runCLI(t, "compare", "--out", dir, "--n-inst", "2", "--model-steps", "200", "--sae-steps", "300")
	if code != 0 {
		t.Fatalf("compare exited %d: %s", code, out)
	}
	names := config.Compare().RunNames()
	if !slices.Equal(names, []string{"standard", "gated", "jumprelu", "topk-k1", "topk-k2", "batchtopk", "matryoshka", "matching_pursuit"}) {
		t.Errorf("default runs %v", names)
	}

	// summary.json: the toy model, then one run per architecture with "arch" set, run-level means
	// and per-instance shrinkage numbers.
	data, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if doc["command"] != "compare" {
		t.Errorf("command %v", doc["command"])
	}
	runs := doc["runs"].([]any)
	if len(runs) != 1+len(names) || runs[0].(map[string]any)["name"] != "toy-model" {
		t.Fatalf("%d runs: %v", len(runs), runs)
	}
	for k, name := range names {
		r := runs[k+1].(map[string]any)
		if r["name"] != name || r["kind"] != "sae" || r["arch"] != compareArchs[name] || r["steps"] != 300.0 {
			t.Errorf("run %d: name %v kind %v arch %v steps %v, want %s/%s", k+1, r["name"], r["kind"], r["arch"], r["steps"], name, compareArchs[name])
		}
		extra, _ := r["extra"].(map[string]any)
		for _, key := range []string{"mean_l0", "mean_l_reconstruction", "mean_dead_latents", "mean_explained_variance", "mean_l2_ratio", "mean_shrinkage_slope"} {
			if _, ok := extra[key].(float64); !ok {
				t.Errorf("%s: run extra lacks %s: %v", name, key, extra)
			}
		}
		for _, x := range r["instances"].([]any) {
			ie := x.(map[string]any)["extra"].(map[string]any)
			for _, key := range []string{"explained_variance", "l2_ratio", "shrinkage_slope"} {
				if _, ok := ie[key].(float64); !ok {
					t.Errorf("%s: instance extra lacks %s: %v", name, key, ie)
				}
			}
		}
		for _, f := range []string{store.SAEFile(name), store.DataLogFile(name)} {
			if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
				t.Error(err)
			}
		}
	}
	sum, err := store.ReadSummary(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, rs := range sum.Runs[1:] {
		if got := rs.Means().RunExtra()["mean_l0"]; math.Abs(got-rs.Extra["mean_l0"]) > 1e-12 {
			t.Errorf("%s: mean_l0 %v, recomputed %v", rs.Name, rs.Extra["mean_l0"], got)
		}
	}

	// stdout: one comparison line per run, then the report.
	for _, name := range names {
		found := false
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(line, name+" ") && strings.Contains(line, compareArchs[name]) && strings.HasSuffix(line, "s") && strings.Contains(line, "/2") {
				found = true
			}
		}
		if !found {
			t.Errorf("no comparison line for %s in:\n%s", name, out)
		}
	}
	if !strings.Contains(out, "report: "+filepath.Join(dir, "report.html")) {
		t.Errorf("stdout does not say where the report is:\n%s", out)
	}

	// The report: comparison first, every run, the reference rows, the Figure-15 title.
	page, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	text := unref(page)
	want := []string{`<section id="comparison">`, "Act vs Reconstructed Act for " + strings.Join(names, ` \u0026 `), "λ 0.1 · tied · resample advanced",
		"k 0.125 · widths 1,2,5 · aux-k 1"}
	for _, name := range names {
		want = append(want, "SAE: "+name)
	}
	for _, w := range want {
		if !bytes.Contains(text, []byte(w)) {
			t.Errorf("report lacks %q", w)
		}
	}
	in, err := report.FromRunDir(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Comparison) != len(names) || len(in.Runs) != len(names) || in.Shrinkage == nil || len(in.Shrinkage.Series) != len(names) {
		t.Fatalf("report input: %d comparison rows, %d runs, shrinkage %v", len(in.Comparison), len(in.Runs), in.Shrinkage)
	}
	for k, r := range in.Runs {
		if !slices.Equal(r.Rows, sae.AnimationRows(r.Arch)) {
			t.Errorf("%s: rows %v", r.Name, r.Rows)
		}
		c := in.Comparison[k]
		if c.Name != r.Name || c.NInst != 2 || c.Arch != compareArchs[c.Name] || math.IsNaN(c.ShrinkageSlope) || c.Settings == "" {
			t.Errorf("comparison row %+v", c)
		}
	}
	if got := sae.AnimationRows("gated"); !slices.Equal(got, []string{"W_gate", "_W_dec", "h", "h_r"}) {
		t.Errorf("gated rows %v", got)
	}
	if got := sae.AnimationRows("jumprelu"); !slices.Equal(got, []string{"W_enc", "h", "h_r"}) {
		t.Errorf("jumprelu rows %v", got)
	}

	// BatchTopK's τ is in the SAE file and in the data log as [T, I].
	ts, _, err := store.ReadSafetensors(filepath.Join(dir, store.SAEFile("batchtopk")))
	if err != nil {
		t.Fatal(err)
	}
	if th, ok := store.FindTensor(ts, "threshold"); !ok || !slices.Equal(th.Shape, []int{2}) || th.Data[0] <= 0 {
		t.Errorf("threshold in sae-batchtopk: %v %+v", ok, th)
	}
	ts, _, err = store.ReadSafetensors(filepath.Join(dir, store.DataLogFile("batchtopk")))
	if err != nil {
		t.Fatal(err)
	}
	if th, ok := store.FindTensor(ts, "param.threshold"); !ok || !slices.Equal(th.Shape, []int{4, 2}) {
		t.Errorf("param.threshold in datalog-batchtopk: %v %v", ok, th.Shape)
	}

	// `saelab report DIR` re-renders the same page.
	again := filepath.Join(t.TempDir(), "cmp")
	if err := os.CopyFS(again, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(again, "report.html")); err != nil {
		t.Fatal(err)
	}
	if code, out := runCLI(t, "report", again); code != 0 {
		t.Fatalf("report exited %d: %s", code, out)
	}
	page2, err := os.ReadFile(filepath.Join(again, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(generatedRE.ReplaceAll(page, nil), generatedRE.ReplaceAll(page2, nil)) {
		t.Errorf("re-rendered compare report differs (%d vs %d bytes)", len(page), len(page2))
	}
}

// TestCompareArchsAndBest selects runs with --archs and checks that every compare run (not
// only gated and jumprelu) animates its best 4 instances by its own log (spec §6.6).
func TestCompareArchsAndBest(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cmp")
	code, out := runCLI(t, "compare", "--out", dir, "--n-inst", "5", "--model-steps", "100", "--sae-steps", "200",
		"--archs", "topk-k2,batchtopk", "--quiet")
	if code != 0 {
		t.Fatalf("compare exited %d: %s", code, out)
	}
	if strings.TrimSpace(out) != filepath.Join(dir, "report.html") {
		t.Errorf("--quiet printed %q", out)
	}
	sum, err := store.ReadSummary(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, rs := range sum.Runs[1:] {
		got = append(got, rs.Name)
	}
	if !slices.Equal(got, []string{"topk-k2", "batchtopk"}) {
		t.Errorf("runs %v", got)
	}
	var c config.Config
	cy, _ := os.ReadFile(filepath.Join(dir, "config.yaml"))
	if err := config.Decode(cy, &c); err != nil || len(c.Runs) != 2 || c.Runs[0].Name != "topk-k2" {
		t.Errorf("config.yaml runs %v (%v)", c.Runs, err)
	}
	in, err := report.FromRunDir(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range in.Runs {
		log, err := store.ReadDataLog(filepath.Join(dir, store.DataLogFile(r.Name)))
		if err != nil {
			t.Fatal(err)
		}
		var losses [][]float64
		for _, rec := range log.Records {
			l := make([]float64, len(rec.Loss))
			for k, v := range rec.Loss {
				l[k] = float64(v)
			}
			losses = append(losses, l)
		}
		want := metrics.BestInstances(losses, log.SampleSize, 5, 4)
		if len(r.Instances) != 4 || !slices.Equal(r.Instances, want) {
			t.Errorf("%s: animated instances %v, want the best 4 %v", r.Name, r.Instances, want)
		}
	}
	// An --archs entry that names nothing is a usage error, before anything is written.
	bad := filepath.Join(t.TempDir(), "bad")
	if code, msg := runCLI(t, "compare", "--out", bad, "--archs", "standard,nope"); code != 2 || !strings.Contains(msg, `"nope"`) {
		t.Errorf("--archs nope exited %d: %s", code, msg)
	}
	if _, err := os.Stat(bad); err == nil {
		t.Error("a failed compare created its directory")
	}
}

// TestSAEFileThresholdRoundTrip checks that BatchTopK's and Matryoshka's threshold τ
// (sae.State()) survives WriteSAEFile/LoadSAE exactly, that the inference forward then matches,
// and that a file without it is refused rather than evaluated with τ = 0.
func TestSAEFileThresholdRoundTrip(t *testing.T) {
	m, err := toymodel.New(toymodel.Config{NInst: 2, NFeatures: 5, DHidden: 2, FeatMagDistn: "unif"}, toymodel.Values{}, toymodel.Scalar(0.1), 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, arch := range []string{"batchtopk", "matryoshka"} {
		c := config.TrainSAE()
		c.SAE.Arch, c.SAE.K = arch, 0.5
		c.SAETrain.Steps = 100
		runs, err := c.ResolveSAERuns(2, 2)
		if err != nil {
			t.Fatal(err)
		}
		r, err := run.TrainSAE(m, runs[0], 3, run.ObserverFunc(func(run.Event) {}))
		if err != nil {
			t.Fatal(err)
		}
		if r.SAE.Threshold[0] <= 0 || r.SAE.Threshold[1] <= 0 {
			t.Fatalf("%s: τ = %v after training", arch, r.SAE.Threshold)
		}
		p := filepath.Join(t.TempDir(), "s.safetensors")
		if err := store.WriteSAE(p, "x", r.SAE, r.Config.Train); err != nil {
			t.Fatal(err)
		}
		back, _, err := store.LoadSAE(p, m)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(back.Threshold, r.SAE.Threshold) {
			t.Errorf("%s: τ %v after the round trip, want %v", arch, back.Threshold, r.SAE.Threshold)
		}
		h := r.SAE.GenerateHidden(256, toymodel.Streams(5, rng.PurposeEval, 2))
		o1, o2 := r.SAE.Forward(h, 256), back.Forward(h, 256)
		for k := range o1.Acts {
			if math.Abs(o1.Acts[k]-o2.Acts[k]) > 1e-5 {
				t.Fatalf("%s: acts %d: %v vs %v after a round trip", arch, k, o1.Acts[k], o2.Acts[k])
			}
		}
		// τ matters: with τ = 0 the inference forward keeps more latents.
		clear(back.Threshold)
		if l0a, l0b := metrics.L0(o1.Acts, 256, 2, 5), metrics.L0(back.Forward(h, 256).Acts, 256, 2, 5); !(l0b[0]+l0b[1] > l0a[0]+l0a[1]) {
			t.Errorf("%s: L0 %v with τ, %v with τ = 0: τ has no effect, the test proves nothing", arch, l0a, l0b)
		}
		// A file without the threshold is refused.
		ts, md, err := store.ReadSafetensors(p)
		if err != nil {
			t.Fatal(err)
		}
		ts = slices.DeleteFunc(ts, func(x store.Tensor) bool { return x.Name == "threshold" })
		if err := store.WriteSafetensors(p, ts, md); err != nil {
			t.Fatal(err)
		}
		if _, _, err := store.LoadSAE(p, m); err == nil || !strings.Contains(err.Error(), "no tensor threshold") {
			t.Errorf("%s: file without threshold: err = %v", arch, err)
		}
	}
}
