package report

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// synthPhase is a phase diagram of n × n cells shaped like experiment 1's theory (boundary
// s*(r), triple point (1, 4/7)), with confused cells near r = 1 and a few disagreements.
func synthPhase(n int) PhaseDiagram {
	rnd := rand.New(rand.NewPCG(3, 4))
	in := PhaseDiagram{Title: "synthetic phase diagram", Version: "test", Seed: 9, NFeatures: 2, DHidden: 1, Aggregate: "paper",
		ConfigYAML: "experiment: 1\ngrid: " + fmt.Sprint(n) + "\n", TripleR: 1, TripleP: 4.0 / 7}
	for k := 0; k < n; k++ {
		in.R = append(in.R, math.Pow(10, -1+2*float64(k)/float64(n-1)))
		in.P = append(in.P, math.Pow(10, -2+2*float64(k)/float64(n-1)))
	}
	sstar := func(r float64) float64 {
		if r <= 1 {
			return 4 * r / (2 + 5*r)
		}
		return 4 / (5 + 2*r)
	}
	var curve PhaseCurve
	curve.Name = "s*(r)"
	for k := 0; k <= 50; k++ {
		r := math.Pow(10, -1+2*float64(k)/50)
		curve.R, curve.P = append(curve.R, r), append(curve.P, sstar(r))
	}
	in.Boundaries = []PhaseCurve{curve, {Name: "r = 1", R: []float64{1, 1}, P: []float64{4.0 / 7, 1}}}
	counts := map[string]*PhaseAgreement{}
	for _, l := range []string{"not_represented", "dedicated", "superposition"} {
		counts[l] = &PhaseAgreement{Theory: l, ByLabel: map[string]int{}}
	}
	for ip := 0; ip < n; ip++ {
		for ir := 0; ir < n; ir++ {
			r, p := in.R[ir], in.P[ip]
			th, tc := "superposition", "antipodal"
			switch {
			case p >= sstar(r) && r < 1:
				th, tc = "not_represented", "ignore_extra"
			case p >= sstar(r):
				th, tc = "dedicated", "ignore_first"
			}
			lab, cfg := th, tc
			if math.Abs(math.Log10(r)) < 0.15 && p < 0.5 && rnd.IntN(2) == 0 {
				lab, cfg = "confused", "confused"
			}
			c := PhaseCell{Label: lab, Config: cfg, Theory: th, TheoryConfig: tc,
				NBar: rnd.Float64() * 1.2, SigmaBar: rnd.Float64() * 1.2, SameSign: rnd.Float64()}
			for j := 0; j < 10; j++ {
				c.Instances = append(c.Instances, PhaseInstance{W: [][]float64{{rnd.NormFloat64(), rnd.NormFloat64()}},
					B: []float64{0.01 * rnd.NormFloat64(), 0}, Loss: 1e-3 * rnd.Float64(), Weight: float64(j%10+1) / 10, Label: lab})
			}
			c.Instances[3].Weight = 0
			in.Cells = append(in.Cells, c)
			a := counts[th]
			a.Cells++
			a.ByLabel[lab]++
			if lab == th {
				a.Agree++
			}
		}
	}
	for _, l := range []string{"not_represented", "dedicated", "superposition"} {
		in.Agreement = append(in.Agreement, *counts[l])
	}
	in.Outcomes = []PhaseOutcome{{Item: "1", Text: "at p = 1 …", Pass: true, Detail: "7/7"}, {Item: "2", Text: "at p = 0.01 …", Pass: false, Detail: "17/20"}}
	return in
}

// synthGeometry is a sweep of I models of F features in H dimensions with random weights.
func synthGeometry(I, F, H int) Geometry {
	rnd := rand.New(rand.NewPCG(5, 6))
	in := Geometry{Title: "synthetic geometry", Version: "test", NFeatures: F, DHidden: H}
	for k := 0; k < I; k++ {
		in.P = append(in.P, math.Pow(0.5, float64(k)))
		in.DimsPerFeature = append(in.DimsPerFeature, 1/(1+0.3*float64(k)))
		D := make([]float64, F)
		for f := range D {
			D[f] = []float64{0, 0.5, 2.0 / 3, 0.4, 1}[rnd.IntN(5)]
		}
		in.Dims = append(in.Dims, D)
	}
	for k := 0; k < 3; k++ {
		W := make([]float64, H*F)
		for j := range W {
			W[j] = rnd.NormFloat64() / math.Sqrt(float64(H))
		}
		in.Models = append(in.Models, GeometryModel{Title: fmt.Sprintf("model %d", k), W: W})
	}
	return in
}

// browserPage opens a page in headless chromium, waits for its figures, and returns the tab's
// context and a function listing the console errors, exceptions and network requests seen.
func browserPage(t *testing.T, page string) (context.Context, func() []string) {
	t.Helper()
	bctx, stop := startBrowser(t, 1500, 1000)
	t.Cleanup(stop)
	ctx, cancel := context.WithTimeout(bctx, 120*time.Second)
	t.Cleanup(cancel)
	var mu sync.Mutex
	var problems []string
	if err := chromedp.Listen(bctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			msg := e.ExceptionDetails.Text
			if e.ExceptionDetails.Exception != nil {
				msg += " " + e.ExceptionDetails.Exception.Description
			}
			problems = append(problems, "exception: "+msg)
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning || e.Type == runtime.ConsoleAPICalledTypeAssert {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				problems = append(problems, "console."+string(e.Type)+": "+strings.Join(parts, " "))
			}
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError {
				problems = append(problems, "log: "+e.Entry.Text)
			}
		case *network.EventRequestWillBeSent:
			if u := e.Request.URL; !strings.HasPrefix(u, "file://") && !strings.HasPrefix(u, "data:") && !strings.HasPrefix(u, "blob:") {
				problems = append(problems, "network request: "+u)
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+page)); err != nil {
		t.Fatalf("loading %s: %v", page, err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`window.saelabReport && window.saelabReport.done`, chromedp.WithPollingTimeout(90*time.Second))); err != nil {
		t.Fatalf("waiting for the figures: %v", err)
	}
	return ctx, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), problems...)
	}
}

// checkRendered checks that the page drew want figures, each with a plotly SVG, without a
// failed figure.
func checkRendered(t *testing.T, ctx context.Context, want int) {
	t.Helper()
	type status struct {
		Rendered int      `json:"rendered"`
		Errors   []string `json:"errors"`
	}
	st, err := chromedp.Run(ctx, chromedp.Evaluate[status](`window.saelabReport`))
	if err != nil {
		t.Fatal(err)
	}
	missing, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll('div.plot')).filter(d => !d.querySelector('.main-svg')).map(d => d.id)`))
	if err != nil {
		t.Fatal(err)
	}
	if st.Rendered != want || len(st.Errors) > 0 || len(missing) > 0 {
		t.Errorf("rendered %d figures (want %d), errors %v, without an SVG: %v", st.Rendered, want, st.Errors, missing)
	}
}

// screenshot saves the whole page to $SAELAB_SCREENSHOT_DIR/name, if set.
func screenshot(t *testing.T, ctx context.Context, name string) {
	d := os.Getenv("SAELAB_SCREENSHOT_DIR")
	if d == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(d, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// The phase-diagram page opens without console errors or network requests; its three panels
// draw every cell with the boundaries and the triple point; hovering a cell of the discrete map
// shows its instances; the agreement and outcome tables are there.
func TestBrowserPhaseDiagram(t *testing.T) {
	const n = 16
	page := filepath.Join(t.TempDir(), "phase.html")
	if err := WritePhaseDiagram(page, synthPhase(n)); err != nil {
		t.Fatal(err)
	}
	ctx, problems := browserPage(t, page)
	checkRendered(t, ctx, 1)
	type panel struct {
		Cells    int `json:"cells"`
		Lines    int `json:"lines"`
		Triple   int `json:"triple"`
		Rendered int `json:"rendered"`
	}
	panels, err := chromedp.Run(ctx, chromedp.Evaluate[[]panel](`(() => {
		const gd = document.getElementById('phase-maps');
		return ['x', 'x2', 'x3'].map(ax => {
			const tr = gd.data.filter(d => (d.xaxis || 'x') === ax);
			const cells = tr.filter(d => d.marker && d.marker.symbol === 'square').reduce((s, d) => s + d.x.length, 0);
			return {cells, lines: tr.filter(d => d.mode === 'lines').length,
				triple: tr.filter(d => d.marker && d.marker.symbol === 'star').length,
				rendered: gd.querySelectorAll('.subplot.' + ax + (ax === 'x' ? 'y' : 'y' + ax.slice(1)) + ' .point').length};
		}); })()`))
	if err != nil {
		t.Fatal(err)
	}
	for k, p := range panels {
		if p.Cells != n*n || p.Lines != 2 || p.Triple != 1 || p.Rendered < n*n {
			t.Errorf("panel %d: %d cells (want %d), %d boundary lines, %d triple points, %d points drawn", k+1, p.Cells, n*n, p.Lines, p.Triple, p.Rendered)
		}
	}
	// Hover the first cell of the discrete map.
	hover, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
		const gd = document.getElementById('phase-maps');
		gd.scrollIntoView();
		Plotly.Fx.hover(gd, [{curveNumber: 0, pointNumber: 0}], 'xy');
		const h = gd.querySelector('.hoverlayer .hovertext');
		return h ? h.textContent : ''; })()`))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"r = ", "p = ", "theory:", "kept 9 of 10", "W [", "b ["} {
		if !strings.Contains(hover, want) {
			t.Errorf("hover text %q has no %q", hover, want)
		}
	}
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`Array.from(document.querySelectorAll('table.results')).map(t => t.tBodies[0].rows.length)`))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0] != 4 || rows[1] != 2 {
		t.Errorf("tables' rows: %v, want the agreement (3 regions + all) and the outcomes (2)", rows)
	}
	screenshot(t, ctx, "phase_diagram.png")
	if p := problems(); len(p) > 0 {
		t.Errorf("console errors, exceptions or requests:\n%s", strings.Join(p, "\n"))
	}
}

// The geometry page opens without console errors; the §7.5 plot has its line, the features'
// dots and the reference fractions; the §7.4 plot has a WᵀW image and a bar chart per model.
func TestBrowserGeometry(t *testing.T) {
	const I, F, H = 10, 25, 4
	page := filepath.Join(t.TempDir(), "geometry.html")
	if err := WriteGeometry(page, synthGeometry(I, F, H)); err != nil {
		t.Fatal(err)
	}
	ctx, problems := browserPage(t, page)
	checkRendered(t, ctx, 2)
	type probe struct {
		Dots   int `json:"dots"`
		Line   int `json:"line"`
		Refs   int `json:"refs"`
		Images int `json:"images"`
		Bars   int `json:"bars"`
		Drawn  int `json:"drawn"`
	}
	p, err := chromedp.Run(ctx, chromedp.Evaluate[probe](`(() => {
		const g = document.getElementById('geometry-dims'), nd = document.getElementById('geometry-nd');
		return {dots: g.data[0].x.length, line: g.data[1].x.length, refs: g._fullLayout.shapes.length,
			images: nd.querySelectorAll('.imagelayer image').length,
			bars: nd.data.filter(d => d.type === 'bar').length, drawn: nd.querySelectorAll('.barlayer .point').length}; })()`))
	if err != nil {
		t.Fatal(err)
	}
	if p.Dots != I*F || p.Line != I || p.Refs != 6 || p.Images != 3 || p.Bars != 3 || p.Drawn != 3*F {
		t.Errorf("geometry page: %+v, want %d dots, %d line points, 6 reference lines, 3 images, 3 bar charts of %d bars", p, I*F, I, F)
	}
	screenshot(t, ctx, "geometry.png")
	if p := problems(); len(p) > 0 {
		t.Errorf("console errors, exceptions or requests:\n%s", strings.Join(p, "\n"))
	}
}

// Bad input is an error naming what is wrong, not a page.
func TestPhaseAndGeometryInputErrors(t *testing.T) {
	in := synthPhase(4)
	in.Cells = in.Cells[:15]
	if _, err := RenderPhaseDiagram(in); err == nil || !strings.Contains(err.Error(), "15 cells, want 16") {
		t.Errorf("short cells: %v", err)
	}
	in = synthPhase(4)
	in.Cells[2].NBar = math.NaN()
	if _, err := RenderPhaseDiagram(in); err == nil || !strings.Contains(err.Error(), "not finite") {
		t.Errorf("NaN: %v", err)
	}
	in = synthPhase(4)
	in.Cells[1].Config = "hexagon"
	if _, err := RenderPhaseDiagram(in); err == nil || !strings.Contains(err.Error(), `"hexagon"`) {
		t.Errorf("unknown configuration: %v", err)
	}
	g := synthGeometry(3, 5, 2)
	g.Dims[1] = g.Dims[1][:4]
	if _, err := RenderGeometry(g); err == nil || !strings.Contains(err.Error(), "D of instance 1 has 4 values") {
		t.Errorf("short D: %v", err)
	}
	g = synthGeometry(3, 5, 2)
	g.Models[0].W = g.Models[0].W[:3]
	if _, err := RenderGeometry(g); err == nil || !strings.Contains(err.Error(), "model 0 has 3 weights") {
		t.Errorf("short W: %v", err)
	}
	// A good page is ASCII and loads nothing.
	b, err := RenderPhaseDiagram(synthPhase(5))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range b {
		if c >= 0x80 {
			t.Fatal("the phase page is not ASCII")
		}
	}
	if strings.Contains(string(b), "https://") && strings.Contains(string(b), "<script src") {
		t.Error("the page loads a script")
	}
}
