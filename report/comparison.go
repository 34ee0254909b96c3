package report

import (
	"fmt"
	"math"
	"strconv"
)

// The cross-run comparison table (Input.Comparison): one row per SAE run, the instance means
// of its evaluation, shown first on the page.

const comparisonSub = "One row per SAE run: means over its instances of the evaluation on fresh batches " +
	"(every metric is defined in docs/metrics.md). " +
	"Monosemantic = instances whose every true feature is recovered by a distinct live latent (cos ≥ 0.99, Hungarian matching); " +
	"shrinkage slope = least-squares slope through 0 of act/‖W_f‖ against x_f over matched features (< 1 means shrinkage); " +
	"L2 ratio = mean ‖ĥ‖/‖h‖ (reconstruction norm over input norm)."

// comparisonHead are the table's columns.
var comparisonHead = []column{{"Run", "name"}, {"Architecture", "arch"}, {"Settings", ""}, {"L0", "l0"},
	{"Reconstruction loss", "l_reconstruction"}, {"Explained variance", "explained_variance"}, {"MMCS", "mmcs"},
	{"Monosemantic", "monosemantic"}, {"Dead latents", "dead_latents"}, {"Shrinkage slope", "shrinkage_slope"},
	{"L2 ratio ‖ĥ‖/‖h‖", "l2_ratio"}, {"Wall time", "wall_seconds"}}

func comparisonTable(rows []ComparisonRow) *table {
	if len(rows) == 0 {
		return nil
	}
	t := &table{
		Caption:  fmt.Sprintf("Comparison of %d SAE runs (instance means)", len(rows)),
		Head:     comparisonHead,
		TextCols: 3, // run, architecture, settings
	}
	for _, r := range rows {
		mono := strconv.Itoa(r.MonosemanticInstances)
		if r.NInst > 0 {
			mono += "/" + strconv.Itoa(r.NInst)
		}
		t.Rows = append(t.Rows, tableRow{Cells: []string{
			r.Name, orEnDash(r.Arch), orEnDash(r.Settings), fmtKnown(r.L0), fmtKnown(r.LReconstruction), fmtKnown(r.ExplainedVariance),
			fmtKnown(r.MMCS), mono, fmtKnown(r.DeadLatents), fmtKnown(r.ShrinkageSlope), fmtKnown(r.L2Ratio),
			fmtSeconds(r.WallSeconds),
		}})
	}
	return t
}

// fmtKnown is fmtNum with NaN (unknown) shown as "–".
func fmtKnown(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return fmtNum(v)
}

func orEnDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}
