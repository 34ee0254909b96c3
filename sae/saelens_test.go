package sae

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"saelab/toymodel"
)

// saelensForward is SAELens's inference forward (SAE.encode then decode) for the exported
// tensors of one SAE, written from SAELens's formulas: x' = x − b_dec, then
//
//	standard: acts = ReLU(x'·W_enc + b_enc)
//	topk:     the k largest of pre = x'·W_enc + b_enc, ReLU'd, the rest 0
//	jumprelu: acts = ReLU(pre)·1[pre > threshold]
//	gated:    acts = 1[x'·W_enc + b_gate > 0]·ReLU(x'·(W_enc∘exp(r_mag)) + b_mag)
//
// and x̂ = acts·W_dec + b_dec.
func saelensForward(arch string, k int, ts map[string][]float32, x []float64, D, S int) (acts, xhat []float64) {
	t := func(name string, idx int) float64 { return float64(ts[name][idx]) }
	xc := make([]float64, D)
	for d := range xc {
		xc[d] = x[d] - t("b_dec", d)
	}
	lin := func(bias string, scale func(j int) float64) []float64 {
		out := make([]float64, S)
		for j := range out {
			out[j] = t(bias, j)
			for d := 0; d < D; d++ {
				out[j] += xc[d] * t("W_enc", d*S+j) * scale(j)
			}
		}
		return out
	}
	one := func(int) float64 { return 1 }
	acts = make([]float64, S)
	switch arch {
	case "standard", "jumprelu", "topk":
		pre := lin("b_enc", one)
		order := make([]int, S)
		for j := range order {
			order[j] = j
		}
		sort.SliceStable(order, func(a, b int) bool { return pre[order[a]] > pre[order[b]] })
		for r, j := range order {
			keep := arch == "standard" || (arch == "topk" && r < k) || (arch == "jumprelu" && pre[j] > t("threshold", j))
			if keep {
				acts[j] = max(0, pre[j])
			}
		}
	case "matching_pursuit": // k greedy steps on the residual: the largest positive projection
		res := slices.Clone(xc)
		for range k {
			best, bv := -1, 0.0
			for j := 0; j < S; j++ {
				var p float64
				for d := 0; d < D; d++ {
					p += res[d] * t("W_dec", j*D+d)
				}
				if p > bv {
					best, bv = j, p
				}
			}
			if best < 0 {
				break
			}
			acts[best] += bv
			for d := range res {
				res[d] -= bv * t("W_dec", best*D+d)
			}
		}
	case "gated":
		gate := lin("b_gate", one)
		mag := lin("b_mag", func(j int) float64 { return math.Exp(t("r_mag", j)) })
		for j := range acts {
			if gate[j] > 0 {
				acts[j] = max(0, mag[j])
			}
		}
	}
	xhat = make([]float64, D)
	for d := range xhat {
		xhat[d] = t("b_dec", d)
		for j := range acts {
			xhat[d] += acts[j] * t("W_dec", j*D+d)
		}
	}
	return acts, xhat
}

// TestSAELensExportForward checks that every architecture's export, run through SAELens's
// formulas, fires the same latents and reconstructs the same x̂ as the toy SAE's own inference
// forward, with random parameters (tied and untied, with and without decoder-norm rescaling).
func TestSAELensExportForward(t *testing.T) {
	const I, D, S, B = 2, 3, 6, 40
	m, err := toymodel.New(toymodel.Config{NInst: I, NFeatures: 5, DHidden: D, FeatMagDistn: "unif"}, toymodel.Values{}, toymodel.Values{}, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, arch := range Archs {
		for _, variant := range []string{"untied", "tied", "rescale"} {
			t.Run(arch+"/"+variant, func(t *testing.T) {
				if arch == "matching_pursuit" && variant == "tied" {
					t.Skip("matching_pursuit has no encoder to tie")
				}
				cfg := DefaultConfig(I, D, S)
				cfg.Arch, cfg.K = arch, 2
				cfg.TiedWeights = variant == "tied"
				cfg.RescaleActsByDecoderNorm = variant == "rescale"
				s, err := New(cfg, m, 7)
				if err != nil {
					t.Fatal(err)
				}
				r := rand.New(rand.NewPCG(3, 4))
				for _, p := range s.Params() {
					for k := range p.Data {
						p.Data[k] = 2*r.Float64() - 1
						if p.Name == "log_theta" {
							p.Data[k] = math.Log(0.05 + 0.3*r.Float64())
						}
					}
				}
				for i := range s.Threshold {
					s.Threshold[i] = 0.1 + 0.2*float64(i)
				}
				h := make([]float64, B*I*D)
				for k := range h {
					h[k] = 2*r.Float64() - 1
				}
				out := s.Forward(h, B)
				for i := 0; i < I; i++ {
					ts, err := s.SAELensTensors(i)
					if err != nil {
						t.Fatal(err)
					}
					c, _ := s.SAELensConfig(i)
					byName := map[string][]float32{}
					for _, x := range ts {
						byName[x.Name] = x.Data
					}
					k, _ := c["k"].(int)
					if it, ok := c["max_iterations"].(int); ok {
						k = it
					}
					for b := 0; b < B; b++ {
						at := (b*I + i)
						acts, xhat := saelensForward(c["architecture"].(string), k, byName, h[at*D:(at+1)*D], D, S)
						for j := range acts {
							if (acts[j] > 0) != (out.Acts[at*S+j] > 0) {
								t.Fatalf("instance %d sample %d latent %d: SAELens fires %v, saelab %v", i, b, j, acts[j] > 0, out.Acts[at*S+j] > 0)
							}
						}
						for d := range xhat {
							if math.Abs(xhat[d]-out.HRec[at*D+d]) > 1e-5*(1+math.Abs(xhat[d])) {
								t.Fatalf("instance %d sample %d: x̂[%d] = %g, saelab %g", i, b, d, xhat[d], out.HRec[at*D+d])
							}
						}
					}
				}
			})
		}
	}
}

func TestSAELensConfig(t *testing.T) {
	m, _ := toymodel.New(toymodel.Config{NInst: 2, NFeatures: 5, DHidden: 2, FeatMagDistn: "unif"}, toymodel.Values{}, toymodel.Values{}, 1)
	want := map[string]string{"standard": "standard", "gated": "gated", "jumprelu": "jumprelu", "topk": "topk", "batchtopk": "jumprelu", "matryoshka": "jumprelu", "matching_pursuit": "matching_pursuit"}
	for _, arch := range Archs {
		cfg := DefaultConfig(2, 2, 4)
		cfg.Arch, cfg.K = arch, 3
		s, err := New(cfg, m, 1)
		if err != nil {
			t.Fatal(err)
		}
		c, err := s.SAELensConfig(1)
		if err != nil {
			t.Fatal(err)
		}
		md := c["metadata"].(map[string]any)
		got := fmt.Sprint(c["architecture"], c["d_in"], c["d_sae"], c["apply_b_dec_to_input"], md["saelab_instance"], md["saelab_arch"], c["k"])
		k := "<nil>"
		if arch == "topk" {
			k = "3"
		}
		if w := fmt.Sprint(want[arch], 2, 4, true, 1, arch, k); got != w {
			t.Errorf("%s: cfg = %s, want %s", arch, got, w)
		}
	}
	s, _ := New(DefaultConfig(2, 2, 4), m, 1)
	if _, err := s.SAELensTensors(2); err == nil {
		t.Error("instance 2 of 2 accepted")
	}
}
