package report

import (
	"fmt"
	"math"
	"saelab/metrics"
	"slices"
)

// Figure 2: animate_features_in_2d (spec §7.2) as a plotly animation with
// frames, a step slider and Play/Pause buttons.
//
// Every decision of §7.2 (which points are drawn, rounding, axis limits,
// red highlighting, titles, the frame subset) is made here, in Go. The page
// gets, per animation frame and grid cell, the points as integers
// (value·1e4, so 4 decimals) of the drawn points only, gzip-compressed and
// base64-encoded; its script only expands them into plotly traces (a line
// from the origin plus a marker per point).

const (
	animScale       = 10000 // points are sent as round(v·1e4)
	drawThreshold   = 1e-3  // only |x|+|y| > 1e-3 is drawn; only |v| > 1e-3 counts for M
	limitQuantile   = 0.999 // M = 1.4 × this quantile
	limitFactor     = 1.4   //
	highlightFrames = 25    // n = int(n_seconds_to_highlight·fps) = int(0.5·50)
	highlightThresh = 0.3   // highlight_threshold
	animFPS         = 50    // Play shows one frame per 1000/fps ms
	defaultAnimName = "SAE trained on toy model"
)

// animSpec is what the page's script needs to build an animation.
type animSpec struct {
	Scale      int        `json:"scale"`
	Cells      []animCell `json:"cells"`
	LineWidths []float64  `json:"lineWidths"` // one black-lines trace per width, then the red lines, then the markers
	// First is the first animation frame, which the page draws at once, and Packed the others,
	// which it registers afterwards; each base64(gzip(the packed frames, see framepack.go)).
	First  string   `json:"first"`
	Packed string   `json:"packed"`
	Titles []string `json:"titles"` // per animation frame, in order
	Names  []string `json:"names"`  // per animation frame: the record index
	Labels obj      `json:"labels"` // a static text trace (titles, tick labels), drawn after the animated ones
}

type animCell struct {
	CX     float64 `json:"cx"` // centre in the grid's data units (see cellGrid)
	CY     float64 `json:"cy"`
	M      float64 `json:"m"`  // axis limit: the cell spans ±M
	W      bool    `json:"w"`  // a weight row (one point per latent), else a hidden-state row
	LG     int     `json:"lg"` // line group: index into animSpec.LineWidths
	MS     float64 `json:"ms"` // marker diameter (px)
	Name   string  `json:"name"`
	Inst   int     `json:"inst"`
	RowKey string  `json:"row"`
}

// animFrame is one animation frame as the page's script decodes it (framepack.go holds the
// packed form).
type animFrame struct {
	// P holds per cell its n drawn points, in index order (the latent or
	// sample), columnar: the n index gaps (index − previous index − 1, the
	// first from −1), then the n xs, then the n ys, as round(v·1e4). Only
	// points with |x|+|y| > 1e-3 are drawn; a hidden-state point that repeats
	// an earlier one of its cell exactly is left out (see hiddenPoints).
	P [][]int32
	// R lists red latents as (cell, latent) pairs.
	R []int
	// L holds per cell the loss colour v·100 of each drawn point (h rows
	// with ColorHiddenByLoss only; nil elsewhere).
	L [][]int8
}

// highlightMask implements §7.2's resampled-latent rule for X = series[t]
// ([I][D][S], latent j is column j): Δ[t,i,j] = ‖X[t][i,:,j] − X[t−1][i,:,j]‖
// (Δ[0] = 0), R[t] = max Δ over frames max(0,t−n+1)…t, and (i,j) is red in
// frame t iff R[t,i,j] > thr and t > n. It returns red[t][i·S+j].
func highlightMask(series [][]float64, I, D, S, n int, thr float64) [][]bool {
	T := len(series)
	delta := make([][]float64, T)
	for t := range delta {
		delta[t] = make([]float64, I*S)
		if t == 0 {
			continue
		}
		for i := 0; i < I; i++ {
			for j := 0; j < S; j++ {
				s := 0.0
				for d := 0; d < D; d++ {
					k := (i*D+d)*S + j
					v := series[t][k] - series[t-1][k]
					s += v * v
				}
				delta[t][i*S+j] = math.Sqrt(s)
			}
		}
	}
	red := make([][]bool, T)
	for t := range red {
		red[t] = make([]bool, I*S)
		if t <= n {
			continue
		}
		for q := 0; q < I*S; q++ {
			r := 0.0
			for u := max(0, t-n+1); u <= t; u++ {
				r = math.Max(r, delta[u][q])
			}
			red[t][q] = r > thr
		}
	}
	return red
}

// quantileLimit returns M = 1.4 × the 0.999-quantile (linear interpolation,
// as numpy/torch) of the |v| > 1e-3 among vals; 1 if there is none.
func quantileLimit(vals []float64) float64 {
	a := make([]float64, 0, len(vals))
	for _, v := range vals {
		if v = math.Abs(v); v > drawThreshold && !math.IsInf(v, 0) && !math.IsNaN(v) {
			a = append(a, v)
		}
	}
	if len(a) == 0 {
		return 1
	}
	return limitFactor * metrics.Quantile(a, limitQuantile)
}

// integerTicks returns −⌊M⌋…⌊M⌋ (thinned to at most 11 ticks).
func integerTicks(m float64) []int {
	f := int(math.Floor(m))
	step := 1
	if f > 5 {
		step = (f + 4) / 5
	}
	var out []int
	for v := -(f / step) * step; v <= f; v += step {
		out = append(out, v)
	}
	return out
}

// selectFrames picks the animation frames under a byte budget given each
// frame's (estimated) cost. It keeps the last frame and the frames in must
// (those with a red latent) first, then adds the largest evenly spaced set
// of frames (first and last included) that fits. If must alone does not fit,
// it keeps the first frame of each run of must-frames instead; if even that
// does not fit, only evenly spaced frames.
func selectFrames(cost []float64, must []bool, budget float64) (sel []int, note string) {
	T := len(cost)
	if T == 0 {
		return nil, ""
	}
	last := T - 1
	spaced := func(keep []bool, n int) {
		if n == 1 {
			keep[last] = true
			return
		}
		for k := 0; k < n; k++ {
			keep[int(math.Round(float64(k)*float64(last)/float64(n-1)))] = true
		}
	}
	fits := func(base []bool, n int) ([]int, bool) {
		keep := slices.Clone(base)
		spaced(keep, n)
		s, out := 0.0, []int(nil)
		for t, k := range keep {
			if k {
				s += cost[t]
				out = append(out, t)
			}
		}
		return out, s <= budget
	}
	// try returns base plus the most evenly spaced frames that fit, or nil.
	try := func(base []bool) []int {
		best, ok := fits(base, 1)
		if !ok {
			return nil
		}
		lo, hi := 1, T // fits(lo); binary search for the largest n that fits
		for lo < hi {
			mid := (lo + hi + 1) / 2
			if s, ok := fits(base, mid); ok {
				lo, best = mid, s
			} else {
				hi = mid - 1
			}
		}
		return best
	}
	base := make([]bool, T)
	base[last] = true
	nMust := 0
	for t := range must {
		if must[t] {
			base[t] = true
			nMust++
		}
	}
	if sel = try(base); sel != nil {
		if len(sel) < T {
			note = fmt.Sprintf("The animation shows %d of the %d records (evenly spaced, plus every record with a highlighted latent and the last) to keep the page small.", len(sel), T)
		}
		return sel, note
	}
	base = make([]bool, T)
	base[last] = true
	for t := range must {
		if must[t] && (t == 0 || !must[t-1]) {
			base[t] = true
		}
	}
	if sel = try(base); sel != nil {
		return sel, fmt.Sprintf("The animation shows %d of the %d records (evenly spaced, plus the first record of each highlight and the last; %d of the %d records with a highlighted latent are left out) to keep the page small.", len(sel), T, nMust-countIn(sel, must), nMust)
	}
	base = make([]bool, T)
	if sel = try(base); sel == nil {
		sel = []int{last}
	}
	return sel, fmt.Sprintf("The animation shows only %d of the %d records (evenly spaced, plus the last) to keep the page small.", len(sel), T)
}

func countIn(sel []int, must []bool) int {
	n := 0
	for _, t := range sel {
		if must[t] {
			n++
		}
	}
	return n
}

// fix converts a drawn coordinate to its integer form.
func fix(v float64) int32 {
	r := math.Round(v * animScale)
	switch { // clamped to ±2e9 (NaN, never drawn, as before)
	case r > 2e9:
		return 2e9
	case r < -2e9:
		return -2e9
	case r != r:
		return int32(math.Max(-2e9, math.Min(2e9, r)))
	}
	return int32(r)
}

// weightPoints returns weight row's drawn points for instance i in frame f as (latent, x, y)
// triples, x and y as round(v·1e4): those with |x|+|y| > 1e-3 (spec §7.2).
func (r *SAERun) weightPoints(pts []int32, f *Frame, row string, i int) []int32 {
	D, S := r.DIn, r.DSAE
	w := f.Weights[row]
	for j := 0; j < S; j++ {
		var x, y float64
		if row == "_W_dec" { // [I][S][D]
			x, y = w[(i*S+j)*D], w[(i*S+j)*D+1]
		} else { // [I][D][S]
			x, y = w[(i*D)*S+j], w[(i*D+1)*S+j]
		}
		if !(math.Abs(x)+math.Abs(y) > drawThreshold) || math.IsInf(x+y, 0) {
			continue // NaN fails the test too
		}
		pts = append(pts, int32(j), fix(x), fix(y))
	}
	return pts
}
