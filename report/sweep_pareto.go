package report

import (
	"cmp"
	"slices"
	"strings"
)

// The sweep report's Pareto frontier: each configuration of a sweep (its cells' runs, averaged
// over seeds) is a point of L0 against explained variance (higher is better) and against
// L_reconstruction (lower is better); per architecture, the frontier is the points that no
// other point of that architecture beats on both axes.

// paretoPanel is one panel: x against y, a series per architecture.
type paretoPanel struct {
	X         string         `json:"x"`
	Y         string         `json:"y"`
	XLabel    string         `json:"xLabel"`
	YLabel    string         `json:"yLabel"`
	MaximizeY bool           `json:"maximizeY"`
	Series    []paretoSeries `json:"series"`
}

// paretoSeries is one architecture's points and frontier.
type paretoSeries struct {
	Arch string `json:"arch"`
	X    nums   `json:"x"`
	Y    nums   `json:"y"`
	// Row is a row of each point (its first seed's), for the detail panel; N the seeds averaged.
	Row   []int `json:"row"`
	N     []int `json:"n"`
	Front []int `json:"front"` // the frontier's points, by increasing x
}

// paretoPanels builds the two panels from the done runs that have the metrics.
func paretoPanels(in *SweepInput) []paretoPanel {
	at := map[string]int{}
	for k, m := range in.Metrics {
		at[m.Name] = k
	}
	type pick struct {
		y, label string
		max      bool
	}
	picks := []pick{{"explained_variance", "explained variance", true}, {"l_reconstruction", "L_reconstruction", false}}
	if _, synthetic := at["f1"]; synthetic {
		// The synthetic benchmark's own trade-offs: feature recovery against L0.
		picks = append(picks, pick{"mcc", "MCC", true}, pick{"f1", "F1", true})
	}
	var out []paretoPanel
	for _, p := range picks {
		xi, ok1 := at["l0"]
		yi, ok2 := at[p.y]
		if !ok1 || !ok2 {
			continue
		}
		panel := paretoPanel{X: "l0", Y: p.y, XLabel: "L0", YLabel: p.label, MaximizeY: p.max, Series: paretoSeriesOf(in.Rows, xi, yi)}
		for k := range panel.Series {
			s := &panel.Series[k]
			s.Front = paretoFront(s.X, s.Y, p.max)
		}
		if len(panel.Series) > 0 {
			out = append(out, panel)
		}
	}
	return out
}

// paretoSeriesOf averages each configuration's (x, y) over its seeds, per architecture, in order
// of first appearance.
func paretoSeriesOf(rows []SweepRow, xi, yi int) []paretoSeries {
	type acc struct {
		arch   string
		sx, sy float64
		n, row int
	}
	var order []string
	points := map[string]*acc{}
	for k, r := range rows {
		if r.Status != "done" || !finite(r.Metrics[xi]) || !finite(r.Metrics[yi]) {
			continue
		}
		key := strings.Join(append(slices.Clone(r.Params), r.Run), "\x00")
		a, ok := points[key]
		if !ok {
			a = &acc{arch: r.Arch, row: k}
			points[key] = a
			order = append(order, key)
		}
		a.sx += r.Metrics[xi]
		a.sy += r.Metrics[yi]
		a.n++
	}
	var series []paretoSeries
	idx := map[string]int{}
	for _, key := range order {
		a := points[key]
		s, ok := idx[a.arch]
		if !ok {
			s = len(series)
			idx[a.arch] = s
			series = append(series, paretoSeries{Arch: a.arch})
		}
		ps := &series[s]
		ps.X = append(ps.X, a.sx/float64(a.n))
		ps.Y = append(ps.Y, a.sy/float64(a.n))
		ps.Row = append(ps.Row, a.row)
		ps.N = append(ps.N, a.n)
	}
	return series
}

// paretoFront returns the indices of the points on the frontier of minimal x and maximal y (or
// minimal y), by increasing x: a point is on it when every point with a smaller or equal x has a
// worse y (ties in x: the best y alone). Points that are NaN are ignored.
func paretoFront(x, y []float64, maximizeY bool) []int {
	better := func(a, b float64) bool {
		if maximizeY {
			return a > b
		}
		return a < b
	}
	var idx []int
	for k := range x {
		if finite(x[k]) && finite(y[k]) {
			idx = append(idx, k)
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		if c := cmp.Compare(x[a], x[b]); c != 0 {
			return c
		}
		switch {
		case better(y[a], y[b]):
			return -1
		case better(y[b], y[a]):
			return 1
		}
		return cmp.Compare(a, b)
	})
	var front []int
	for _, k := range idx {
		if len(front) == 0 || better(y[k], y[front[len(front)-1]]) {
			front = append(front, k)
		}
	}
	return front
}
