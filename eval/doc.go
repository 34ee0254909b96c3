// Package eval measures a trained SAE against its toy model's ground truth: the numbers of
// summary.json (spec §6: losses, L0, dead latents, explained variance, shrinkage, recovery,
// monosemantic instances) on fresh evaluation batches, and the Figure-15 scatter (spec §7.6).
//
// Invariants: evaluation draws its batches from the seed's own streams, never the training
// ones, so evaluating changes nothing and gives the same numbers whatever GOMAXPROCS is; the
// formulas themselves live in metrics (the accumulators of stream.go); samples go through the
// SAE one at a time per instance, so memory does not grow with batch × n_inst × d_sae, with
// the bits of the whole-batch computation (Memory states what remains).
package eval
