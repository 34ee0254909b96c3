package report

import (
	"fmt"
	"math"
	"slices"
)

// The animation figure (spec §7.2): its cells' places, titles and ticks, its frames under the
// byte budget, and its slider and Play/Pause buttons. animation.go holds the per-frame data.

const (
	animMinBox = 110 // px: the instances wrap into blocks rather than draw smaller cells
	animMaxBox = 220 // px: the largest cell (250 in the reference; smaller keeps a block on screen)
	animML     = 10  // left margin
	animPadL   = 50  // room for the row labels and the tick labels left of the cells
	animPadR   = 6
	animGap    = 10 // between cells
	animBlock  = 26 // extra gap between blocks of rows, for the instance titles
)

// animationFigure builds run's §7.2 animation, spending at most budget bytes on its packed
// data; nFeatures is the toy model's n_features for the "k/F recovered" titles (0: unknown).
// It returns nil and a note when the run cannot be animated.
func animationFigure(r *SAERun, id string, budget, nFeatures int) (*figure, []string, error) {
	if len(r.Frames) == 0 {
		return nil, []string{"No data-log record, so there is no animation."}, nil
	}
	if r.DIn != 2 {
		return nil, []string{fmt.Sprintf("d_in = %d ≠ 2: the SAE cannot be drawn in 2-D, so there is no animation.", r.DIn)}, nil
	}
	red, redKey, err := r.redLatents(id)
	if err != nil {
		return nil, nil, err
	}
	hid, err := r.hiddenData()
	if err != nil {
		return nil, nil, err
	}
	lay := r.animLayout(r.weightLimit(), hid.lim, nFeatures)

	// Frame data, then the subset under the budget.
	frames := make([]frameEnc, len(r.Frames))
	var scratch []int32
	for t := range r.Frames {
		frames[t], scratch = r.encodeFrame(t, lay.cells, red, hid, scratch)
	}
	sel, first, packed, selNote, err := packFrames(frames, r.mustFrames(red), budget)
	if err != nil {
		return nil, nil, err
	}
	spec := &animSpec{Scale: animScale, Cells: lay.cells, LineWidths: lay.lineWidths, First: first, Packed: packed, Labels: lay.labels.trace()}
	title := r.Name
	if title == "" {
		title = defaultAnimName
	}
	lastStep := r.Frames[len(r.Frames)-1].Step
	for _, t := range sel {
		spec.Titles = append(spec.Titles, fmt.Sprintf("%s, step %d / %d", title, r.Frames[t].Step, lastStep))
		spec.Names = append(spec.Names, fmt.Sprint(t))
	}
	layout := lay.layout
	layout["title"] = obj{"text": spec.Titles[0], "x": 0.02, "xanchor": "left", "y": 0.99, "yanchor": "top", "yref": "container"}
	layout["sliders"], layout["updatemenus"] = animControls(sel)

	var notes []string
	if selNote != "" {
		notes = append(notes, selNote)
	}
	if red != nil && r.hasWeightRow() {
		notes = append(notes, fmt.Sprintf("Latents drawn red were resampled recently: their %s column moved by more than %g within the last %d records (docs/resampling.md).", redKey, highlightThresh, highlightFrames))
	}
	if len(r.Table) > 0 {
		notes = append(notes, "Above each column: the instance and how many true features it recovered (Hungarian-matched rule, see docs/metrics.md).")
	}
	return &figure{ID: id, Kind: "anim", Layout: layout, Config: plotConfig(), Anim: spec}, notes, nil
}

// redLatents is §7.2's red highlighting of resampled latents (nil when it is off or the run
// has no encoder weights), and the weights it follows (W_enc, or W_gate for gated SAEs).
func (r *SAERun) redLatents(id string) ([][]bool, string, error) {
	key := "W_enc"
	if _, ok := r.Frames[0].Weights[key]; !ok {
		key = "W_gate"
	}
	if !r.highlight() {
		return nil, key, nil
	}
	if _, ok := r.Frames[0].Weights[key]; !ok {
		return nil, key, nil
	}
	I, D, S := r.NInst, r.DIn, r.DSAE
	series := make([][]float64, len(r.Frames))
	for t := range r.Frames {
		series[t] = r.Frames[t].Weights[key]
		if len(series[t]) != I*D*S {
			return nil, key, fmt.Errorf("report: %s.Frames[%d].Weights[%q]: expected %d values ([I=%d][D=%d][S=%d]), got %d (needed for highlighting)", id, t, key, I*D*S, I, D, S, len(series[t]))
		}
	}
	return highlightMask(series, I, D, S, highlightFrames, highlightThresh), key, nil
}

// hasWeightRow reports whether the animation has a weight row (one point per latent).
func (r *SAERun) hasWeightRow() bool {
	return slices.ContainsFunc(r.rows(), isWRow)
}

// mustFrames marks the records with a red latent among the animated instances: the frame
// selection keeps them first.
func (r *SAERun) mustFrames(red [][]bool) []bool {
	must := make([]bool, len(r.Frames))
	if red == nil || !r.hasWeightRow() {
		return must
	}
	S := r.DSAE
	for t := range red {
		for _, i := range r.instances() {
			if slices.Contains(red[t][i*S:(i+1)*S], true) {
				must[t] = true
			}
		}
	}
	return must
}

// weightLimit is the weight rows' axis limit M (§7.2) over every frame, animated instance and
// weight row.
func (r *SAERun) weightLimit() float64 {
	rows, insts := r.rows(), r.instances()
	D, S := r.DIn, r.DSAE
	var vals []float64
	for _, row := range rows {
		if isWRow(row) {
			vals = slices.Grow(vals, len(r.Frames)*len(insts)*S*D)
		}
	}
	for t := range r.Frames {
		f := &r.Frames[t]
		for _, row := range rows {
			for _, i := range insts {
				switch row {
				case "W_enc", "W_gate", "W_mag": // [I][D][S]: both coordinates of every latent
					w := f.Weights[row]
					for d := 0; d < 2; d++ {
						vals = append(vals, w[(i*D+d)*S:(i*D+d+1)*S]...)
					}
				case "_W_dec": // [I][S][D]
					vals = append(vals, f.Weights[row][i*S*D:(i+1)*S*D]...)
				}
			}
		}
	}
	return quantileLimit(vals)
}

// animLayoutParts are an animation's static parts: the cells (in frame-data order: row by row,
// each row's instances in order), the line widths, the static text and the layout.
type animLayoutParts struct {
	cells      []animCell
	lineWidths []float64
	labels     *gridText
	layout     obj
}

// animGrid places an animation of nRows rows of nInst instances: a column per instance, a grid
// row per animation row; when the cells would be smaller than animMinBox, the instances wrap
// into blocks of columns, each block a copy of the rows under the one before.
func animGrid(nRows, nInst int) (g *cellGrid, cols int) {
	avail := float64(maxFigureWidth - animML - animPadL - animPadR - 10)
	blocks, cols := wrapCells(nInst, nInst, avail, animGap, animMinBox)
	box := fitBox(avail, cols, animGap, 72, animMaxBox)
	g = newCellGrid(blocks*nRows, cols, box, animGap, animGap, animPadL, animPadR, 22, 16)
	g.groupRows, g.groupGap = nRows, animBlock
	g.has = func(r, c int) bool { return (r/nRows)*cols+c < nInst }
	return g, cols
}

// animLayout lays out the run's animation with axis limits limW (weight rows) and limH
// (hidden-state rows).
func (r *SAERun) animLayout(limW, limH float64, nFeatures int) animLayoutParts {
	rows, insts := r.rows(), r.instances()
	nR := len(rows)
	g, cols := animGrid(nR, len(insts))
	sc := g.box / 250 // the reference's sizes are for 250 px cells
	titleSize := 11.0
	if g.box < 150 {
		titleSize = 10
	}
	p := animLayoutParts{labels: &gridText{}, cells: make([]animCell, 0, nR*len(insts))}
	rowTicks, rowText := make([][]float64, g.nRows), make([][]string, g.nRows)
	var rowLabels []obj // vertical text needs annotations
	for ri, row := range rows {
		lim, cnt, what := limH, r.nSamples(), "sample"
		if isWRow(row) {
			lim, cnt, what = limW, r.DSAE, "latent"
		}
		// Marker radius / line width 5 / 2 if the row has < 25 points, else 3.5 / 1.5 (§7.2),
		// scaled with the cell.
		rad, lw := 5.0, 2.0
		if cnt >= 25 {
			rad, lw = 3.5, 1.5
		}
		lw = roundTo(math.Max(0.75, lw*sc), 2)
		lg := slices.Index(p.lineWidths, lw)
		if lg < 0 {
			lg = len(p.lineWidths)
			p.lineWidths = append(p.lineWidths, lw)
		}
		ticks, text := animTicks(lim, g.box)
		for k, inst := range insts {
			gr, gc := (k/cols)*nR+ri, k%cols
			rowTicks[gr], rowText[gr] = ticks, text
			if gc == 0 {
				rowLabels = append(rowLabels, g.rowLabel(gr, animRowLabel(row, g.box), 20))
			}
			if ri == 0 {
				g.cellTitle(p.labels, gr, gc, r.instanceTitle(inst, nFeatures), titleSize)
			}
			cx, cy := g.center(gr, gc)
			p.cells = append(p.cells, animCell{
				CX: cx, CY: cy, M: roundTo(lim, 6), W: isWRow(row), Inst: inst, RowKey: row, LG: lg,
				MS:   roundTo(math.Max(3, 2*rad*sc), 2),
				Name: fmt.Sprintf("%s %%d<br>%s, inst %d", what, row, inst),
			})
		}
	}
	g.tickLabels(p.labels, rowTicks, rowText, false)
	xa, ya := g.axes()
	mr := math.Max(10, 600-(animML+g.wPx())) // room for the slider under a narrow grid
	w, h := g.size(animML, mr, 50, 110)
	p.layout = obj{
		"width": w, "height": h,
		"margin": obj{"l": animML, "r": mr, "t": 50, "b": 110},
		"xaxis":  xa, "yaxis": ya,
		"shapes":      []obj{g.frameShape(rowTicks)},
		"annotations": rowLabels,
		"showlegend":  false, "hovermode": "closest", "dragmode": false,
		"plot_bgcolor": "white", "paper_bgcolor": "white",
	}
	return p
}

// animTicks are a row's ticks in cell units (the integers within ±lim) and their labels, every
// k-th labelled so that labels are at least 14 px apart in a box-pixel cell.
func animTicks(lim, box float64) (pos []float64, text []string) {
	ticks := integerTicks(lim)
	every := 1
	if len(ticks) > 1 {
		every = max(1, int(math.Ceil(14/(box/(2*lim)*float64(ticks[1]-ticks[0])))))
	}
	for k, v := range ticks {
		pos = append(pos, float64(v)/lim)
		if (k-len(ticks)/2)%every == 0 {
			text = append(text, fmt.Sprint(v))
		} else {
			text = append(text, "")
		}
	}
	return pos, text
}

// animRowLabel is row's label left of its cells: on one line when the cells are tall enough.
func animRowLabel(row string, box float64) string {
	if box >= 170 {
		return rowTitles[row]
	}
	return rowTitlesShort[row]
}

// instanceTitle is instance i's title above its animation column: "inst 3 · 5/5 recovered"
// (RecoveredFeatures of its table row, out of nFeatures when known), "inst 3" without a row.
func (r *SAERun) instanceTitle(i, nFeatures int) string {
	for _, row := range r.Table {
		if row.Index != i {
			continue
		}
		if nFeatures > 0 {
			return fmt.Sprintf("inst %d · %d/%d recovered", i, row.RecoveredFeatures, nFeatures)
		}
		return fmt.Sprintf("inst %d · %d recovered", i, row.RecoveredFeatures)
	}
	return fmt.Sprintf("inst %d", i)
}

// animControls are the animation's slider (one step per selected record) and its Play/Pause
// buttons (Play shows one frame per 1000/fps ms from the slider's position).
func animControls(sel []int) (sliders, menus []obj) {
	frameArgs := func(ms int) obj {
		return obj{"mode": "immediate", "frame": obj{"duration": ms, "redraw": false}, "transition": obj{"duration": 0}, "fromcurrent": true}
	}
	steps := make([]obj, 0, len(sel))
	for _, t := range sel {
		steps = append(steps, obj{
			"label": "", "method": "animate",
			"args": []any{[]string{fmt.Sprint(t)}, frameArgs(0)},
		})
	}
	sliders = []obj{{
		"active": 0, "steps": steps,
		"x": 0.12, "len": 0.88, "xanchor": "left", "y": 0, "yanchor": "top",
		"pad": obj{"t": 38, "b": 10},
		// The title shows the step; the steps have no labels (the labels of a few hundred
		// steps would overlap, and plotly measures each distinct one: slow).
		"currentvalue": obj{"visible": false},
		"transition":   obj{"duration": 0},
		"ticklen":      3, "minorticklen": 0,
		"font": obj{"size": 8, "color": "rgba(0,0,0,0)"},
	}}
	menus = []obj{{
		"type": "buttons", "direction": "left", "showactive": false,
		"x": 0, "xanchor": "left", "y": 0, "yanchor": "top", "pad": obj{"t": 55, "r": 10},
		"buttons": []obj{
			{"label": "Play", "method": "animate", "args": []any{nil, frameArgs(1000 / animFPS)}},
			{"label": "Pause", "method": "animate", "args": []any{[]any{nil}, frameArgs(0)}},
		},
	}}
	return sliders, menus
}
