package sae_test

import (
	"fmt"

	"saelab/sae"
)

// What the code around the engine asks of each architecture, by name.
func ExampleArchs() {
	for _, arch := range sae.Archs {
		c := sae.DefaultConfig(16, 2, 5)
		c.Arch = arch
		fmt.Printf("%-10s encoder %-6s rows %v best-only %v: %s\n", arch, sae.EncoderName(arch), sae.AnimationRows(arch),
			sae.AnimatesBestOnly(arch), sae.Describe(c, sae.DefaultTrainConfig()))
	}
	// Output:
	// standard   encoder W_enc  rows [W_enc _W_dec h h_r] best-only false: λ 0.2
	// gated      encoder W_gate rows [W_gate _W_dec h h_r] best-only true: λ 0.2
	// jumprelu   encoder W_enc  rows [W_enc h h_r] best-only true: λ 0.2
	// topk       encoder W_enc  rows [W_enc _W_dec h h_r] best-only false: k 1 · aux-k 1
	// batchtopk  encoder W_enc  rows [W_enc _W_dec h h_r] best-only false: k 1 · aux-k 1
	// matryoshka encoder W_enc  rows [W_enc _W_dec h h_r] best-only false: k 1 · widths 1,2,5 · aux-k 1
	// matching_pursuit encoder _W_dec rows [_W_dec h h_r] best-only false: max iterations 1
}
