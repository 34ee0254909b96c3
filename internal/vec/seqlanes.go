package vec

// seqLanes is the scratch of a SIMD twin that computes eight samples at once, one per lane, and
// must still add them to each accumulator one sample after the other, as its plain twin does
// (GatedLanes, JumpReLULanes). The accumulators sit in groups of eight slots: group 0 holds
// ∂b_dec [2] and the loss sums, group 1+j latent j's gradients. Per block of eight samples the
// twin writes each slot's term from each lane into c1, and for the slots that take a second
// term per sample (∂b_dec's −dhc; tied, ∂W's hc·du after ∂W_dec's) those into c2; seqAdd then
// adds, for sample 0, 1, …, 7 in turn, its terms to the group's accumulators. A term the
// plain loop skips is written as −0, which leaves every value unchanged (x + −0 = x for every
// x, ±0 included), so skipping and adding agree bit for bit; a latent whose terms are all
// skipped in a block is not added at all.
//
//	acc [1+S][8]        the accumulators, by group and slot
//	c1 [1+S][8][8]      a block's first terms, by group, slot and lane
//	c2 [1+S][2][8]      second terms of slots 0 and 1 of each group, by lane
type seqLanes struct {
	acc, c1, c2 []float64
}

// size makes room for 1+S groups.
func (q *seqLanes) size(S int) {
	if len(q.acc) != (1+S)*8 {
		q.acc, q.c1, q.c2 = make([]float64, (1+S)*8), make([]float64, (1+S)*64), make([]float64, (1+S)*16)
	}
}
