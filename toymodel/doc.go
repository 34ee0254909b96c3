// Package toymodel is the toy model of superposition (spec §1): x' = ReLU(WᵀWx + b) over
// n_inst independent instances, its sparse feature batches (spec §1.5) and its training loop
// (spec §1.7), with the importance and feature-probability values of spec §1.3.
//
// Use: New initialises a Model from a Config and two Values; Train runs optimize and returns
// the loss log; TrainWith is Train steered by a Control (stop, per-instance checkpoints,
// resume with the same bits) and guarded against divergence (ErrDiverged); ModelMemory and
// TrainMemory state what a model and its training allocate; Generate and GenerateInstance draw sparse batches; Forward, Loss and Hidden
// run dense batches; LossGradInstance is one instance's loss and gradient.
//
// Invariants:
//   - Same seed ⇒ the same bits, whatever GOMAXPROCS and whichever build: each instance
//     draws from its own stream (rng.New(seed, purpose, instance)) and trains on one worker,
//     and every sum is accumulated in the plain per-sample loop's order or in the lane
//     kernel's fixed order (lossGrad documents which kernel runs for which shape).
//   - Batches are sparse: only samples with an active feature are stored; the all-zero
//     samples are counted and share one forward.
//   - Generation is exact: the gap sampler draws the same Bernoulli(p) events as the
//     reference's one-uniform-per-feature rule (spec §1.5), in distribution, not in bits.
//   - A training step allocates nothing.
package toymodel
