package report

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"
	"time"

	"saelab/report/assets"
	"saelab/store"
)

// The sweep report: one offline page for a whole sweep, built like the run report (the same
// inlined plotly.js and style sheet), with its own script (sweep.js) that draws from the
// cells' data embedded as JSON:
//   - a chart of a metric the reader picks, against a grid key: lines of the mean with a ±1 sd
//     band over the cells that share the values shown (the seeds, and keys not picked unless
//     filtered), one line per value of a grouping key; or a heatmap of two keys; facets for a
//     third;
//   - the Pareto frontier of L0 against explained variance and against L_reconstruction, one
//     colour per architecture (sweep_pareto.go);
//   - a sortable table of every cell and run; clicking a row (or a Pareto point) shows the
//     cell's config, metrics and the command that redraws its run report.

//go:embed sweep.js
var sweepJS string

// sweepCSS adds the sweep page's controls, table and detail panel to the run report's style.
const sweepCSS = `
.controls { display: flex; flex-wrap: wrap; gap: 6px 18px; align-items: center; font-size: 0.9em; margin: 4px 0 8px; }
.controls label { white-space: nowrap; margin-right: 10px; }
.controls select { margin-left: 4px; }
table.cells { border-collapse: collapse; font-size: 0.8em; font-variant-numeric: tabular-nums; }
table.cells th { position: sticky; top: 0; background: #f1f1f1; cursor: pointer; user-select: none; }
table.cells th, table.cells td { border: 1px solid #ddd; padding: 2px 6px; text-align: right; white-space: nowrap; }
table.cells td.t { text-align: left; }
table.cells tr:hover td { background: #eef4ff; cursor: pointer; }
table.cells tr.sel td { background: #dde9ff; }
table.cells th.asc::after { content: " \25B2"; } table.cells th.desc::after { content: " \25BC"; }
.tablewrap { max-height: 560px; overflow: auto; border: 1px solid #e2e2e2; }
#detail { display: none; }
#detail pre { background: #f6f6f6; border: 1px solid #e0e0e0; padding: 8px; overflow: auto; max-height: 360px; font-size: 0.85em; }
#detail code.cmd { display: block; background: #222; color: #eee; padding: 6px 10px; border-radius: 4px; white-space: pre-wrap; }
.status-failed td { color: #b00020; }
`

// SweepInput is what the sweep report shows.
type SweepInput struct {
	// Title is the page's title; Name the sweep's name.
	Title, Name string
	Version     string
	Generated   time.Time // zero: now
	// Dir is the sweep directory as the commands shown should name it.
	Dir string
	// Keys are the grid and zip keys (config paths), SweepRow.Params' names.
	Keys []string
	// Metrics name the values of SweepRow.Metrics.
	Metrics []SweepMetric
	// Cells is the number of cells in the sweep; Rows holds one row per run of each done cell
	// and one per cell not done.
	Cells int
	Rows  []SweepRow
	// SweepFile is the sweep file's text, shown verbatim.
	SweepFile string
}

// SweepMetric names a metric: its column name, its label, and whether smaller is better.
type SweepMetric struct {
	Name  string `json:"name"`
	Label string `json:"label"`
	Lower bool   `json:"lower"`
}

// SweepRow is one run of a cell (or a cell not done).
type SweepRow struct {
	Cell   string
	Index  int
	Seed   uint64
	Params []string
	// Run is the SAE run's name (or toy-model), Arch its architecture; "" for a cell not done.
	Run, Arch, Status string
	WallSeconds       float64
	// Metrics are in SweepInput.Metrics order; NaN for none.
	Metrics []float64
	// Config is the cell's resolved config (YAML); Command redraws its run report; Error is a
	// failed cell's message.
	Config, Command, Error string
}

// sweepData is the page's JSON: rows are arrays (keys once, not per row).
type sweepData struct {
	Name    string        `json:"name"`
	Keys    []string      `json:"keys"`
	Metrics []SweepMetric `json:"metrics"`
	Cols    []string      `json:"cols"`
	Rows    [][]any       `json:"rows"`
	Configs []string      `json:"configs"`
	Pareto  []paretoPanel `json:"pareto"`
}

// validate checks the rows' shapes against the keys and metrics.
func (in *SweepInput) validate() error {
	for k, r := range in.Rows {
		if len(r.Params) != len(in.Keys) {
			return fmt.Errorf("report: sweep row %d (cell %s): %d params for %d keys", k, r.Cell, len(r.Params), len(in.Keys))
		}
		if len(r.Metrics) != len(in.Metrics) {
			return fmt.Errorf("report: sweep row %d (cell %s): %d metrics, want %d", k, r.Cell, len(r.Metrics), len(in.Metrics))
		}
	}
	return nil
}

// data builds the page's JSON data.
func (in *SweepInput) data() sweepData {
	d := sweepData{Name: in.Name, Keys: in.Keys, Metrics: in.Metrics,
		Cols: []string{"cell", "index", "seed", "params", "run", "arch", "status", "wall_seconds", "metrics", "config", "command", "error"}}
	configAt := map[string]int{}
	for _, r := range in.Rows {
		ci, ok := configAt[r.Config]
		if !ok {
			ci = len(d.Configs)
			configAt[r.Config] = ci
			d.Configs = append(d.Configs, r.Config)
		}
		d.Rows = append(d.Rows, []any{r.Cell, r.Index, r.Seed, r.Params, r.Run, r.Arch, r.Status, r.WallSeconds, nums(r.Metrics), ci, r.Command, r.Error})
	}
	d.Pareto = paretoPanels(in)
	return d
}

var sweepTmpl = template.Must(template.New("sweep").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="saelab {{.Version}}">
<title>{{.Title}}</title>
<style>{{.CSS}}</style>
<script>{{.PlotlyJS}}</script>
</head>
<body>
<header>
<h1>{{.Title}}</h1>
<div class="meta"><span>saelab {{.Version}}</span><span>{{.Counts}}</span><span>generated {{.Generated}}</span><span>{{.Plotly}}</span></div>
</header>
<nav><a href="#chart">Chart</a><a href="#pareto">Pareto frontier</a><a href="#cells">Cells</a><a href="#sweepfile">Sweep file</a></nav>
<main>
<section id="chart">
<h2>Chart</h2>
<p class="sub">A metric against a grid key: lines of the mean over the cells with the values shown (the seeds, and every key not picked or filtered), with a band of ±1 standard deviation; or a heatmap of the mean over two keys. A facet key draws one panel per value.</p>
<div class="controls" id="controls"></div>
<div class="scroll"><div class="plot" id="sweep-chart"></div></div>
</section>
<section id="pareto">
<h2>Pareto frontier</h2>
<p class="sub">Every configuration (the mean over its seeds) of every SAE run: L0 against explained variance, and against L_reconstruction (toy-model sweeps) or MCC and F1 (synthetic sweeps), one colour per architecture; each architecture's frontier (no other point of it has both a lower L0 and a better value) is joined. Click a point for its cell.</p>
<div class="scroll"><div class="plot" id="sweep-pareto"></div></div>
</section>
<section id="cells">
<h2>Cells</h2>
<p class="sub">One row per run of each cell (instance means); click a header to sort, a row for the cell's config, metrics and the command that redraws its run report.</p>
<div id="detail"></div>
<div class="tablewrap"><table class="cells" id="cells-table"></table></div>
</section>
<section id="sweepfile">
<h2>Sweep file</h2>
<pre class="config">{{.SweepFile}}</pre>
</section>
</main>
<footer>saelab {{.Version}} · generated {{.Generated}} · charts by {{.Plotly}} (MIT), inlined</footer>
<script type="application/json" id="sweep-data">{{.Data}}</script>
<script>{{.AppJS}}</script>
</body>
</html>
`))

// sweepPage is the template's data.
type sweepPage struct {
	Title, Version, Counts, Generated, Plotly, SweepFile string
	CSS                                                  template.CSS
	PlotlyJS, AppJS, Data                                template.JS
}

// WriteSweep renders the sweep report and writes it to path atomically.
func WriteSweep(path string, in SweepInput) error {
	if err := in.validate(); err != nil {
		return err
	}
	data, err := json.Marshal(in.data())
	if err != nil {
		return fmt.Errorf("report: sweep data: %w", err)
	}
	gen := in.Generated
	if gen.IsZero() {
		gen = time.Now()
	}
	done, failed := 0, 0
	seen := map[string]bool{}
	for _, r := range in.Rows {
		if seen[r.Cell] {
			continue
		}
		seen[r.Cell] = true
		switch r.Status {
		case "done":
			done++
		case "failed":
			failed++
		}
	}
	p := sweepPage{Title: in.Title, Version: in.Version, Generated: gen.UTC().Format("2006-01-02 15:04:05 UTC"),
		Counts: fmt.Sprintf("%d cells: %d done, %d failed, %d left", in.Cells, done, failed, in.Cells-done-failed),
		Plotly: strings.TrimSpace(assets.PlotlyVersion), SweepFile: in.SweepFile,
		CSS: template.CSS(assets.StyleCSS + sweepCSS), PlotlyJS: template.JS(plotlyASCII()),
		AppJS: template.JS(asciiJS([]byte(sweepJS))), Data: template.JS(asciiJS(data))}
	if p.Title == "" {
		p.Title = "saelab sweep " + in.Name
	}
	return store.WriteAtomic(path, func(w io.Writer) error {
		aw := &asciiWriter{w: w}
		if err := sweepTmpl.Execute(aw, p); err != nil {
			return fmt.Errorf("report: sweep template: %w", err)
		}
		return aw.flush()
	})
}

// finite reports whether v is a number (not NaN or ±Inf).
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
