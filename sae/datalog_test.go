package sae

import (
	"maps"
	"slices"
	"testing"
)

// f64s widens a logged float32 tensor for comparisons with float64 data.
func f64s(v []float32) []float64 {
	out := make([]float64, len(v))
	for k, x := range v {
		out[k] = float64(x)
	}
	return out
}

// TestLogRecordsAreSeparate checks that the per-sample tensors of a record, which share one
// allocation, are capped: appending to one never writes into the next, and every field has
// its shape.
func TestLogRecordsAreSeparate(t *testing.T) {
	s := newSAE(t, seedModel(t, 2), 5, false)
	tc := DefaultTrainConfig()
	tc.Steps, tc.LogFreq, tc.HiddenSampleSize = 30, 10, 16
	log, err := Train(s, tc, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	I, D, S, B := 2, s.Cfg.DIn, 5, 16
	for _, r := range log.Records {
		if len(r.FracActive) != I*S || len(r.Loss) != B*I || len(r.H) != B*I*D || len(r.HR) != B*I*D {
			t.Fatalf("step %d: shapes %d %d %d %d", r.Step, len(r.FracActive), len(r.Loss), len(r.H), len(r.HR))
		}
		before := [][]float32{slices.Clone(r.FracActive), slices.Clone(r.Loss), slices.Clone(r.H), slices.Clone(r.HR)}
		names := slices.Sorted(maps.Keys(r.Terms))
		for _, name := range names {
			before = append(before, slices.Clone(r.Terms[name]))
			_ = append(r.Terms[name], 99)
		}
		_ = append(r.FracActive, 99)
		_ = append(r.Loss, 99)
		_ = append(r.H, 99)
		_ = append(r.HR, 99)
		after := [][]float32{r.FracActive, r.Loss, r.H, r.HR}
		for _, name := range names {
			after = append(after, r.Terms[name])
		}
		for k := range after {
			if !slices.Equal(before[k], after[k]) {
				t.Fatalf("step %d: an append spilled into another tensor", r.Step)
			}
		}
		for name, v := range r.Terms {
			if len(v) != B*I {
				t.Fatalf("step %d: term %s has %d values", r.Step, name, len(v))
			}
		}
	}
}
