// Package sae holds the toy sparse autoencoders of spec §2–§5, trained on a frozen toy
// model's hidden activations h = W[0]·x (spec §2.4): their parameters, forward and backward
// passes side by side, the training loop in the reference's order (spec §2.7), dead-latent
// resampling (spec §2.9–§2.11) and the data log.
//
// Use: New builds an SAE from a Config over a toy model; Train runs the reference's optimize
// loop and returns a DataLog; TrainWith is Train steered by a Control (stopped by a context,
// checkpointed per instance, resumed from a Checkpoint with the uninterrupted run's bits) and
// guarded against divergence (ErrDiverged at the first logged step whose loss or parameters
// are not finite); Forward, ForwardParallel and ForwardTraining run a dense batch through it,
// InstanceForward one sample at a time; Params and State list the tensors a file holds;
// TrainMemory, LogMemory, Memory and WorkerMemory state what training allocates (memory.go),
// CheckTraining what the two configs must satisfy together; SAELensTensors and SAELensConfig
// give one instance in SAELens's inference layout (saelens.go). Archs lists the architectures,
// and AnimationRows, AnimatesBestOnly, EncoderName and Describe answer what code around the
// engine asks of one by name.
//
// Invariants:
//   - Same seed and config ⇒ the same bits, whatever GOMAXPROCS and whichever build (plain or
//     GOEXPERIMENT=simd): each instance trains on one worker with its own random streams, and
//     every sum is accumulated in a fixed order (standardBatch documents the orders; the
//     Gated and JumpReLU batches add their samples in sample order, through
//     vec.GatedLanes and vec.JumpReLULanes at d_in = 2).
//   - All-zero samples (h = 0 exactly, the bulk of a sparse batch) share one forward and one
//     gradient contribution weighted by their count, which is exact.
//   - Every hand-derived gradient has a finite-difference test; the reference's numbers are
//     golden-vector tests (testdata/golden).
//   - A training step allocates nothing, and nothing the loop keeps grows with the steps but
//     the data log (whose records are counted by the memory estimate).
//   - A run resumed from a checkpoint equals the uninterrupted run bit for bit: an instance's
//     state at a step boundary is its parameters' and Adam's slices, its fired counters, its
//     three streams' positions and its share of the log, and the rest is step-indexed.
//
// # Architectures
//
// Each architecture is one value of the unexported interface arch (arch.go), picked from
// archTable by Config.Arch once in New: its file holds its parameters (names, shapes,
// initialisation), loss terms and how they combine, per-sample forward and backward, training
// batch, per-instance preparation, non-trained state, resampling resets and write order,
// hyperparameter validation, and what the reports ask of it (animation rows, best-only
// animation, encoder name, description). The standard SAE is spec §2, Gated §3, JumpReLU §4,
// the TopK family (TopK, BatchTopK, Matryoshka BatchTopK) §5, and Matching Pursuit the MP SAE
// of §11.3 (no encoder: greedy pursuit over the decoder rows); §10 lists the reference's
// quirks kept on purpose.
//
// To add an architecture (the files to touch):
//  1. one new file, e.g. sae/myarch.go, with a type embedding base (or an architecture it
//     resembles, e.g. standardArch) that implements name, bind (allocate the tensors it uses,
//     e.g. BEnc) and sample (its forward and backward), and overrides whatever else differs:
//     params, termNames, loss, prep, batch, normalizedDecoder, state, afterStep,
//     resetLatent, resampleLatent, saelens (its SAELens export, when not the standard SAE's),
//     validate, describe, animationRows, animatesBestOnly, encoderName. Per-instance scratch beyond archWork's fields goes in archWork.ext, made
//     by prep. A parameter tensor of a new kind also needs its field in SAE (sae.go);
//  2. arch.go: its zero value in archTable;
//  3. its tests: a finite-difference test of sample, golden vectors if a reference exists,
//     and ExampleArchs's output; TestArchTrainSmoke and the other Archs loops pick it up.
//
// Outside the package nothing needs to change; by choice, a run in config.Compare (then
// cmd/saelab's compare test lists it and internal/fingerprint's compare hashes gain it) and
// the user docs (README, docs/architectures.md, docs/resampling.md).
//
// Code outside the package asks Params, State, TermNames and the helpers above instead of
// switching on architecture names. Nothing assumes d_in = 2: the lane kernels are picked by
// shape, and larger shapes run the general paths.
package sae
