package wide

import (
	"math"
	"slices"
	"testing"
)

// Matching pursuit by hand (spec synthetic.md §11.3): rows e0, e1 and (e0+e1)/√2, x = (3, 1).
// Iteration 1 picks e0 (score 3 beats 2.83) with value 3, leaving (0, 1); iteration 2 picks
// e1 with value 1, leaving 0; iteration 3 finds no positive score and adds nothing.
func TestMatchingPursuitByHand(t *testing.T) {
	r := float32(1 / math.Sqrt2)
	for _, tc := range []struct {
		k         int
		stop      bool
		threshold float64
		want      []float32
		visits    int
	}{
		{3, false, 0, []float32{3, 1, 0}, 3},
		{1, false, 0, []float32{3, 0, 0}, 1},
		{3, true, 0, []float32{3, 1, 0}, 3},    // the third iteration leaves the support unchanged
		{3, false, 0.5, []float32{3, 1, 0}, 2}, // ‖r‖ = 0 < 0.5 after the second
		{3, false, 2, []float32{3, 0, 0}, 1},   // ‖r‖ = 1 < 2 after the first
	} {
		c := DefaultConfig("matching_pursuit", 2, 3, float64(tc.k))
		c.StopOnDuplicateSupport, c.ResidualThreshold = tc.stop, tc.threshold
		s := &SAE{cfg: c, arch: "matching_pursuit", WDec: []float32{1, 0, 0, 1, r, r}, BDec: []float32{0, 0}}
		s.wDecT = make([]float32, 6)
		transpose(s.wDecT, s.WDec, 3, 2)
		z := make([]float32, 3)
		s.Encode([]float32{3, 1}, z)
		for j := range z {
			if z[j] != tc.want[j] {
				t.Errorf("k %d stop %v threshold %g: z = %v, want %v", tc.k, tc.stop, tc.threshold, z, tc.want)
				break
			}
		}
		visits := 0
		done := make([]bool, 1)
		mpEncode(c, []float32{3, 1}, s.WDec, s.wDecT, make([]float32, 3), 1, done, func(_, _, _ int, _, _ float32, _ []float32) { visits++ })
		if visits != tc.visits {
			t.Errorf("k %d stop %v threshold %g: %d iterations, want %d", tc.k, tc.stop, tc.threshold, visits, tc.visits)
		}
		xhat := make([]float32, 2)
		s.Decode(z, xhat)
		if tc.want[1] == 1 && (xhat[0] != 3 || xhat[1] != 1) {
			t.Errorf("decode %v, want [3 1]", xhat)
		}
	}
}

// TopK keeps each sample's k largest pre-activations (ties to the lower index), then ReLU.
func TestTopKSelectionTies(t *testing.T) {
	var h topHeap
	h.reset(3)
	for j, v := range []float32{0.5, 2, 0.5, -1, 2, 0.5} {
		h.push(cand{v, int32(j)})
	}
	got := h.sortedByPos()
	want := []int32{0, 1, 4}
	for i, c := range got {
		if c.f != want[i] {
			t.Fatalf("kept %v, want positions %v", got, want)
		}
	}
	cs := []cand{{1, 5}, {3, 0}, {1, 2}, {2, 9}, {1, 1}}
	if n := nth(cs, 4); n != (cand{1, 2}) {
		t.Fatalf("4th in order: %v, want {1 2}", n)
	}
}

// BatchTopK keeps exactly the k·B best (value, then lower flat position) positive scores: the
// histogram shortcut against a full sort, with many ties and fewer positives than k·B too.
func TestBatchTopKSelectionAgainstSort(t *testing.T) {
	for _, k := range []int{1, 3, 40} {
		tr, _ := testTrainer("batchtopk")
		tr.c.K = k
		B, S := tr.B, tr.S
		tr.sc, tr.pre = make([]float32, B*S), make([]float32, B*S)
		for i := range tr.sc {
			tr.sc[i] = float32((i*7919)%13) - 4 // ties and negatives
		}
		tr.selectBatchTopK()
		var all []cand
		for f, v := range tr.sc {
			if v > 0 {
				all = append(all, cand{v, int32(f)})
			}
		}
		slices.SortFunc(all, func(a, b cand) int {
			if before(a, b) {
				return -1
			}
			return 1
		})
		want := map[int]bool{}
		for _, c := range all[:min(len(all), k*B)] {
			want[int(c.f)] = true
		}
		got := 0
		for b := 0; b < B; b++ {
			for p := tr.main.off[b]; p < tr.main.off[b+1]; p++ {
				if !want[b*S+int(tr.main.idx[p])] {
					t.Fatalf("k %d: kept (%d, %d), not among the best", k, b, tr.main.idx[p])
				}
				got++
			}
		}
		if got != len(want) {
			t.Fatalf("k %d: kept %d, want %d", k, got, len(want))
		}
	}
}
