package report

import (
	"fmt"
	"html/template"
	"math"
	"strings"
	"time"

	"saelab/report/assets"
	"saelab/store"
)

// The superposition phase-diagram page: the discrete map, the continuous (ZF-style) map and
// the closed-form theory side by side with the theory's boundaries and triple point overlaid,
// the agreement with theory per region, and the expected-outcome checks.

// PhaseDiagram is the input of the phase-diagram page. Cells are [N][N] by rows of equal
// density (index ip·N + ir, ip = 0 at the lowest density).
type PhaseDiagram struct {
	Title, Version string
	Seed           uint64
	Generated      time.Time // zero means now
	ConfigYAML     string    // the run's config, shown verbatim
	NFeatures      int       // 2 or 3
	DHidden        int
	Aggregate      string    // how a cell's instances were combined (for the captions)
	R, P           []float64 // the grid's importance and density axes, ascending
	Cells          []PhaseCell
	// Boundaries are the theory's phase boundaries (drawn dashed); TripleR, TripleP the
	// triple point.
	Boundaries       []PhaseCurve
	TripleR, TripleP float64
	Agreement        []PhaseAgreement
	Outcomes         []PhaseOutcome
}

// PhaseCell is one cell: its labels, aggregate statistics and instances.
type PhaseCell struct {
	Label        string // not_represented, dedicated, superposition, confused
	Config       string // the configuration it stands for (colour): ignore_extra, antipodal, drop_first, …
	Theory       string // the theory's label
	TheoryConfig string // the theory's configuration
	NBar         float64
	SigmaBar     float64
	SameSign     float64
	Instances    []PhaseInstance
}

// PhaseInstance is one trained model of a cell.
type PhaseInstance struct {
	W      [][]float64 // [H][F]
	B      []float64   // [F]
	Loss   float64
	Weight float64 // in the cell's aggregate; 0 = not kept
	Label  string
}

// PhaseCurve is a polyline in (r, p).
type PhaseCurve struct {
	Name string
	R, P []float64
}

// PhaseAgreement counts agreement with theory over the cells of one theory region.
type PhaseAgreement struct {
	Theory  string
	Cells   int
	Agree   int
	ByLabel map[string]int
}

// PhaseOutcome is one expected-outcome check.
type PhaseOutcome struct {
	Item, Text, Detail string
	Pass               bool
}

// phaseColors are the map colours of each configuration (and the labels that name them).
var phaseColors = map[string]string{
	"ignore_extra": "#dddddd", "drop_extra": "#dddddd", "not_represented": "#dddddd",
	"ignore_first": "#2255bb", "pair_12": "#2255bb", "dedicated": "#2255bb",
	"drop_first": "#003399",
	"antipodal":  "#dd4444", "pair_23": "#dd4444", "superposition": "#dd4444",
	"confused": "#9955bb",
}

// phaseNames are the legend names of the configurations.
var phaseNames = map[string]string{
	"ignore_extra": "not represented", "drop_extra": "not represented",
	"ignore_first": "dedicated", "pair_12": "dedicated (features 1, 2 antipodal)", "drop_first": "dedicated (feature 1 dropped)",
	"antipodal": "superposition", "pair_23": "superposition", "confused": "confused (same-sign overlap)",
}

// phaseOrder is the legend order.
var phaseOrder = []string{"ignore_extra", "drop_extra", "ignore_first", "drop_first", "pair_12", "antipodal", "pair_23", "confused"}

func (in *PhaseDiagram) validate() error {
	N := len(in.R)
	switch {
	case N < 2 || len(in.P) != N:
		return fmt.Errorf("phase diagram: %d importance and %d density values, want the same number ≥ 2", len(in.R), len(in.P))
	case len(in.Cells) != N*N:
		return fmt.Errorf("phase diagram: %d cells, want %d", len(in.Cells), N*N)
	case in.NFeatures < 2 || in.DHidden < 1:
		return fmt.Errorf("phase diagram: n_features = %d, d_hidden = %d", in.NFeatures, in.DHidden)
	}
	for k, c := range in.Cells {
		if _, ok := phaseColors[c.Config]; !ok {
			return fmt.Errorf("phase diagram: cell %d: unknown configuration %q", k, c.Config)
		}
		if _, ok := phaseColors[c.TheoryConfig]; !ok {
			return fmt.Errorf("phase diagram: cell %d: unknown theory configuration %q", k, c.TheoryConfig)
		}
		for _, v := range []float64{c.NBar, c.SigmaBar, c.SameSign} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("phase diagram: cell %d: a statistic is not finite", k)
			}
		}
	}
	for _, v := range append(append([]float64{}, in.R...), in.P...) {
		if !(v > 0) || math.IsInf(v, 0) {
			return fmt.Errorf("phase diagram: axis value %v: must be positive and finite", v)
		}
	}
	return nil
}

// phasePanel is one map's geometry: its axes in the figure and cell size in pixels.
type phasePanel struct {
	x, y   string // trace axis references
	cellPx float64
}

const (
	phasePanelPx = 390.0 // each map's plot area, square
	phaseGapPx   = 70.0
)

// phaseMapsFigure is the three maps side by side in one figure.
func phaseMapsFigure(in *PhaseDiagram) *figure {
	N := len(in.R)
	ml, mr, mt, mb := 70.0, 20.0, 40.0, 150.0
	plotW := 3*phasePanelPx + 2*phaseGapPx
	halfR := (math.Log10(in.R[N-1]) - math.Log10(in.R[0])) / float64(N-1) / 2
	halfP := (math.Log10(in.P[N-1]) - math.Log10(in.P[0])) / float64(N-1) / 2
	layout := obj{
		"width": ml + plotW + mr, "height": mt + phasePanelPx + mb,
		"margin":    obj{"l": ml, "r": mr, "t": mt, "b": mb},
		"hovermode": "closest", "plot_bgcolor": "#ffffff",
		"legend": obj{"orientation": "h", "x": 0, "y": -0.22, "yanchor": "top"},
	}
	title := fmt.Sprintf("Extra feature: n=%d, m=%d", in.NFeatures, in.DHidden)
	titles := []string{title + " (" + in.Aggregate + ")", "Continuous: hue σ̄ (blue 0 → red ≥ 1), saturation n̄", "Theory (closed form)"}
	var ann []obj
	panels := make([]phasePanel, 3)
	for k := range panels {
		xk, xref := axisName("x", k+1)
		yk, yref := axisName("y", k+1)
		x0 := float64(k) * (phasePanelPx + phaseGapPx) / plotW
		layout[xk] = obj{"type": "log", "domain": []float64{x0, x0 + phasePanelPx/plotW}, "anchor": yref,
			"range":    []float64{math.Log10(in.R[0]) - halfR, math.Log10(in.R[N-1]) + halfR},
			"title":    obj{"text": "importance of the extra feature r"},
			"showgrid": false, "zeroline": false, "ticks": "outside", "mirror": true, "showline": true}
		layout[yk] = obj{"type": "log", "domain": []float64{0, 1}, "anchor": xref,
			"range":    []float64{math.Log10(in.P[0]) - halfP, math.Log10(in.P[N-1]) + halfP},
			"title":    obj{"text": "feature density p"},
			"showgrid": false, "zeroline": false, "ticks": "outside", "mirror": true, "showline": true}
		// One pixel more than the cell, so that neighbouring squares overlap instead of leaving
		// hairline gaps.
		panels[k] = phasePanel{x: xref, y: yref, cellPx: math.Ceil(phasePanelPx/float64(N)) + 1}
		ann = append(ann, obj{"text": titles[k], "showarrow": false, "xref": "paper", "yref": "paper",
			"x": x0 + phasePanelPx/plotW/2, "y": 1, "xanchor": "center", "yanchor": "bottom", "yshift": 6, "font": obj{"size": 13}})
	}
	layout["annotations"] = ann

	var data []obj
	shown := map[string]bool{}
	legendOnce := func(group string) bool {
		if shown[group] {
			return false
		}
		shown[group] = true
		return true
	}
	// Panel 1: the discrete map, one trace per configuration.
	data = append(data, phaseDiscrete(in, panels[0], func(c *PhaseCell) string { return c.Config }, phaseCellHover, legendOnce)...)
	data = append(data, phaseDisagreements(in, panels[0]))
	// Panel 2: the continuous map.
	data = append(data, phaseContinuous(in, panels[1]))
	// Panel 3: the theory.
	data = append(data, phaseDiscrete(in, panels[2], func(c *PhaseCell) string { return c.TheoryConfig }, phaseTheoryHover, legendOnce)...)
	for k, pn := range panels {
		data = append(data, phaseOverlays(in, pn, k == 0)...)
	}
	return &figure{ID: "phase-maps", Kind: "plot", Data: data, Layout: layout, Config: plotConfig()}
}

// phaseDiscrete draws the cells coloured by the configuration that config picks, one trace per
// configuration (legend entries shared across panels).
func phaseDiscrete(in *PhaseDiagram, pn phasePanel, config func(*PhaseCell) string, hover func(*PhaseDiagram, int) string, legendOnce func(string) bool) []obj {
	N := len(in.R)
	var out []obj
	for _, name := range phaseOrder {
		var x, y nums
		var text []string
		for k := range in.Cells {
			if config(&in.Cells[k]) != name {
				continue
			}
			x, y = append(x, in.R[k%N]), append(y, in.P[k/N])
			text = append(text, hover(in, k))
		}
		if len(x) == 0 {
			continue
		}
		out = append(out, obj{
			"type": "scatter", "mode": "markers", "x": x, "y": y, "xaxis": pn.x, "yaxis": pn.y,
			"name": phaseNames[name], "legendgroup": phaseNames[name], "showlegend": legendOnce(phaseNames[name]),
			"marker":        obj{"symbol": "square", "size": pn.cellPx, "color": phaseColors[name], "line": obj{"width": 0}},
			"text":          text,
			"hovertemplate": "%{text}<extra></extra>",
		})
	}
	return out
}

// phaseDisagreements marks the cells whose label is not the theory's.
func phaseDisagreements(in *PhaseDiagram, pn phasePanel) obj {
	N := len(in.R)
	var x, y nums
	for k, c := range in.Cells {
		if c.Label != c.Theory {
			x, y = append(x, in.R[k%N]), append(y, in.P[k/N])
		}
	}
	return obj{"type": "scatter", "mode": "markers", "x": x, "y": y, "xaxis": pn.x, "yaxis": pn.y,
		"name": "disagrees with theory", "hoverinfo": "skip", "visible": "legendonly",
		"marker": obj{"symbol": "x-thin", "size": math.Max(4, pn.cellPx*0.6), "line": obj{"width": 1.2, "color": "#000"}}}
}

// phaseContinuous is the ZF-style map: hue 2/3 + clamp(σ̄, 0, 1)/3, saturation clamp(n̄, 0, 1),
// value 1.
func phaseContinuous(in *PhaseDiagram, pn phasePanel) obj {
	N := len(in.R)
	x, y := make(nums, len(in.Cells)), make(nums, len(in.Cells))
	col, text := make([]string, len(in.Cells)), make([]string, len(in.Cells))
	for k, c := range in.Cells {
		x[k], y[k] = in.R[k%N], in.P[k/N]
		col[k] = hsvColor(2.0/3+clamp01(c.SigmaBar)/3, clamp01(c.NBar), 1)
		text[k] = fmt.Sprintf("r = %.4g, p = %.4g<br>n̄ = %.3f, σ̄ = %.3f<br>label: %s", in.R[k%N], in.P[k/N], c.NBar, c.SigmaBar, labelText(c.Label))
	}
	return obj{"type": "scatter", "mode": "markers", "x": x, "y": y, "xaxis": pn.x, "yaxis": pn.y,
		"name": "continuous", "showlegend": false, "text": text, "hovertemplate": "%{text}<extra></extra>",
		"marker": obj{"symbol": "square", "size": pn.cellPx, "color": col, "line": obj{"width": 0}}}
}

// phaseOverlays are the dashed theory boundaries and the triple point on one panel.
func phaseOverlays(in *PhaseDiagram, pn phasePanel, legend bool) []obj {
	var out []obj
	for k, c := range in.Boundaries {
		out = append(out, obj{"type": "scatter", "mode": "lines", "x": nums(c.R), "y": nums(c.P), "xaxis": pn.x, "yaxis": pn.y,
			"name": "theory boundary", "legendgroup": "boundary", "showlegend": legend && k == 0, "hoverinfo": "skip",
			"line": obj{"color": "#111", "width": 1.6, "dash": "dash"}})
	}
	out = append(out, obj{"type": "scatter", "mode": "markers", "x": nums{in.TripleR}, "y": nums{in.TripleP}, "xaxis": pn.x, "yaxis": pn.y,
		"name": fmt.Sprintf("triple point (%.3g, %.4g)", in.TripleR, in.TripleP), "legendgroup": "triple", "showlegend": legend,
		"hovertemplate": fmt.Sprintf("triple point r = %.3g, p = %.4g<extra></extra>", in.TripleR, in.TripleP),
		"marker":        obj{"symbol": "star", "size": 13, "color": "#ffd400", "line": obj{"width": 1.2, "color": "#111"}}})
	return out
}

func labelText(l string) string { return strings.ReplaceAll(l, "_", " ") }

// phaseCellHover is the discrete map's tooltip: coordinates, labels, aggregate, and the kept
// instances' W, b and loss (lowest loss first).
func phaseCellHover(in *PhaseDiagram, k int) string {
	N := len(in.R)
	c := &in.Cells[k]
	var b strings.Builder
	fmt.Fprintf(&b, "r = %.4g, p = %.4g<br>label: <b>%s</b> · theory: %s (%s)<br>n̄ = %.3f, σ̄ = %.3f, same-sign share %.2f",
		in.R[k%N], in.P[k/N], labelText(c.Label), labelText(c.Theory), c.TheoryConfig, c.NBar, c.SigmaBar, c.SameSign)
	kept := make([]int, 0, len(c.Instances))
	for j, it := range c.Instances {
		if it.Weight > 0 {
			kept = append(kept, j)
		}
	}
	sortByLoss(kept, c.Instances)
	fmt.Fprintf(&b, "<br>kept %d of %d instances (loss · W · b):", len(kept), len(c.Instances))
	for _, j := range kept {
		it := c.Instances[j]
		fmt.Fprintf(&b, "<br>#%d %.3g · W %s · b %s", j, it.Loss, fmtMatrix(it.W), fmtVector(it.B))
	}
	return b.String()
}

// phaseTheoryHover is the theory panel's tooltip.
func phaseTheoryHover(in *PhaseDiagram, k int) string {
	N := len(in.R)
	c := &in.Cells[k]
	return fmt.Sprintf("r = %.4g, p = %.4g<br>theory: <b>%s</b> (%s)<br>experiment: %s", in.R[k%N], in.P[k/N], labelText(c.Theory), c.TheoryConfig, labelText(c.Label))
}

func sortByLoss(idx []int, ins []PhaseInstance) {
	for a := 1; a < len(idx); a++ {
		for b := a; b > 0 && ins[idx[b]].Loss < ins[idx[b-1]].Loss; b-- {
			idx[b], idx[b-1] = idx[b-1], idx[b]
		}
	}
}

func fmtVector(v []float64) string {
	parts := make([]string, len(v))
	for k, x := range v {
		parts[k] = fmt.Sprintf("%.3f", roundTo(x, 3))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func fmtMatrix(m [][]float64) string {
	if len(m) == 1 {
		return fmtVector(m[0])
	}
	parts := make([]string, len(m))
	for k, row := range m {
		parts[k] = fmtVector(row)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// hsvColor converts HSV (each in [0, 1]) to "rgb(r,g,b)".
func hsvColor(h, s, v float64) string {
	h = math.Mod(h, 1) * 6
	i := math.Floor(h)
	f := h - i
	p, q, t := v*(1-s), v*(1-s*f), v*(1-s*(1-f))
	var r, g, b float64
	switch int(i) {
	case 0:
		r, g, b = v, t, p
	case 1:
		r, g, b = q, v, p
	case 2:
		r, g, b = p, v, t
	case 3:
		r, g, b = p, q, v
	case 4:
		r, g, b = t, p, v
	default:
		r, g, b = v, p, q
	}
	c := func(x float64) int { return int(math.Round(255 * x)) }
	return fmt.Sprintf("rgb(%d,%d,%d)", c(r), c(g), c(b))
}

// phaseAgreementTable is the agreement with theory per theory region.
func phaseAgreementTable(in *PhaseDiagram) *table {
	t := &table{Caption: "Agreement with theory, per theory region",
		Head: plainColumns("Theory region", "Cells", "Agree", "Agree %", "Not represented", "Dedicated", "Superposition", "Confused"), TextCols: 1}
	var cells, agree int
	for _, a := range in.Agreement {
		row := []string{labelText(a.Theory), fmt.Sprint(a.Cells), fmt.Sprint(a.Agree), pct(a.Agree, a.Cells)}
		for _, l := range []string{"not_represented", "dedicated", "superposition", "confused"} {
			row = append(row, fmt.Sprint(a.ByLabel[l]))
		}
		t.Rows = append(t.Rows, tableRow{Cells: row})
		cells, agree = cells+a.Cells, agree+a.Agree
	}
	t.Rows = append(t.Rows, tableRow{Cells: []string{"all", fmt.Sprint(cells), fmt.Sprint(agree), pct(agree, cells), "", "", "", ""}})
	return t
}

func pct(k, n int) string {
	if n == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f", 100*float64(k)/float64(n))
}

// phaseOutcomeTable lists the expected-outcome checks.
func phaseOutcomeTable(in *PhaseDiagram) *table {
	t := &table{Caption: "Expected outcomes of the replication", Head: plainColumns("Item", "Check", "Result", "Detail"), TextCols: 4}
	for _, o := range in.Outcomes {
		res := "fail"
		if o.Pass {
			res = "pass"
		}
		t.Rows = append(t.Rows, tableRow{Cells: []string{o.Item, o.Text, res, o.Detail}, Best: o.Pass})
	}
	return t
}

// newPage is the report's page shell with no sections yet.
func newPage(title, version string, seed uint64, generated time.Time, configYAML string) *pageData {
	if generated.IsZero() {
		generated = time.Now()
	}
	pd := &pageData{
		Title: title, Version: version, Seed: fmt.Sprint(seed),
		Generated:  generated.UTC().Format("2006-01-02 15:04:05 UTC"),
		Plotly:     strings.TrimSpace(assets.PlotlyVersion),
		CSS:        template.CSS(assets.StyleCSS),
		PlotlyJS:   template.JS(plotlyASCII()),
		AppJS:      template.JS(assets.AppJS),
		ConfigYAML: configYAML,
	}
	if pd.Version == "" {
		pd.Version = "(unknown version)"
	}
	if pd.ConfigYAML == "" {
		pd.ConfigYAML = "(no config given)"
	}
	return pd
}

// addSections appends sections and registers their figures' specs.
func (pd *pageData) addSections(secs ...*section) error {
	for _, s := range secs {
		pd.Sections = append(pd.Sections, s)
		for _, it := range s.Items {
			if err := pd.addSpec(it.Fig); err != nil {
				return err
			}
		}
	}
	return nil
}

func buildPhaseDiagram(in PhaseDiagram) (*pageData, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	title := in.Title
	if title == "" {
		title = fmt.Sprintf("saelab phase diagram: n=%d, m=%d", in.NFeatures, in.DHidden)
	}
	pd := newPage(title, in.Version, in.Seed, in.Generated, in.ConfigYAML)
	agg := map[string]string{
		"paper": "the instance with the highest loss dropped, the others averaged",
		"best":  "the lowest-loss instance of each cell",
		"zf":    "instances weighted by 1/loss²",
		"all":   "all instances averaged",
	}[in.Aggregate]
	maps := &section{ID: "phase-diagram", Heading: "Phase diagram",
		Sub: fmt.Sprintf("%d × %d cells, %d instances each; cells aggregate %s. Dashed: the closed-form phase boundaries; star: the triple point. Hover a cell of the left map for its instances.",
			len(in.R), len(in.P), phaseInstances(&in), orEnDash(agg)),
		Items: []item{{Fig: phaseMapsFigure(&in)}}}
	agree := &section{ID: "agreement", Heading: "Agreement with theory",
		Sub:   "Cells whose label is the closed-form argmin's, per region of the theory panel; the left map can mark the others (legend: \"disagrees with theory\").",
		Items: []item{{Table: phaseAgreementTable(&in)}}}
	secs := []*section{maps, agree}
	if len(in.Outcomes) > 0 {
		secs = append(secs, &section{ID: "outcomes", Heading: "Expected outcomes",
			Sub:   "The checks a faithful replication should pass (Elhage et al. 2022 and the closed-form theory).",
			Items: []item{{Table: phaseOutcomeTable(&in)}}})
	}
	if err := pd.addSections(secs...); err != nil {
		return nil, err
	}
	return pd, nil
}

func phaseInstances(in *PhaseDiagram) int {
	if len(in.Cells) == 0 {
		return 0
	}
	return len(in.Cells[0].Instances)
}

// RenderPhaseDiagram returns the phase-diagram page.
func RenderPhaseDiagram(in PhaseDiagram) ([]byte, error) {
	pd, err := buildPhaseDiagram(in)
	if err != nil {
		return nil, err
	}
	var buf strings.Builder
	if err := pd.executeTo(&buf); err != nil {
		return nil, err
	}
	return []byte(buf.String()), nil
}

// WritePhaseDiagram renders the page and writes it to path atomically.
func WritePhaseDiagram(path string, in PhaseDiagram) error {
	pd, err := buildPhaseDiagram(in)
	if err != nil {
		return err
	}
	return store.WriteAtomic(path, pd.executeTo)
}
