package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"runtime"
	"strings"
	"sync"
	"time"
	"unicode/utf16"
	"unicode/utf8"

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
{{end}}{{range .Items}}{{if .Fig}}{{$f := .Fig}}{{with $f.Picker}}<div class="picker" data-fig="{{$f.ID}}"><span class="picker-label">Show</span><span class="picker-sets"><button type="button" data-set="default">{{.Default}}</button><button type="button" data-set="all">all</button><button type="button" data-set="none">none</button></span>{{range .Groups}}<button type="button" data-first="{{.First}}" data-count="{{.Count}}" aria-pressed="{{.On}}" style="{{.Style}}">{{.Label}}</button>{{end}}</div>
{{end}}<div class="scroll"><div class="plot" id="{{.Fig.ID}}" data-fig="{{.Fig.ID}}"{{with .Fig.Style}} style="{{.}}"{{end}}></div></div>
{{end}}{{range .Notes}}<p class="note">{{.}}</p>
{{end}}{{with .Table}}{{$t := .}}<div class="scroll"><table class="results">
<caption>{{.Caption}}</caption>
<thead><tr>{{range .Head}}<th{{with .Key}} title="summary.json: {{.}}"{{end}}>{{.Text}}</th>{{end}}</tr></thead>
<tbody>
{{range .Rows}}<tr{{if .Best}} class="best"{{end}}>{{range $i, $c := .Cells}}<td{{if and (gt $i 0) (lt $i $t.TextCols)}} class="text"{{end}}>{{$c}}</td>{{end}}</tr>
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
	pd, err := build(in)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Grow(pd.size() + 64<<10)
	if err := pd.executeTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// build makes the page's data: every section and figure spec.
func build(in Input) (*pageData, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	pd := newPageData(&in)
	if t := comparisonTable(in.Comparison); t != nil {
		pd.Sections = append(pd.Sections, &section{
			ID: "comparison", Heading: "Comparison",
			Sub:   comparisonSub,
			Items: []item{{Table: t}},
		})
	}
	if m := in.Model; m != nil {
		pd.Sections = append(pd.Sections, modelSection(m))
	}
	// Runs: the animations come last, once the size of the rest is known; each run's section
	// keeps its first item for its animation.
	var runSecs []*section
	for k := range in.Runs {
		sec := runSection(&in.Runs[k], k)
		runSecs = append(runSecs, sec)
		pd.Sections = append(pd.Sections, sec)
	}
	if s := in.Shrinkage; s != nil && len(s.Series) > 0 {
		fig, notes := shrinkageFigure(s)
		pd.Sections = append(pd.Sections, &section{
			ID: "shrinkage", Heading: "Shrinkage (Figure 15)",
			Sub:   "Per SAE, the best instance's latent for feature 1: its activation (divided by ‖W[best][:,1]‖) against the feature's true value, over samples where some feature is active. Points below y = x are shrunk; the histogram on the right shows how the nonzero activations spread. Shrinkage and its summary numbers are defined in docs/metrics.md.",
			Items: []item{{Fig: fig, Notes: notes}},
		})
	}
	for _, sec := range pd.Sections {
		for _, it := range sec.Items {
			if err := pd.addSpec(it.Fig); err != nil {
				return nil, err
			}
		}
	}
	if err := pd.addAnimations(&in, runSecs); err != nil {
		return nil, err
	}
	return pd, nil
}

// newPageData is the page without sections: its title, metadata, scripts and config.
func newPageData(in *Input) *pageData {
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
		PlotlyJS:   template.JS(plotlyASCII()),
		AppJS:      template.JS(assets.AppJS),
		ConfigYAML: in.ConfigYAML,
	}
	if pd.Version == "" {
		pd.Version = "(unknown version)"
	}
	if pd.ConfigYAML == "" {
		pd.ConfigYAML = "(no config given)"
	}
	return pd
}

// modelSection is the toy model's section: its figures and notes.
func modelSection(m *ToyModel) *section {
	figs, notes := modelFigures(m)
	sec := &section{
		ID: "toy-model", Heading: "Toy model",
		Sub:   fmt.Sprintf("%d instances, %d features, d_hidden = %d; final loss %s. The model and its training are described in docs/toy-model.md.", m.NInst, m.NFeatures, m.DHidden, fmtNum(m.FinalLoss)),
		Notes: notes,
	}
	for _, f := range figs {
		sec.Items = append(sec.Items, item{Fig: f})
	}
	return sec
}

// runSection is SAE run k's section without its animation: an empty first item (the
// animation's place), the frac_active plot and the table.
func runSection(r *SAERun, k int) *section {
	sec := &section{ID: fmt.Sprintf("run-%d", k), Heading: "SAE: " + runTitle(r), Sub: runSub(r)}
	sec.Items = append(sec.Items, item{})
	fa, notes := fracActiveFigure(r, fmt.Sprintf("run-%d-frac", k))
	sec.Items = append(sec.Items, item{Fig: fa, Notes: notes})
	if t := runTable(r); t != nil {
		sec.Items = append(sec.Items, item{Table: t})
	} else {
		sec.Items = append(sec.Items, item{Notes: []string{"No per-instance results were given. Wall time: " + fmtSeconds(r.WallSeconds) + "."}})
	}
	return sec
}

// addAnimations builds the runs' animations into the first item of their sections (secs[k]
// is in.Runs[k]'s), sharing the byte budget equally: Input.AnimationBudget, or what keeps the
// page within DefaultPageBytes.
func (pd *pageData) addAnimations(in *Input, secs []*section) error {
	nAnim := 0
	for _, r := range in.Runs {
		if r.DIn == 2 && len(r.Frames) > 0 {
			nAnim++
		}
	}
	budget := in.AnimationBudget
	if budget == 0 && nAnim > 0 {
		var rest countingWriter
		if err := pd.executeTo(&rest); err != nil {
			return err
		}
		budget = max(MinAnimationBudget, DefaultPageBytes-rest.n-nAnim*animOverhead)
	}
	// The animations are independent: build them concurrently, then add them in order.
	type built struct {
		fig   *figure
		notes []string
		err   error
	}
	res := make([]built, len(secs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))
	for k := range secs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			r, b := &in.Runs[k], &res[k]
			b.fig, b.notes, b.err = animationFigure(r, fmt.Sprintf("run-%d-anim", k), budget/max(nAnim, 1), in.nFeatures(r))
		}()
	}
	wg.Wait()
	for k, sec := range secs {
		if res[k].err != nil {
			return res[k].err
		}
		sec.Items[0] = item{Fig: res[k].fig, Notes: res[k].notes}
		if err := pd.addSpec(res[k].fig); err != nil {
			return err
		}
	}
	return nil
}

// nFeatures is run r's n_features: its own, or the toy model's (0 if unknown).
func (in *Input) nFeatures(r *SAERun) int {
	if r.NFeatures == 0 && in.Model != nil {
		return in.Model.NFeatures
	}
	return r.NFeatures
}

// DefaultPageBytes is the page size that Render aims to stay within when
// Input.AnimationBudget is 0: the animations get what the rest leaves, but
// at least MinAnimationBudget.
const (
	DefaultPageBytes   = 4_000_000
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
	pd.Specs = append(pd.Specs, specScript{ID: f.ID, JSON: template.JS(asciiJS(b))})
	return nil
}

// executeTo writes the page to w (through asciiWriter).
func (pd *pageData) executeTo(w io.Writer) error {
	aw := &asciiWriter{w: w}
	if err := pageTmpl.Execute(aw, pd); err != nil {
		return fmt.Errorf("report: template: %w", err)
	}
	return aw.flush()
}

// size estimates the page's size in bytes (the scripts and specs, which are nearly all of it).
func (pd *pageData) size() int {
	n := len(pd.PlotlyJS) + len(pd.AppJS) + len(pd.CSS) + len(pd.ConfigYAML) + 32<<10
	for _, s := range pd.Specs {
		n += len(s.JSON) + 64
	}
	return n
}

type countingWriter struct{ n int }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += len(p)
	return len(p), nil
}

// asciiWriter passes ASCII through and writes each non-ASCII character as a character
// reference (asciiHTMLAppend), a character split across writes included.
type asciiWriter struct {
	w       io.Writer
	pending []byte // the start of a character split across writes
	buf     []byte
}

func (a *asciiWriter) Write(p []byte) (int, error) {
	n := len(p)
	if len(a.pending) > 0 {
		k := 0
		for k < len(p) && !utf8.FullRune(a.pending) && !utf8.RuneStart(p[k]) {
			a.pending = append(a.pending, p[k])
			k++
		}
		if !utf8.FullRune(a.pending) && k < len(p) { // invalid: let DecodeRune say so
			a.pending = append(a.pending, p[k])
			k++
		}
		if !utf8.FullRune(a.pending) {
			return n, nil
		}
		a.buf = asciiHTMLAppend(a.buf[:0], a.pending)
		a.pending = a.pending[:0]
		if _, err := a.w.Write(a.buf); err != nil {
			return 0, err
		}
		p = p[k:]
	}
	// Hold back an incomplete character at the end.
	end := len(p)
	for i := len(p) - 1; i >= 0 && i >= len(p)-utf8.UTFMax; i-- {
		if utf8.RuneStart(p[i]) {
			if !utf8.FullRune(p[i:]) {
				end = i
			}
			break
		}
	}
	a.pending = append(a.pending, p[end:]...)
	p = p[:end]
	ascii := true
	for _, c := range p {
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		_, err := a.w.Write(p)
		return n, err
	}
	a.buf = asciiHTMLAppend(a.buf[:0], p)
	if _, err := a.w.Write(a.buf); err != nil {
		return 0, err
	}
	return n, nil
}

func (a *asciiWriter) flush() error {
	if len(a.pending) == 0 {
		return nil
	}
	_, err := a.w.Write(asciiHTMLAppend(nil, a.pending))
	a.pending = nil
	return err
}

// The page is pure ASCII: a browser decodes and tokenizes such a document on its fast 8-bit
// path (for the seed demo's page, about half the time UTF-8 text with a few hundred non-ASCII
// characters takes). Scripts (plotly.js, the specs, app.js) escape their non-ASCII characters
// as \uXXXX, which means the same inside string and regular-expression literals, the only
// places they occur; the remaining HTML (titles, notes, tables, the config) as character
// references.

// asciiJS replaces every non-ASCII character of JavaScript or JSON source b by its \uXXXX
// escape (a surrogate pair above U+FFFF). b is returned as is if it is ASCII.
func asciiJS(b []byte) []byte {
	return replaceNonASCII(b, func(out []byte, r rune) []byte {
		if r > 0xffff {
			r1, r2 := utf16.EncodeRune(r)
			return fmt.Appendf(out, `\u%04x\u%04x`, r1, r2)
		}
		return fmt.Appendf(out, `\u%04x`, r)
	})
}

// asciiHTMLAppend appends b to out with every non-ASCII character of b (an HTML page whose
// scripts and styles are ASCII) replaced by a character reference.
func asciiHTMLAppend(out, b []byte) []byte {
	for len(b) > 0 {
		if c := b[0]; c < utf8.RuneSelf {
			out = append(out, c)
			b = b[1:]
			continue
		}
		r, n := utf8.DecodeRune(b)
		out = fmt.Appendf(out, "&#x%x;", r)
		b = b[n:]
	}
	return out
}

func replaceNonASCII(b []byte, esc func(out []byte, r rune) []byte) []byte {
	k := 0
	for k < len(b) && b[k] < utf8.RuneSelf {
		k++
	}
	if k == len(b) {
		return b
	}
	out := make([]byte, k, len(b)+len(b)/64)
	copy(out, b[:k])
	for k < len(b) {
		if c := b[k]; c < utf8.RuneSelf {
			out = append(out, c)
			k++
			continue
		}
		r, n := utf8.DecodeRune(b[k:])
		out = esc(out, r)
		k += n
	}
	return out
}

// plotlyASCII is the inlined plotly.js with its few non-ASCII characters escaped (asciiJS).
var plotlyASCII = sync.OnceValue(func() []byte { return asciiJS(assets.PlotlyJS) })

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

// WriteFile renders in and writes it to path atomically (store.WriteAtomic), so a
// failed render or write never leaves a half-written report.
func WriteFile(path string, in Input) error {
	pd, err := build(in)
	if err != nil {
		return err
	}
	return store.WriteAtomic(path, pd.executeTo)
}
