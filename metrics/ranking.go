package metrics

import (
	"cmp"
	"math"
	"slices"
)

// RankingRecords is how many of the most recent data-log records the
// best-instance ranking averages over (spec §6.6).
const RankingRecords = 10

// MeanLoss returns avg_loss [I] over the last <= 10 records of
// lossPerRecord, each record the per-sample loss [B][I] (spec §6.6):
//
//	avg_loss[i] = mean of loss[:, i] concatenated over the last 10 records
//
// Passing the whole log or only its last 10 records gives the same result.
// It returns nil if there are no records, B < 1, or a record does not hold
// B*I values.
func MeanLoss(lossPerRecord [][]float64, B, I int) []float64 {
	if len(lossPerRecord) == 0 || B < 1 {
		return nil
	}
	recs := lossPerRecord[max(0, len(lossPerRecord)-RankingRecords):]
	for _, rec := range recs {
		if checkLen("loss record", len(rec), "B*I", B, I) != nil {
			return nil
		}
	}
	out := make([]float64, I)
	for _, rec := range recs {
		for b := range B {
			for i, v := range rec[b*I : (b+1)*I] {
				out[i] += v
			}
		}
	}
	for i := range out {
		out[i] /= float64(len(recs) * B)
	}
	return out
}

// BestInstances returns the n instances with the smallest MeanLoss, in
// ascending order of loss (the reference's topk(n, largest=False); spec
// §6.6). Equal losses go to the lower index; NaN losses rank last. n is
// clamped to [0, I]. It returns nil when MeanLoss does.
func BestInstances(lossPerRecord [][]float64, B, I, n int) []int {
	avg := MeanLoss(lossPerRecord, B, I)
	if avg == nil {
		return nil
	}
	idx := make([]int, I)
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		na, nb := math.IsNaN(avg[a]), math.IsNaN(avg[b])
		switch {
		case na && nb:
			return cmp.Compare(a, b)
		case na:
			return 1
		case nb:
			return -1
		}
		if c := cmp.Compare(avg[a], avg[b]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	return idx[:min(max(n, 0), I)]
}
