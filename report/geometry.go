package report

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"saelab/metrics"
	"saelab/store"
)

// The feature-geometry page: dimensions per feature against 1/p with every feature's
// dimensionality (spec §7.5), and the N-d feature plots of chosen instances (§7.4).

// Geometry is the input of the feature-geometry page.
type Geometry struct {
	Title, Version string
	Seed           uint64
	Generated      time.Time // zero means now
	ConfigYAML     string
	NFeatures      int
	DHidden        int
	P              []float64   // each instance's feature probability
	DimsPerFeature []float64   // m/‖W‖²_F per instance
	Dims           [][]float64 // D_f per instance and feature (spec §6.1)
	Models         []GeometryModel
}

// GeometryModel is one instance drawn as an N-d feature plot.
type GeometryModel struct {
	Title string
	W     []float64 // [H][F]
}

// geometryFractions are the reference lines of §7.5 and what each stands for.
var geometryFractions = []struct {
	v    float64
	name string
}{
	{3.0 / 4, "3/4 tetrahedron"}, {2.0 / 3, "2/3 triangle"}, {1.0 / 2, "1/2 antipodal pair"},
	{2.0 / 5, "2/5 pentagon"}, {3.0 / 8, "3/8 square antiprism"}, {3.0 / 20, "3/20"},
}

func (in *Geometry) validate() error {
	I, F, H := len(in.P), in.NFeatures, in.DHidden
	switch {
	case I < 1 || len(in.DimsPerFeature) != I || len(in.Dims) != I:
		return fmt.Errorf("geometry: %d densities, %d dims-per-feature values and %d rows of D, want the same number ≥ 1", I, len(in.DimsPerFeature), len(in.Dims))
	case F < 1 || H < 1:
		return fmt.Errorf("geometry: n_features = %d, d_hidden = %d: must be ≥ 1", F, H)
	}
	for k := 0; k < I; k++ {
		if len(in.Dims[k]) != F {
			return fmt.Errorf("geometry: D of instance %d has %d values, want %d", k, len(in.Dims[k]), F)
		}
		if !(in.P[k] > 0) || !finite(in.DimsPerFeature[k]) {
			return fmt.Errorf("geometry: instance %d: p = %v, m/‖W‖² = %v", k, in.P[k], in.DimsPerFeature[k])
		}
		for _, d := range in.Dims[k] {
			if !finite(d) {
				return fmt.Errorf("geometry: instance %d: a D is not finite", k)
			}
		}
	}
	for k, m := range in.Models {
		if len(m.W) != H*F {
			return fmt.Errorf("geometry: model %d has %d weights, want d_hidden·n_features = %d", k, len(m.W), H*F)
		}
	}
	return nil
}

// geometryFigure is §7.5: m/‖W‖²_F against 1/p (line with markers), each feature's D as a tiny
// dot jittered by ±0.1 × the gap to the next instance's x, and the reference fractions.
func geometryFigure(in *Geometry) *figure {
	I := len(in.P)
	x := make(nums, I)
	for k, p := range in.P {
		x[k] = 1 / p
	}
	jit := rand.New(rand.NewPCG(1, 2)) // fixed: the page is deterministic
	var dx, dy nums
	var dt []string
	for k := 0; k < I; k++ {
		gap := 0.0
		switch {
		case k+1 < I:
			gap = x[k+1] - x[k]
		case k > 0:
			gap = x[k] - x[k-1]
		}
		for f, d := range in.Dims[k] {
			dx = append(dx, roundTo(x[k]+gap*0.1*(2*jit.Float64()-1), 5))
			dy = append(dy, roundTo(d, 4))
			dt = append(dt, fmt.Sprintf("feature %d, 1/p = %.3g", f, x[k]))
		}
	}
	data := []obj{
		{"type": "scatter", "mode": "markers", "x": dx, "y": dy, "text": dt, "name": "feature dimensionality D_f",
			"marker":        obj{"color": "black", "size": 2.5},
			"hovertemplate": "%{text}<br>D = %{y:.3f}<extra></extra>"},
		{"type": "scatter", "mode": "lines+markers", "x": x, "y": nums(roundAll(in.DimsPerFeature, 5)), "name": "m/‖W‖²_F",
			"line": obj{"color": "#1f77b4", "width": 2}, "marker": obj{"size": 6},
			"hovertemplate": "1/p = %{x:.3g}<br>m/‖W‖²_F = %{y:.3f}<extra></extra>"},
	}
	var shapes, ann []obj
	for _, fr := range geometryFractions {
		shapes = append(shapes, obj{"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": fr.v, "y1": fr.v,
			"line": obj{"color": "rgba(128,0,128,0.35)", "width": 1}, "layer": "below"})
		ya := "bottom" // 2/5 and 3/8 are close: one label above its line, the other below
		if fr.v == 3.0/8 {
			ya = "top"
		}
		ann = append(ann, obj{"text": fr.name, "xref": "paper", "x": 1, "xanchor": "left", "yref": "y", "y": fr.v, "yanchor": ya,
			"showarrow": false, "font": obj{"size": 11, "color": "#805080"}})
	}
	return &figure{ID: "geometry-dims", Kind: "plot", Data: data, Config: plotConfig(), Layout: obj{
		"title": obj{"text": "Number of Hidden Dimensions per Embedded Feature", "x": 0.02, "xanchor": "left"},
		"width": 1000, "height": 560,
		"margin": obj{"l": 80, "r": 170, "t": 60, "b": 60},
		"xaxis":  obj{"type": "log", "title": obj{"text": "1/(1-S), <-- dense | sparse -->"}},
		"yaxis":  obj{"title": obj{"text": "Dimensionality, or m/||W||_F^2"}, "range": []float64{0, 1.05}},
		"shapes": shapes, "annotations": ann,
		"legend": obj{"x": 0.99, "xanchor": "right", "y": 0.99},
	}}
}

func roundAll(v []float64, dec int) []float64 {
	out := make([]float64, len(v))
	for k, x := range v {
		out[k] = roundTo(x, dec)
	}
	return out
}

// ndFigure is §7.4's plot_features_in_Nd for the chosen instances: per instance a column with
// WᵀW (coolwarm, an image) above the bars of ‖W_f‖ (feature 0 at the top) coloured by
// polysemanticity (viridis), a line under the first d_hidden features.
func ndFigure(in *Geometry) *figure {
	F, H, n := in.NFeatures, in.DHidden, len(in.Models)
	frac := 1 - math.Max(0.5, math.Min(0.75, float64(F)/(30+float64(F)))) // heatmap share of the height
	const total, colPx, gapPx = 0.9, 230.0, 40.0
	heatPx := colPx                               // the heatmap is square
	height := heatPx / (frac * total) / (1 - 0.1) // the title takes the rest
	width := float64(n)*colPx + float64(n-1)*gapPx + 60
	plotW := width - 60
	layout := obj{"width": width, "height": math.Ceil(height), "margin": obj{"l": 40, "r": 20, "t": 70, "b": 10},
		"paper_bgcolor": "#eeeeee", "plot_bgcolor": "#eeeeee", "showlegend": false, "hovermode": "closest",
		"title": obj{"text": "Features in the hidden space: WᵀW and ‖W_f‖ by polysemanticity", "x": 0.02, "xanchor": "left"}}
	var data, images, ann, shapes []obj
	heatTop, heatBot := 1.0, 1-frac*total
	barTop, barBot := heatBot-0.03, 1-total
	for k, m := range in.Models {
		x0 := float64(k) * (colPx + gapPx) / plotW
		dom := []float64{x0, x0 + colPx/plotW}
		xh, xhRef := axisName("x", 2*k+1)
		yh, yhRef := axisName("y", 2*k+1)
		xb, xbRef := axisName("x", 2*k+2)
		yb, ybRef := axisName("y", 2*k+2)
		lim := []float64{-0.5, float64(F) - 0.5}
		hide := obj{"showticklabels": false, "ticks": "", "showgrid": false, "zeroline": false, "fixedrange": true}
		layout[xh] = merge(obj{"domain": dom, "anchor": yhRef, "range": lim}, hide)
		layout[yh] = merge(obj{"domain": []float64{heatBot, heatTop}, "anchor": xhRef, "range": []float64{lim[1], lim[0]}}, hide)
		z := make([]float64, F*F)
		for a := 0; a < F; a++ {
			for b := 0; b < F; b++ {
				var s float64
				for j := 0; j < H; j++ {
					s += m.W[j*F+a] * m.W[j*F+b]
				}
				z[a*F+b] = s
			}
		}
		images = append(images, obj{"source": gramPNG(z, F), "xref": xhRef, "yref": yhRef, "x": -0.5, "y": -0.5,
			"sizex": F, "sizey": F, "sizing": "stretch", "xanchor": "left", "yanchor": "top", "layer": "below"})
		ann = append(ann, obj{"text": "Heatmap of WᵀW · " + m.Title, "showarrow": false, "xref": "paper", "yref": "paper",
			"x": x0 + colPx/plotW/2, "y": heatTop, "xanchor": "center", "yanchor": "bottom", "yshift": 4, "font": obj{"size": 12}})
		if F <= gramHoverMax {
			var hx, hy, hv nums
			for a := 0; a < F; a++ {
				for b := 0; b < F; b++ {
					hx, hy, hv = append(hx, float64(b)), append(hy, float64(a)), append(hv, roundTo(z[a*F+b], 3))
				}
			}
			data = append(data, obj{"type": "scatter", "mode": "markers", "x": hx, "y": hy, "customdata": hv, "xaxis": xhRef, "yaxis": yhRef,
				"marker":        obj{"opacity": 0, "size": math.Max(4, colPx/float64(F)), "symbol": "square"},
				"hovertemplate": "In %{x}<br>Out %{y}<br>Weight %{customdata:.2f}<extra></extra>"})
		}
		// Bars of ‖W_f‖, feature 0 at the top, coloured by polysemanticity.
		poly := metrics.Polysemanticity(m.W, 1, H, F)
		norm, ys, col, txt := make(nums, F), make(nums, F), make([]string, F), make([]string, F)
		maxNorm := 0.0
		for f := 0; f < F; f++ {
			var sq float64
			for j := 0; j < H; j++ {
				sq += m.W[j*F+f] * m.W[j*F+f]
			}
			norm[f], ys[f] = roundTo(math.Sqrt(sq), 4), float64(F-1-f)
			maxNorm = math.Max(maxNorm, norm[f])
			col[f] = viridis(poly[f])
			txt[f] = fmt.Sprintf("feature %d<br>‖W_f‖ = %.3f<br>polysemanticity %.3f", f, norm[f], poly[f])
		}
		layout[xb] = merge(obj{"domain": dom, "anchor": ybRef, "range": []float64{0, math.Max(1, maxNorm) * 1.05}}, hide)
		layout[yb] = merge(obj{"domain": []float64{barBot, barTop}, "anchor": xbRef, "range": lim}, hide)
		data = append(data, obj{"type": "bar", "orientation": "h", "x": norm, "y": ys, "xaxis": xbRef, "yaxis": ybRef,
			"marker": obj{"color": col}, "text": txt, "hovertemplate": "%{text}<extra></extra>", "textposition": "none"})
		shapes = append(shapes, obj{"type": "line", "xref": xbRef + " domain", "x0": 0, "x1": 1, "yref": ybRef,
			"y0": float64(F-H) - 0.5, "y1": float64(F-H) - 0.5, "line": obj{"color": "#444", "width": 1}})
		ann = append(ann,
			obj{"text": fmt.Sprintf("d_hidden=%d", H), "showarrow": false, "xref": xbRef + " domain", "x": 1, "xanchor": "right",
				"yref": ybRef, "y": float64(F-H) - 0.5, "yanchor": "top", "font": obj{"size": 10}},
			obj{"text": "Features ➔", "showarrow": false, "textangle": 90, "xref": "paper", "x": x0, "xanchor": "right", "xshift": -4,
				"yref": ybRef + " domain", "y": 0.5, "font": obj{"size": 11}})
	}
	layout["images"], layout["annotations"], layout["shapes"] = images, ann, shapes
	return &figure{ID: "geometry-nd", Kind: "plot", Data: data, Layout: layout, Config: plotConfig()}
}

func merge(a, b obj) obj {
	for k, v := range b {
		a[k] = v
	}
	return a
}

func buildGeometry(in Geometry) (*pageData, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	title := in.Title
	if title == "" {
		title = fmt.Sprintf("saelab feature geometry: %d features, d_hidden = %d", in.NFeatures, in.DHidden)
	}
	pd := newPage(title, in.Version, in.Seed, in.Generated, in.ConfigYAML)
	secs := []*section{{ID: "dimensionality", Heading: "Feature dimensionality",
		Sub:   fmt.Sprintf("%d densities. Line: dimensions per embedded feature m/‖W‖²_F of each model; dots: each feature's dimensionality D_f = ‖W_f‖²/Σ_g (Ŵ_f·W_g)². Faint lines: the fractions of the regular geometries.", len(in.P)),
		Items: []item{{Fig: geometryFigure(&in)}}}}
	if len(in.Models) > 0 {
		var names []string
		for _, m := range in.Models {
			names = append(names, m.Title)
		}
		secs = append(secs, &section{ID: "features", Heading: "Features of chosen models",
			Sub:   "Models at " + strings.Join(names, ", ") + ". Top: WᵀW (blue −1, grey 0, red +1). Bottom: ‖W_f‖ per feature, coloured by polysemanticity (viridis, 0 to 1).",
			Items: []item{{Fig: ndFigure(&in)}}})
	}
	if err := pd.addSections(secs...); err != nil {
		return nil, err
	}
	return pd, nil
}

// RenderGeometry returns the feature-geometry page.
func RenderGeometry(in Geometry) ([]byte, error) {
	pd, err := buildGeometry(in)
	if err != nil {
		return nil, err
	}
	var buf strings.Builder
	if err := pd.executeTo(&buf); err != nil {
		return nil, err
	}
	return []byte(buf.String()), nil
}

// WriteGeometry renders the page and writes it to path atomically.
func WriteGeometry(path string, in Geometry) error {
	pd, err := buildGeometry(in)
	if err != nil {
		return err
	}
	return store.WriteAtomic(path, pd.executeTo)
}
