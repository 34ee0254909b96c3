package report

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
)

// Figure 5: the Figure-15 shrinkage scatter (spec §7.6 part 2): the
// reconstructed activation against the true one per SAE, opacity 0.25, a
// dashed grey y = x over [0, 1.1] and a y-marginal histogram per series of
// the nonzero activations (as horizontal bars over shrinkBins equal bins of
// [0, the y range]: the page's plotly bundle has no histogram trace).

const shrinkBins = 60

var seriesColors = []string{"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"}

func shrinkageFigure(s *Shrinkage) (*figure, []string) {
	title := s.Title
	if title == "" {
		names := make([]string, len(s.Series))
		for k, se := range s.Series {
			names[k] = se.Name
		}
		title = "Act vs Reconstructed Act for " + strings.Join(names, " & ")
	}
	var data []obj
	ymax := 1.1
	for k, se := range s.Series {
		data = append(data, shrinkScatter(se, seriesColors[k%len(seriesColors)]))
		for _, y := range se.Y {
			if !math.IsNaN(y) && !math.IsInf(y, 0) {
				ymax = math.Max(ymax, y*1.05)
			}
		}
	}
	// The marginal histograms, binned once the y range is known.
	ytop := roundTo(ymax, 3)
	var left []string
	for k, se := range s.Series {
		bars, zeros := shrinkHistogram(se, seriesColors[k%len(seriesColors)], ytop)
		data = append(data, bars)
		if zeros > 0 {
			left = append(left, fmt.Sprintf("%s %d of %d", se.Name, zeros, len(se.Y)))
		}
	}
	var notes []string
	if len(left) > 0 {
		notes = append(notes, "The histogram leaves out the samples where the latent does not fire (reconstructed act 0): "+strings.Join(left, "; ")+".")
	}
	titleSize := 17.0 // plotly's default
	if n := utf8.RuneCountInString(title); n > 70 {
		titleSize = math.Max(11, 17*70/float64(n)) // a long one would run into the mode bar
	}
	data = append(data, obj{
		"type": "scatter", "mode": "lines", "x": []float64{0, 1.1}, "y": []float64{0, 1.1},
		"name": "y = x", "line": obj{"color": "grey", "dash": "dash", "width": 1.5}, "hoverinfo": "skip",
	})
	layout := obj{
		"title": obj{"text": title, "x": 0.02, "xanchor": "left", "font": obj{"size": roundTo(titleSize, 1)}},
		"width": 1000, "height": 560,
		"xaxis":   obj{"title": obj{"text": "Act (true feature value)"}, "range": []float64{0, 1.1}, "domain": []float64{0, 0.72}},
		"yaxis":   obj{"title": obj{"text": "Reconstructed act"}, "range": []float64{0, ytop}},
		"xaxis2":  obj{"domain": []float64{0.76, 1}, "anchor": "y", "title": obj{"text": "Samples (latent fires)"}, "rangemode": "tozero", "showgrid": true, "zeroline": true},
		"barmode": "overlay", "bargap": 0, "hovermode": "closest",
		"legend": obj{"x": 0.01, "y": 0.99, "xanchor": "left", "yanchor": "top", "bgcolor": "rgba(255,255,255,0.7)"},
		"margin": obj{"l": 70, "r": 20, "t": 60, "b": 50},
	}
	return &figure{ID: "shrinkage", Kind: "plot", Data: data, Layout: layout, Config: plotConfig()}, notes
}

// shrinkScatter is one series' points, each distinct (rounded) point once: the trace's
// opacity applies to the trace as a whole, so points drawn on top of an identical one change
// nothing (most samples sit at (0, 0)).
func shrinkScatter(se ShrinkSeries, col string) obj {
	var x, y nums
	seen := map[[2]float64]bool{}
	for n := range se.X {
		px, py := round4(se.X[n]), round4(se.Y[n])
		if k := [2]float64{px, py}; !seen[k] || px != px || py != py {
			seen[k] = true
			x, y = append(x, px), append(y, py)
		}
	}
	return obj{
		"type": "scatter", "mode": "markers", "x": x, "y": y, "name": se.Name,
		"legendgroup": se.Name, "opacity": 0.25,
		"marker":        obj{"color": col, "size": 5},
		"hovertemplate": "Act %{x:.4f}<br>Reconstructed act %{y:.4f}<extra>" + se.Name + "</extra>",
	}
}

// shrinkHistogram is one series' y-marginal: horizontal bars over shrinkBins equal bins of
// [0, ytop], counting the samples whose reconstructed act is > 0 (those at 0, where the latent
// does not fire, are most samples and would dwarf the rest); it also returns how many are 0.
func shrinkHistogram(se ShrinkSeries, col string, ytop float64) (bars obj, zeros int) {
	w := ytop / shrinkBins
	counts := make(nums, shrinkBins)
	for _, y := range se.Y {
		v := round4(y)
		switch {
		case v == 0:
			zeros++
		case math.IsNaN(v) || v < 0 || v > ytop:
		default:
			counts[min(shrinkBins-1, int(v/w))]++
		}
	}
	centres, labels := make(nums, shrinkBins), make([]string, shrinkBins)
	for b := range centres {
		centres[b] = roundTo((float64(b)+0.5)*w, 6)
		labels[b] = fmt.Sprintf("%.4g–%.4g", float64(b)*w, float64(b+1)*w)
	}
	return obj{
		"type": "bar", "orientation": "h", "y": centres, "x": counts, "width": roundTo(w, 6),
		"name": se.Name, "legendgroup": se.Name, "showlegend": false,
		"xaxis": "x2", "yaxis": "y", "opacity": 0.6, "marker": obj{"color": col},
		"customdata": labels, "hovertemplate": "%{customdata}: %{x}<extra>" + se.Name + "</extra>",
	}, zeros
}
