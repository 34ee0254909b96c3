package report

import (
	"fmt"
	"math"
	"strings"
)

// Figure 5: the Figure-15 shrinkage scatter (spec §7.6 part 2): the
// reconstructed activation against the true one per SAE, opacity 0.25, a
// dashed grey y = x over [0, 1.1] and a y-marginal histogram per series (as
// horizontal bars over shrinkBins equal bins of [0, the y range]: the page's
// plotly bundle has no histogram trace).

const shrinkBins = 60

var seriesColors = []string{"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"}

func shrinkageFigure(s *Shrinkage) *figure {
	title := s.Title
	if title == "" {
		names := make([]string, len(s.Series))
		for k, se := range s.Series {
			names[k] = se.Name
		}
		title = "Act vs Reconstructed Act for " + strings.Join(names, " & ")
	}
	var data []obj
	var hists []nums
	ymax := 1.1
	for k, se := range s.Series {
		col := seriesColors[k%len(seriesColors)]
		// The scatter draws each distinct (rounded) point once: the trace's opacity applies to
		// the trace as a whole, so points drawn on top of an identical one change nothing (most
		// samples sit at (0, 0)). The histogram counts every sample.
		var x, y nums
		hy := make(nums, len(se.Y))
		seen := map[[2]float64]bool{}
		for n := range se.X {
			px, py := round4(se.X[n]), round4(se.Y[n])
			hy[n] = py
			if !math.IsNaN(se.Y[n]) && !math.IsInf(se.Y[n], 0) {
				ymax = math.Max(ymax, se.Y[n]*1.05)
			}
			if k := [2]float64{px, py}; !seen[k] || px != px || py != py {
				seen[k] = true
				x, y = append(x, px), append(y, py)
			}
		}
		data = append(data,
			obj{
				"type": "scatter", "mode": "markers", "x": x, "y": y, "name": se.Name,
				"legendgroup": se.Name, "opacity": 0.25,
				"marker":        obj{"color": col, "size": 5},
				"hovertemplate": "Act %{x:.4f}<br>Reconstructed act %{y:.4f}<extra>" + se.Name + "</extra>",
			},
			obj{})
		hists = append(hists, hy)
	}
	// The marginal histograms, binned once the y range is known.
	ytop := roundTo(ymax, 3)
	w := ytop / shrinkBins
	for k, se := range s.Series {
		col := seriesColors[k%len(seriesColors)]
		counts := make(nums, shrinkBins)
		for _, v := range hists[k] {
			if math.IsNaN(v) || v < 0 || v > ytop {
				continue
			}
			counts[min(shrinkBins-1, int(v/w))]++
		}
		centres, labels := make(nums, shrinkBins), make([]string, shrinkBins)
		for b := range centres {
			centres[b] = roundTo((float64(b)+0.5)*w, 6)
			labels[b] = fmt.Sprintf("%.4g–%.4g", float64(b)*w, float64(b+1)*w)
		}
		data[2*k+1] = obj{
			"type": "bar", "orientation": "h", "y": centres, "x": counts, "width": roundTo(w, 6),
			"name": se.Name, "legendgroup": se.Name, "showlegend": false,
			"xaxis": "x2", "yaxis": "y", "opacity": 0.6, "marker": obj{"color": col},
			"customdata": labels, "hovertemplate": "%{customdata}: %{x}<extra>" + se.Name + "</extra>",
		}
	}
	data = append(data, obj{
		"type": "scatter", "mode": "lines", "x": []float64{0, 1.1}, "y": []float64{0, 1.1},
		"name": "y = x", "line": obj{"color": "grey", "dash": "dash", "width": 1.5}, "hoverinfo": "skip",
	})
	layout := obj{
		"title": obj{"text": title, "x": 0.02, "xanchor": "left"},
		"width": 900, "height": 560,
		"xaxis":   obj{"title": obj{"text": "Act"}, "range": []float64{0, 1.1}, "domain": []float64{0, 0.8}},
		"yaxis":   obj{"title": obj{"text": "Reconstructed act"}, "range": []float64{0, ytop}},
		"xaxis2":  obj{"domain": []float64{0.82, 1}, "anchor": "y", "showticklabels": false, "showgrid": false},
		"barmode": "overlay", "bargap": 0, "hovermode": "closest",
		"legend": obj{"x": 0.02, "y": 0.98, "bgcolor": "rgba(255,255,255,0.6)"},
		"margin": obj{"l": 70, "r": 20, "t": 60, "b": 50},
	}
	return &figure{ID: "shrinkage", Kind: "plot", Data: data, Layout: layout, Config: plotConfig()}
}
