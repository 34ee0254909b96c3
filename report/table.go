package report

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Figure 4: the per-run table of each instance's loss terms and metrics.

type table struct {
	Caption  string
	Head     []column
	Rows     []tableRow
	Wall     string
	TextCols int // the leading columns that hold text (aligned left); the first always is
}

// column is a table header: its text, in sentence case with the metric's usual symbol, and the
// name the number has in summary.json (shown as the header's tooltip; "" for none).
type column struct {
	Text, Key string
}

// plainColumns are headers without a summary.json key.
func plainColumns(texts ...string) []column {
	out := make([]column, len(texts))
	for k, t := range texts {
		out[k] = column{Text: t}
	}
	return out
}

type tableRow struct {
	Cells    []string
	Animated bool // the instance is in the animation
	Best     bool // among the run's best instances (SAERun.Best)
}

// extraColumns names the InstanceRow.Extra keys saelab writes; any other key is shown in
// sentence case (headerText).
var extraColumns = map[string]string{
	"explained_variance":     "Explained variance",
	"l_aux":                  "Auxiliary loss",
	"l2_ratio":               "L2 ratio ‖ĥ‖/‖h‖",
	"mcc":                    "MCC",
	"shrinkage_slope":        "Shrinkage slope",
	"shrinkage_firing_ratio": "Shrinkage firing ratio",
	"recovered_max_cos":      "Recovered (max cos)",
	"recovered_matched":      "Recovered (matched)",
}

// headerText is a summary.json key as a header: the known names from extraColumns, any other
// in sentence case ("foo_bar" → "Foo bar").
func headerText(key string) string {
	if h, ok := extraColumns[key]; ok {
		return h
	}
	h := strings.ReplaceAll(key, "_", " ")
	if h == "" {
		return h
	}
	r, n := utf8.DecodeRuneInString(h)
	return string(unicode.ToUpper(r)) + h[n:]
}

func fmtNum(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 0):
		return strconv.FormatFloat(v, 'g', -1, 64)
	case v == 0:
		return "0"
	case math.Abs(v) >= 1e4 || math.Abs(v) < 1e-3:
		return strconv.FormatFloat(v, 'e', 3, 64)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

func fmtSeconds(s float64) string {
	switch {
	case s <= 0:
		return "–"
	case s < 60:
		return fmt.Sprintf("%.1f s", s)
	}
	d := int(math.Round(s))
	return fmt.Sprintf("%.1f s (%dm %02ds)", s, d/60, d%60)
}

// runColumns are the fixed columns of a run's table (extras follow, sorted by key).
var runColumns = []column{{"Instance", "index"}, {"Loss", "loss"}, {"Reconstruction loss", "l_reconstruction"},
	{"Sparsity loss", "l_sparsity"}, {"L0", "l0"}, {"Dead latents", "dead_latents"}, {"MMCS", "mmcs"},
	{"Recovered (matched)", "recovered_features"}, {"Monosemantic", "monosemantic"}}

// sameAsColumn are extras that repeat a fixed column under their explicit name.
var sameAsColumn = map[string]bool{"recovered_matched": true}

func runTable(r *SAERun) *table {
	if len(r.Table) == 0 {
		return nil
	}
	var extra []string
	seen := map[string]bool{}
	for _, row := range r.Table {
		for k := range row.Extra {
			if !seen[k] && !sameAsColumn[k] {
				seen[k] = true
				extra = append(extra, k)
			}
		}
	}
	sort.Strings(extra)
	t := &table{
		Caption: fmt.Sprintf("%s: per-instance results (definitions: docs/metrics.md)", runTitle(r)),
		Head:    slices.Clone(runColumns),
		Wall:    fmtSeconds(r.WallSeconds),
	}
	for _, k := range extra {
		t.Head = append(t.Head, column{headerText(k), k})
	}
	if len(r.Best) > 0 {
		t.Caption += fmt.Sprintf("; ★ = the %s by mean loss over the last 10 records", plural(len(r.Best), "best instance", "best instances"))
	}
	animated := r.DIn == 2 && len(r.Frames) > 0
	if animated {
		t.Caption += "; ▶ = animated"
	}
	anim := r.instances()
	for _, row := range r.Table {
		isBest := slices.Contains(r.Best, row.Index)
		isAnim := animated && slices.Contains(anim, row.Index)
		t.Rows = append(t.Rows, tableRow{Cells: instanceCells(row, extra, isBest, isAnim), Animated: isAnim, Best: isBest})
	}
	return t
}

// instanceCells are one instance's table cells: the fixed columns, then the extras.
func instanceCells(row InstanceRow, extra []string, best, anim bool) []string {
	label := strconv.Itoa(row.Index)
	if best {
		label += " ★"
	}
	if anim {
		label += " ▶"
	}
	mono := "no"
	if row.Monosemantic {
		mono = "yes"
	}
	cells := []string{
		label, fmtNum(row.Loss), fmtNum(row.LReconstruction), fmtNum(row.LSparsity), fmtNum(row.L0),
		strconv.Itoa(row.DeadLatents), fmtNum(row.MMCS), strconv.Itoa(row.RecoveredFeatures), mono,
	}
	for _, k := range extra {
		if v, ok := row.Extra[k]; ok {
			cells = append(cells, fmtNum(v))
		} else {
			cells = append(cells, "")
		}
	}
	return cells
}

// plural is "n one" or "n many".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
