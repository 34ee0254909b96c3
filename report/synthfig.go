package report

import (
	"math"
	"strconv"

	"saelab/synth"
)

// rdBu is ColorBrewer's RdBu, red at −1 and blue at +1: what plotly.py makes of the name
// "RdBu" that the reference's heatmaps use (plotly.js's own "RdBu" is a different scale).
var rdBu = []string{"rgb(103,0,31)", "rgb(178,24,43)", "rgb(214,96,77)", "rgb(244,165,130)", "rgb(253,219,199)", "rgb(247,247,247)",
	"rgb(209,229,240)", "rgb(146,197,222)", "rgb(67,147,195)", "rgb(33,102,172)", "rgb(5,48,97)"}

func rdBuScale() [][2]any {
	out := make([][2]any, len(rdBu))
	for k, c := range rdBu {
		out[k] = [2]any{float64(k) / float64(len(rdBu)-1), c}
	}
	return out
}

// similarityFigure is plot_sae_feature_similarity (spec §10) on a window: "SAE encoder" and
// "SAE decoder" heatmaps side by side (the decoder alone without an encoder), rows the
// latents in the best ordering from the top, columns the true features, both as categories so
// that the indices are labels, not positions. The cells are drawn square (cell pixels).
func similarityFigure(s *synth.Similarity) *figure {
	rows, cols := len(s.Latents), len(s.Features)
	y, x := make([]string, rows), make([]string, cols)
	for r, j := range s.Latents {
		y[r] = strconv.Itoa(j)
	}
	for c, f := range s.Features {
		x[c] = strconv.Itoa(f)
	}
	type panel struct {
		title string
		z     []float64
	}
	panels := []panel{{"SAE decoder", s.Dec}}
	if s.Enc != nil {
		panels = []panel{{"SAE encoder", s.Enc}, {"SAE decoder", s.Dec}}
	}
	// Square cells, as the reference's heatmaps: a window matching few features is narrow.
	cell := math.Max(4, math.Min(24, 512/float64(max(rows, cols))))
	pw, ph := cell*float64(cols), cell*float64(rows)
	const ml, mr, mt, mb, gap = 70.0, 110.0, 80.0, 60.0, 100.0
	n := float64(len(panels))
	plotW := n*pw + (n-1)*gap
	layout := obj{"width": math.Ceil(ml + plotW + mr), "height": math.Ceil(mt + ph + mb), "showlegend": false, "hovermode": "closest",
		"margin": obj{"l": ml, "r": mr, "t": mt, "b": mb},
		"title":  obj{"text": "Cosine similarity with true features", "x": 0.02, "xanchor": "left"}}
	// One square marker per cell: plotly's basic bundle, which the page inlines, has no heatmap.
	cx, cy := make([]string, 0, rows*cols), make([]string, 0, rows*cols)
	for r := range rows {
		for c := range cols {
			cx, cy = append(cx, x[c]), append(cy, y[r])
		}
	}
	var data, ann []obj
	for k, p := range panels {
		xk, xref := axisName("x", k+1)
		yk, yref := axisName("y", k+1)
		x0 := float64(k) * (pw + gap) / plotW
		dom := []float64{x0, x0 + pw/plotW}
		layout[xk] = obj{"domain": dom, "anchor": yref, "type": "category", "categoryorder": "array", "categoryarray": x,
			"range": []float64{-0.5, float64(cols) - 0.5}, "title": obj{"text": "True feature"},
			"tickfont": obj{"size": 9}, "showgrid": false}
		layout[yk] = obj{"anchor": xref, "type": "category", "categoryorder": "array", "categoryarray": y,
			"range": []float64{float64(rows) - 0.5, -0.5}, "title": obj{"text": "SAE Latent"},
			"tickfont": obj{"size": 9}, "showgrid": false}
		tr := obj{"type": "scatter", "mode": "markers", "x": cx, "y": cy, "xaxis": xref, "yaxis": yref,
			"marker": obj{"symbol": "square", "size": cell, "color": nums(p.z), "cmin": -1, "cmax": 1, "colorscale": rdBuScale(),
				"showscale": false, "line": obj{"width": 0}},
			"hovertemplate": "True feature: %{x}<br>SAE Latent: %{y}<br>Cosine Similarity: %{marker.color:.3f}<extra></extra>"}
		if k == len(panels)-1 {
			mk := tr["marker"].(obj)
			mk["showscale"] = true
			mk["colorbar"] = obj{"title": obj{"text": "cos sim"}, "tickvals": []float64{-1, 0, 1}, "len": 0.9}
		}
		data = append(data, tr)
		ann = append(ann, obj{"text": p.title, "showarrow": false, "xref": "paper", "yref": "paper",
			"x": (dom[0] + dom[1]) / 2, "y": 1, "xanchor": "center", "yanchor": "bottom", "yshift": 6, "font": obj{"size": 14}})
	}
	layout["annotations"] = ann
	return &figure{ID: "synth-similarity", Kind: "plot", Data: data, Layout: layout, Config: plotConfig()}
}

// synthBarMetrics are the metrics drawn as bars, with how to read each off a result.
var synthBarMetrics = []struct {
	title string
	value func(*synth.Result) float64
}{
	{"MCC", func(r *synth.Result) float64 { return r.MCC }},
	{"F1", func(r *synth.Result) float64 { return r.F1 }},
	{"Uniqueness", func(r *synth.Result) float64 { return r.Uniqueness }},
	{"Explained variance", func(r *synth.Result) float64 { return r.ExplainedVariance }},
	{"L0", func(r *synth.Result) float64 { return r.SAEL0 }},
}

// synthBars is one horizontal bar chart per metric of synthBarMetrics, side by side, the
// architectures down the shared rows; nil when no row has metrics.
func synthBars(in *SynthPage) *figure {
	var archs []string
	var res []*synth.Result
	for _, r := range in.Rows {
		archs = append(archs, r.Arch)
		res = append(res, r.Metrics)
	}
	okRows := 0
	for _, r := range res {
		if r != nil {
			okRows++
		}
	}
	if okRows == 0 {
		return nil
	}
	const pw, gap, ml, mr, mt, mb = 200.0, 30.0, 130.0, 20.0, 60.0, 40.0
	n := float64(len(synthBarMetrics))
	plotW := n*pw + (n-1)*gap
	ph := math.Max(120, 26*float64(len(archs)))
	layout := obj{"width": math.Ceil(ml + plotW + mr), "height": math.Ceil(mt + ph + mb), "showlegend": false,
		"margin": obj{"l": ml, "r": mr, "t": mt, "b": mb}}
	var data, ann, shapes []obj
	for k, m := range synthBarMetrics {
		xk, xref := axisName("x", k+1)
		yk, yref := axisName("y", k+1)
		x0 := float64(k) * (pw + gap) / plotW
		dom := []float64{x0, x0 + pw/plotW}
		vals, text := make(nums, len(res)), make([]string, len(res))
		lo, hi := 0.0, 0.0
		for i, r := range res {
			vals[i] = math.NaN() // a failed row: no bar
			if r != nil {
				v := m.value(r)
				vals[i], text[i] = v, strconv.FormatFloat(v, 'f', 3, 64)
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
		if m.title == "L0" {
			hi = math.Max(hi, in.TargetL0)
			for i, r := range res {
				if r != nil {
					text[i] = strconv.FormatFloat(r.SAEL0, 'f', 1, 64)
				}
			}
		} else {
			hi = math.Max(hi, 1)
		}
		layout[xk] = obj{"domain": dom, "anchor": yref, "range": []float64{lo * 1.25, niceMax(hi)}, "zeroline": true, "fixedrange": true}
		layout[yk] = obj{"anchor": xref, "type": "category", "autorange": "reversed", "showticklabels": k == 0, "fixedrange": true}
		data = append(data, obj{"type": "bar", "orientation": "h", "x": vals, "y": archs, "xaxis": xref, "yaxis": yref,
			"text": text, "textposition": "outside", "cliponaxis": false, "marker": obj{"color": "#4878a8"},
			"hovertemplate": "%{y}<br>" + m.title + " %{x:.3f}<extra></extra>"})
		ann = append(ann, obj{"text": m.title, "showarrow": false, "xref": "paper", "yref": "paper",
			"x": (dom[0] + dom[1]) / 2, "y": 1, "xanchor": "center", "yanchor": "bottom", "yshift": 6, "font": obj{"size": 14}})
		if m.title == "L0" && in.TargetL0 > 0 {
			shapes = append(shapes, obj{"type": "line", "xref": xref, "x0": in.TargetL0, "x1": in.TargetL0, "yref": yref + " domain", "y0": 0, "y1": 1,
				"line": obj{"color": "#b00020", "width": 1.5, "dash": "dash"}})
		}
	}
	layout["annotations"], layout["shapes"] = ann, shapes
	return &figure{ID: "synth-bars", Kind: "plot", Data: data, Layout: layout, Config: plotConfig()}
}
