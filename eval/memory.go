package eval

import (
	"fmt"

	"saelab/internal/mem"
	"saelab/sae"
	"saelab/toymodel"
)

// Memory is what SAE (and Figure15) holds besides the SAE itself for an SAE of config c on a
// model of F features whose samples have about active features each, with workers instances
// evaluated at once: per worker its sparse batch (DeadSamples samples, the largest), its
// forward's scratch, the instance's decoder directions, and the recovery's [F][S] cosine
// matrices (signed, absolute, and the assignment's costs). Nothing scales with the batch times
// d_sae: the samples go through the forward one at a time.
func Memory(c sae.Config, F int, active float64, workers int) mem.Estimate {
	P, _, _ := sae.Sizes(c)
	D, S, f := float64(c.DIn), float64(c.DSAE), float64(F)
	per := toymodel.BatchMemory(DeadSamples, active) +
		(3*f*S+4*S*D+float64(P)/float64(c.NInst)+40*S+20*D+4*f)*mem.Float64
	var e mem.Estimate
	e.Add(fmt.Sprintf("evaluation (%d workers: batch, scratch, recovery matrices; set by n_features·d_sae)", workers), float64(workers)*per)
	return e
}
