package report

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"
)

// TestCompactRendersTheSame checks that a compacted run renders byte for byte as the full one
// (with and without loss colouring, subsets of instances and rows), that it drops the
// per-sample tensors, and that changing what the compaction depends on is an error.
func TestCompactRendersTheSame(t *testing.T) {
	in := synthInput(6, 2, 40, 5, 64)
	in.Runs[1].Instances = []int{3, 0, 5}
	want := mustRender(t, in)
	c := synthInput(6, 2, 40, 5, 64)
	c.Runs[1].Instances = []int{3, 0, 5}
	for k := range c.Runs {
		if err := c.Runs[k].Compact(); err != nil {
			t.Fatal(err)
		}
		if err := c.Runs[k].Compact(); err != nil { // again: a no-op
			t.Fatal(err)
		}
		for ti, f := range c.Runs[k].Frames {
			if f.H != nil || f.HR != nil || f.LRec != nil || f.Loss != nil {
				t.Fatalf("run %d frame %d keeps per-sample tensors", k, ti)
			}
		}
	}
	if got := mustRender(t, c); !bytes.Equal(got, want) {
		t.Error("the compacted input renders differently")
	}
	c.Runs[1].Instances = []int{0}
	if _, err := Render(c); err == nil {
		t.Error("no error after changing Instances of a compacted run")
	}
	bad := synthInput(2, 1, 3, 3, 8)
	bad.Runs[0].Frames[1].HR = bad.Runs[0].Frames[1].HR[1:]
	if err := bad.Runs[0].Compact(); err == nil {
		t.Error("Compact accepted an inconsistent run")
	}
}

// TestHiddenPointsDedup checks that a hidden point repeating an earlier one of its cell (same
// rounded position, and colour when coloured) is left out, and that the rest are drawn in
// sample order.
func TestHiddenPointsDedup(t *testing.T) {
	// [N=6][I=1][D=2]: samples 0 and 3 repeat 1 and 2's... see below.
	v := []float32{0.1, 0.2, 0.5, -0.5, 0.1, 0.2, 0.0001, 0.0002, 0.50001, -0.49999, 0.5, -0.5}
	var seen pointSet
	pts, _ := hiddenPoints(nil, nil, v, nil, 0, 1, 2, 6, &seen)
	want := []int32{0, 1000, 2000, 1, 5000, -5000} // 2 repeats 0; 3 is not drawn; 4 and 5 round to 1's point
	if len(pts) != len(want) {
		t.Fatalf("points %v, want %v", pts, want)
	}
	for k := range want {
		if pts[k] != want[k] {
			t.Fatalf("points %v, want %v", pts, want)
		}
	}
	// With colours, a repeat in another colour is drawn.
	pts, cols := hiddenPoints([]int32{7}, nil, v, []int8{1, 2, 1, 0, 3, 2}, 0, 1, 2, 6, &seen)
	pts = pts[1:] // appended after what was there
	if len(pts) != 3*3 || len(cols) != 3 || pts[6] != 4 || cols[2] != 3 {
		t.Errorf("coloured points %v %v", pts, cols)
	}
	// Many distinct points (the set grows).
	many := make([]float32, 2*3000)
	for k := range many {
		many[k] = float32(k) * 0.01
	}
	if pts, _ := hiddenPoints(nil, nil, many, nil, 0, 1, 2, 3000, &seen); len(pts) != 3*3000 {
		t.Errorf("%d of 3000 distinct points drawn", len(pts)/3)
	}
}

// TestQuantile32 checks the two-pass float32 quantile against quantileLimit.
func TestQuantile32(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 1, 2, 3, 10, 999, 1000, 1001, 5000, 100000} {
		v := make([]float32, n)
		for k := range v {
			switch rng.IntN(10) {
			case 0:
				v[k] = 0
			case 1:
				v[k] = float32(math.NaN())
			case 2:
				v[k] = float32(math.Inf(1 - 2*rng.IntN(2)))
			case 3:
				v[k] = 0.001 // not > 1e-3 as a float64? float32(0.001) is slightly above
			default:
				v[k] = float32(math.Round(rng.NormFloat64()*500) / 1000)
			}
		}
		w := make([]float64, n)
		for k, x := range v {
			w[k] = float64(x)
		}
		want := quantileLimit(w)
		var q quantile32
		for pass := 0; pass < 2; pass++ {
			for _, x := range v {
				q.add(pass, x)
			}
			q.endPass(pass)
		}
		if got := q.limit(); got != want {
			t.Errorf("n=%d: quantile32 %v, quantileLimit %v", n, got, want)
		}
	}
}

// BenchmarkCompactSeed compacts one run of the seed demo's size (201 records, 256 samples,
// 16 instances, all animated).
func BenchmarkCompactSeed(b *testing.B) {
	in := synthInput(16, 1, 201, 5, 256)
	b.ResetTimer()
	for k := 0; k < b.N; k++ {
		r := in.Runs[0]
		r.Frames = append([]Frame(nil), in.Runs[0].Frames...)
		if err := r.Compact(); err != nil {
			b.Fatal(err)
		}
	}
}
