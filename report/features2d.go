package report

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"slices"
	"strconv"
)

// Figure 1: the toy model's features in 2-D per instance (spec §7.1), the
// hidden-state scatter (§7.1 "uses"), the WᵀW heatmaps when d_hidden ≠ 2, and
// the optional training-loss curve.

// grid2D is one §7.1 plot_features_in_2d call.
type grid2D struct {
	id, title string
	nInst     int
	nPoints   func(i int) int
	point     func(i, j int) (x, y float64)
	color     func(i, j int) string // line and marker colour
	colorVal  func(i, j int) float64
	colorName string // with colorVal: a colour bar with this title
	subtitle  func(i int) string
	hoverName string // "feature" or "sample"
	limit     float64
}

// cellsPerRow is the most cells a grid row holds.
const cellsPerRow = 8

// gridMinBox is the smallest cell (px) a grid of the toy model's instances wraps to keep.
const gridMinBox = 110

// gridDims returns the rows and columns of a grid of n cells whose row of cells fits width
// (see wrapCells; every n_rows works, the last row may be short).
func gridDims(n int, width, gap float64) (rows, cols int) {
	return wrapCells(n, cellsPerRow, width, gap, gridMinBox)
}

// gridDraw collects the traces of a grid2D: per colour one lines trace (origin to point), and
// one markers trace.
type gridDraw struct {
	byColor    map[string]*lineSeg
	order      []string
	mx, my     nums
	mval       nums
	mcol       []string
	ids        []int
	hover      *gridHoverSpec
	seen       map[drawnPoint]bool
	hasColVals bool
}

type lineSeg struct{ x, y nums }

// drawnPoint identifies a drawn point of a cell (its rounded position and colour).
type drawnPoint struct {
	x, y   float64
	col    string
	hidden bool
}

func (p *grid2D) figure() *figure {
	mr := 10.0
	if p.colorVal != nil {
		mr = 100 // the colour bar, its ticks and its title (written sideways)
	}
	const padL, padR, gap = 28, 8, 22
	avail := maxFigureWidth - 10 - mr - padL - padR
	rows, cols := gridDims(p.nInst, avail, gap)
	box := fitBox(avail, cols, gap, 100, 250)
	g := newCellGrid(rows, cols, box, gap, 34, padL, padR, 22, 18)
	n := p.nInst
	g.has = func(r, c int) bool { return r*cols+c < n }
	w, h := g.size(10, mr, 50, 8)
	xa, ya := g.axes()
	var ticks []float64
	var tickText []string
	for v := -math.Floor(p.limit); v <= math.Floor(p.limit); v++ {
		ticks = append(ticks, v/p.limit)
		tickText = append(tickText, strconv.Itoa(int(v)))
	}
	rowTicks, rowText := make([][]float64, rows), make([][]string, rows)
	for r := range rowTicks {
		rowTicks[r], rowText[r] = ticks, tickText
	}
	labels := &gridText{}
	g.tickLabels(labels, rowTicks, rowText, false)
	d := &gridDraw{byColor: map[string]*lineSeg{}, hover: &gridHoverSpec{}, hasColVals: p.colorVal != nil}
	titleSize := 11.0
	if box < 140 { // "inst 12 · 1 − S = 0.025" must fit the cell and its gap
		titleSize = 10
	}
	for i := 0; i < p.nInst; i++ {
		r, c := i/cols, i%cols
		g.cellTitle(labels, r, c, p.subtitle(i), titleSize)
		p.drawCell(d, g, i, r, c)
	}
	data := p.traces(d)
	data = append(data, labels.trace())
	layout := obj{
		"title": obj{"text": p.title, "x": 0.01, "xanchor": "left"},
		"width": w, "height": h,
		"margin": obj{"l": 10, "r": mr, "t": 50, "b": 8},
		"xaxis":  xa, "yaxis": ya,
		"shapes":     []obj{g.gridLines(rowTicks), g.frameShape(rowTicks)},
		"showlegend": false, "hovermode": "closest",
		"plot_bgcolor": "white", "paper_bgcolor": "white",
	}
	return &figure{ID: p.id, Kind: "plot", Data: data, Layout: layout, Config: plotConfig(), Grid: d.hover}
}

// drawCell adds instance i's points, in cell (r, c), to d.
func (p *grid2D) drawCell(d *gridDraw, g *cellGrid, i, r, c int) {
	clear(d.seen)
	cx, cy := g.center(r, c)
	d.hover.Cells = append(d.hover.Cells, gridCell{CX: cx, CY: cy, M: p.limit, Name: fmt.Sprintf("%s %%d, inst %d", p.hoverName, i)})
	n := p.nPoints(i)
	for j := 0; j < n; j++ {
		x, y := p.point(i, j)
		ux, uy, hidden := clipToCell(x, y, p.limit)
		if math.IsNaN(ux) || math.IsNaN(uy) {
			continue
		}
		col := p.color(i, j)
		s := d.byColor[col]
		if s == nil {
			s = &lineSeg{}
			d.byColor[col] = s
			d.order = append(d.order, col)
		}
		X, Y := roundTo(cx+ux, 5), roundTo(cy+uy, 5)
		// A point that repeats an earlier one of its cell (position and colour; e.g. the
		// hidden states of all-zero samples) would be drawn on top of it, identical.
		if d.seen == nil {
			d.seen = map[drawnPoint]bool{}
		}
		if k := (drawnPoint{X, Y, col, hidden}); d.seen[k] {
			continue
		} else {
			d.seen[k] = true
		}
		s.x = append(s.x, cx, X, math.NaN())
		s.y = append(s.y, cy, Y, math.NaN())
		if hidden {
			continue
		}
		if p.colorVal != nil {
			d.mval = append(d.mval, roundTo(p.colorVal(i, j), 4))
		}
		d.mx, d.my, d.mcol, d.ids = append(d.mx, X), append(d.my, Y), append(d.mcol, col), append(d.ids, i*65536+j)
	}
}

// traces are the grid's lines (one trace per colour) and markers, with the colour bar if the
// points are coloured by value.
func (p *grid2D) traces(d *gridDraw) []obj {
	// Line width and marker size: 1.5 and 6 if F < 25, else 1 and 4 (§7.1);
	// the largest instance decides.
	maxN := 0
	for i := 0; i < p.nInst; i++ {
		maxN = max(maxN, p.nPoints(i))
	}
	lw, ms := 1.5, 6.0
	if maxN >= 25 {
		lw, ms = 1, 4
	}
	var data []obj
	for _, col := range d.order {
		s := d.byColor[col]
		data = append(data, obj{"type": "scatter", "mode": "lines", "x": s.x, "y": s.y,
			"hoverinfo": "skip", "line": obj{"color": col, "width": lw}})
	}
	marker := obj{"size": ms, "color": d.mcol}
	if p.colorVal != nil {
		marker = obj{"size": ms, "color": d.mval, "cmin": 0, "cmax": 1, "colorscale": plotlyColorscaleViridis(),
			"showscale": true, "colorbar": colorBar(p.colorName, 0.6)}
	}
	d.hover.Trace = len(data)
	return append(data, obj{"type": "scatter", "mode": "markers", "x": d.mx, "y": d.my, "marker": marker,
		"customdata": d.ids, "hoverinfo": "none"})
}

// colorBar is a colour bar right of the plot area, frac of its height, with its title written
// sideways along it (a title above a narrow bar is cut at the figure's edge).
func colorBar(title string, frac float64) obj {
	return obj{"title": obj{"text": title, "side": "right", "font": obj{"size": 12}}, "len": frac,
		"thickness": 12, "x": 1, "xanchor": "left", "xpad": 12, "ticks": "outside", "ticklen": 3,
		"tickfont": obj{"size": 10}, "outlinewidth": 0}
}

// featProbTitle is instance i's subplot title: the instance and its feature probability
// 1 − S (its range when the features differ).
func (m *ToyModel) featProbTitle(i int) string {
	if len(m.FeatureProbability) == 0 {
		return fmt.Sprintf("inst %d", i)
	}
	p := m.FeatureProbability[i*m.NFeatures : (i+1)*m.NFeatures]
	lo, hi := slices.Min(p), slices.Max(p)
	if lo == hi || math.IsNaN(lo) || math.IsNaN(hi) {
		return fmt.Sprintf("inst %d · 1 − S = %.3g", i, p[0])
	}
	return fmt.Sprintf("inst %d · 1 − S = %.3g…%.3g", i, lo, hi)
}

// featuresFigure is §7.1's importance-coloured intro figure: W[i] as F points.
func featuresFigure(m *ToyModel) *figure {
	I, H, F := m.NInst, m.DHidden, m.NFeatures
	p := &grid2D{
		id: "toy-features", nInst: I, limit: 1.5, hoverName: "feature",
		title:    "Toy model: features in the hidden space (columns of W), coloured by importance",
		nPoints:  func(int) int { return F },
		point:    func(i, j int) (float64, float64) { return m.W[i*H*F+j], m.W[i*H*F+F+j] },
		subtitle: m.featProbTitle,
		color:    func(int, int) string { return "black" },
	}
	if len(m.Importance) != 0 {
		p.color = func(i, j int) string { return viridis(m.Importance[i*F+j]) }
		p.colorVal = func(i, j int) float64 { return m.Importance[i*F+j] }
		p.colorName = "importance"
	}
	return p.figure()
}

// hiddenFigure is §7.1's hidden-state use: h = W x, "b i d -> i d b".
func hiddenFigure(m *ToyModel) *figure {
	I, H, N := m.NInst, m.DHidden, m.NHidden
	return (&grid2D{
		id: "toy-hidden", nInst: I, limit: 1.5, hoverName: "sample",
		title:    fmt.Sprintf("Toy model: hidden states h of %d samples per instance, the SAEs' inputs (samples with no feature sit at the origin)", N),
		nPoints:  func(int) int { return N },
		point:    func(i, b int) (float64, float64) { o := (b*I + i) * H; return m.Hidden[o], m.Hidden[o+1] },
		subtitle: m.featProbTitle,
		color:    func(int, int) string { return "black" },
	}).figure()
}

// gramFigure shows WᵀW (F×F) per instance, for d_hidden ≠ 2, with §7.4's
// colour ramp (coolwarm blue at −1, light grey at 0, red at +1), each matrix
// an image (a PNG the page carries as a data URI; the page's plotly bundle
// has no heatmap trace) with a colour bar, and, up to gramHoverMax features,
// invisible markers on the cells for the hover values.
func gramFigure(m *ToyModel) *figure {
	I, H, F := m.NInst, m.DHidden, m.NFeatures
	const gap, ml, mr = 28, 40, 110
	rows, cols := gridDims(I, maxFigureWidth-ml-mr, gap)
	box := fitBox(maxFigureWidth-ml-mr, cols, gap, 110, 250)
	g := newGrid(rows, cols, box, gap, 48, ml, mr, 90, 40)
	layout := obj{
		"title": obj{"text": fmt.Sprintf("Toy model: WᵀW per instance (d_hidden = %d)", H), "x": 0.02, "xanchor": "left"},
		"width": g.width, "height": g.height,
		"margin":    obj{"l": g.ml, "r": g.mr, "t": g.mt, "b": g.mb},
		"hovermode": "closest", "showlegend": false,
	}
	var data []obj
	var notes, images []obj
	for i := 0; i < I; i++ {
		r, c := i/cols, i%cols
		xk, xref := axisName("x", i+1)
		yk, yref := axisName("y", i+1)
		lim := []float64{-0.5, float64(F) - 0.5}
		layout[xk] = obj{"domain": g.xDomains[c], "anchor": yref, "showticklabels": false, "ticks": "", "range": lim,
			"showgrid": false, "zeroline": false, "fixedrange": true}
		layout[yk] = obj{"domain": g.yDomains[r], "anchor": xref, "showticklabels": false, "ticks": "",
			"range": []float64{lim[1], lim[0]}, "showgrid": false, "zeroline": false, "fixedrange": true}
		z := make([]float64, F*F)
		for a := 0; a < F; a++ {
			for b := 0; b < F; b++ {
				s := 0.0
				for h := 0; h < H; h++ {
					s += m.W[(i*H+h)*F+a] * m.W[(i*H+h)*F+b]
				}
				z[a*F+b] = roundTo(s, 3)
			}
		}
		images = append(images, obj{
			"source": gramPNG(z, F), "xref": xref, "yref": yref, "x": -0.5, "y": -0.5,
			"sizex": F, "sizey": F, "sizing": "stretch", "xanchor": "left", "yanchor": "top", "layer": "below",
		})
		if F <= gramHoverMax {
			var x, y, v nums
			for a := 0; a < F; a++ {
				for b := 0; b < F; b++ {
					x, y, v = append(x, float64(b)), append(y, float64(a)), append(v, z[a*F+b])
				}
			}
			data = append(data, obj{
				"type": "scatter", "mode": "markers", "x": x, "y": y, "customdata": v, "xaxis": xref, "yaxis": yref,
				"marker":        obj{"opacity": 0, "size": math.Max(4, box/float64(F)), "symbol": "square"},
				"hovertemplate": "In %{x}<br>Out %{y}<br>Weight %{customdata:.2f}<extra>inst " + fmt.Sprint(i) + "</extra>",
			})
		}
		notes = append(notes, g.subplotTitle(r, c, m.featProbTitle(i), 12))
	}
	// The colour bar: an invisible marker on the first cell carries the scale.
	data = append(data, obj{
		"type": "scatter", "mode": "markers", "x": []float64{0}, "y": []float64{0}, "xaxis": "x", "yaxis": "y",
		"hoverinfo": "skip", "marker": obj{"opacity": 0, "color": []float64{0}, "cmin": -1, "cmax": 1,
			"colorscale": gramColorscale, "showscale": true, "colorbar": colorBar("WᵀW", 0.6)},
	})
	layout["annotations"] = notes
	layout["images"] = images
	return &figure{ID: "toy-gram", Kind: "plot", Data: data, Layout: layout, Config: plotConfig()}
}

// gramHoverMax is the largest n_features whose WᵀW cells get hover markers.
const gramHoverMax = 30

// gramColorscale is §7.4's ramp; gramColor evaluates it.
var gramColorscale = [][2]any{{0, "rgb(59,76,192)"}, {0.5, "rgb(239,239,239)"}, {1, "rgb(180,4,38)"}}

func gramColor(v float64) color.RGBA {
	lo, mid, hi := [3]float64{59, 76, 192}, [3]float64{239, 239, 239}, [3]float64{180, 4, 38}
	if math.IsNaN(v) {
		return color.RGBA{0, 0, 0, 0}
	}
	t := math.Max(-1, math.Min(1, v))
	a, b, f := lo, mid, t+1
	if t > 0 {
		a, b, f = mid, hi, t
	}
	c := func(k int) uint8 { return uint8(math.Round(a[k] + f*(b[k]-a[k]))) }
	return color.RGBA{c(0), c(1), c(2), 255}
}

// gramPNG is z [F][F] as an F×F PNG data URI, row a at the top.
func gramPNG(z []float64, F int) string {
	img := image.NewRGBA(image.Rect(0, 0, F, F))
	for a := 0; a < F; a++ {
		for b := 0; b < F; b++ {
			img.SetRGBA(b, a, gramColor(z[a*F+b]))
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())
}

// lossFigure is the toy model's training-loss curve (loss per instance).
func lossFigure(m *ToyModel) *figure {
	x, y := make(nums, len(m.LossCurve)), make(nums, len(m.LossCurve))
	for k, p := range m.LossCurve {
		x[k], y[k] = p.X, roundTo(p.Y, 8)
	}
	return &figure{
		ID: "toy-loss", Kind: "plot",
		Data: []obj{{"type": "scatter", "mode": "lines", "x": x, "y": y, "name": "loss / instance", "line": obj{"color": "black", "width": 1.5}}},
		Layout: obj{
			"title": obj{"text": fmt.Sprintf("Toy model training loss (final %.4g)", m.FinalLoss), "x": 0.02, "xanchor": "left"},
			"width": 900, "height": 360,
			"xaxis":  obj{"title": obj{"text": "Training step"}},
			"yaxis":  obj{"title": obj{"text": "Loss per instance"}, "type": "log"},
			"margin": obj{"l": 70, "r": 30, "t": 60, "b": 50},
		},
		Config: plotConfig(),
	}
}

// modelFigures returns the toy model's figures and any notes.
func modelFigures(m *ToyModel) (figs []*figure, notes []string) {
	if m.DHidden == 2 {
		figs = append(figs, featuresFigure(m))
		if m.NHidden > 0 {
			figs = append(figs, hiddenFigure(m))
		} else {
			notes = append(notes, "No hidden-state sample was given, so the hidden-state scatter is skipped.")
		}
	} else {
		figs = append(figs, gramFigure(m))
		notes = append(notes, fmt.Sprintf("d_hidden = %d ≠ 2: the features cannot be drawn in 2-D, so WᵀW is shown instead; the hidden-state scatter is skipped.", m.DHidden))
	}
	if len(m.LossCurve) > 0 {
		figs = append(figs, lossFigure(m))
	}
	return figs, notes
}
