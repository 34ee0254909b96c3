// Package sweep runs many configs at once: a sweep file (a base config, grid and zip keys, and
// seeds) expands into cells, each one resolved config plus one seed, run by the library
// pipeline (package run) and recorded in an embedded SQLite database. A sweep resumes where it
// stopped, splits into shards for a Slurm job array or a Kubernetes Indexed Job, merges the
// shards' results, exports them as CSV or JSON lines, and writes the cluster manifests.
//
// Invariants:
//   - A cell's id is a hash of its fully resolved config and seed: the same cell in two sweeps
//     has the same id, whatever the YAML style or the spelling of its numbers.
//   - The whole sweep file is validated, every cell resolved, before anything is created; sizes
//     are bounded (MaxCells, MaxValues, MaxSeeds, MaxKeys).
//   - A cell's results are committed only after its files are complete (each written
//     atomically by the pipeline); a process killed at any moment loses at most its cells in
//     flight, and the next run redoes them, so a resumed sweep's table equals an uninterrupted
//     one's (all but the wall times).
//   - A toy model is trained once per (model config, seed) per directory and shared by every
//     cell that uses it; results do not depend on which process or shard trained it.
//   - Shard i of N writes only under DIR/shards/<i>/: its own database, models and cells. The
//     assignment of cells to shards is a deterministic function of the cells and N, balanced
//     by estimated cost. No SQLite file is ever written by two processes.
//   - Instance means come from store.RunSummary.Means, their one owner.
//   - A synthetic sweep (a synth section) has one SAE per cell, trained by run.SynthTrain; its
//     model is generated once per (preset, config) per directory, or given and hashed into
//     the cell ids. Its metrics are synth.Result's, mapped to columns in one place (Metrics).
package sweep
