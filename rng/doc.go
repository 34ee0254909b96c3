// Package rng holds saelab's seeded random streams (xoshiro256++) and the exact sparse
// Bernoulli sampler (geometric gaps) the toy model's batches use (spec §1.5).
//
// Every random draw in saelab comes from a Stream derived from (seed, keys...), one per
// instance and purpose (the Purpose constants), so results do not depend on goroutine
// scheduling or GOMAXPROCS, and adding draws for one purpose never shifts another's. A
// stream's position (State) can be saved and restored (FromState), for training checkpoints.
//
// A stream can also be drawn in eight lanes at once (Lanes, made with a Leap that jumps n draws
// ahead in 256 state updates): lane k draws the stream's stretch [k·n, (k+1)·n), so a caller
// that gives each lane the work the sequential loop would have drawn from that stretch gets the
// same bits, and the stream's state after all eight stretches is lane 7's. The SIMD build
// advances the lanes with one vector update (TestLanesMatchStream pins it to the plain loop).
package rng
