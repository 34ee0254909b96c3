// Package wide trains sparse autoencoders of SAELens's semantics, in float32, on the
// synthetic activations of package synth (SynthSAEBench): d_in in the hundreds, d_sae in the
// thousands, batches of about 1,024. Spec: synthetic.md §8 (trainer), §11.2–§11.4 (protocol,
// architectures, autotuner); reference-semantics.md §3–§5 and §11 (forward passes, losses,
// saved format).
//
// # Architectures
//
// Archs: standard (L1 weighted by decoder-row norms), topk, batchtopk, matryoshka
// (Matryoshka BatchTopK), jumprelu (step L0 with a straight-through threshold gradient),
// gated and matching_pursuit (tied, greedy). Each architecture's forward pass and its
// hand-written backward pass sit side by side in one function (topk.go, matryoshka.go,
// relu.go, mp.go), each checked against finite differences.
//
// # Cost
//
// A step has one dense product, pre = (x − b_dec)·W_enc (vec.Gemm; matching pursuit: one per
// iteration, r·W_decᵀ). Everything after the activation works on lists of touched latents
// (entries.go): the decoder, its gradient, the encoder's gradient (vec.GemmSparse over a
// latent-major transpose of the list) and b_dec's, so a TopK step costs O(B·k·d_in) past the
// encoder. Dense architectures (standard, gated, jumprelu) list their nonzero activations;
// when a list holds more than 1/16 of the batch's latents, the decoder's backward dot
// products come from one dense product G·W_decᵀ instead (cheaper at that density).
//
// Measured (BenchmarkStep, GOEXPERIMENT=simd, two shared cores, initial weights) at the mini
// shape, d_in 256, width 1,024, batch 1,024, L0 12, in ms per step with no dead latent / a
// quarter dead: topk 18–23 / 50–56, batchtopk 34–48 / 70–83, matryoshka 38–47 / 97–106,
// standard 80–88, gated 70–82, jumprelu 50–75, matching_pursuit 100–146 (12 dense products).
// Drawing the batch costs 8–10 ms more. At d_in 768, width 4,096, L0 25: topk about 230–250,
// batchtopk 290–330. The encoder's product alone is about 11 ms at the mini shape.
//
// # Invariants
//
//   - Decoder rows are free parameters, as in SAELens 6: they start at norm DecoderInitNorm
//     with W_enc = W_decᵀ; standard weights its L1 by ‖W_dec,j‖, the topk family selects on
//     pre·‖W_dec,j‖ (rescale_acts_by_decoder_norm) and divides again before decoding.
//   - Saved weights are SAELens's inference form: the activation scale and (topk family) the
//     decoder norms are folded in, BatchTopK and Matryoshka save as jumprelu with their
//     threshold, JumpReLU's threshold is exponentiated.
//   - Determinism: every reduction runs in a fixed order (sample order, latent order); parallel
//     loops split independent samples or elements only; vec.Gemm and vec.GemmSparse give the
//     same bits for any GOMAXPROCS and in both builds. So a seed gives the same SAE for any
//     GOMAXPROCS and with or without GOEXPERIMENT=simd.
//   - Training batch k is m.Sample(…, seed, k); the activation-norm estimate draws from index
//     2⁶¹ on and synth.Evaluate from 2⁶², so no evaluation sample was trained on.
//   - A non-finite loss or gradient stops training with an error; nothing non-finite is returned.
package wide
