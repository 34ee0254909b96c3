package report

import (
	"fmt"
	"math"
	"strconv"
)

// The cross-run comparison table (Input.Comparison): one row per SAE run, the instance means
// of its evaluation, shown first on the page.

const comparisonSub = "One row per SAE run: means over its instances of the evaluation on fresh batches. " +
	"Monosemantic = instances whose every true feature is recovered by a distinct live latent (cos ≥ 0.99, §6.4); " +
	"shrinkage slope = least-squares slope through 0 of act/‖W_f‖ against x_f over matched features (§6.5, < 1 means shrinkage); " +
	"l2_ratio = mean ‖ĥ‖/‖h‖."

// comparisonHead are the table's columns.
var comparisonHead = []string{"Run", "Architecture", "Settings", "L0", "L_reconstruction", "Explained variance",
	"MMCS", "Monosemantic", "Dead latents", "Shrinkage slope", "l2_ratio", "Wall time"}

func comparisonTable(rows []ComparisonRow) *table {
	if len(rows) == 0 {
		return nil
	}
	t := &table{
		Caption: fmt.Sprintf("Comparison of %d SAE runs (instance means)", len(rows)),
		Head:    comparisonHead,
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
