package report

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
)

// obj is a plotly JSON object (trace, layout, axis, ...). Maps marshal with
// sorted keys, so a page is deterministic.
type obj = map[string]any

// figure is one plotly plot on the page: a div plus its JSON spec.
type figure struct {
	ID     string
	Kind   string // "plot": Plotly.newPlot(data, layout, config); "anim": see animation.go
	Data   []obj  `json:"data,omitempty"`
	Layout obj    `json:"layout"`
	Config obj    `json:"config"`
	Anim   *animSpec
	Grid   *gridHoverSpec
	// SharedX, if set, is the x of every trace that has none (the page's script fills it in):
	// many traces over the same steps carry it once.
	SharedX nums
	// Picker, if set, is a row of buttons above the plot that show and hide groups of traces.
	Picker *pickerSpec
}

// Size is the figure's layout width and height in pixels (0 if not set): the page reserves
// the space before plotly draws, so nothing moves and the script knows what is on screen.
func (f *figure) Size() (w, h int) {
	num := func(v any) int {
		switch x := v.(type) {
		case int:
			return x
		case float64:
			return int(math.Ceil(x))
		}
		return 0
	}
	return num(f.Layout["width"]), num(f.Layout["height"])
}

// Style is the plot div's style attribute: its size, when known.
func (f *figure) Style() template.CSS {
	w, h := f.Size()
	if w <= 0 || h <= 0 {
		return ""
	}
	return template.CSS(fmt.Sprintf("width:%dpx;height:%dpx", w, h))
}

// gridHoverSpec lets the page's script label a cell grid's markers (see
// cellGrid): trace is the markers trace, whose customdata is cell·65536+index.
type gridHoverSpec struct {
	Trace int        `json:"trace"`
	Cells []gridCell `json:"cells"`
}

type gridCell struct {
	CX   float64 `json:"cx"`
	CY   float64 `json:"cy"`
	M    float64 `json:"m"`
	Name string  `json:"name"` // hover label; "%d" becomes the point's index
}

// figSpec is what the page's script reads for one figure.
type figSpec struct {
	Kind    string         `json:"kind"`
	Data    []obj          `json:"data,omitempty"`
	Layout  obj            `json:"layout"`
	Config  obj            `json:"config"`
	Anim    *animSpec      `json:"anim,omitempty"`
	Grid    *gridHoverSpec `json:"grid,omitempty"`
	SharedX nums           `json:"sharedX,omitempty"`
}

func plotConfig() obj {
	return obj{
		"displaylogo":            false,
		"responsive":             false,
		"modeBarButtonsToRemove": []string{"sendDataToCloud", "select2d", "lasso2d"}, // nothing uses a selection
	}
}

// nums is a float array for plotly: NaN and ±Inf become null.
type nums []float64

func (a nums) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 2+8*len(a))
	b = append(b, '[')
	for i, v := range a {
		if i > 0 {
			b = append(b, ',')
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			b = append(b, "null"...)
			continue
		}
		b = strconv.AppendFloat(b, v, 'g', -1, 64)
	}
	return append(b, ']'), nil
}

// round4 rounds to 4 decimals (the §7.2 precision), keeping NaN.
func round4(v float64) float64 { return roundTo(v, 4) }

func roundTo(v float64, dec int) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	p := math.Pow10(dec)
	r := math.Round(v*p) / p
	if r == 0 {
		return 0 // no "-0"
	}
	return r
}

// viridisStops is plotly's (= matplotlib's) Viridis colour scale.
var viridisStops = [...][3]float64{
	{0x44, 0x01, 0x54}, {0x48, 0x18, 0x6a}, {0x47, 0x2d, 0x7b}, {0x42, 0x40, 0x86},
	{0x3b, 0x52, 0x8b}, {0x33, 0x63, 0x8d}, {0x2c, 0x72, 0x8e}, {0x26, 0x82, 0x8e},
	{0x21, 0x91, 0x8c}, {0x1f, 0xa0, 0x88}, {0x28, 0xae, 0x80}, {0x3f, 0xbc, 0x73},
	{0x5e, 0xc9, 0x62}, {0x84, 0xd4, 0x4b}, {0xad, 0xdc, 0x30}, {0xd8, 0xe2, 0x19},
	{0xfd, 0xe7, 0x25},
}

// viridis maps v ∈ [0, 1] (clamped; NaN → 0) to an "rgb(r,g,b)" colour.
func viridis(v float64) string {
	if math.IsNaN(v) || v < 0 {
		v = 0
	}
	if v > 1 {
		v = 1
	}
	n := len(viridisStops) - 1
	pos := v * float64(n)
	k := int(pos)
	if k >= n {
		k = n - 1
	}
	f := pos - float64(k)
	a, b := viridisStops[k], viridisStops[k+1]
	c := func(j int) int { return int(math.Round(a[j] + f*(b[j]-a[j]))) }
	return fmt.Sprintf("rgb(%d,%d,%d)", c(0), c(1), c(2))
}

// plotlyColorscaleViridis is the colour scale matching viridis(), for colour bars.
func plotlyColorscaleViridis() [][2]any {
	n := len(viridisStops) - 1
	out := make([][2]any, 0, n+1)
	for k, s := range viridisStops {
		out = append(out, [2]any{float64(k) / float64(n), fmt.Sprintf("rgb(%d,%d,%d)", int(s[0]), int(s[1]), int(s[2]))})
	}
	return out
}

// axisName returns plotly's axis layout key and trace reference for subplot
// k (1-based): ("xaxis", "x") for 1, ("xaxis2", "x2") for 2, ...
func axisName(letter string, k int) (layoutKey, ref string) {
	if k == 1 {
		return letter + "axis", letter
	}
	s := strconv.Itoa(k)
	return letter + "axis" + s, letter + s
}

// gridGeom lays out nRows × nCols square cells of box pixels with gaps, and
// returns the page-pixel size plus each cell's paper-coordinate domains.
type gridGeom struct {
	nRows, nCols       int
	box, gapX, gapY    float64
	ml, mr, mt, mb     float64
	width, height      float64
	plotW, plotH       float64
	xDomains, yDomains [][2]float64 // per column, per row (row 0 at the top)
	cellTopPaper       []float64    // per row: paper y of the cell's top edge
	cellCenterXPaper   []float64    // per column
}

func newGrid(nRows, nCols int, box, gapX, gapY, ml, mr, mt, mb float64) *gridGeom {
	g := &gridGeom{nRows: nRows, nCols: nCols, box: box, gapX: gapX, gapY: gapY, ml: ml, mr: mr, mt: mt, mb: mb}
	g.plotW = float64(nCols)*box + float64(nCols-1)*gapX
	g.plotH = float64(nRows)*box + float64(nRows-1)*gapY
	g.width = ml + g.plotW + mr
	g.height = mt + g.plotH + mb
	for c := 0; c < nCols; c++ {
		x0 := float64(c) * (box + gapX)
		g.xDomains = append(g.xDomains, [2]float64{clamp01(x0 / g.plotW), clamp01((x0 + box) / g.plotW)})
		g.cellCenterXPaper = append(g.cellCenterXPaper, (x0+box/2)/g.plotW)
	}
	for r := 0; r < nRows; r++ {
		top := float64(r) * (box + gapY) // pixels from the top of the plot area
		y1 := 1 - top/g.plotH
		y0 := 1 - (top+box)/g.plotH
		g.yDomains = append(g.yDomains, [2]float64{clamp01(y0), clamp01(y1)})
		g.cellTopPaper = append(g.cellTopPaper, y1)
	}
	return g
}

func clamp01(v float64) float64 { return math.Max(0, math.Min(1, v)) }

// subplotTitle is an annotation centred above cell (row, col).
func (g *gridGeom) subplotTitle(row, col int, text string, size float64) obj {
	return obj{
		"text": text, "showarrow": false,
		"xref": "paper", "yref": "paper",
		"x": g.cellCenterXPaper[col], "y": g.cellTopPaper[row],
		"xanchor": "center", "yanchor": "bottom",
		"yshift": 2,
		"font":   obj{"size": size},
	}
}
