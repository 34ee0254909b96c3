// Package synth generates synthetic activations with known ground-truth features, as SAELens's
// sae_lens.synthetic does, and measures sparse autoencoders against that truth
// (SynthSAEBench). Spec: synthetic.md §1–§7 (generator and model), §9 (metrics), §11.1
// (SynthSAEBench-16k), Appendix A (PyTorch's CPU randn).
//
// # What it holds
//
//   - Config (§7.1) with every SAELens field, validated before anything is allocated;
//     ProbabilityConfig (§2: zipfian, linear, random, constant), Magnitude (§3: constant,
//     linear, exponential, folded normal), HierarchyConfig (§6.2).
//   - Dictionary (§1): unit feature vectors V [F×H] and a bias b; Orthogonalize (§1.1), Adam on
//     Σ_{i≠j}(e_i·e_j)² + F·Σ_i(‖e_i‖²−1)² with a hand-written gradient (two vec.Gemm products
//     per step).
//   - GenerateHierarchy (§6.3), CompensationFactors (§6.5) and the Node forest; LowRank, the
//     Gaussian-copula correlation C = Fm·Fmᵀ + diag(d) (§4.1); Threshold, t = Φ⁻¹(1 − p).
//   - Generator (§5, §6.4): sparse batches of activations a; Dictionary.Hidden: x = a·V + b.
//   - Model, New and Assemble (§7.2, §7.3.2); the files are in the sub-package modeldir.
//   - Evaluator and Evaluate (§9): true and SAE L0, dead latents, shrinkage, explained
//     variance, MCC (AssignMax: an exact rectangular assignment), uniqueness, per-latent
//     precision, recall, F1 and accuracy; Superposition and LowRank.CorrelationStats (§9.1).
//   - TorchRand and TorchRandn: PyTorch's CPU torch.rand and torch.randn for a seeded generator.
//   - The presets SynthSAEBench16k (§11.1) and Mini.
//
// # Invariants
//
//   - Sampling is exact: a batch has the distribution of the reference's order of operations
//     (firing, magnitude, gating or rescaling, mutual exclusion), checked against a dense
//     reference sampler. Every feature fires with its probability p_f, with or without the
//     copula; a child is never active without its effective parent; a mutually exclusive group
//     never has two active members.
//   - Sampling is sparse. Features outside the copula are drawn by geometric gaps and exact
//     thinning, so their cost follows the firings; children are drawn only under an active
//     parent (with compensated probabilities the reference fires about 5,000 of
//     SynthSAEBench-16k's features per sample to keep 34). With a correlation, each sample
//     costs one rank-r dot product and one comparison per top-level feature (roots and
//     features outside the hierarchy): the copula's common factor touches them all.
//   - Determinism: every draw comes from rng.New(seed, purpose, …) with the package's own
//     purposes; a batch is drawn in chunks of SampleChunk samples, chunk c from its own
//     streams, so the bits do not depend on GOMAXPROCS. The float32 products go through
//     vec.Gemm, whose SIMD and plain builds agree bit for bit, so the two builds give the
//     same models and batches too.
//   - PyTorch's draws are reproduced where the files need them: σ (folded normal, seed+1), μ
//     (seed+2) and "random" probabilities (seed) equal SAELens's to float rounding. The
//     dictionary, the correlation factor and any random hierarchy choices use saelab's streams
//     (same distributions, different values): SAELens models are loaded from their files, not
//     rebuilt. A null seed is taken as 0.
//   - Loading computes the copula thresholds from the stored probabilities (SAELens 6.39 keeps
//     the ones of the config's regenerated probabilities) and warns when the two differ.
//
// # Presets
//
// SynthSAEBench16k is the published model's config (16,384 features in 768 dimensions, 128
// trees of branching 4 and depth 3 = 10,880 hierarchy features, rank-25 correlation). Its
// stored probabilities match §11.1 to the printed digits, and its true L0 is 34.4 overall and
// 25.1 over the first 4,096 features. SAELens's V and Fm came from a CUDA generator: to
// reproduce the published numbers, load the published files with modeldir.Load.
//
// Mini is the same model scaled for a CPU benchmark of about 30 minutes on two cores:
//
//	features            4,096 (16384/4)          hidden dim        256 (superposition 16×)
//	hierarchy           32 trees × 4 × 4 × 4     = 2,720 features (two thirds, as in 16k)
//	firing              Zipfian 0.5, 0.4 → 5e-4  compensated, all parents ME and rescaling
//	correlation         rank 25, scale 0.1       rms correlation 0.050
//	magnitudes          μ 5 → 4, σ |N(0.5, 0.5)| bias norm 0.5, seed 42
//	true L0             16.0 overall, 12.2 over the first 1,024 features
//	geometry            mean max |cos| 0.228 (100 orthogonalisation steps at lr 3e-4)
//
// An SAE of width 1,024 (F/4, as 4,096 is for 16k) at L0 ≈ 12 plays the role of the full
// benchmark's width 4,096 at L0 = 25. Building Mini costs about 18 CPU-seconds, nearly all of
// it the orthogonalisation (SynthSAEBench16k: about 6 CPU-seconds per step, 100 steps); a
// batch of 1,024 Mini samples costs about 7 ms of one core, and x = a·V + b about 1 ms.
package synth
