package sae

import (
	"math"
	"slices"
	"testing"

	"saelab/rng"
)

// Default widths halve d_sae; given widths get d_sae appended when missing (as SAELens does).
func TestMatryoshkaWidths(t *testing.T) {
	for S, want := range map[int][]int{1: {1}, 2: {1, 2}, 5: {1, 2, 5}, 16: {1, 2, 4, 8, 16}, 30: {1, 3, 7, 15, 30}} {
		if got := DefaultMatryoshkaWidths(S); !slices.Equal(got, want) {
			t.Errorf("DefaultMatryoshkaWidths(%d) = %v, want %v", S, got, want)
		}
	}
	cfg := DefaultConfig(1, 2, 5)
	cfg.Arch, cfg.MatryoshkaWidths = "matryoshka", []int{2, 4}
	if got := cfg.Widths(); !slices.Equal(got, []int{2, 4, 5}) {
		t.Errorf("Widths() = %v, want [2 4 5]", got)
	}
	cfg.MatryoshkaWidths = []int{3, 5}
	if got := cfg.Widths(); !slices.Equal(got, []int{3, 5}) {
		t.Errorf("Widths() = %v, want [3 5]", got)
	}
}

// L_matryoshka is Σ over inner widths of mean_d (ĥ_m − h)², ĥ_m decoding the first widths[m]
// latents of the BatchTopK activations (independent recomputation from acts); the loss adds
// it to L_reconstruction and L_auxk; with widths [5] it is BatchTopK exactly.
func TestMatryoshkaTerms(t *testing.T) {
	s := archSAE(t, "matryoshka", 2, 5, false, func(c *Config) { c.K, c.MatryoshkaWidths = 2, []int{1, 3} })
	r := rng.New(91)
	randomizeTopK(s, r, 0.2)
	const B = 20
	h := randomBatch(r, B, 2, 2, 1, 0, 3, 4)
	out := s.ForwardTraining(h, B)
	wn := s.WDecNormalized()
	for b := 0; b < B; b++ {
		for i := 0; i < 2; i++ {
			x := h[(b*2+i)*2 : (b*2+i+1)*2]
			var want float64
			for _, w := range []int{1, 3} {
				rec := append([]float64(nil), s.BDec[i*2:(i+1)*2]...)
				for j := 0; j < w; j++ {
					a := out.Acts[(b*2+i)*5+j]
					for d := 0; d < 2; d++ {
						rec[d] += a * wn[(i*5+j)*2+d]
					}
				}
				for d := 0; d < 2; d++ {
					want += (rec[d] - x[d]) * (rec[d] - x[d]) / 2
				}
			}
			got := out.Terms["L_matryoshka"][b*2+i]
			if math.Abs(got-want) > 1e-12 {
				t.Fatalf("L_matryoshka[%d,%d] = %v, want %v", b, i, got, want)
			}
			if l := out.Loss[b*2+i]; math.Abs(l-(out.LReconstruction[b*2+i]+out.Terms["L_auxk"][b*2+i]+got)) > 1e-12 {
				t.Fatalf("loss %v is not L_rec + L_auxk + L_matryoshka", l)
			}
		}
	}
	// One level (widths = [d_sae]) is BatchTopK.
	bt := archSAE(t, "batchtopk", 2, 5, false, func(c *Config) { c.K = 2 })
	one := archSAE(t, "matryoshka", 2, 5, false, func(c *Config) { c.K, c.MatryoshkaWidths = 2, []int{5} })
	for _, p := range []*SAE{bt, one} {
		copy(p.WEnc, s.WEnc)
		copy(p.WDec, s.WDec)
		copy(p.BEnc, s.BEnc)
		copy(p.BDec, s.BDec)
	}
	lb, gb := bt.Gradients(h, B)
	lo, gOne := one.Gradients(h, B)
	if lb != lo {
		t.Errorf("one-level matryoshka loss %v, batchtopk %v", lo, lb)
	}
	for n, g := range gb {
		if !slices.Equal(g, gOne[n]) {
			t.Errorf("one-level matryoshka grad %s differs", n)
		}
	}
}
