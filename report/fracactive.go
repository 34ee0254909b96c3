package report

import (
	"fmt"
	"html/template"
	"math"
	"slices"
)

// Figure 3: frac_active_line_plot (spec §7.3) with the reference call's
// avg_window = 20, over the run's logged records.

const fracAvgWindow = 20

// rollingMean is the trailing mean over window w; the first w−1 entries are NaN.
func rollingMean(v []float64, w int) []float64 {
	out := make([]float64, len(v))
	s := 0.0
	for t := range v {
		s += v[t]
		if t >= w {
			s -= v[t-w]
		}
		if t < w-1 {
			out[t] = math.NaN()
		} else {
			out[t] = s / float64(w)
		}
	}
	return out
}

// fracShown is how many instances the frac_active plot shows at first: the best ones.
const fracShown = 4

// instanceColors colour the frac_active plot's instances (its latents share their instance's
// colour): plotly's ten colours, then their light variants.
var instanceColors = []string{"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
	"#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5"}

// pickerSpec is the row of instance buttons above a frac_active plot: each button shows or
// hides its instance's traces; the page's script restyles the plot.
type pickerSpec struct {
	Groups  []pickGroup
	Default string // the label of the button that restores the first selection
}

// pickGroup is one instance's button: its traces are First…First+Count−1.
type pickGroup struct {
	Inst, First, Count int
	Label              string
	On                 bool         // shown at first
	Style              template.CSS // the instance's colour
}

// fracSelection is the instances the frac_active plot shows at first: the best fracShown
// (SAERun.Best), or the first fracShown when the best are unknown; and the name of that set.
func (r *SAERun) fracSelection() (sel []int, name string) {
	if len(r.Best) > 0 {
		sel = r.Best[:min(fracShown, len(r.Best))]
		return sel, fmt.Sprintf("best %d", len(sel))
	}
	for i := 0; i < min(fracShown, r.NInst); i++ {
		sel = append(sel, i)
	}
	return sel, fmt.Sprintf("first %d", len(sel))
}

// colourOrder lists the instances in the order they take colours: the best first, then the
// others in index order.
func (r *SAERun) colourOrder() []int {
	order := slices.Clone(r.Best)
	for i := 0; i < r.NInst; i++ {
		if !slices.Contains(r.Best, i) {
			order = append(order, i)
		}
	}
	return order
}

// fracActiveFigure is §7.3's plot: per instance and latent the rolling mean of frac_active,
// and the feature probability as a black reference line. Every instance's traces are in the
// figure, but only the selected ones (fracSelection) are visible at first; the picker above
// the plot shows the others, and the legend lists one entry per visible instance.
func fracActiveFigure(r *SAERun, id string) (*figure, []string) {
	T := len(r.Frames)
	if T == 0 || len(r.Frames[0].FracActive) == 0 {
		return nil, []string{"No frac_active was logged, so there is no activity plot."}
	}
	I, S := r.NInst, r.DSAE
	w := fracAvgWindow
	var notes []string
	if T < w {
		w = T
		notes = append(notes, fmt.Sprintf("The run has only %d records, so the rolling mean uses a window of %d instead of %d.", T, w, fracAvgWindow))
	}
	x := make(nums, T)
	for t, f := range r.Frames {
		x[t] = float64(f.Step)
	}
	sel, setName := r.fracSelection()
	pick := &pickerSpec{Default: setName}
	// Colours by rank: the best instances get the first (most distinct) colours.
	rank := make([]int, I)
	for k, i := range r.colourOrder() {
		rank[i] = k
	}
	var data []obj
	for i := 0; i < I; i++ {
		on := slices.Contains(sel, i)
		label := fmt.Sprintf("inst %d", i)
		if slices.Contains(r.Best, i) {
			label += " ★"
		}
		col := instanceColors[rank[i]%len(instanceColors)]
		pick.Groups = append(pick.Groups, pickGroup{Inst: i, First: len(data), Count: S, Label: label, On: on,
			Style: template.CSS("--c:" + col)})
		for j := 0; j < S; j++ {
			data = append(data, r.fracTrace(i, j, w, label, col, on))
		}
	}
	p := r.FeatureProbability
	data = append(data, obj{
		"type": "scatter", "mode": "lines", "x": nums{x[0], x[T-1]}, "y": nums{p, p},
		"name": "feature probability", "line": obj{"color": "black", "width": 2},
		"hovertemplate": "feature probability %{y}<extra></extra>",
	})
	layout := fracLayout(r, x, w)
	star := ""
	if len(r.Best) > 0 {
		star = " (★ = among the best by loss)"
	}
	notes = append(notes, fmt.Sprintf("The plot shows the %s instances at first%s; the buttons above it show or hide each instance. Each line is one latent, coloured by its instance.", setName, star))
	return &figure{ID: id, Kind: "plot", Data: data, Layout: layout, Config: plotConfig(), SharedX: x, Picker: pick}, notes
}

// fracTrace is latent j of instance i: the rolling mean (window w) of its frac_active.
func (r *SAERun) fracTrace(i, j, w int, group, col string, visible bool) obj {
	S := r.DSAE
	series := make([]float64, len(r.Frames))
	for t, f := range r.Frames {
		series[t] = float64(f.FracActive[i*S+j])
	}
	m := rollingMean(series, w)
	y := make(nums, len(m))
	for t := range m {
		y[t] = roundTo(m[t], 5)
	}
	return obj{ // x: the figure's SharedX
		"type": "scatter", "mode": "lines", "y": y, "visible": visible,
		"name": group, "legendgroup": group, "showlegend": j == 0,
		"opacity": 0.8, "line": obj{"width": 1.2, "color": col},
		"hovertemplate": fmt.Sprintf("step %%{x}<br>%%{y:.4f}<extra>inst %d, latent %d</extra>", i, j),
	}
}

// fracLayout is the frac_active plot's layout: y up to 3× the feature probability, x from the
// first full rolling window, a compact legend right of the plot.
func fracLayout(r *SAERun, x nums, w int) obj {
	T := len(x)
	p := r.FeatureProbability
	yaxis := obj{"title": obj{"text": "Fraction of datapoints active"}}
	if p > 0 && !math.IsInf(p, 0) {
		yaxis["range"] = []float64{0, 3 * p}
	} else {
		yaxis["rangemode"] = "tozero"
	}
	xaxis := obj{"title": obj{"text": "Training step"}}
	if T > 1 {
		xaxis["range"] = []float64{x[w-1], x[T-1]}
	}
	title := fmt.Sprintf("%s: fraction of datapoints each latent is active on (rolling mean over %d records)", runTitle(r), w)
	return obj{
		"title": obj{"text": title, "x": 0.02, "xanchor": "left"},
		"width": 1000, "height": 460,
		"xaxis": xaxis, "yaxis": yaxis,
		"legend":    obj{"groupclick": "togglegroup", "font": obj{"size": 11}, "tracegroupgap": 2},
		"margin":    obj{"l": 70, "r": 20, "t": 50, "b": 50},
		"hovermode": "closest",
	}
}

func runTitle(r *SAERun) string {
	if r.Name != "" {
		return r.Name
	}
	return "SAE"
}
