package sae

import (
	"testing"

	"saelab/internal/vec"
	"saelab/rng"
	"saelab/toymodel"
)

// The d_in = 2 lane kernels at the edges of the SIMD kernel's passes: several chunks of
// blocks (dense batches), a partial last block, and latents inactive on every sample (the
// SIMD kernel skips them chunk by chunk, the plain one sample by sample).
func TestStandardLanesChunksAndDeadLatents(t *testing.T) {
	defer func(old bool) { vec.SIMD = old }(vec.SIMD)
	for _, tc := range []struct {
		S    int
		p    float64
		B    int
		dead []int
	}{{5, 0.5, 1024, []int{1, 3}}, {7, 0.9, 2053, []int{0}}, {5, 0.025, 1024, []int{0, 1, 2, 3, 4}}, {3, 0.3, 777, nil}} {
		m, err := toymodel.New(toymodel.Config{NInst: 2, NFeatures: 5, DHidden: 2, FeatMagDistn: "unif"}, toymodel.Values{}, toymodel.Scalar(tc.p), 1)
		if err != nil {
			t.Fatal(err)
		}
		s, err := New(DefaultConfig(2, 2, tc.S), m, 3)
		if err != nil {
			t.Fatal(err)
		}
		r := rng.New(6)
		for k := range s.BEnc {
			s.BEnc[k] = 0.3 * r.Normal()
		}
		for k := range s.BDec {
			s.BDec[k] = 0.1 * r.Normal()
		}
		for _, j := range tc.dead {
			for i := 0; i < 2; i++ {
				s.BEnc[i*tc.S+j] = -100
			}
		}
		for i := 0; i < 2; i++ {
			var hb hiddenBatch
			s.drawHidden(i, tc.B, rng.New(8, uint64(i)), &hb)
			want := s.newWork()
			s.prepare(i, want)
			wc := make([]int, tc.S)
			ws := s.laneReference(i, &hb, tc.B, want, wc)
			for _, simd := range []bool{vec.SIMD, false} {
				vec.SIMD = simd
				got := s.newWork()
				s.prepare(i, got)
				gc := make([]int, tc.S)
				gs := s.standardBatch(i, &hb, tc.B, got, gc)
				bits(t, "sums", gs[:3], ws[:])
				for p := range got.g {
					if p == 1 && s.WDec != nil {
						continue
					}
					bits(t, "grad", got.g[p], want.g[p])
				}
				bits(t, "gWn", got.gWn, want.gWn)
				for j := range gc {
					if gc[j] != wc[j] {
						t.Fatalf("counts %v, want %v", gc, wc)
					}
				}
			}
		}
	}
}
