package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// cellGrid lays a grid of square cells (the §7.1 and §7.2 subplots) into ONE
// plotly axis pair: cell (r, c) spans [−1, 1]² around its own centre, and a
// value v of a cell with axis limit M sits at centre + v/M. Frames, ticks,
// tick labels and titles are drawn as one path shape and a few annotations.
// Plotly draws one subplot with a handful of traces far faster than dozens of
// subplots (the seed demo's animation has 64 cells), and it animates it
// without a full redraw.
//
// Geometry is in pixels; data units are 2/box per pixel in both directions,
// so the aspect ratio is equal. The plot area holds the paddings (room for
// tick labels and titles); y grows upwards, so pixel row py is y = −py·u.
type cellGrid struct {
	nRows, nCols                                int
	box, gapX, gapY, padL, padR, padT, padB, tl float64 // pixels; tl is the tick length
	u                                           float64 // data units per pixel
	// Rows come in groups of groupRows (0: one group), groupGap pixels apart on top of gapY:
	// an animation's instances wrap into blocks of rows, each block headed by its titles.
	groupRows int
	groupGap  float64
	// has says whether cell (r, c) exists (nil: every cell does); a grid whose last row or
	// block is not full leaves the rest out.
	has func(r, c int) bool
}

// maxFigureWidth is the width (px) that figures stay within, so that they fit a 1280 px wide
// window without horizontal scrolling (the page's margins and a scroll bar included).
const maxFigureWidth = 1200

// fitBox returns the cell size that fits n cells with gaps into width,
// clamped to [lo, hi].
func fitBox(width float64, n int, gap, lo, hi float64) float64 {
	b := (width - float64(n-1)*gap) / float64(n)
	return math.Floor(math.Max(lo, math.Min(hi, b)))
}

// wrapCells arranges n cells in rows that fit width: as few rows as keep every cell at least
// minBox wide (with gap pixels between cells), at most maxCols cells per row, and the cells
// spread evenly over the rows. It returns the rows and the cells per row.
func wrapCells(n, maxCols int, width, gap, minBox float64) (rows, cols int) {
	n = max(n, 1)
	for rows = (n + maxCols - 1) / maxCols; ; rows++ {
		cols = (n + rows - 1) / rows
		if cols == 1 || (width-float64(cols-1)*gap)/float64(cols) >= minBox {
			return rows, cols
		}
	}
}

func newCellGrid(nRows, nCols int, box, gapX, gapY, padL, padR, padT, padB float64) *cellGrid {
	return &cellGrid{nRows: nRows, nCols: nCols, box: box, gapX: gapX, gapY: gapY,
		padL: padL, padR: padR, padT: padT, padB: padB, tl: 3, u: 2 / box}
}

// exists reports whether cell (r, c) is drawn.
func (g *cellGrid) exists(r, c int) bool { return g.has == nil || g.has(r, c) }

// groupsBefore is how many group gaps lie above row r.
func (g *cellGrid) groupsBefore(r int) int {
	if g.groupRows <= 0 {
		return 0
	}
	return r / g.groupRows
}

// wPx and hPx are the plot area's size in pixels.
func (g *cellGrid) wPx() float64 {
	return g.padL + float64(g.nCols)*g.box + float64(g.nCols-1)*g.gapX + g.padR
}
func (g *cellGrid) hPx() float64 {
	return g.padT + float64(g.nRows)*g.box + float64(g.nRows-1)*g.gapY + float64(g.groupsBefore(g.nRows-1))*g.groupGap + g.padB
}

// center is cell (r, c)'s centre in data units.
func (g *cellGrid) center(r, c int) (x, y float64) {
	px := g.padL + float64(c)*(g.box+g.gapX) + g.box/2
	py := g.padT + float64(r)*(g.box+g.gapY) + float64(g.groupsBefore(r))*g.groupGap + g.box/2
	return roundTo(px*g.u, 6), roundTo(-py*g.u, 6)
}

// axes returns the fixed, invisible x and y axes of the grid.
func (g *cellGrid) axes() (x, y obj) {
	ax := func(lo, hi float64) obj {
		return obj{"range": []float64{roundTo(lo, 6), roundTo(hi, 6)}, "visible": false, "fixedrange": true,
			"showgrid": false, "zeroline": false, "domain": []float64{0, 1}}
	}
	return ax(0, g.wPx()*g.u), ax(-g.hPx()*g.u, 0)
}

// size returns the layout's width and height for the given margins.
func (g *cellGrid) size(ml, mr, mt, mb float64) (w, h float64) {
	return math.Ceil(ml + g.wPx() + mr), math.Ceil(mt + g.hPx() + mb)
}

func fmtCoord(v float64) string { return strconv.FormatFloat(roundTo(v, 4), 'f', -1, 64) }

// frameShape is one path shape with every cell's frame (all four sides) and,
// on its bottom and left sides, outside tick marks at rowTicks[r] (in cell
// units, −1…1).
func (g *cellGrid) frameShape(rowTicks [][]float64) obj {
	var b strings.Builder
	t := g.tl * g.u
	for r := 0; r < g.nRows; r++ {
		for c := 0; c < g.nCols; c++ {
			if !g.exists(r, c) {
				continue
			}
			cx, cy := g.center(r, c)
			x0, x1, y0, y1 := cx-1, cx+1, cy-1, cy+1
			fmt.Fprintf(&b, "M%s,%sH%sV%sH%sZ", fmtCoord(x0), fmtCoord(y0), fmtCoord(x1), fmtCoord(y1), fmtCoord(x0))
			for _, v := range rowTicks[r] {
				fmt.Fprintf(&b, "M%s,%sV%s", fmtCoord(cx+v), fmtCoord(y0), fmtCoord(y0-t))
				fmt.Fprintf(&b, "M%s,%sH%s", fmtCoord(x0), fmtCoord(cy+v), fmtCoord(x0-t))
			}
		}
	}
	return obj{"type": "path", "path": b.String(), "xref": "x", "yref": "y",
		"line": obj{"color": "#444", "width": 1}, "layer": "below"}
}

// gridLines is one path shape of light grid lines at rowTicks (inside cells).
func (g *cellGrid) gridLines(rowTicks [][]float64) obj {
	var b strings.Builder
	for r := 0; r < g.nRows; r++ {
		for c := 0; c < g.nCols; c++ {
			if !g.exists(r, c) {
				continue
			}
			cx, cy := g.center(r, c)
			for _, v := range rowTicks[r] {
				if math.Abs(v) >= 1 {
					continue
				}
				fmt.Fprintf(&b, "M%s,%sV%s", fmtCoord(cx+v), fmtCoord(cy-1), fmtCoord(cy+1))
				fmt.Fprintf(&b, "M%s,%sH%s", fmtCoord(cx-1), fmtCoord(cy+v), fmtCoord(cx+1))
			}
		}
	}
	return obj{"type": "path", "path": b.String(), "xref": "x", "yref": "y",
		"line": obj{"color": "#ececec", "width": 1}, "layer": "below"}
}

// gridText collects a grid's static text (cell titles, tick labels) into
// one scatter trace in "text" mode, which plotly draws far faster than as
// many annotations.
type gridText struct {
	x, y      nums
	text, pos []string
	size      []float64
}

func (l *gridText) add(x, y float64, text, pos string, size float64) {
	l.x, l.y = append(l.x, roundTo(x, 5)), append(l.y, roundTo(y, 5))
	l.text, l.pos, l.size = append(l.text, text), append(l.pos, pos), append(l.size, size)
}

func (l *gridText) trace() obj {
	return obj{"type": "scatter", "mode": "text", "x": l.x, "y": l.y, "text": l.text,
		"textposition": l.pos, "textfont": obj{"size": l.size, "color": "#333"},
		"hoverinfo": "skip", "showlegend": false, "cliponaxis": false}
}

// tickLabels labels the ticks below the lowest cell of each column (or below every cell) and
// left of the cells of the first column (or of every column); an empty label is left out.
func (g *cellGrid) tickLabels(l *gridText, rowTicks [][]float64, rowText [][]string, every bool) {
	for r := 0; r < g.nRows; r++ {
		for c := 0; c < g.nCols; c++ {
			if !g.exists(r, c) {
				continue
			}
			below := every || r == g.nRows-1 || !g.exists(r+1, c)
			cx, cy := g.center(r, c)
			for k, v := range rowTicks[r] {
				if rowText[r][k] == "" {
					continue
				}
				if below {
					l.add(cx+v, cy-1-g.tl*g.u, rowText[r][k], "bottom center", 9)
				}
				if every || c == 0 {
					l.add(cx-1-g.tl*g.u, cy+v, rowText[r][k], "middle left", 9)
				}
			}
		}
	}
}

// cellTitle puts text centred above cell (r, c).
func (g *cellGrid) cellTitle(l *gridText, r, c int, text string, size float64) {
	cx, cy := g.center(r, c)
	l.add(cx, cy+1, text, "top center", size)
}

// rowLabel is a vertical annotation left of row r, dx pixels left of the cells.
func (g *cellGrid) rowLabel(r int, text string, dx float64) obj {
	cx, cy := g.center(r, 0)
	return obj{"text": text, "x": roundTo(cx-1-dx*g.u, 5), "y": cy, "xref": "x", "yref": "y", "textangle": -90,
		"xanchor": "right", "yanchor": "middle", "showarrow": false, "font": obj{"size": 11}}
}

// clipToCell maps a point (x, y) of a cell with limit m to cell units; when
// it lies outside the cell it is cut back to the border and hidden is true
// (its line is drawn up to the frame, as a subplot would clip it).
func clipToCell(x, y, m float64) (cx, cy float64, hidden bool) {
	cx, cy = x/m, y/m
	if a := math.Max(math.Abs(cx), math.Abs(cy)); a > 1 {
		return cx / a, cy / a, true
	}
	return cx, cy, false
}
