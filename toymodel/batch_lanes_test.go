package toymodel

import (
	"reflect"
	"testing"

	"saelab/internal/vec"
	"saelab/rng"
)

// TestDenseLanesSameBatch checks that drawing a dense batch in lanes (denseSinglesLanes, with
// the SIMD generator and selection and with their plain twins) gives the sequential loop's batch and leaves the
// stream where it leaves it, over consecutive batches and shapes with few or every feature
// present.
func TestDenseLanesSameBatch(t *testing.T) {
	fast := rng.FastLanes && vec.SIMD
	defer func(l, s, v bool) { denseLanes, rng.FastLanes, vec.SIMD = l, s, v }(denseLanes, rng.FastLanes, vec.SIMD)
	for _, c := range []struct {
		B, F int
		p    []float64
	}{
		{8, 1, []float64{0.5}},
		{16, 7, []float64{0.3, 0.26, 1, 0.9, 0.5, 0.3, 0.6}},
		{1024, 100, nil},
		{1000, 20, nil}, // not a multiple of 8: sequential either way
		{64, 5, []float64{1, 1, 1, 1, 1}},
	} {
		p := c.p
		if p == nil {
			p = make([]float64, c.F)
			for f := range p {
				p[f] = 0.3 + 0.4*float64(f%3)/2
			}
		}
		m, err := New(Config{NInst: 2, NFeatures: c.F, DHidden: 2, FeatMagDistn: "unif"}, Values{}, PerFeature(p), 1)
		if err != nil {
			t.Fatal(err)
		}
		draw := func(lanes, simd bool) ([]InstBatch, rng.State) {
			denseLanes, rng.FastLanes, vec.SIMD = lanes, simd, simd
			s := rng.New(5, uint64(c.B))
			var ib InstBatch
			var out []InstBatch
			for range 3 { // consecutive batches reuse ib's storage
				m.GenerateInstance(1, c.B, s, &ib)
				out = append(out, InstBatch{Sample: append([]int32(nil), ib.Sample...), Start: append([]int32(nil), ib.Start...),
					Feat: append([]int32(nil), ib.Feat...), Val: append([]float64(nil), ib.Val...)})
			}
			return out, s.State()
		}
		want, wantEnd := draw(false, false)
		for _, simd := range []bool{fast, false} {
			got, end := draw(true, simd)
			if !reflect.DeepEqual(got, want) || end != wantEnd {
				t.Errorf("B %d, F %d, SIMD %v: the lanes' batches or end state differ from the sequential loop's", c.B, c.F, simd)
			}
		}
	}
}
