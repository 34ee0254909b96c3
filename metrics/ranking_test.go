package metrics

import (
	"math"
	"slices"
	"testing"
)

// record builds a [B=2][I] loss record with every sample of instance i
// equal to loss[i].
func record(loss ...float64) []float64 {
	return append(append([]float64{}, loss...), loss...)
}

func TestBestInstances(t *testing.T) {
	recs := [][]float64{
		record(3, 1, 2, 1, 0.5),
		// b = 0 then b = 1: instance 0 averages 3, instance 4 averages 0.5.
		{4, 1, 2, 1, 1, 2, 1, 2, 1, 0},
	}
	got := BestInstances(recs, 2, 5, 3)
	if want := []int{4, 1, 3}; !slices.Equal(got, want) { // 1 and 3 tie: lower index first
		t.Errorf("BestInstances = %v, want %v", got, want)
	}
	assertSlice(t, "MeanLoss", MeanLoss(recs, 2, 5), []float64{3, 1, 2, 1, 0.5}, 1e-15)
	if got := BestInstances(recs, 2, 5, 9); !slices.Equal(got, []int{4, 1, 3, 2, 0}) {
		t.Errorf("n > I: BestInstances = %v", got)
	}
	if got := BestInstances(recs, 2, 5, -1); len(got) != 0 {
		t.Errorf("n < 0: BestInstances = %v", got)
	}
}

func TestBestInstancesUsesLastTenRecords(t *testing.T) {
	// The oldest of 11 records would make instance 1 best; only the last
	// 10 count, where instance 0 is best.
	recs := [][]float64{record(100, 0)}
	for range 10 {
		recs = append(recs, record(1, 2))
	}
	if got := BestInstances(recs, 2, 2, 1); !slices.Equal(got, []int{0}) {
		t.Errorf("BestInstances = %v, want [0]", got)
	}
	if got := BestInstances(recs[1:], 2, 2, 2); !slices.Equal(got, []int{0, 1}) {
		t.Errorf("BestInstances(last 10) = %v, want [0 1]", got)
	}
}

func TestBestInstancesNaNLast(t *testing.T) {
	for _, c := range []struct {
		loss []float64
		want []int
	}{
		{[]float64{math.NaN(), 2, 1}, []int{2, 1, 0}},
		{[]float64{2, math.NaN(), 1}, []int{2, 0, 1}},
		{[]float64{math.NaN(), 1, math.NaN(), 0}, []int{3, 1, 0, 2}},
	} {
		recs := [][]float64{record(c.loss...)}
		if got := BestInstances(recs, 2, len(c.loss), len(c.loss)); !slices.Equal(got, c.want) {
			t.Errorf("BestInstances(%v) = %v, want %v", c.loss, got, c.want)
		}
	}
}

func TestBestInstancesBadShapes(t *testing.T) {
	if BestInstances(nil, 2, 2, 1) != nil || BestInstances([][]float64{{1, 2, 3}}, 2, 2, 1) != nil ||
		BestInstances([][]float64{record(1)}, 0, 1, 1) != nil || MeanLoss([][]float64{{}}, 1, -1) != nil {
		t.Error("bad shapes must give nil")
	}
}
