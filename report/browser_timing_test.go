package report

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/profiler"
	"github.com/chromedp/cdproto/tracing"
	"github.com/chromedp/chromedp"
)

// TestBrowserRenderTime measures how long a report takes to render in headless chromium: from
// navigation start until every plot div holds a .main-svg (all figures on screen), and until
// the page's script says every animation frame is registered. It runs only when
// SAELAB_REPORT_TIMING names a report.html (e.g. a seed demo's); SAELAB_REPORT_TIMING_RUNS sets
// the number of loads (default 5, each in a fresh tab), SAELAB_REPORT_TIMING_WIDTH the window's
// width (default 1280; the window is 900 px high). Speed is reported, never asserted.
func TestBrowserRenderTime(t *testing.T) {
	page := os.Getenv("SAELAB_REPORT_TIMING")
	if page == "" {
		t.Skip("set SAELAB_REPORT_TIMING=path/to/report.html to measure its render time")
	}
	abs, err := filepath.Abs(page)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		t.Fatal(err)
	}
	runs := 5
	if s := os.Getenv("SAELAB_REPORT_TIMING_RUNS"); s != "" {
		if runs, err = strconv.Atoi(s); err != nil || runs < 1 {
			t.Fatalf("SAELAB_REPORT_TIMING_RUNS=%q", s)
		}
	}
	width, height := 1280, 900
	if s := os.Getenv("SAELAB_REPORT_TIMING_WIDTH"); s != "" {
		if width, err = strconv.Atoi(s); err != nil || width < 320 {
			t.Fatalf("SAELAB_REPORT_TIMING_WIDTH=%q", s)
		}
	}
	bctx, stop := startBrowser(t, width, height)
	defer stop()
	var drawn, total []time.Duration
	var first []int
	minMs := map[string]int{}
	minStart, minPhases := -1, map[string]int{}
	for k := 0; k < runs; k++ {
		l := timeLoad(t, bctx, abs, k == 0, k == runs-1)
		drawn, total, first = append(drawn, l.drawn), append(total, l.all), append(first, l.st.FirstMs)
		for id, ms := range l.st.Ms {
			if v, ok := minMs[id]; !ok || ms < v {
				minMs[id] = ms
			}
		}
		for id, ph := range l.st.Phases {
			for k, ms := range ph {
				if v, ok := minPhases[id+"."+k]; !ok || ms < v {
					minPhases[id+"."+k] = ms
				}
			}
		}
		if minStart < 0 || l.st.StartMs < minStart {
			minStart = l.st.StartMs
		}
	}
	med := func(v []time.Duration) time.Duration {
		v = append([]time.Duration(nil), v...)
		sort.Slice(v, func(a, b int) bool { return v[a] < v[b] })
		return v[len(v)/2].Round(time.Millisecond)
	}
	sort.Ints(first)
	t.Logf("%s (%d bytes), %d×%d window: median over %d loads: first screen drawn %d ms, all plots drawn %v, all animation frames ready %v; ranges: first screen %d–%d ms, all plots %v–%v",
		abs, st.Size(), width, height, runs, first[len(first)/2], med(drawn), med(total), first[0], first[len(first)-1], slices.Min(drawn).Round(time.Millisecond), slices.Max(drawn).Round(time.Millisecond))
	sum := 0
	for _, v := range minMs {
		sum += v
	}
	t.Logf("minimum over the loads: script start %d ms; per figure %v (sum %d ms); animation phases %v", minStart, minMs, sum, minPhases)
}

// timingStatus is what the timing test reads of window.saelabReport.
type timingStatus struct {
	Errors  []string                  `json:"errors"`
	Ms      map[string]int            `json:"ms"`
	Phases  map[string]map[string]int `json:"phases"`
	StartMs int                       `json:"startMs"`
	FirstMs int                       `json:"firstScreenMs"`
	DrawnMs int                       `json:"drawnMs"`
	TotalMs int                       `json:"totalMs"`
}

// loadTiming is one load of the page: the time from navigation until every plot div has a
// .main-svg (drawn) and until the page's script is done (all), and the script's own timings.
type loadTiming struct {
	drawn, all time.Duration
	st         timingStatus
}

// timeLoad loads the page at abs in a fresh tab of the browser bctx and times it; first logs
// the figures' sizes, last traces (SAELAB_REPORT_TRACE) or profiles (SAELAB_REPORT_PROFILE).
func timeLoad(t *testing.T, bctx context.Context, abs string, first, last bool) loadTiming {
	tctx, tcancel := chromedp.NewContext(bctx) // a fresh tab
	defer tcancel()
	ctx, cancel := context.WithTimeout(tctx, 120*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	prof := os.Getenv("SAELAB_REPORT_PROFILE") != "" && last
	if prof {
		startProfile(t, ctx)
	}
	var traced func() []traceEvent
	if os.Getenv("SAELAB_REPORT_TRACE") != "" && last {
		traced = startTrace(t, ctx)
	}
	start := time.Now()
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+abs)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`(() => { const d = document.querySelectorAll('div.plot');
		return d.length > 0 && Array.from(d).every(x => x.querySelector('.main-svg')); })()`,
		chromedp.WithPollingInterval(5*time.Millisecond), chromedp.WithPollingTimeout(100*time.Second))); err != nil {
		t.Fatal(err)
	}
	l := loadTiming{drawn: time.Since(start)}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`window.saelabReport && window.saelabReport.done`,
		chromedp.WithPollingInterval(5*time.Millisecond), chromedp.WithPollingTimeout(100*time.Second))); err != nil {
		t.Fatal(err)
	}
	l.all = time.Since(start)
	s, err := chromedp.Run(ctx, chromedp.Evaluate[timingStatus](`window.saelabReport`))
	if err != nil {
		t.Fatal(err)
	}
	l.st = s
	if len(s.Errors) > 0 {
		t.Errorf("figures failed: %v", s.Errors)
	}
	if first {
		counts, err := chromedp.Run(ctx, chromedp.Evaluate[map[string][]int](`(() => { const o = {};
			document.querySelectorAll('div.plot').forEach(d => { o[d.id] = [d.querySelectorAll('.point').length,
				d.querySelectorAll('*').length, (d.data || []).length]; }); return o; })()`))
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("per figure [markers, DOM elements, traces]: %v", counts)
	}
	t.Logf("load: every plot has .main-svg after %v, all frames after %v; in page: script start %d ms, first screen %d ms, drawn %d ms, done %d ms; per figure %v; phases %v",
		l.drawn.Round(time.Millisecond), l.all.Round(time.Millisecond), s.StartMs, s.FirstMs, s.DrawnMs, s.TotalMs, s.Ms, s.Phases)
	if traced != nil {
		logTrace(t, traced())
	}
	if prof {
		p, err := chromedp.Call(ctx, profiler.Stop, cdp.Empty{})
		if err != nil {
			t.Fatal(err)
		}
		logProfile(t, p.Profile)
	}
	return l
}

// startProfile starts the JavaScript sampling profiler of the tab ctx.
func startProfile(t *testing.T, ctx context.Context) {
	if _, err := chromedp.Call(ctx, profiler.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, profiler.SetSamplingInterval, profiler.SetSamplingIntervalParams{Interval: 200}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, profiler.Start, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
}

// startTrace starts tracing the tab ctx; the returned function ends it and returns the events.
func startTrace(t *testing.T, ctx context.Context) func() []traceEvent {
	var events []traceEvent
	done := make(chan struct{})
	chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *tracing.EventDataCollected:
			for _, v := range e.Value {
				var te traceEvent
				if b, err := json.Marshal(v); err == nil && json.Unmarshal(b, &te) == nil {
					events = append(events, te)
				}
			}
		case *tracing.EventTracingComplete:
			close(done)
		}
	})
	cats := []string{"devtools.timeline", "v8.execute", "blink", "disabled-by-default-devtools.timeline", "loading", "blink.user_timing"}
	if _, err := chromedp.Call(ctx, tracing.Start, tracing.StartParams{TraceConfig: &tracing.TraceConfig{IncludedCategories: cats}}); err != nil {
		t.Fatal(err)
	}
	return func() []traceEvent {
		if _, err := chromedp.Call(ctx, tracing.End, cdp.Empty{}); err != nil {
			t.Fatal(err)
		}
		<-done
		return events
	}
}

// logProfile logs the JavaScript functions with the most self time, and the self time per script.
func logProfile(t *testing.T, p *profiler.Profile) {
	self := map[int64]time.Duration{}
	for k, id := range p.Samples {
		if k < len(p.TimeDeltas) && k+1 < len(p.TimeDeltas) {
			self[id] += time.Duration(p.TimeDeltas[k+1]) * time.Microsecond
		}
	}
	type row struct {
		name string
		d    time.Duration
	}
	byFn, byURL := map[string]time.Duration{}, map[string]time.Duration{}
	for _, n := range p.Nodes {
		cf := n.CallFrame
		url := filepath.Base(cf.URL)
		byFn[fmt.Sprintf("%s %s:%d:%d", cf.FunctionName, url, cf.LineNumber, cf.ColumnNumber)] += self[n.ID]
		byURL[url] += self[n.ID]
	}
	top := func(m map[string]time.Duration, n int) []row {
		var rs []row
		for k, v := range m {
			rs = append(rs, row{k, v})
		}
		sort.Slice(rs, func(a, b int) bool { return rs[a].d > rs[b].d })
		return rs[:min(n, len(rs))]
	}
	for _, r := range top(byURL, 10) {
		t.Logf("profile: script %-40q self %v", r.name, r.d.Round(time.Millisecond))
	}
	for _, r := range top(byFn, 40) {
		t.Logf("profile: %-70s self %v", r.name, r.d.Round(time.Millisecond))
	}
}

type traceEvent struct {
	Name string  `json:"name"`
	Ph   string  `json:"ph"`
	Ts   float64 `json:"ts"`
	Dur  float64 `json:"dur"`
	TDur float64 `json:"tdur"` // thread (CPU) time
	Pid  int     `json:"pid"`
	Tid  int     `json:"tid"`
	Args struct {
		Name string `json:"name"`
	} `json:"args"`
	Parent bool `json:"-"` // inside another complete event of its thread
}

// logTrace logs the self time per trace event name on the renderer's main thread.
func logTrace(t *testing.T, events []traceEvent) {
	main := map[[2]int]bool{}
	for _, e := range events {
		if e.Ph == "M" && e.Name == "thread_name" && e.Args.Name == "CrRendererMain" {
			main[[2]int{e.Pid, e.Tid}] = true
		}
	}
	var xs []traceEvent
	for _, e := range events {
		if e.Ph == "X" && main[[2]int{e.Pid, e.Tid}] {
			xs = append(xs, e)
		}
	}
	sort.Slice(xs, func(a, b int) bool {
		if xs[a].Ts != xs[b].Ts {
			return xs[a].Ts < xs[b].Ts
		}
		return xs[a].Dur > xs[b].Dur
	})
	self, cpu := map[string]float64{}, map[string]float64{}
	var stack []traceEvent
	var first, last float64
	for k := range xs {
		e := &xs[k]
		if k == 0 {
			first = e.Ts
		}
		last = max(last, e.Ts+e.Dur)
		for len(stack) > 0 && stack[len(stack)-1].Ts+stack[len(stack)-1].Dur <= e.Ts {
			stack = stack[:len(stack)-1]
		}
		e.Parent = len(stack) > 0
		if len(stack) > 0 {
			self[stack[len(stack)-1].Name] -= e.Dur
			cpu[stack[len(stack)-1].Name] -= e.TDur
		}
		self[e.Name] += e.Dur
		cpu[e.Name] += e.TDur
		stack = append(stack, *e)
	}
	figCPU := figureCPU(t, events, xs)
	type row struct {
		n string
		d float64
	}
	var rs []row
	total, totalCPU := 0.0, 0.0
	for n, d := range self {
		rs = append(rs, row{n, d})
		total += d
		totalCPU += cpu[n]
	}
	sort.Slice(rs, func(a, b int) bool { return cpu[rs[a].n] > cpu[rs[b].n] })
	t.Logf("trace: main thread busy %.0f ms (CPU %.0f ms) of %.0f ms; CPU ms per figure %v", total/1000, totalCPU/1000, (last-first)/1000, figCPU)
	// The main thread's CPU time until the last figure was drawn (its saelab:end mark): what the
	// page costs before every figure is on screen, whatever else the machine is doing.
	var drawn float64
	for _, e := range events {
		if strings.HasPrefix(e.Name, "saelab:end:") {
			drawn = max(drawn, e.Ts)
		}
	}
	var upto float64
	for _, e := range xs {
		if e.Parent || e.Dur <= 0 || e.Ts >= drawn {
			continue
		}
		upto += e.TDur * min(1, (drawn-e.Ts)/e.Dur)
	}
	t.Logf("trace: main-thread CPU until every figure is drawn: %.0f ms (wall %.0f ms from the first event)", upto/1000, (drawn-first)/1000)
	for _, r := range rs[:min(25, len(rs))] {
		t.Logf("trace: %-40s self %7.1f ms, CPU %7.1f ms", r.n, r.d/1000, cpu[r.n]/1000)
	}
}

// figureCPU is, per figure, the main thread's CPU time (ms) between app.js's marks
// saelab:start:<id> and saelab:end:<id>, over the top-level complete events xs (events
// straddling a mark counted in proportion).
func figureCPU(t *testing.T, events, xs []traceEvent) map[string]int {
	marks := map[string][2]float64{}
	for _, e := range events {
		if id, ok := strings.CutPrefix(e.Name, "saelab:start:"); ok {
			m := marks[id]
			m[0] = e.Ts
			marks[id] = m
		} else if id, ok := strings.CutPrefix(e.Name, "saelab:end:"); ok {
			m := marks[id]
			m[1] = e.Ts
			marks[id] = m
		}
	}
	if os.Getenv("SAELAB_REPORT_TRACE") == "debug" {
		for _, e := range events {
			if strings.HasPrefix(e.Name, "saelab:") {
				t.Logf("mark %+v", e)
			}
		}
	}
	figCPU := map[string]int{}
	for id, m := range marks {
		if m[0] == 0 || m[1] <= m[0] {
			continue
		}
		var c float64
		for _, e := range xs {
			if e.Dur <= 0 || e.Ts+e.Dur <= m[0] || e.Ts >= m[1] {
				continue
			}
			// top-level events only: those not inside another X event
			if e.Parent {
				continue
			}
			ov := (min(e.Ts+e.Dur, m[1]) - max(e.Ts, m[0])) / e.Dur
			c += e.TDur * ov
		}
		figCPU[id] = int(c / 1000)
	}
	return figCPU
}
