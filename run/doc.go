// Package run is saelab's pipeline: a run directory, the toy model trained (or loaded), each SAE
// run trained, evaluated and saved, the summary and the report. Every command that trains
// (demo, compare, train-model, train-sae) is one Plan given to Execute, and a sweep runs each
// of its cells the same way.
//
// The synthetic benchmark has its own, smaller pipelines in the same conventions (a claimed
// output directory, observer events, atomic writes): SynthGenerate and SynthModelStats
// (synth.go, synth_stats.go), SynthTrain (synth_train.go) and SynthBench (synth_bench.go).
// ExportSAEs (export.go) writes a run directory's toy SAEs in SAELens's format.
//
// Progress and results go to an Observer as events (a phase started, training progress, a run
// finished, a file written, the pipeline finished), never to a terminal, so that a progress
// bar, a test, a sweep runner or a web server can each listen. When its context is cancelled,
// Execute stops the training within a step, checkpoints it and marks the run interrupted in
// summary.json; Options.Resume continues such a directory (resume.go). Before anything is
// allocated, a plan's peak memory is estimated and refused above MemoryLimit (limits.go).
//
// Invariants:
//   - Everything a plan needs is validated before the run directory is created.
//   - A run directory has one owner: Execute claims it with a lock file, held until it returns.
//   - Every file is written atomically; summary.json and metrics.jsonl are rewritten after each
//     finished run, so the directory always describes the runs completed so far.
//   - SAEs train on the toy model as its file holds it (float32 weights), so train-sae on a
//     directory reproduces the SAEs of the run that wrote it.
//   - The same plan and seed give the same bits in every file but the wall times, whether the
//     run was interrupted and resumed (even after kill -9) or not.
//   - A training phase checkpoints into the directory every Options.CheckpointEvery and
//     removes its checkpoint once its results are written; a diverged phase stops at the
//     logged step where it shows, is listed as failed, and writes nothing non-finite.
package run
