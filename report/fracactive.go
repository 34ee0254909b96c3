package report

import (
	"fmt"
	"math"
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
	var data []obj
	series := make([]float64, T)
	for i := 0; i < I; i++ {
		group := fmt.Sprintf("Instance #%d", i)
		for j := 0; j < S; j++ {
			for t, f := range r.Frames {
				series[t] = float64(f.FracActive[i*S+j])
			}
			m := rollingMean(series, w)
			y := make(nums, T)
			for t := range m {
				y[t] = roundTo(m[t], 5)
			}
			tr := obj{ // x: the figure's SharedX
				"type": "scatter", "mode": "lines", "y": y,
				"name": fmt.Sprintf("SAE latent #%d", j), "legendgroup": group,
				"opacity": 0.5, "line": obj{"width": 1},
				"hovertemplate": fmt.Sprintf("step %%{x}<br>%%{y:.4f}<extra>inst %d, latent %d</extra>", i, j),
			}
			if j == 0 {
				tr["legendgrouptitle"] = obj{"text": group}
			}
			data = append(data, tr)
		}
	}
	p := r.FeatureProbability
	data = append(data, obj{
		"type": "scatter", "mode": "lines", "x": nums{x[0], x[T-1]}, "y": nums{p, p},
		"name": "Feature prob", "line": obj{"color": "black", "width": 2},
		"hovertemplate": "Feature prob %{y}<extra></extra>",
	})
	yaxis := obj{"title": obj{"text": "Fraction of datapoints active"}}
	if p > 0 && !math.IsInf(p, 0) {
		yaxis["range"] = []float64{0, 3 * p}
	} else {
		yaxis["rangemode"] = "tozero"
	}
	xaxis := obj{"title": obj{"text": "Training Steps"}}
	if T > 1 {
		xaxis["range"] = []float64{x[w-1], x[T-1]}
	}
	title := fmt.Sprintf("%s: fraction of datapoints each latent is active on (rolling mean over %d records)", runTitle(r), w)
	layout := obj{
		"title": obj{"text": title, "x": 0.02, "xanchor": "left"},
		"width": 1000, "height": 480,
		"xaxis": xaxis, "yaxis": yaxis,
		"legend":    obj{"groupclick": "togglegroup", "font": obj{"size": 10}},
		"margin":    obj{"l": 70, "r": 20, "t": 60, "b": 50},
		"hovermode": "closest",
	}
	return &figure{ID: id, Kind: "plot", Data: data, Layout: layout, Config: plotConfig(), SharedX: x}, notes
}

func runTitle(r *SAERun) string {
	if r.Name != "" {
		return r.Name
	}
	return "SAE"
}
