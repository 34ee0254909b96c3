package synth

import (
	"math/rand/v2"
	"testing"
)

// benchMCC builds |cos| between S decoder rows and F true features in H dimensions and times
// the exact assignment. dup is the fraction of latents that copy another latent's feature
// (absorbed or duplicated latents), noise the decoder noise per coordinate (0.05 in 768-D
// gives cos ≈ 0.6 with the matched feature); noise < 0 makes the decoder random.
func benchMCC(b *testing.B, S, F, H int, dup, noise float64) {
	r := rand.New(rand.NewPCG(1, 2))
	T := make([]float32, F*H)
	for k := range T {
		T[k] = float32(r.NormFloat64())
	}
	D := make([]float32, S*H)
	perm := r.Perm(F)
	for j := 0; j < S; j++ {
		f := perm[j]
		if r.Float64() < dup && j > 0 {
			f = perm[r.IntN(j)]
		}
		for k := 0; k < H; k++ {
			if noise < 0 {
				D[j*H+k] = float32(r.NormFloat64())
			} else {
				D[j*H+k] = T[f*H+k]/27.7 + float32(noise*r.NormFloat64())
			}
		}
	}
	c := AbsCos(D, S, T, F, H)
	b.ResetTimer()
	for b.Loop() {
		matchedMean(c, S, F)
	}
}

// The §9 scale: a width-4096 SAE against SynthSAEBench-16k's 16384 features.
func BenchmarkMCC4096x16384Trained(b *testing.B) { benchMCC(b, 4096, 16384, 768, 0.1, 0.05) }
func BenchmarkMCC4096x16384Random(b *testing.B)  { benchMCC(b, 4096, 16384, 768, 0, -1) }
func BenchmarkMCC1024x4096Trained(b *testing.B)  { benchMCC(b, 1024, 4096, 256, 0.1, 0.05) }

// Half the latents duplicate another: many rows compete for the same columns.
func BenchmarkMCC4096x16384Duplicated(b *testing.B) { benchMCC(b, 4096, 16384, 768, 0.5, 0.05) }
