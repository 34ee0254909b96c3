// Package metrics computes the evaluation metrics of spec §6 (and the
// activity definitions of §2.8) for toy models of superposition and toy
// sparse autoencoders.
//
// Every function works on plain row-major []float64 slices whose shape is
// passed explicitly, listed in storage order as in the spec: acts is
// [B][I][S], h and hr are [B][I][D], toy-model weights are [I][H][F].
// Notation follows spec §0: B batch size, I instances, F features,
// H (= D) hidden size, S latents.
//
// Functions never panic on inconsistent shapes. Those that return an error
// report the mismatch; the others return nil (or NaN for scalars), and the
// matching Check function (CheckActs, CheckPair, CheckWeights) says why,
// so callers handling user input can validate once up front.
//
// Mean, Reconstruction and Shrinkage accumulate one instance's sums sample by sample; the batch
// functions are built on them, so a batch measured in pieces has the same bits.
package metrics
