// Package report renders saelab's results as one offline, self-contained
// HTML page: an optional cross-run comparison table, the toy model's
// features (spec §7.1), per SAE run the training
// animation (§7.2), the frac_active plot (§7.3) and a table of metrics, the
// Figure-15 shrinkage scatter (§7.6), and the resolved config.
//
// plotly.js is inlined (see report/assets); the page loads nothing from the
// network.
package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"strings"
	"time"

	"saelab/report/assets"
	"saelab/store"
)

type pageData struct {
	Title, Version, Seed, Generated, Plotly string
	CSS                                     template.CSS
	PlotlyJS, AppJS                         template.JS
	Sections                                []*section
	ConfigYAML                              string
	Specs                                   []specScript
}

type section struct {
	ID, Heading string
	Sub         string
	Notes       []string
	Items       []item
}

type item struct {
	Fig   *figure
	Table *table
	Notes []string
}

type specScript struct {
	ID   string
	JSON template.JS // json.Marshal output: <, > and & are \u-escaped
}

var pageTmpl = template.Must(template.New("page").Parse(`<!DOCTYPE html>
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
<div class="meta"><span>saelab {{.Version}}</span><span>seed {{.Seed}}</span><span>generated {{.Generated}}</span><span>{{.Plotly}}</span></div>
</header>
<nav>{{range .Sections}}<a href="#{{.ID}}">{{.Heading}}</a>{{end}}<a href="#config">Config</a></nav>
<main>
{{range .Sections}}<section id="{{.ID}}">
<h2>{{.Heading}}</h2>
{{if .Sub}}<p class="sub">{{.Sub}}</p>{{end}}
{{range .Notes}}<p class="note">{{.}}</p>
{{end}}{{range .Items}}{{if .Fig}}<div class="scroll"><div class="plot" id="{{.Fig.ID}}" data-fig="{{.Fig.ID}}"></div></div>
{{end}}{{range .Notes}}<p class="note">{{.}}</p>
{{end}}{{with .Table}}<div class="scroll"><table class="results">
<caption>{{.Caption}}</caption>
<thead><tr>{{range .Head}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>
{{range .Rows}}<tr{{if .Best}} class="best"{{end}}>{{range .Cells}}<td>{{.}}</td>{{end}}</tr>
{{end}}</tbody>
</table></div>
{{if .Wall}}<p class="wall">Wall time: {{.Wall}}</p>
{{end}}{{end}}{{end}}</section>
{{end}}<section id="config">
<h2>Config</h2>
<p class="sub">The resolved config of this run, verbatim.</p>
<pre class="config">{{.ConfigYAML}}</pre>
</section>
</main>
<footer>saelab {{.Version}} · seed {{.Seed}} · generated {{.Generated}} · charts by {{.Plotly}} (MIT), inlined</footer>
{{range .Specs}}<script type="application/json" id="spec-{{.ID}}">{{.JSON}}</script>
{{end}}<script>{{.AppJS}}</script>
</body>
</html>
`))

// Render returns the full HTML page for in. It returns an error, naming the
// field and the expected and actual lengths, when a shape is inconsistent.
func Render(in Input) ([]byte, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	title := in.Title
	if title == "" {
		title = "saelab report"
	}
	gen := in.Generated
	if gen.IsZero() {
		gen = time.Now()
	}
	pd := &pageData{
		Title:      title,
		Version:    in.Version,
		Seed:       fmt.Sprint(in.Seed),
		Generated:  gen.UTC().Format("2006-01-02 15:04:05 UTC"),
		Plotly:     strings.TrimSpace(assets.PlotlyVersion),
		CSS:        template.CSS(assets.StyleCSS),
		PlotlyJS:   template.JS(assets.PlotlyJS),
		AppJS:      template.JS(assets.AppJS),
		ConfigYAML: in.ConfigYAML,
	}
	if pd.Version == "" {
		pd.Version = "(unknown version)"
	}
	if pd.ConfigYAML == "" {
		pd.ConfigYAML = "(no config given)"
	}

	if t := comparisonTable(in.Comparison); t != nil {
		pd.Sections = append(pd.Sections, &section{
			ID: "comparison", Heading: "Comparison",
			Sub:   comparisonSub,
			Items: []item{{Table: t}},
		})
	}

	if m := in.Model; m != nil {
		figs, notes := modelFigures(m)
		sec := &section{
			ID: "toy-model", Heading: "Toy model",
			Sub:   fmt.Sprintf("%d instances, %d features, d_hidden = %d; final loss %s.", m.NInst, m.NFeatures, m.DHidden, fmtNum(m.FinalLoss)),
			Notes: notes,
		}
		for _, f := range figs {
			sec.Items = append(sec.Items, item{Fig: f})
		}
		pd.Sections = append(pd.Sections, sec)
	}

	// Runs: the animations come last, once the size of the rest is known.
	type pending struct {
		run int
		sec *section // its Items[0] is the animation's slot
	}
	var anims []pending
	for k := range in.Runs {
		r := &in.Runs[k]
		sec := &section{ID: fmt.Sprintf("run-%d", k), Heading: "SAE: " + runTitle(r), Sub: runSub(r)}
		sec.Items = append(sec.Items, item{})
		anims = append(anims, pending{k, sec})
		fa, notes := fracActiveFigure(r, fmt.Sprintf("run-%d-frac", k))
		sec.Items = append(sec.Items, item{Fig: fa, Notes: notes})
		if t := runTable(r); t != nil {
			sec.Items = append(sec.Items, item{Table: t})
		} else {
			sec.Items = append(sec.Items, item{Notes: []string{"No per-instance results were given. Wall time: " + fmtSeconds(r.WallSeconds) + "."}})
		}
		pd.Sections = append(pd.Sections, sec)
	}

	if s := in.Shrinkage; s != nil && len(s.Series) > 0 {
		pd.Sections = append(pd.Sections, &section{
			ID: "shrinkage", Heading: "Shrinkage (Figure 15)",
			Sub:   "Per SAE, the best instance's latent for feature 1: its activation (divided by ‖W[best][:,1]‖) against the feature's true value. Points below y = x are shrunk.",
			Items: []item{{Fig: shrinkageFigure(s)}},
		})
	}
	for _, sec := range pd.Sections {
		for _, it := range sec.Items {
			if err := pd.addSpec(it.Fig); err != nil {
				return nil, err
			}
		}
	}

	nAnim := 0
	for _, r := range in.Runs {
		if r.DIn == 2 && len(r.Frames) > 0 {
			nAnim++
		}
	}
	budget := in.AnimationBudget
	if budget == 0 && nAnim > 0 {
		rest, err := pd.execute()
		if err != nil {
			return nil, err
		}
		budget = max(MinAnimationBudget, DefaultPageBytes-len(rest)-nAnim*animOverhead)
	}
	for _, p := range anims {
		r := &in.Runs[p.run]
		fig, notes, err := animationFigure(r, fmt.Sprintf("run-%d-anim", p.run), budget/max(nAnim, 1))
		if err != nil {
			return nil, err
		}
		p.sec.Items[0] = item{Fig: fig, Notes: notes}
		if err := pd.addSpec(fig); err != nil {
			return nil, err
		}
	}
	return pd.execute()
}

// DefaultPageBytes is the page size that Render aims to stay within when
// Input.AnimationBudget is 0: the animations get what the rest leaves, but
// at least MinAnimationBudget.
const (
	DefaultPageBytes   = 4_600_000
	MinAnimationBudget = 400_000
	animOverhead       = 40_000 // an animation's spec besides its packed frames (cells, layout, slider)
)

func (pd *pageData) addSpec(f *figure) error {
	if f == nil {
		return nil
	}
	b, err := json.Marshal(figSpec{Kind: f.Kind, Data: f.Data, Layout: f.Layout, Config: f.Config, Anim: f.Anim, Grid: f.Grid, SharedX: f.SharedX})
	if err != nil {
		return fmt.Errorf("report: figure %s: %w", f.ID, err)
	}
	pd.Specs = append(pd.Specs, specScript{ID: f.ID, JSON: template.JS(b)})
	return nil
}

func (pd *pageData) execute() ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(assets.PlotlyJS) + 1<<20)
	if err := pageTmpl.Execute(&buf, pd); err != nil {
		return nil, fmt.Errorf("report: template: %w", err)
	}
	return buf.Bytes(), nil
}

func runSub(r *SAERun) string {
	s := fmt.Sprintf("architecture %s", orDash(r.Arch))
	s += fmt.Sprintf(" · resampling %s", orDash(r.Resample))
	s += fmt.Sprintf(" · %d instances, d_in = %d, d_sae = %d", r.NInst, r.DIn, r.DSAE)
	if n := len(r.Frames); n > 0 {
		s += fmt.Sprintf(" · %d records (steps %d…%d)", n, r.Frames[0].Step, r.Frames[n-1].Step)
	}
	s += " · wall time " + fmtSeconds(r.WallSeconds)
	return s
}

func orDash(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// WriteFile renders in and writes it to path atomically (store.WriteFileAtomic), so a
// failed render or write never leaves a half-written report.
func WriteFile(path string, in Input) error {
	page, err := Render(in)
	if err != nil {
		return err
	}
	return store.WriteFileAtomic(path, page, 0o644)
}
