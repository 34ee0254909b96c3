package report

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
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

// findChromium returns Debian's chromium (or another Chrome) if installed.
func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	return ""
}

// animProbe is what the test reads of the first run's animation.
type animProbe struct {
	X        []float64 `json:"x"`  // the markers (all cells; the last trace is static text)
	LX       []float64 `json:"lx"` // the first black-lines trace
	SvgTitle string    `json:"svgTitle"`
	Active   int       `json:"active"`
	Frames   []string  `json:"frames"`
}

const animProbeJS = `(() => { const gd = document.getElementById('run-0-anim');
	return {x: gd.data[gd.data.length - 2].x, lx: gd.data[0].x, svgTitle: gd.querySelector('.g-gtitle .gtitle').textContent,
		active: gd._fullLayout.sliders[0].active, frames: gd._transitionData._frames.map(f => f.name)}; })()`

// browserOpts are the headless chromium options of the browser tests, in a window width×height.
func browserOpts(chrome, profile string, width, height int) []chromedp.ExecAllocatorOption {
	return append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(width, height),
	)
}

// startBrowser starts chromium in a width×height window (skipping the test without it) and
// returns a context for its tab; cancel stops it.
func startBrowser(t *testing.T, width, height int) (bctx context.Context, cancel func()) {
	t.Helper()
	chrome := findChromium()
	if chrome == "" {
		if os.Getenv("SAELAB_REQUIRE_BROWSER") != "" {
			t.Fatal("chromium not found, but SAELAB_REQUIRE_BROWSER is set (apt-get install -y chromium)")
		}
		t.Skip("chromium not found (set SAELAB_REQUIRE_BROWSER=1 to make this a failure)")
	}
	// The first Run starts the browser, which lives as long as this context. On a loaded
	// machine chromium sometimes exits before it listens; a fresh start then works.
	for attempt := 1; ; attempt++ {
		actx, acancel := chromedp.NewExecAllocator(context.Background(), browserOpts(chrome, filepath.Join(t.TempDir(), "chrome-profile"), width, height)...)
		bctx, bcancel := chromedp.NewContext(actx)
		err := chromedp.Do(bctx) // start the browser and open the tab
		if err == nil {
			return bctx, func() { bcancel(); acancel() }
		}
		bcancel()
		acancel()
		if attempt == 3 {
			t.Fatalf("starting %s (3 attempts): %v", chrome, err)
		}
		t.Logf("starting %s (attempt %d): %v; trying again", chrome, attempt, err)
		time.Sleep(2 * time.Second)
	}
}

// layoutJS lists what does not fit: horizontal scrolling of the page or of a plot's box, and
// any figure part (colour bars, titles, legends, axis titles, text) outside its figure.
const layoutJS = `(() => {
	const out = [], de = document.documentElement;
	if (de.scrollWidth > de.clientWidth) out.push('page scrolls sideways: ' + de.scrollWidth + ' > ' + de.clientWidth);
	document.querySelectorAll('.scroll').forEach(e => {
		if (e.scrollWidth > e.clientWidth + 1) out.push(((e.firstElementChild || e).id || (e.closest('section') && e.closest('section').querySelector('h2') || e).textContent) + ' box scrolls: ' + e.scrollWidth + ' > ' + e.clientWidth);
	});
	document.querySelectorAll('div.plot').forEach(d => {
		const svg = d.querySelector('.main-svg');
		if (!svg) return;
		const b = svg.getBoundingClientRect();
		d.querySelectorAll('.colorbar, .g-gtitle, .legend, .g-xtitle, .g-ytitle, .annotation, .slider-container, .updatemenu-container').forEach(e => {
			const r = e.getBoundingClientRect();
			if (r.width === 0 && r.height === 0) return;
			if (r.left < b.left - 1 || r.right > b.right + 1 || r.top < b.top - 1 || r.bottom > b.bottom + 1)
				out.push(d.id + ': ' + e.getAttribute('class') + ' [' + [r.left, r.top, r.right, r.bottom].map(Math.round) + '] outside [' + [b.left, b.top, b.right, b.bottom].map(Math.round) + ']');
		});
		const text = d.querySelectorAll('.textpoint text');
		text.forEach(e => {
			const r = e.getBoundingClientRect();
			if (r.left < b.left - 1 || r.right > b.right + 1) out.push(d.id + ': text ' + JSON.stringify(e.textContent) + ' cut at the side');
		});
	});
	return out; })()`

// TestBrowserReport renders a synthetic report, opens it in headless
// chromium in a 1280 px wide window and checks that it renders without errors or network
// requests, that it fits the window, that the animation's slider changes the drawn data and
// that the frac_active picker shows and hides instances, and saves a screenshot
// (also to $SAELAB_SCREENSHOT_DIR if set).
func TestBrowserReport(t *testing.T) {
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	in := synthInput(16, 2, 50, 5, 256)
	in.Runs[0].Best = []int{4, 1, 9, 12, 0}
	if err := WriteFile(page, in); err != nil {
		t.Fatal(err)
	}
	bctx, bcancel := startBrowser(t, 1280, 900)
	defer bcancel()
	ctx, cancel := context.WithTimeout(bctx, 120*time.Second)
	defer cancel()

	logs := listenProblems(t, bctx)

	// toy features, hidden states, loss curve; per run animation + frac_active; shrinkage.
	loadAndCheck(t, ctx, page, 3+2*len(in.Runs)+1)
	probs, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](layoutJS))
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) > 0 {
		t.Errorf("layout at 1280 px:\n%s", strings.Join(probs, "\n"))
	}
	checkPicker(t, ctx)

	checkAnimation(t, ctx)

	// Screenshot of the whole page, from the top.
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](
		`document.querySelectorAll('.scroll').forEach(e => { e.scrollLeft = 0; }); window.scrollTo(0, 0)`)); err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(dir, "report.png")
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	if d := os.Getenv("SAELAB_SCREENSHOT_DIR"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "report.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
		html, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "report.html"), html, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("screenshot: %s (%d bytes)", shot, len(png))

	logs.check(t)
}

// pageLogs collects what a page must not do: throw, log errors or warnings, load from the
// network.
type pageLogs struct {
	mu                 sync.Mutex
	problems, requests []string
}

// listenProblems starts collecting the page's problems in the browser context bctx.
func listenProblems(t *testing.T, bctx context.Context) *pageLogs {
	t.Helper()
	l := &pageLogs{}
	if err := chromedp.Listen(bctx, func(ev any) {
		l.mu.Lock()
		defer l.mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			d := e.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			l.problems = append(l.problems, fmt.Sprintf("exception at %s:%d: %s", d.URL, d.LineNumber, msg))
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert || e.Type == runtime.ConsoleAPICalledTypeWarning {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				l.problems = append(l.problems, "console."+string(e.Type)+": "+strings.Join(parts, " "))
			}
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError {
				l.problems = append(l.problems, "log: "+e.Entry.Text+" "+e.Entry.URL)
			}
		case *network.EventRequestWillBeSent:
			u := e.Request.URL
			if !strings.HasPrefix(u, "file://") && !strings.HasPrefix(u, "data:") && !strings.HasPrefix(u, "blob:") {
				l.requests = append(l.requests, u)
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	return l
}

// check fails the test for every problem collected.
func (l *pageLogs) check(t *testing.T) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.problems) > 0 {
		t.Errorf("console errors / exceptions:\n%s", strings.Join(l.problems, "\n"))
	}
	if len(l.requests) > 0 {
		t.Errorf("the page made network requests: %v", l.requests)
	}
}

// loadAndCheck opens page, waits until the page's script is done and checks that all nPlots
// figures are drawn without errors, logging the script's timings.
func loadAndCheck(t *testing.T, ctx context.Context, page string, nPlots int) {
	t.Helper()
	start := time.Now()
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+page)); err != nil {
		t.Fatalf("loading the report: %v", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`window.saelabReport && window.saelabReport.done`,
		chromedp.WithPollingTimeout(90*time.Second))); err != nil {
		t.Fatalf("waiting for the figures: %v", err)
	}
	wall := time.Since(start)

	type status struct {
		Rendered int                       `json:"rendered"`
		Errors   []string                  `json:"errors"`
		Ms       map[string]int            `json:"ms"`
		Phases   map[string]map[string]int `json:"phases"`
		StartMs  int                       `json:"startMs"`
		DrawnMs  int                       `json:"drawnMs"`
		TotalMs  int                       `json:"totalMs"`
	}
	st, err := chromedp.Run(ctx, chromedp.Evaluate[status](`window.saelabReport`))
	if err != nil {
		t.Fatal(err)
	}
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('div.plot').length`))
	if err != nil {
		t.Fatal(err)
	}
	missing, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll('div.plot')).filter(d => !d.querySelector('.main-svg')).map(d => d.id)`))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("rendered %d figures; after navigation start: page script starts %d ms, every figure drawn %d ms, all animation frames ready %d ms (test wall %v); per figure (ms): %v; animation phases (ms): %v",
		st.Rendered, st.StartMs, st.DrawnMs, st.TotalMs, wall.Round(time.Millisecond), st.Ms, st.Phases)
	if len(st.Errors) > 0 {
		t.Errorf("figures failed: %v", st.Errors)
	}
	if n != nPlots || st.Rendered != nPlots {
		t.Errorf("plot divs: %d, rendered: %d, want %d", n, st.Rendered, nPlots)
	}
	if len(missing) > 0 {
		t.Errorf("plot divs without a .main-svg: %v", missing)
	}
}

// readAnim reads the first run's animation (animProbe).
func readAnim(t *testing.T, ctx context.Context) animProbe {
	t.Helper()
	p, err := chromedp.Run(ctx, chromedp.Evaluate[animProbe](animProbeJS))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// checkAnimation checks the first run's animation: Plotly.animate, a click on the slider and
// Play change the drawn data and the title; Pause stops; hovering a marker shows its values and
// enlarges its linked points; record 30 of the synthetic run draws red (resampled) latents.
func checkAnimation(t *testing.T, ctx context.Context) {
	t.Helper()
	read := func() animProbe { return readAnim(t, ctx) }
	before := read()
	if len(before.Frames) < 2 {
		t.Fatalf("animation has %d frames", len(before.Frames))
	}
	target := before.Frames[len(before.Frames)/2]
	animate := fmt.Sprintf(`Plotly.animate(document.getElementById('run-0-anim'), [%q],
		{mode: 'immediate', frame: {duration: 0, redraw: false}, transition: {duration: 0}}).then(() => true)`, target)
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](animate, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Sleep(100*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	after := read()
	if sameFloats(after.X, before.X) || sameFloats(after.LX, before.LX) {
		t.Errorf("Plotly.animate to frame %s did not change the drawn data", target)
	}
	if after.SvgTitle == before.SvgTitle || !strings.Contains(after.SvgTitle, "step ") {
		t.Errorf("the title did not follow the frame: before %q, after %q", before.SvgTitle, after.SvgTitle)
	}

	clicked := checkSliderClick(t, ctx, after)
	checkPlayPause(t, ctx, clicked)
	checkHover(t, ctx)
	checkRed(t, ctx)
}

// checkSliderClick clicks near the left end of the slider's rail and checks that the drawn
// data and the slider move away from after; it returns the new state.
func checkSliderClick(t *testing.T, ctx context.Context, after animProbe) animProbe {
	t.Helper()
	read := func() animProbe { return readAnim(t, ctx) }
	// waitChange waits (up to 10 s) until the animation's markers differ from now.
	waitChange := func() {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`(() => { const gd = document.getElementById('run-0-anim');
			window.__before = JSON.stringify(gd.data[gd.data.length - 2].x); })()`)); err != nil {
			t.Fatal(err)
		}
	}
	waitChanged := func() {
		t.Helper()
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](`(() => { const gd = document.getElementById('run-0-anim');
			return JSON.stringify(gd.data[gd.data.length - 2].x) !== window.__before; })()`, chromedp.WithPollingTimeout(10*time.Second)))
		if err != nil {
			t.Errorf("the drawn data did not change: %v", err)
		}
	}

	// A real mouse click near the left end of the slider's rail moves it too.
	if err := chromedp.Do(ctx, chromedp.ScrollIntoView(chromedp.CSS(`#run-0-anim .slider-rail-rect`))); err != nil {
		t.Fatal(err)
	}
	box, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(() => {
		const r = document.querySelector('#run-0-anim .slider-rail-rect').getBoundingClientRect();
		return [r.left, r.top, r.width, r.height]; })()`))
	if err != nil {
		t.Fatal(err)
	}
	waitChange()
	if err := chromedp.Do(ctx, chromedp.MouseClickXY(box[0]+0.1*box[2], box[1]+box[3]/2)); err != nil {
		t.Fatal(err)
	}
	waitChanged()
	clicked := read()
	if clicked.Active == after.Active || sameFloats(clicked.X, after.X) {
		t.Errorf("clicking the slider changed nothing: active %d -> %d", after.Active, clicked.Active)
	}
	t.Logf("slider: (Plotly.animate) %q -> (click) %q", after.SvgTitle, clicked.SvgTitle)
	return clicked
}

// checkPlayPause checks that Play advances the slider from clicked and Pause stops it.
func checkPlayPause(t *testing.T, ctx context.Context, clicked animProbe) {
	t.Helper()
	// Play advances the slider from its position; Pause stops it.
	clickAt := func(sel string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.ScrollIntoView(chromedp.CSS(sel))); err != nil {
			t.Fatal(err)
		}
		r, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](fmt.Sprintf(`(() => {
			const r = document.querySelector(%q).getBoundingClientRect();
			return [r.left + r.width / 2, r.top + r.height / 2]; })()`, sel)))
		if err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.MouseClickXY(r[0], r[1])); err != nil {
			t.Fatal(err)
		}
	}
	clickAt(`#run-0-anim .updatemenu-button:nth-of-type(1)`)
	if err := chromedp.Do(ctx, chromedp.Sleep(800*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	clickAt(`#run-0-anim .updatemenu-button:nth-of-type(2)`)
	if err := chromedp.Do(ctx, chromedp.Sleep(200*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	played := readAnim(t, ctx)
	if played.Active <= clicked.Active {
		t.Errorf("Play did not advance the slider: active %d -> %d", clicked.Active, played.Active)
	}
	t.Logf("Play/Pause: slider %d -> %d (%q)", clicked.Active, played.Active, played.SvgTitle)

}

// checkHover moves the mouse onto a marker of the first animation.
func checkHover(t *testing.T, ctx context.Context) {
	t.Helper()
	// Moving the mouse onto a marker shows its values and enlarges the
	// points linked to it (same index and instance, rows of the same kind).
	// The markers are the last animated trace; a static text trace follows.
	pt, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(() => {
		const traces = document.querySelectorAll('#run-0-anim .scatterlayer .trace');
		const p = traces[traces.length - 2].querySelector('.point');
		p.scrollIntoView({block: 'center', inline: 'center'});
		const r = p.getBoundingClientRect();
		return [r.left + r.width / 2, r.top + r.height / 2]; })()`))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx,
		chromedp.MouseEvent(chromedp.MouseMoved, pt[0]-30, pt[1]-30),
		chromedp.MouseEvent(chromedp.MouseMoved, pt[0], pt[1]),
		chromedp.Sleep(300*time.Millisecond),
	); err != nil {
		t.Fatal(err)
	}
	type hoverT struct {
		Display string `json:"display"`
		Text    string `json:"text"`
		Big     int    `json:"big"`
	}
	hv, err := chromedp.Run(ctx, chromedp.Evaluate[hoverT](`(() => {
		const gd = document.getElementById('run-0-anim'), m = gd.data[gd.data.length - 2].marker, tip = document.querySelector('.tip');
		const sizes = Array.isArray(m.size) ? m.size : [];
		return {display: tip ? tip.style.display : '', text: tip ? tip.textContent : '',
			big: sizes.filter(s => s > Math.min(...sizes) * 1.4).length}; })()`))
	if err != nil {
		t.Fatal(err)
	}
	if hv.Display != "block" || !strings.Contains(hv.Text, "x: ") || hv.Big == 0 {
		t.Errorf("hover at (%.0f, %.0f): tooltip %q %q, %d enlarged points", pt[0], pt[1], hv.Display, hv.Text, hv.Big)
	}
	t.Logf("hover tooltip: %q (%d linked points enlarged)", hv.Text, hv.Big)
	if err := chromedp.Do(ctx, chromedp.MouseEvent(chromedp.MouseMoved, 2, 2), chromedp.Sleep(100*time.Millisecond)); err != nil {
		t.Fatal(err)
	}

}

// checkRed checks the red (resampled) latents of record 30 of the synthetic run.
func checkRed(t *testing.T, ctx context.Context) {
	t.Helper()
	// Record 30 has resampled latents (the synthetic log jumps at 25): red lines
	// are drawn there. The screenshot shows that frame.
	nRed, err := chromedp.Run(ctx, chromedp.Evaluate[int](`(() => {
		const gd = document.getElementById('run-0-anim');
		return Plotly.animate(gd, ['30'], {mode: 'immediate', frame: {duration: 0, redraw: false}, transition: {duration: 0}})
			.then(() => gd.data[gd.data.length - 3].x.filter(v => v !== null).length / 2); })()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if nRed == 0 {
		t.Errorf("no red (resampled) latent drawn at record 30")
	}

}

// checkPicker clicks the first run's frac_active picker and checks which instances show: the
// best 4 at first, every one after "all", none after "none", instance 2 after its button, the
// best 4 again after "best 4".
func checkPicker(t *testing.T, ctx context.Context) {
	t.Helper()
	shown := func() []int {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`(() => { const gd = document.getElementById('run-0-frac'), s = new Set();
			gd.data.forEach((tr, k) => { if (tr.visible === true && tr.legendgroup) s.add(+tr.legendgroup.split(' ')[1]); });
			return Array.from(s).sort((a, b) => a - b); })()`))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	click := func(sel string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`.picker[data-fig="run-0-frac"] `+sel)), chromedp.Sleep(50*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
	}
	want := func(step string, w []int) {
		t.Helper()
		if got := shown(); fmt.Sprint(got) != fmt.Sprint(w) {
			t.Errorf("frac_active picker, %s: instances %v shown, want %v", step, got, w)
		}
	}
	want("at first", []int{1, 4, 9, 12})
	click(`button[data-set="all"]`)
	all := make([]int, 16)
	for k := range all {
		all[k] = k
	}
	want("all", all)
	click(`button[data-set="none"]`)
	want("none", []int{})
	click(`button[data-first="10"]`) // instance 2 (5 latents each)
	want("instance 2", []int{2})
	click(`button[data-set="default"]`)
	want("best 4", []int{1, 4, 9, 12})
}

func sameFloats(a, b []float64) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// TestBrowserScreenshots opens the report named by SAELAB_SCREENSHOT_PAGE (e.g. a demo's
// report.html) in a 1280×800 window, checks that it fits the window, and writes to
// SAELAB_SCREENSHOT_DIR report-first-screen.png (the first screen once it is drawn),
// report-animation.png (the last animation at its last frame) and, with SAELAB_SCREENSHOT_FULL
// set, report-full.png (the whole page), and checks that the page also fits 1400 and 1920 px
// windows. It runs only when SAELAB_SCREENSHOT_PAGE is set; docs/img holds the demo's. go test
// runs in the package's directory: give absolute paths.
func TestBrowserScreenshots(t *testing.T) {
	page, dir := os.Getenv("SAELAB_SCREENSHOT_PAGE"), os.Getenv("SAELAB_SCREENSHOT_DIR")
	if page == "" {
		t.Skip("set SAELAB_SCREENSHOT_PAGE=path/to/report.html (and SAELAB_SCREENSHOT_DIR) to take screenshots")
	}
	if dir == "" {
		dir = t.TempDir()
	}
	abs, err := filepath.Abs(page)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bctx, bcancel := startBrowser(t, 1280, 800)
	defer bcancel()
	ctx, cancel := context.WithTimeout(bctx, 120*time.Second)
	defer cancel()
	save := func(name string, png []byte) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d bytes", filepath.Join(dir, name), len(png))
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800), chromedp.Navigate("file://"+abs)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`window.saelabReport && window.saelabReport.done`,
		chromedp.WithPollingTimeout(90*time.Second))); err != nil {
		t.Fatal(err)
	}
	first, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	save("report-first-screen.png", first)
	checkWidths(t, ctx, 1280)
	if anim := lastAnimationShot(t, ctx); anim != nil {
		save("report-animation.png", anim)
	}
	if os.Getenv("SAELAB_SCREENSHOT_FULL") != "" {
		full, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		save("report-full.png", full)
	}
	checkWidths(t, ctx, 1400, 1920)
}

// lastAnimationShot moves the page's last animation (in the demo, the run with resampling) to
// its last frame, the trained SAE, and returns a screenshot of it.
func lastAnimationShot(t *testing.T, ctx context.Context) []byte {
	t.Helper()
	animID, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(Array.from(document.querySelectorAll('div.plot[id$="-anim"]')).pop() || {id: ''}).id`))
	if err != nil {
		t.Fatal(err)
	}
	if animID == "" { // a toy model's report: no SAE, no animation
		return nil
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const gd = document.getElementById('`+animID+`');
		const names = gd._transitionData._frames.map(f => f.name);
		return Plotly.animate(gd, [names[names.length - 1]], {mode: 'immediate', frame: {duration: 0, redraw: false}, transition: {duration: 0}})
			.then(() => true); })()`, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Sleep(200*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	anim, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS(`#`+animID)))
	if err != nil {
		t.Fatal(err)
	}
	return anim
}

// checkWidths checks the layout (layoutJS) in windows of the given widths.
func checkWidths(t *testing.T, ctx context.Context, widths ...int64) {
	t.Helper()
	for _, w := range widths {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, 900), chromedp.Sleep(100*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		probs, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](layoutJS))
		if err != nil {
			t.Fatal(err)
		}
		if len(probs) > 0 {
			t.Errorf("layout at %d px:\n%s", w, strings.Join(probs, "\n"))
		}
	}
}
