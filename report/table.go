package report

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
)

// Figure 4: the per-run table of each instance's loss terms and metrics.

type table struct {
	Caption string
	Head    []string
	Rows    []tableRow
	Wall    string
}

type tableRow struct {
	Cells    []string
	Animated bool // the instance is in the animation
	Best     bool // among the run's best instances by §6.6 (when known)
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

// BestInstances returns the n instances with the smallest avg_loss (spec
// §6.6: the mean of the per-sample total loss, Frame.Loss, over the last 10
// records), best first; ties go to the lower index.
func BestInstances(frames []Frame, nInst, n int) ([]int, error) {
	avg, err := avgLoss(frames, nInst)
	if err != nil {
		return nil, err
	}
	idx := make([]int, nInst)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return avg[idx[a]] < avg[idx[b]] })
	return idx[:min(n, nInst)], nil
}

func avgLoss(frames []Frame, nInst int) ([]float64, error) {
	if nInst <= 0 {
		return nil, fmt.Errorf("report: BestInstances: nInst must be > 0, got %d", nInst)
	}
	if len(frames) == 0 {
		return nil, fmt.Errorf("report: BestInstances: no frames")
	}
	sum := make([]float64, nInst)
	cnt := 0
	for t := max(0, len(frames)-10); t < len(frames); t++ {
		l := frames[t].Loss
		if len(l) == 0 || len(l)%nInst != 0 {
			return nil, fmt.Errorf("report: BestInstances: Frames[%d].Loss: expected [N][I=%d] values, got %d", t, nInst, len(l))
		}
		for k, v := range l {
			sum[k%nInst] += float64(v)
		}
		cnt += len(l) / nInst
	}
	for i := range sum {
		sum[i] /= float64(cnt)
	}
	return sum, nil
}

func runTable(r *SAERun) *table {
	if len(r.Table) == 0 {
		return nil
	}
	var extra []string
	seen := map[string]bool{}
	for _, row := range r.Table {
		for k := range row.Extra {
			if !seen[k] {
				seen[k] = true
				extra = append(extra, k)
			}
		}
	}
	sort.Strings(extra)
	t := &table{
		Caption: fmt.Sprintf("%s: per-instance results", runTitle(r)),
		Head:    []string{"Instance", "Loss", "L_reconstruction", "L_sparsity", "L0", "Dead latents", "MMCS", "Recovered features", "Monosemantic"},
		Wall:    fmtSeconds(r.WallSeconds),
	}
	t.Head = append(t.Head, extra...)
	var best []int
	if len(r.Frames) > 0 && len(r.Frames[len(r.Frames)-1].Loss) > 0 {
		if b, err := BestInstances(r.Frames, r.NInst, min(4, r.NInst)); err == nil {
			best = b
			t.Caption += "; ★ = the 4 best instances by mean loss over the last 10 records (§6.6)"
		}
	}
	if r.DIn == 2 && len(r.Frames) > 0 {
		t.Caption += "; ▶ = animated"
	}
	anim := r.instances()
	for _, row := range r.Table {
		mono := "no"
		if row.Monosemantic {
			mono = "yes"
		}
		label := strconv.Itoa(row.Index)
		isBest := slices.Contains(best, row.Index)
		isAnim := r.DIn == 2 && len(r.Frames) > 0 && slices.Contains(anim, row.Index)
		if isBest {
			label += " ★"
		}
		if isAnim {
			label += " ▶"
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
		t.Rows = append(t.Rows, tableRow{Cells: cells, Animated: isAnim, Best: isBest})
	}
	return t
}
