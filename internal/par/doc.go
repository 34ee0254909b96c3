// Package par runs independent per-instance work on GOMAXPROCS workers (ForEach,
// ForEachRange, ForEachBlock, ForEachBlockTicking) and lets the workers publish progress for
// another goroutine to read (Board, Slot).
//
// Invariant: par only schedules. Callers give each index its own slices and random stream, so
// the schedule, and GOMAXPROCS, cannot change any result.
package par
