package report

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// synthSweep is a sweep report's input: 3 architectures × 4 coefficients × 2 probabilities ×
// 3 seeds, with metrics that depend on them smoothly, and one failed cell.
func synthSweep() SweepInput {
	in := SweepInput{Name: "synthetic", Version: "test", Dir: "/tmp/sweep", Cells: 72,
		Keys: []string{"sae.arch", "sae.sparsity_coeff", "model.feature_probability"}, SweepFile: "name: synthetic\n"}
	for _, m := range []string{"loss", "l_reconstruction", "l0", "explained_variance", "final_loss"} {
		in.Metrics = append(in.Metrics, SweepMetric{Name: m, Label: m, Lower: m != "explained_variance"})
	}
	idx := 0
	for a, arch := range []string{"standard", "gated", "jumprelu"} {
		for c, coeff := range []string{"0.01", "0.1", "1", "10"} {
			for p, prob := range []string{"0.01", "0.05"} {
				for seed := uint64(0); seed < 3; seed++ {
					id := fmt.Sprintf("%016x", idx*7919+1)
					row := SweepRow{Cell: id, Index: idx, Seed: seed, Params: []string{arch, coeff, prob}, Run: arch + "-none", Arch: arch,
						Status: "done", WallSeconds: 1, Config: "seed: " + fmt.Sprint(seed) + "\n", Command: "saelab report /tmp/sweep/cells/" + id}
					l0 := 3 / (1 + float64(c)) * (1 + 0.1*float64(a)) * (1 + 0.05*float64(seed))
					ev := 1 - math.Exp(-l0) + 0.01*float64(p)
					row.Metrics = []float64{0.1 * float64(c+1), 0.01 * (1 - ev), l0, ev, math.NaN()}
					if idx == 5 {
						row.Status, row.Error, row.Run, row.Arch, row.Metrics = "failed", "run none: diverged", "", "", []float64{math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN()}
					}
					in.Rows = append(in.Rows, row)
					idx++
				}
			}
		}
	}
	return in
}

func TestParetoFront(t *testing.T) {
	x := []float64{1, 2, 3, 0.5, 2, math.NaN(), 4}
	y := []float64{0.5, 0.7, 0.6, 0.2, 0.8, 0.9, 0.95}
	if got := paretoFront(x, y, true); !slices.Equal(got, []int{3, 0, 4, 6}) {
		t.Errorf("maximise y: %v, want [3 0 4 6]", got)
	}
	if got := paretoFront(x, y, false); !slices.Equal(got, []int{3}) {
		t.Errorf("minimise y: %v, want [3]", got)
	}
	in := synthSweep()
	panels := paretoPanels(&in)
	if len(panels) != 2 || len(panels[0].Series) != 3 || len(panels[0].Series[0].X) != 8 {
		t.Fatalf("panels %+v", panels)
	}
	// standard's first point averages seeds 0–2 of coefficient 0.01, probability 0.01.
	if s := panels[0].Series[0]; s.N[0] != 3 || math.Abs(s.X[0]-3*(1+0.05)) > 1e-12 {
		t.Errorf("first point: n %d, x %v", s.N[0], s.X[0])
	}
}

// TestBrowserSweepReport opens the sweep report in headless chromium: no console errors, the
// line chart, the heatmap and the Pareto chart render, and changing the metric, the x axis or
// the chart kind redraws the chart.
func TestBrowserSweepReport(t *testing.T) {
	bctx, stop := startBrowser(t, 1400, 1000)
	defer stop()
	page := filepath.Join(t.TempDir(), "report.html")
	if err := WriteSweep(page, synthSweep()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(bctx, 90*time.Second)
	defer cancel()
	var mu sync.Mutex
	var problems []string
	chromedp.Listen(bctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+e.ExceptionDetails.Text)
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				problems = append(problems, "console: "+strings.Join(parts, " "))
			}
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError {
				problems = append(problems, "log: "+e.Entry.Text)
			}
		}
	})
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+page)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`window.saelabSweep && window.saelabSweep.done`, chromedp.WithPollingTimeout(60*time.Second))); err != nil {
		t.Fatalf("waiting for the page: %v", err)
	}
	type chart struct {
		Kind, Metric, X, Group, Facet string
		Traces, Redraws               int
		Errors                        []string
		Points                        int // markers drawn in the chart's svg
		Title                         string
	}
	read := func() chart {
		t.Helper()
		c, err := chromedp.Run(ctx, chromedp.Evaluate[chart](`(() => { const s = window.saelabSweep, d = document.getElementById('sweep-chart');
			return {kind: s.chart.kind, metric: s.chart.metric, x: s.chart.x, group: s.chart.group, facet: s.chart.facet, traces: s.chart.traces,
				redraws: s.redraws, errors: s.errors, points: d.querySelectorAll('.scatterlayer .point').length,
				title: (d.querySelector('.gtitle') || {}).textContent || ''}; })()`))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	set := func(id, value string) chart {
		t.Helper()
		before := read().Redraws
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`(() => { const s = document.getElementById(%q);
			s.value = %q; s.dispatchEvent(new Event('change')); return true; })()`, id, value))); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](fmt.Sprintf(`window.saelabSweep.redraws > %d`, before), chromedp.WithPollingTimeout(10*time.Second))); err != nil {
			t.Fatalf("setting %s = %s did not redraw: %v", id, value, err)
		}
		chromedp.Do(ctx, chromedp.Sleep(150*time.Millisecond))
		return read()
	}
	// Lines: x the coefficient (numeric), grouped by architecture: a band and a line per arch.
	c := read()
	if c.Kind != "lines" || c.X != "sae.sparsity_coeff" || c.Group != "sae.arch" || c.Metric != "explained_variance" || c.Traces != 6 || c.Points == 0 {
		t.Errorf("default chart: %+v", c)
	}
	// Changing the metric redraws with it.
	c = set("metric", "l0")
	if c.Metric != "l0" || !strings.HasPrefix(c.Title, "l0") {
		t.Errorf("metric l0: %+v", c)
	}
	// Changing the x axis.
	c = set("xkey", "model.feature_probability")
	if c.X != "model.feature_probability" || c.Traces != 6 {
		t.Errorf("x = feature probability: %+v", c)
	}
	// Facets: one panel per coefficient.
	c = set("facet", "sae.sparsity_coeff")
	if c.Facet != "sae.sparsity_coeff" || c.Traces != 6*4 {
		t.Errorf("facets: %+v", c)
	}
	// Heatmap of probability × architecture, one panel per coefficient: 2 × 3 squares each.
	c = set("kind", "heatmap")
	if c.Kind != "heatmap" || c.Traces != 4 || c.Points != 4*2*3 {
		t.Errorf("heatmap: %+v", c)
	}
	c = set("facet", "")
	if c.Kind != "heatmap" || c.Traces != 1 || c.Points != 2*3 {
		t.Errorf("heatmap without facets: %+v", c)
	}
	// The Pareto chart: two panels, points and a frontier per architecture.
	type pareto struct {
		Traces, Points, Frontier int
	}
	p, err := chromedp.Run(ctx, chromedp.Evaluate[pareto](`(() => { const d = document.getElementById('sweep-pareto');
		return {traces: d.data.length, points: d.querySelectorAll('.scatterlayer .point').length,
			frontier: d.data.filter(t => t.name.endsWith('frontier') && t.x.length > 0).length}; })()`))
	if err != nil {
		t.Fatal(err)
	}
	if p.Traces != 2*2*3 || p.Frontier != 2*3 || p.Points < 2*24 {
		t.Errorf("Pareto chart: %+v", p)
	}
	// Sorting the table and clicking a row shows the cell's detail with its command.
	type table struct {
		Rows           int
		FirstL0, Cell  string
		Detail, Config string
	}
	tb, err := chromedp.Run(ctx, chromedp.Evaluate[table](`(() => {
		const th = Array.from(document.querySelectorAll('#cells-table th')).find(h => h.textContent === 'l0');
		th.click();
		const col = Array.from(th.parentNode.children).indexOf(th);
		const first = document.querySelector('#cells-table tbody tr');
		first.click();
		return {rows: document.querySelectorAll('#cells-table tbody tr').length, firstL0: first.children[col].textContent,
			cell: first.children[0].textContent, detail: document.querySelector('#detail code.cmd').textContent,
			config: document.querySelector('#detail pre').textContent}; })()`))
	if err != nil {
		t.Fatal(err)
	}
	if tb.Rows != 72 || tb.FirstL0 != "0.75" || !strings.Contains(tb.Detail, "saelab report /tmp/sweep/cells/"+tb.Cell) || !strings.HasPrefix(tb.Config, "seed:") {
		t.Errorf("table: %+v", tb)
	}
	if c := read(); len(c.Errors) > 0 {
		t.Errorf("page errors: %v", c.Errors)
	}
	// Nothing scrolls sideways in the 1400 px window, nor in a 1024 px one where the side-by-side
	// panels (520 px each when there is room) must narrow.
	checkSweepLayout(t, ctx, "1400 px")
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1024, 900), chromedp.Navigate("file://"+page)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`window.saelabSweep && window.saelabSweep.done`, chromedp.WithPollingTimeout(60*time.Second))); err != nil {
		t.Fatalf("waiting for the page at 1024 px: %v", err)
	}
	checkSweepLayout(t, ctx, "1024 px")
	if d := os.Getenv("SAELAB_SCREENSHOT_DIR"); d != "" {
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err == nil {
			os.MkdirAll(d, 0o755)
			os.WriteFile(filepath.Join(d, "sweep-report.png"), png, 0o644)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(problems) > 0 {
		t.Errorf("console errors:\n%s", strings.Join(problems, "\n"))
	}
}

// checkSweepLayout reports what layoutJS finds on the sweep report as it is drawn now.
func checkSweepLayout(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	probs, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](layoutJS))
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) > 0 {
		t.Errorf("layout at %s:\n%s", what, strings.Join(probs, "\n"))
	}
}
