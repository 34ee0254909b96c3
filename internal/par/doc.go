// Package par runs independent per-instance work on GOMAXPROCS workers (ForEach,
// ForEachRange, ForEachBlock, ForEachBlockTicking) and lets the workers publish progress for
// another goroutine to read (Board, Slot), stop between steps (Stop) and hand snapshots of
// their instances to a saving goroutine (Keeper, for training checkpoints).
//
// Invariant: par only schedules. Callers give each index its own slices and random stream, so
// the schedule, and GOMAXPROCS, cannot change any result.
package par
