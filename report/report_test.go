package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"saelab/report/assets"
)

var specRE = regexp.MustCompile(`<script type="application/json" id="spec-([^"]+)">(.*?)</script>`)

// specs returns the page's figure specs by id.
func specs(t *testing.T, page []byte) map[string]figSpec {
	t.Helper()
	out := map[string]figSpec{}
	for _, m := range specRE.FindAllSubmatch(page, -1) {
		var s figSpec
		if err := json.Unmarshal(m[2], &s); err != nil {
			t.Fatalf("spec %s: %v", m[1], err)
		}
		out[string(m[1])] = s
	}
	return out
}

func mustRender(t *testing.T, in Input) []byte {
	t.Helper()
	b, err := Render(in)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPlotlyChecksum(t *testing.T) {
	sum := sha256.Sum256(assets.PlotlyJS)
	want := strings.Fields(assets.PlotlySHA256)
	if len(want) != 2 || want[1] != "plotly.min.js" {
		t.Fatalf("plotly.min.js.sha256: want \"<hex>  plotly.min.js\", got %q", assets.PlotlySHA256)
	}
	if got := hex.EncodeToString(sum[:]); got != want[0] {
		t.Fatalf("embedded plotly.min.js has SHA-256 %s, plotly.min.js.sha256 says %s (re-run go generate ./report/assets)", got, want[0])
	}
	// The header of the bundle names the pinned version.
	ver := strings.TrimSpace(assets.PlotlyVersion)
	_, v, ok := strings.Cut(ver, "@")
	if !ok || !bytes.Contains(assets.PlotlyJS[:200], []byte(" v"+v+"\n")) {
		t.Errorf("plotly.version is %q, but the bundle starts %q", ver, assets.PlotlyJS[:80])
	}
	// Inlined in <script>, it must not end the element early.
	if bytes.Contains(bytes.ToLower(assets.PlotlyJS), []byte("</script")) || bytes.Contains(assets.PlotlyJS, []byte("<!--")) {
		t.Error("plotly.min.js contains </script or <!--, which breaks inlining")
	}
}

func TestNothingExternalIsLoaded(t *testing.T) {
	in := synthInput(4, 2, 30, 5, 64)
	in.ConfigYAML = "url: https://example.com/x\n"
	page := mustRender(t, in)
	for _, re := range []string{
		`(?i)<script[^>]*\ssrc\s*=`, `(?i)<link[^>]*\shref\s*=`, `(?i)@import`, `(?i)url\(\s*['"]?(https?:)?//`,
		`(?i)<(img|iframe|embed|object|video|audio|source)\b`, `(?i)<meta[^>]*http-equiv`,
	} {
		if m := regexp.MustCompile(re).Find(page); m != nil {
			t.Errorf("page matches %s: %q", re, m)
		}
	}
	// The only scripts: plotly, the figure specs, the page's script.
	scripts := regexp.MustCompile(`(?i)<script\b[^>]*>`).FindAll(page, -1)
	if want := 2 + len(specs(t, page)); len(scripts) != want {
		t.Errorf("%d <script> tags, want %d", len(scripts), want)
	}
	if !bytes.Contains(page, assets.PlotlyJS[:1000]) {
		t.Error("plotly.js is not inlined")
	}
}

func TestEscaping(t *testing.T) {
	in := synthInput(2, 1, 3, 3, 8)
	in.Title = `A <b>bold</b> title`
	in.ConfigYAML = "name: \"</script><script>alert(1)</script>\"\nx: a & b\n"
	in.Runs[0].Name = `</script><img src=x>`
	page := mustRender(t, in)
	for _, bad := range []string{"<script>alert(1)", "<b>bold</b>", "<img src=x>"} {
		if bytes.Contains(page, []byte(bad)) {
			t.Errorf("page contains unescaped %q", bad)
		}
	}
	if !bytes.Contains(page, []byte("x: a &amp; b")) {
		t.Error("config is not shown (HTML-escaped) in the page")
	}
	if len(specs(t, page)) == 0 {
		t.Error("no figure specs")
	}
}

func TestShapeErrors(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(in *Input)
		field string
		want  string
	}{
		{"model W", func(in *Input) { in.Model.W = in.Model.W[1:] }, "Model.W", "expected 20 values ([I=2][H=2][F=5]), got 19"},
		{"importance", func(in *Input) { in.Model.Importance = []float64{1} }, "Model.Importance", "expected 10 values"},
		{"feature prob", func(in *Input) { in.Model.FeatureProbability = make([]float64, 11) }, "Model.FeatureProbability", "got 11"},
		{"hidden", func(in *Input) { in.Model.NHidden = 9 }, "Model.Hidden", "expected 36 values ([N=9][I=2][H=2]), got 32"},
		{"W_enc", func(in *Input) { in.Runs[0].Frames[1].Weights["W_enc"] = make([]float64, 5) }, `Runs[0] ("standard").Frames[1].Weights["W_enc"]`, "expected 12 values ([I=2][D=2][S=3]), got 5"},
		{"W_dec", func(in *Input) { in.Runs[0].Frames[2].Weights["_W_dec"] = nil }, `Frames[2].Weights["_W_dec"]`, "expected 12 values ([I=2][S=3][D=2]), got 0"},
		{"missing row", func(in *Input) { delete(in.Runs[0].Frames[0].Weights, "_W_dec") }, `Frames[0].Weights`, `missing "_W_dec"`},
		{"H", func(in *Input) { in.Runs[0].Frames[0].H = in.Runs[0].Frames[0].H[2:] }, "Frames[0].H", "expected 32 values ([N=8][I=2][D=2]), got 30"},
		{"HR", func(in *Input) { in.Runs[0].Frames[2].HR = nil }, "Frames[2].HR", "got 0"},
		{"frac", func(in *Input) { in.Runs[0].Frames[1].FracActive = make([]float32, 7) }, "Frames[1].FracActive", "expected 6 values ([I=2][S=3]), got 7"},
		{"frac missing", func(in *Input) { in.Runs[0].Frames[1].FracActive = nil }, "Frames", "FracActive present in 2 of 3 frames"},
		{"lrec", func(in *Input) { in.Runs[0].Frames[0].LRec = make([]float32, 3) }, "Frames[0].LRec", "expected 16 values ([N=8][I=2]), got 3"},
		{"loss", func(in *Input) { in.Runs[0].Frames[0].Loss = make([]float32, 3) }, "Frames[0].Loss", "got 3"},
		{"row name", func(in *Input) { in.Runs[0].Rows = []string{"W_enc", "W_foo"} }, "Rows[1]", `unknown row "W_foo"`},
		{"no rows", func(in *Input) { in.Runs[0].Rows = nil }, `Runs[0] ("standard").Rows`, "empty"},
		{"best", func(in *Input) { in.Runs[0].Best = []int{1, 2} }, "Best[1]", "instance 2 out of range [0, 2)"},
		{"best twice", func(in *Input) { in.Runs[0].Best = []int{0, 0} }, "Best[1]", "listed twice"},
		{"n features", func(in *Input) { in.Runs[0].NFeatures = -1 }, "NFeatures", "must be >= 0"},
		{"instance", func(in *Input) { in.Runs[0].Instances = []int{0, 2} }, "Instances[1]", "instance 2 out of range [0, 2)"},
		{"instance twice", func(in *Input) { in.Runs[0].Instances = []int{1, 1} }, "Instances[1]", "listed twice"},
		{"table index", func(in *Input) { in.Runs[0].Table[1].Index = 5 }, "Table[1].Index", "out of range"},
		{"steps", func(in *Input) { in.Runs[0].Frames[2].Step = 0 }, "Frames[2].Step", "steps must increase"},
		{"dims", func(in *Input) { in.Runs[0].DSAE = 0 }, `Runs[0] ("standard")`, "must be > 0"},
		{"shrinkage", func(in *Input) { in.Shrinkage.Series[1].Y = in.Shrinkage.Series[1].Y[1:] }, `Shrinkage.Series[1] ("gated")`, "len(X)=300 but len(Y)=299"},
		{"budget", func(in *Input) { in.AnimationBudget = -1 }, "AnimationBudget", "must be >= 0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := synthInput(2, 1, 3, 3, 8)
			c.edit(&in)
			_, err := Render(in)
			if err == nil {
				t.Fatal("Render accepted an inconsistent input")
			}
			if !strings.Contains(err.Error(), c.field) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q, want it to name %q and say %q", err, c.field, c.want)
			}
			if err := WriteFile(filepath.Join(t.TempDir(), "r.html"), in); err == nil {
				t.Error("WriteFile accepted an inconsistent input")
			}
		})
	}
}

// jumpSeries is X[t] ([I=1][D=2][S=3]) with small drift, latent 1 jumping by
// 1 at frame 30 and latent 2 jumping at frame 10.
func jumpSeries(T int) [][]float64 {
	const D, S = 2, 3
	series := make([][]float64, T)
	x := []float64{0.1, 0.2, 0.3, -0.1, -0.2, -0.3}
	for t := range series {
		for k := range x {
			x[k] += 0.01
		}
		if t == 30 {
			x[0*S+1] += 1 // ‖Δ‖ ≈ 1 > 0.3
		}
		if t == 10 {
			x[1*S+2] -= 0.8
		}
		series[t] = append([]float64(nil), x...)
	}
	return series
}

func TestHighlightRule(t *testing.T) {
	const T = 80
	red := highlightMask(jumpSeries(T), 1, 2, 3, highlightFrames, highlightThresh)
	for tt := 0; tt < T; tt++ {
		if red[tt][0] {
			t.Errorf("latent 0 (never jumps) red at frame %d", tt)
		}
		if want := tt >= 30 && tt <= 54; red[tt][1] != want {
			t.Errorf("latent 1 (jumps at 30): red at frame %d is %v, want %v", tt, red[tt][1], want)
		}
		// Latent 2 jumps at 10: R > 0.3 for frames 10..34, but frames <= 25 are never red.
		if want := tt >= 26 && tt <= 34; red[tt][2] != want {
			t.Errorf("latent 2 (jumps at 10): red at frame %d is %v, want %v", tt, red[tt][2], want)
		}
	}

	// End to end: the packed frames of a resampled run list exactly those.
	series := jumpSeries(T)
	run := SAERun{Name: "r", Resample: "simple", NInst: 1, DIn: 2, DSAE: 3, Rows: []string{"W_enc", "_W_dec"}}
	for tt := 0; tt < T; tt++ {
		run.Frames = append(run.Frames, Frame{Step: tt * 100, Weights: map[string][]float64{"W_enc": series[tt], "_W_dec": make([]float64, 6)}})
	}
	fig, _, err := animationFigure(&run, "a", 1<<30, 0)
	if err != nil {
		t.Fatal(err)
	}
	d := unpack(t, fig.Anim)
	if len(d.Frames) != T {
		t.Fatalf("%d frames, want all %d", len(d.Frames), T)
	}
	for tt, f := range d.Frames {
		var want []int // (cell, latent): cell 0 is the W_enc row, cell 1 the _W_dec row (W rows only)
		if tt >= 26 && tt <= 34 {
			want = append(want, 0, 2, 1, 2)
		}
		if tt >= 30 && tt <= 54 {
			want = append(want, 0, 1, 1, 1)
		}
		if !sameRed(f.R, want) {
			t.Errorf("frame %d: red %v, want %v", tt, f.R, want)
		}
	}
	// Without resampling (and no override) nothing is red.
	run.Resample = ""
	fig, _, err = animationFigure(&run, "a", 1<<30, 0)
	if err != nil {
		t.Fatal(err)
	}
	for tt, f := range unpack(t, fig.Anim).Frames {
		if len(f.R) > 0 {
			t.Fatalf("frame %d: red %v without resampling", tt, f.R)
		}
	}
	// W_gate is the series when there is no W_enc.
	on := true
	run.HighlightResampled = &on
	run.Rows = []string{"W_gate"}
	for tt := range run.Frames {
		run.Frames[tt].Weights = map[string][]float64{"W_gate": series[tt]}
	}
	fig, _, err = animationFigure(&run, "a", 1<<30, 0)
	if err != nil {
		t.Fatal(err)
	}
	if f := unpack(t, fig.Anim).Frames[40]; !sameRed(f.R, []int{0, 1}) { // one row: cell 0
		t.Errorf("W_gate run, frame 40: red %v, want [0 1]", f.R)
	}
}

// sameRed compares (cell, latent) pair lists as sets.
func sameRed(got, want []int) bool {
	set := func(p []int) map[[2]int]bool {
		m := map[[2]int]bool{}
		for k := 0; k+1 < len(p); k += 2 {
			m[[2]int{p[k], p[k+1]}] = true
		}
		return m
	}
	g, w := set(got), set(want)
	if len(g) != len(w) || len(got) != len(want) {
		return false
	}
	for k := range w {
		if !g[k] {
			return false
		}
	}
	return true
}

func TestQuantileLimit(t *testing.T) {
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	// 1..1001: pos = 0.999·1000 = 999 → 1000; M = 1.4·1000.
	var v []float64
	for k := 1; k <= 1001; k++ {
		v = append(v, float64(k))
	}
	v = append(v, 1e-3, -5e-4, 0, 0, math.NaN()) // not > 1e-3: ignored
	if got := quantileLimit(v); !near(got, 1400) {
		t.Errorf("quantileLimit(1..1001) = %v, want 1400", got)
	}
	// Linear interpolation, |values|: 1..11 → pos 9.99 → 10.99; M = 15.386.
	v = v[:0]
	for k := 1; k <= 11; k++ {
		v = append(v, -float64(k))
	}
	if got := quantileLimit(v); !near(got, 1.4*10.99) {
		t.Errorf("quantileLimit(-1..-11) = %v, want %v", got, 1.4*10.99)
	}
	// Against a full sort, on random data with ties.
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 2, 3, 10, 999, 1000, 1001, 5000} {
		v = v[:0]
		for k := 0; k < n; k++ {
			v = append(v, math.Round(rng.NormFloat64()*50)/10)
		}
		a := []float64{}
		for _, x := range v {
			if math.Abs(x) > 1e-3 {
				a = append(a, math.Abs(x))
			}
		}
		if len(a) == 0 {
			continue
		}
		sort.Float64s(a)
		pos := 0.999 * float64(len(a)-1)
		lo := int(pos)
		hi := min(lo+1, len(a)-1)
		want := 1.4 * (a[lo] + (pos-float64(lo))*(a[hi]-a[lo]))
		if got := quantileLimit(v); !near(got, want) {
			t.Errorf("n=%d: quantileLimit = %v, sorted gives %v", n, got, want)
		}
	}
	if got := quantileLimit([]float64{0, 1e-4}); got != 1 {
		t.Errorf("quantileLimit of nothing drawn = %v, want 1", got)
	}
	if got := integerTicks(2.7); len(got) != 5 || got[0] != -2 || got[4] != 2 {
		t.Errorf("integerTicks(2.7) = %v, want -2..2", got)
	}

	// Per row type over all frames and the selected instances: W rows use
	// the weights, h rows the hidden states; instance 1 (not shown) is ignored.
	run := SAERun{Name: "q", NInst: 2, DIn: 2, DSAE: 2, SampleSize: 3, Rows: []string{"W_enc", "_W_dec", "h", "h_r"}, Instances: []int{0}}
	var wv, hv []float64
	for tt := 0; tt < 4; tt++ {
		f := Frame{Step: tt, Weights: map[string][]float64{}}
		enc := []float64{0.5 + float64(tt), -0.25, 0.125, 2, 99, 99, 99, 99} // [I][D][S]; instance 1 is 99
		dec := []float64{0.3, 0.6, -0.9, 1.2, 99, 99, 99, 99}
		f.Weights["W_enc"], f.Weights["_W_dec"] = enc, dec
		wv = append(wv, enc[:4]...)
		wv = append(wv, dec[:4]...)
		f.H = make([]float32, 3*2*2)
		f.HR = make([]float32, 3*2*2)
		for b := 0; b < 3; b++ {
			f.H[(b*2)*2], f.H[(b*2)*2+1] = 0.1*float32(b+tt), 0.0005 // the 0.0005 is not > 1e-3
			f.HR[(b*2)*2], f.HR[(b*2)*2+1] = -0.2*float32(b), 0.3
			f.H[(b*2+1)*2], f.HR[(b*2+1)*2] = 50, 50 // instance 1
			hv = append(hv, float64(f.H[(b*2)*2]), float64(f.H[(b*2)*2+1]), float64(f.HR[(b*2)*2]), float64(f.HR[(b*2)*2+1]))
		}
		run.Frames = append(run.Frames, f)
	}
	fig, _, err := animationFigure(&run, "q", 1<<30, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range fig.Anim.Cells {
		want := quantileLimit(hv)
		if c.W {
			want = quantileLimit(wv)
		}
		if !near(c.M, roundTo(want, 6)) {
			t.Errorf("cell %s: limit %v, want %v", c.RowKey, c.M, want)
		}
	}
	if m := fig.Anim.Cells[0].M; m > 1.4*3.5+1e-9 || m < 1.4*3 {
		t.Errorf("W limit %v outside 1.4×[3, 3.5]", m)
	}
}

func TestDrawnPoints(t *testing.T) {
	// Only |x|+|y| > 1e-3 is drawn, rounded to 4 decimals, as the latent gaps, xs, ys.
	run := SAERun{NInst: 1, DIn: 2, DSAE: 4, Rows: []string{"_W_dec"}}
	run.Frames = []Frame{{Weights: map[string][]float64{"_W_dec": {0.0004, 0.0005, 0.12344, -0.98766, 0.0006, 0.0005, math.NaN(), 1}}}}
	fig, _, err := animationFigure(&run, "p", 1<<30, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := unpack(t, fig.Anim).Frames[0].P[0]
	want := []int32{1, 0, 1234, 6, -9877, 5} // latents 1 and 2
	if len(got) != len(want) {
		t.Fatalf("points %v, want %v", got, want)
	}
	for k := range want {
		if got[k] != want[k] {
			t.Fatalf("points %v, want %v", got, want)
		}
	}
}

func TestOneRowOneRecordAndSubsets(t *testing.T) {
	for _, rows := range [][]string{{"h"}, {"W_enc"}, {"h_r", "_W_dec"}} {
		in := synthInput(3, 1, 1, 4, 16)
		in.Runs[0].Rows = rows
		in.Runs[0].Instances = []int{2}
		page := mustRender(t, in)
		s := specs(t, page)["run-0-anim"]
		if s.Anim == nil {
			t.Fatalf("rows %v: no animation", rows)
		}
		if n := len(unpack(t, s.Anim).Frames); n != 1 || len(s.Anim.Titles) != 1 {
			t.Errorf("rows %v: %d frames, want 1", rows, n)
		}
		if len(s.Anim.Cells) != len(rows) || s.Anim.Cells[0].Inst != 2 {
			t.Errorf("rows %v: cells %+v", rows, s.Anim.Cells)
		}
		if !strings.Contains(s.Anim.Titles[0], "step 0 / 0") {
			t.Errorf("title %q", s.Anim.Titles[0])
		}
		if !strings.Contains(fmt.Sprint(s.Anim.Labels["text"]), "inst 2") {
			t.Errorf("rows %v: no \"inst 2\" title", rows)
		}
	}
}

func TestOtherShapes(t *testing.T) {
	// d_in = 3: no animation, a note; d_hidden = 3: WᵀW as images.
	in := synthInput(2, 1, 5, 3, 8)
	r := &in.Runs[0]
	r.DIn = 3
	for k := range r.Frames {
		f := &r.Frames[k]
		f.Weights = map[string][]float64{"W_enc": make([]float64, 2*3*3)}
		f.H, f.HR = make([]float32, 8*2*3), nil
		f.LRec, f.Loss = nil, nil
	}
	m := in.Model
	m.DHidden, m.W, m.Hidden, m.NHidden = 3, make([]float64, 2*3*5), nil, 0
	page := mustRender(t, in)
	s := specs(t, page)
	if _, ok := s["run-0-anim"]; ok {
		t.Error("animation drawn for d_in = 3")
	}
	if text := unref(string(page)); !strings.Contains(text, "d_in = 3 ≠ 2") || !strings.Contains(text, "d_hidden = 3 ≠ 2") {
		t.Error("missing notes for d_in / d_hidden ≠ 2")
	}
	g, ok := s["toy-gram"]
	if !ok {
		t.Fatal("no WᵀW figure for d_hidden = 3")
	}
	imgs, _ := g.Layout["images"].([]any)
	if len(imgs) != 2 || !strings.HasPrefix(imgs[0].(map[string]any)["source"].(string), "data:image/png;base64,") {
		t.Errorf("WᵀW images: %v", g.Layout["images"])
	}
	if len(g.Data) != 3 || g.Data[0]["customdata"] == nil { // hover markers per instance, the colour bar
		t.Errorf("WᵀW traces: %v", g.Data)
	}
	// No model, no shrinkage, no runs: still a page.
	page = mustRender(t, Input{Title: "empty"})
	if !bytes.Contains(page, []byte("<title>empty</title>")) {
		t.Error("empty report has no title")
	}
}

func TestFracActiveFigure(t *testing.T) {
	in := synthInput(2, 1, 30, 3, 8)
	s := specs(t, mustRender(t, in))["run-0-frac"]
	if len(s.Data) != 2*3+1 {
		t.Fatalf("%d traces, want one per (instance, latent) plus the reference line", len(s.Data))
	}
	tr := s.Data[4] // instance 1, latent 1
	if tr["name"] != "inst 1" || tr["legendgroup"] != "inst 1" || tr["showlegend"] != false || tr["visible"] != true {
		t.Errorf("trace 4: name %v, group %v, in legend %v, visible %v", tr["name"], tr["legendgroup"], tr["showlegend"], tr["visible"])
	}
	if s.Data[3]["showlegend"] != true {
		t.Error("the first latent of instance 1 is not in the legend")
	}
	y := tr["y"].([]any)
	for k := 0; k < 19; k++ {
		if y[k] != nil {
			t.Fatalf("y[%d] = %v, want null (rolling mean over 20)", k, y[k])
		}
	}
	if y[19] == nil {
		t.Error("y[19] is null")
	}
	ref := s.Data[6]
	if ref["name"] != "feature probability" || ref["line"].(map[string]any)["color"] != "black" || ref["line"].(map[string]any)["width"] != 2.0 {
		t.Errorf("reference line: %v", ref)
	}
	ya := s.Layout["yaxis"].(map[string]any)
	if r := ya["range"].([]any); r[0] != 0.0 || math.Abs(r[1].(float64)-0.075) > 1e-12 {
		t.Errorf("y range %v, want [0, 0.075]", r)
	}
	if ya["title"].(map[string]any)["text"] != "Fraction of datapoints active" || s.Layout["xaxis"].(map[string]any)["title"].(map[string]any)["text"] != "Training step" {
		t.Error("axis titles")
	}
	// The rolling mean itself.
	m := rollingMean([]float64{1, 2, 3, 4, 5}, 2)
	if !math.IsNaN(m[0]) || m[1] != 1.5 || m[4] != 4.5 {
		t.Errorf("rollingMean = %v", m)
	}
}

func TestSelectFrames(t *testing.T) {
	cost := make([]float64, 201)
	for k := range cost {
		cost[k] = 1
	}
	must := make([]bool, 201)
	for k := 30; k <= 54; k++ {
		must[k] = true
	}
	sel, note := selectFrames(cost, must, 60)
	if len(sel) > 60 || note == "" {
		t.Fatalf("%d frames selected for budget 60 (note %q)", len(sel), note)
	}
	in := map[int]bool{}
	for _, k := range sel {
		in[k] = true
	}
	for k := 30; k <= 54; k++ {
		if !in[k] {
			t.Errorf("red frame %d left out", k)
		}
	}
	if !in[200] || !in[0] {
		t.Error("first or last frame left out")
	}
	// Too many red frames: keep each run's first, and the last.
	sel, _ = selectFrames(cost, must, 10)
	if len(sel) > 10 || sel[len(sel)-1] != 200 {
		t.Errorf("budget 10: %v", sel)
	}
	found := false
	for _, k := range sel {
		found = found || k == 30
	}
	if !found {
		t.Errorf("budget 10: the first red frame (30) is left out: %v", sel)
	}
}

// TestBestAndTitles checks that the table stars SAERun.Best (and nothing without it), that the
// frac_active plot shows the best four at first, that the animation's columns and the toy
// model's cells are titled per instance with its outcome, and that the headers use one style.
func TestBestAndTitles(t *testing.T) {
	in := synthInput(6, 1, 12, 3, 4)
	r := &in.Runs[0]
	r.Best = []int{3, 5, 0, 1, 2}
	r.Table[3].RecoveredFeatures = 2
	page := string(mustRender(t, in))
	text := unref(page)
	for _, want := range []string{"<td>3 ★ ▶</td>", "<td>5 ★ ▶</td>", "<td>4 ▶</td>", "★ = the 5 best instances by mean loss over the last 10 records"} {
		if !strings.Contains(text, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	s := specs(t, []byte(page))
	fa := s["run-0-frac"]
	for k, tr := range fa.Data[:len(fa.Data)-1] {
		inst := k / 3
		if want := inst == 3 || inst == 5 || inst == 0 || inst == 1; tr["visible"] != want {
			t.Errorf("frac trace %d (inst %d): visible %v, want %v", k, inst, tr["visible"], want)
		}
	}
	if !strings.Contains(text, ">best 4</button>") || !strings.Contains(text, `data-first="9" data-count="3" aria-pressed="true"`) {
		t.Error("no picker with the best 4 pressed")
	}
	labels := fmt.Sprint(s["run-0-anim"].Anim.Labels["text"])
	if !strings.Contains(labels, "inst 3 · 2/5 recovered") || !strings.Contains(labels, "inst 4 · 5/5 recovered") {
		t.Errorf("animation titles %s", labels)
	}
	if l := fmt.Sprint(s["toy-features"].Data[len(s["toy-features"].Data)-1]["text"]); !strings.Contains(l, "inst 5 · 1 − S = 0.02") {
		t.Errorf("toy-model titles %s", l)
	}
	// Headers: sentence case, no snake_case; the summary.json names as tooltips.
	for _, m := range regexp.MustCompile(`<th[^>]*>([^<]*)</th>`).FindAllStringSubmatch(text, -1) {
		if h := m[1]; strings.Contains(h, "_") || h == "" || strings.ToUpper(h[:1]) != h[:1] {
			t.Errorf("header %q is not in sentence case", h)
		}
	}
	if !strings.Contains(text, `<th title="summary.json: l_reconstruction">Reconstruction loss</th>`) {
		t.Error("no tooltip naming the summary.json key")
	}
	// Without Best: no star, the first four instances shown.
	r.Best = nil
	page = unref(string(mustRender(t, in)))
	if strings.Contains(page, "★") || !strings.Contains(page, ">first 4</button>") {
		t.Error("stars or no \"first 4\" without Best")
	}
}

// TestNoSpecCitations: the page a user reads cites docs/, never the internal spec.
func TestNoSpecCitations(t *testing.T) {
	in := synthInput(4, 2, 30, 5, 16)
	in.Comparison = []ComparisonRow{{Name: "a", NInst: 4}}
	page := unref(string(mustRender(t, in)))
	body := page[strings.Index(page, "<body>"):]
	body = body[:strings.Index(body, `<script type="application/json"`)]
	if m := regexp.MustCompile(`§|spec [0-9]|\.\./shared`).FindString(body); m != "" {
		t.Errorf("the page cites %q", m)
	}
	if !strings.Contains(body, "docs/metrics.md") {
		t.Error("the page does not point to docs/metrics.md")
	}
}

// TestSeedSizeReport renders a report of the seed demo's size (16 toy
// instances; 2 SAE runs × 201 records, 5 latents, 256 hidden samples, d_in
// 2, every instance animated) and checks that it stays under 5 MB.
func TestSeedSizeReport(t *testing.T) {
	in := synthInput(16, 2, 201, 5, 256)
	in.Runs[1].Instances = nil
	page := mustRender(t, in)
	t.Logf("seed-size report: %d bytes", len(page))
	if len(page) >= 5_000_000 {
		t.Errorf("seed-size report is %d bytes, want < 5 MB", len(page))
	}
	s := specs(t, page)
	for _, id := range []string{"run-0-anim", "run-1-anim"} {
		a := s[id].Anim
		n := len(unpack(t, a).Frames)
		t.Logf("%s: %d of 201 records animated, %d packed bytes", id, n, len(a.Packed))
		if n < 10 || a.Names[n-1] != "200" {
			t.Errorf("%s: %d frames, last %s", id, n, a.Names[n-1])
		}
	}
	// Deterministic for a fixed Generated time.
	if again := mustRender(t, in); !bytes.Equal(page, again) {
		t.Error("two renders of the same input differ")
	}
	if d := os.Getenv("SAELAB_SCREENSHOT_DIR"); d != "" {
		os.MkdirAll(d, 0o755)
		os.WriteFile(filepath.Join(d, "seed-size-report.html"), page, 0o644)
	}
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.html")
	in := synthInput(2, 1, 4, 3, 8)
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, in); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, mustRender(t, in)) {
		t.Error("file differs from Render")
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("temporary files left: %v", ents)
	}
	bad := in
	bad.Model = &ToyModel{NInst: 1, NFeatures: 1, DHidden: 2}
	if err := WriteFile(path, bad); err == nil {
		t.Error("no error for a bad input")
	}
	if got2, _ := os.ReadFile(path); !bytes.Equal(got2, got) {
		t.Error("a failed WriteFile changed the file")
	}
	if err := WriteFile(filepath.Join(dir, "missing", "r.html"), in); err == nil {
		t.Error("no error for a missing directory")
	}
}

// TestNonFinite: NaN and ±Inf anywhere give a page, not an error or a panic.
func TestNonFinite(t *testing.T) {
	in := synthInput(3, 2, 30, 4, 16)
	nan, inf := math.NaN(), math.Inf(1)
	m := in.Model
	m.W[0], m.W[3], m.Importance[1], m.FeatureProbability[0], m.Hidden[2], m.FinalLoss = nan, inf, nan, nan, -inf, nan
	m.LossCurve[3].Y = nan
	for k := range in.Runs {
		r := &in.Runs[k]
		r.FeatureProbability = nan
		r.WallSeconds = inf
		for t := range r.Frames {
			f := &r.Frames[t]
			for _, w := range f.Weights {
				w[t%len(w)] = nan
				w[(t+1)%len(w)] = inf
			}
			f.H[t%len(f.H)], f.HR[(t+3)%len(f.HR)] = float32(nan), float32(-inf)
			f.FracActive[0], f.LRec[1] = float32(nan), float32(inf)
		}
		r.Table[0].Loss, r.Table[0].Extra["l2_ratio"] = nan, inf
	}
	in.Shrinkage.Series[0].X[0], in.Shrinkage.Series[0].Y[1] = nan, inf
	page := mustRender(t, in)
	if len(specs(t, page)) != 8 {
		t.Errorf("%d figures", len(specs(t, page)))
	}
}

// TestComparisonTable checks the cross-run table: drawn first (before the toy model) with a
// nav link, one escaped row per run in order, monosemantic as n/I, NaN as "–", no wall-time
// line; absent without rows; rows are validated.
func TestComparisonTable(t *testing.T) {
	in := synthInput(4, 1, 3, 5, 8)
	in.Comparison = []ComparisonRow{
		{Name: "standard", Arch: "standard", Resample: "simple", Settings: "λ 0.2 · resample simple", NInst: 16,
			L0: 0.1234, LReconstruction: 0.00123, ExplainedVariance: 0.9, MMCS: 0.975, MonosemanticInstances: 12,
			DeadLatents: 0.25, ShrinkageSlope: 0.71, L2Ratio: 0.83, WallSeconds: 61},
		{Name: "<topk & k2>", Arch: "topk", Settings: "k 2 · aux-k 1", NInst: 16, L0: 0.2,
			LReconstruction: 0.0005, ExplainedVariance: 0.95, MMCS: 0.99, MonosemanticInstances: 16,
			ShrinkageSlope: math.NaN(), L2Ratio: 1.01, WallSeconds: 3.5},
	}
	page := string(mustRender(t, in))
	cmp, model := strings.Index(page, `<section id="comparison">`), strings.Index(page, `<section id="toy-model">`)
	if cmp < 0 || model < 0 || cmp > model {
		t.Fatalf("comparison section at %d, toy model at %d: want the comparison first", cmp, model)
	}
	if !strings.Contains(page, `<a href="#comparison">Comparison</a>`) {
		t.Error("no nav link to the comparison")
	}
	sec := page[cmp:model]
	for _, head := range comparisonHead {
		if !strings.Contains(unref(sec), ">"+head.Text+"</th>") {
			t.Errorf("no column %q", head.Text)
		}
	}
	rowRE := regexp.MustCompile(`<tr>((?:<td[^>]*>[^<]*</td>)+)</tr>`)
	rows := rowRE.FindAllStringSubmatch(sec, -1)
	if len(rows) != 2 {
		t.Fatalf("%d rows, want 2:\n%s", len(rows), sec)
	}
	cellRE := regexp.MustCompile(`<td([^>]*)>([^<]*)</td>`)
	cells := func(r []string) []string {
		var out []string
		for k, m := range cellRE.FindAllStringSubmatch(r[1], -1) {
			if text := m[1] == ` class="text"`; text != (k == 1 || k == 2) {
				t.Errorf("cell %d %q: class %q", k, m[2], m[1])
			}
			out = append(out, unref(m[2]))
		}
		return out
	}
	want := [][]string{
		{"standard", "standard", "λ 0.2 · resample simple", "0.1234", "0.00123", "0.9", "0.975", "12/16", "0.25", "0.71", "0.83", "61.0 s (1m 01s)"},
		{"&lt;topk &amp; k2&gt;", "topk", "k 2 · aux-k 1", "0.2", "5.000e-04", "0.95", "0.99", "16/16", "0", "–", "1.01", "3.5 s"},
	}
	for k, r := range rows {
		if got := cells(r); strings.Join(got, "|") != strings.Join(want[k], "|") {
			t.Errorf("row %d:\n got %q\nwant %q", k, got, want[k])
		}
	}
	if strings.Contains(sec, `class="wall"`) {
		t.Error("the comparison table has a wall-time line")
	}
	if strings.Contains(string(mustRender(t, synthInput(4, 1, 3, 5, 8))), `id="comparison"`) {
		t.Error("comparison section without rows")
	}
	in.Comparison[1].MonosemanticInstances = 17
	if _, err := Render(in); err == nil || !strings.Contains(err.Error(), `Comparison[1] ("<topk & k2>").MonosemanticInstances`) {
		t.Errorf("bad row: err = %v", err)
	}
	in.Comparison[1].Name = ""
	if _, err := Render(in); err == nil || !strings.Contains(err.Error(), "Comparison[1].Name") {
		t.Errorf("unnamed row: err = %v", err)
	}
}

// TestPageIsASCII checks that the page is pure ASCII (the browser's fast path): plotly.js, the
// specs and the text escape their non-ASCII characters, which still read back the same.
func TestPageIsASCII(t *testing.T) {
	in := synthInput(3, 2, 5, 4, 16)
	in.Title = "d_hidden ≠ 2 · WᵀW ★ 𝔼"
	in.ConfigYAML = "note: “quoted” — ü\n"
	page := mustRender(t, in)
	for k, c := range page {
		if c >= 0x80 {
			t.Fatalf("byte %d is 0x%x: %q", k, c, page[max(0, k-40):min(len(page), k+40)])
		}
	}
	if !bytes.Contains(page, []byte("<title>d_hidden &#x2260; 2 &#xb7; W&#x1d40;W &#x2605; &#x1d53c;</title>")) {
		t.Error("title not written as character references")
	}
	if !bytes.Contains(page, asciiJS(assets.PlotlyJS)) || bytes.Equal(asciiJS(assets.PlotlyJS), assets.PlotlyJS) {
		t.Error("plotly.js is not inlined with its non-ASCII characters escaped")
	}
	// JSON escapes decode to the original text, including a character outside the BMP.
	var v string
	if err := json.Unmarshal(asciiJS([]byte(`"a≠b 𝔼"`)), &v); err != nil || v != "a≠b 𝔼" {
		t.Errorf("asciiJS JSON round trip: %q, %v", v, err)
	}
	if len(specs(t, page)) == 0 {
		t.Error("no specs")
	}
}

var charRefRE = regexp.MustCompile(`&#x([0-9a-f]+);`)

// unref decodes the page's hexadecimal character references (its non-ASCII text), leaving the
// HTML escapes (&lt;, &amp;, ...) alone.
func unref(s string) string {
	return charRefRE.ReplaceAllStringFunc(s, func(m string) string {
		var r rune
		fmt.Sscanf(m, "&#x%x;", &r)
		return string(r)
	})
}

// TestASCIIWriter checks that the streaming conversion gives the same bytes however the input
// is split (characters of 1 to 4 bytes cut across writes, invalid bytes).
func TestASCIIWriter(t *testing.T) {
	in := []byte("a·b≠c𝔼d\xffe ü" + strings.Repeat("x", 10) + "ᵀ")
	want := asciiHTMLAppend(nil, in)
	for step := 1; step <= len(in); step++ {
		var buf bytes.Buffer
		w := &asciiWriter{w: &buf}
		for k := 0; k < len(in); k += step {
			if _, err := w.Write(in[k:min(len(in), k+step)]); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.flush(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), want) {
			t.Fatalf("step %d: %q, want %q", step, buf.Bytes(), want)
		}
	}
}
