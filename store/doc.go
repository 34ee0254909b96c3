// Package store holds saelab's on-disk formats, one owner each: the toy-model file
// (model.safetensors), the SAE file (sae-<run>.safetensors), the data log
// (datalog-<run>.safetensors), summary.json, metrics.jsonl, the training checkpoints
// (checkpoint-toymodel.ckpt, checkpoint-sae-<run>.ckpt), the safetensors container they
// share, SAELens SAE directories (cfg.json and sae_weights.safetensors, saelens.go), atomic
// writes, run-directory locks, and the run-directory layout and its names.
//
// Invariants:
//   - Every write is atomic: a temporary file in the same directory, fsynced, renamed over the
//     target, the directory fsynced; a failed write leaves the old file and no temporary file.
//   - Readers validate everything before use (header sizes, dtypes, shapes against metadata,
//     finiteness of summary numbers) and never panic on a bad file; every error names the file
//     and the field.
//   - A model or SAE written and read back gives the same values as float32 (the reference's
//     dtype); importance, feature probability and BatchTopK's threshold round-trip exactly.
//   - A run's instance means (Means) are computed here and nowhere else.
//   - A checkpoint holds every training state exactly (F64, stream positions in 32-bit halves)
//     and is read back only by the run that wrote it (its metadata names the run).
package store
