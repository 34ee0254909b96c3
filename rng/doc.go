// Package rng holds saelab's seeded random streams (xoshiro256++) and the exact sparse
// Bernoulli sampler (geometric gaps) the toy model's batches use (spec §1.5).
//
// Every random draw in saelab comes from a Stream derived from (seed, keys...), one per
// instance and purpose (the Purpose constants), so results do not depend on goroutine
// scheduling or GOMAXPROCS, and adding draws for one purpose never shifts another's. A
// stream's position (State) can be saved and restored (FromState), for training checkpoints.
package rng
