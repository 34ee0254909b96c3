package report

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"saelab/synth"
)

// synthRows are results of a few architectures; the second failed.
func synthRows() []SynthRow {
	res := func(mcc float64) *synth.Result {
		return &synth.Result{TrueL0: 16.1, SAEL0: 12 + mcc, DeadLatents: 3, Shrinkage: 0.8, ExplainedVariance: 0.7, MCC: mcc,
			Uniqueness: 0.7, Precision: 0.4, Recall: 0.5, F1: 0.3, Accuracy: 0.98, Samples: 1000}
	}
	return []SynthRow{{Arch: "topk", Metrics: res(0.5), Seconds: 97.7}, {Arch: "gated", Error: "gated: loss is not finite"},
		{Arch: "jumprelu", Metrics: res(0.58), Seconds: 125}}
}

// synthTrainPage is a train run's page with a similarity window of 5 latents × 4 features.
func synthTrainPage(withEnc bool) SynthPage {
	sim := &synth.Similarity{Latents: []int{7, 2, 9, 0, 4}, Features: []int{1, 3, 30, 4096}}
	for k := 0; k < 20; k++ {
		sim.Dec = append(sim.Dec, synth.RoundCos(float32(math.Sin(float64(k)))))
		if withEnc {
			sim.Enc = append(sim.Enc, synth.RoundCos(float32(math.Cos(float64(k)))))
		}
	}
	return SynthPage{Title: "SAE on a synthetic model", Version: "test", Generated: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Summary: "Width 10, target L0 3.", ConfigText: "arch: topk\n", Rows: synthRows()[:1], Similarity: sim, Width: 10, NFeatures: 5000,
		Model: &SynthModel{Features: 5000, HiddenDim: 64, MeanMaxAbsCos: 0.2, MeanAbsCos: 0.05, Percentiles: map[int]float64{95: 0.1, 99: 0.15}}}
}

// The train page opens without console errors or requests; the two heatmaps are drawn with the
// window's rows and columns, one colour bar, and the reference's hover text; the tables are
// there.
func TestBrowserSynthTrain(t *testing.T) {
	page := filepath.Join(t.TempDir(), "report.html")
	if err := WriteSynth(page, synthTrainPage(true)); err != nil {
		t.Fatal(err)
	}
	ctx, problems := browserPage(t, page)
	checkRendered(t, ctx, 1)
	type probe struct {
		Traces    int      `json:"traces"`
		Rows      int      `json:"rows"`
		Cols      int      `json:"cols"`
		Cells     int      `json:"cells"`
		Colorbars int      `json:"colorbars"`
		Y         []string `json:"y"`
		Titles    []string `json:"titles"`
		Hover     string   `json:"hover"`
		Tables    []int    `json:"tables"`
	}
	p, err := chromedp.Run(ctx, chromedp.Evaluate[probe](`(() => {
		const gd = document.getElementById('synth-similarity');
		gd.scrollIntoView();
		Plotly.Fx.hover(gd, [{curveNumber: 1, pointNumber: 7}], 'x2y2');
		const h = gd.querySelector('.hoverlayer .hovertext');
		return {traces: gd.data.length, rows: gd._fullLayout.yaxis2._categories.length, cols: gd._fullLayout.xaxis2._categories.length,
			cells: gd.querySelectorAll('.scatterlayer .point').length,
			colorbars: gd.querySelectorAll('.colorbar').length, y: gd._fullLayout.yaxis2._categories,
			titles: gd._fullLayout.annotations.map(a => a.text), hover: h ? h.textContent : '',
			tables: Array.from(document.querySelectorAll('table.results')).map(t => t.tBodies[0].rows.length)}; })()`))
	if err != nil {
		t.Fatal(err)
	}
	if p.Traces != 2 || p.Rows != 5 || p.Cols != 4 || p.Cells != 40 || p.Colorbars != 1 {
		t.Errorf("heatmaps: %+v, want 2 panels of 5×4 cells drawn, one colour bar", p)
	}
	if strings.Join(p.Y, ",") != "7,2,9,0,4" || strings.Join(p.Titles, "|") != "SAE encoder|SAE decoder" {
		t.Errorf("latent rows %v, panel titles %v", p.Y, p.Titles)
	}
	// Row 1, column 3: latent 2 against feature 4096, sin(7) = 0.657 rounded to 0.66.
	for _, want := range []string{"True feature: 4096", "SAE Latent: 2", "Cosine Similarity: 0.660"} {
		if !strings.Contains(p.Hover, want) {
			t.Errorf("hover text %q has no %q", p.Hover, want)
		}
	}
	if len(p.Tables) != 2 || p.Tables[0] != 1 || p.Tables[1] != 1 {
		t.Errorf("tables' rows %v, want the metrics (1) and the model (1)", p.Tables)
	}
	screenshot(t, ctx, "synth_train.png")
	if p := problems(); len(p) > 0 {
		t.Errorf("console errors, exceptions or requests:\n%s", strings.Join(p, "\n"))
	}
}

// The bench page draws one bar chart per metric with a bar for each architecture that did not
// fail, the target L0 line, and lists the failure.
func TestBrowserSynthBench(t *testing.T) {
	page := filepath.Join(t.TempDir(), "report.html")
	in := SynthPage{Title: "Synthetic benchmark", Version: "test", Rows: synthRows(), Bars: true, TargetL0: 12}
	if err := WriteSynth(page, in); err != nil {
		t.Fatal(err)
	}
	ctx, problems := browserPage(t, page)
	checkRendered(t, ctx, 1)
	type probe struct {
		Panels int      `json:"panels"`
		Drawn  int      `json:"drawn"`
		Titles []string `json:"titles"`
		Lines  int      `json:"lines"`
		Rows   int      `json:"rows"`
		Note   string   `json:"note"`
	}
	p, err := chromedp.Run(ctx, chromedp.Evaluate[probe](`(() => {
		const gd = document.getElementById('synth-bars');
		return {panels: gd.data.filter(d => d.type === 'bar').length,
			drawn: Array.from(gd.querySelectorAll('.barlayer .point path')).filter(p => p.getBBox().width > 0).length,
			titles: gd._fullLayout.annotations.map(a => a.text), lines: gd.querySelectorAll('.shapelayer path').length,
			rows: document.querySelector('table.results').tBodies[0].rows.length,
			note: Array.from(document.querySelectorAll('#results .note')).map(n => n.textContent).join(' ')}; })()`))
	if err != nil {
		t.Fatal(err)
	}
	if p.Panels != 5 || p.Drawn != 10 || strings.Join(p.Titles, "|") != "MCC|F1|Uniqueness|Explained variance|L0" || p.Lines != 1 {
		t.Errorf("bar charts: %+v, want 5 panels of 2 bars and the L0 target line", p)
	}
	if p.Rows != 3 || !strings.Contains(p.Note, "gated failed: gated: loss is not finite") {
		t.Errorf("table of %d rows (want 3), failure note %q", p.Rows, p.Note)
	}
	screenshot(t, ctx, "synth_bench.png")
	if p := problems(); len(p) > 0 {
		t.Errorf("console errors, exceptions or requests:\n%s", strings.Join(p, "\n"))
	}
}

// Bad input is an error naming what is wrong; an SAE without an encoder gets the decoder panel
// alone; the page is ASCII and loads nothing.
func TestSynthPageInput(t *testing.T) {
	in := synthTrainPage(true)
	in.Rows = []SynthRow{{Arch: "topk", Metrics: &synth.Result{MCC: math.NaN()}}}
	if _, err := buildSynth(in); err == nil || !strings.Contains(err.Error(), "topk: a metric is NaN") {
		t.Errorf("NaN metric: %v", err)
	}
	in = synthTrainPage(true)
	in.Similarity.Dec = in.Similarity.Dec[:19]
	if _, err := buildSynth(in); err == nil || !strings.Contains(err.Error(), "5 latents × 4 features has 19 decoder") {
		t.Errorf("short similarity: %v", err)
	}
	if _, err := buildSynth(SynthPage{}); err == nil || !strings.Contains(err.Error(), "no rows") {
		t.Errorf("no rows: %v", err)
	}
	f := similarityFigure(synthTrainPage(false).Similarity)
	if len(f.Data) != 1 || f.Data[0]["marker"].(obj)["showscale"] != true || f.Layout["annotations"].([]obj)[0]["text"] != "SAE decoder" {
		t.Errorf("decoder only: %d traces, %v", len(f.Data), f.Layout["annotations"])
	}
	if sub := similaritySub(&SynthPage{Similarity: synthTrainPage(false).Similarity, Width: 10, NFeatures: 5000}); !strings.Contains(sub, "first 5 of 10 latents") ||
		!strings.Contains(sub, "4 true features they match best, out of 5000") || !strings.Contains(sub, "no encoder") {
		t.Errorf("the text does not say what is shown: %s", sub)
	}
	page := filepath.Join(t.TempDir(), "p.html")
	if err := WriteSynth(page, synthTrainPage(true)); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range b {
		if c >= 0x80 {
			t.Fatal("the page is not ASCII")
		}
	}
	if strings.Contains(string(b), "<script src") {
		t.Error("the page loads a script")
	}
}
