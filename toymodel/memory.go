package toymodel

import (
	"fmt"

	"saelab/internal/mem"
)

// What a toy model and its training allocate, stated next to the code that allocates it, so
// that a run too large for its memory limit is refused before anything is allocated (see
// internal/mem). Sizes follow the config alone; the sparse batches use the expected number of
// active features.

// ExpectedActive is the largest expected number of active features of one sample over the
// instances, max_i Σ_f p[i,f]: a batch of B samples of instance i holds about B times that
// many feature entries.
func (m *Model) ExpectedActive() float64 {
	I, F := m.Cfg.NInst, m.Cfg.NFeatures
	best := 0.0
	for i := 0; i < I; i++ {
		var s float64
		for _, p := range m.FeatureProbability[i*F : (i+1)*F] {
			s += p
		}
		best = max(best, s)
	}
	return best
}

// ModelMemory is a model's own tensors and sampling units.
func ModelMemory(c Config) mem.Estimate {
	I, H, F := float64(c.NInst), float64(c.DHidden), float64(c.NFeatures)
	var e mem.Estimate
	e.Add("toy model (n_inst·n_features·d_hidden)", (I*H*F+3*I*F)*mem.Float64+I*F*24)
	return e
}

// BatchMemory is one instance's sparse batch of B samples with about active features each:
// per entry its feature, value and gap-sampler position; per sample its index and start.
func BatchMemory(B int, active float64) float64 {
	return float64(B)*2*mem.Int32 + float64(B)*active*(mem.Int32+mem.Float64+mem.Int)
}

// TrainMemory is what TrainWith allocates for a model of config c trained with tc besides the
// model itself: Adam's moments, the loss log, each worker's scratch and batch (workers
// instances train at once), and with checkpoint the snapshots and the checkpoint file's copy.
func TrainMemory(c Config, tc TrainConfig, active float64, workers int, checkpoint bool) mem.Estimate {
	I, H, F := float64(c.NInst), float64(c.DHidden), float64(c.NFeatures)
	n := I*H*F + I*F
	T := float64(NumLogSteps(tc.Steps, tc.LogFreq))
	var e mem.Estimate
	e.Add("Adam moments", 2*n*mem.Float64)
	e.Add(fmt.Sprintf("loss log (%.0f records × n_inst %.0f; set by steps/log_freq)", T, I), T*I*mem.Float64+T*24)
	// The large-shape scratch (grad.go): Wᵀ, ∂Wᵀ and W with padded rows (at most 16 more values
	// each), four chunk matrices of toyChunk rows, and vectors of F or H; small shapes need less.
	C := float64(toyChunk)
	scratch := (3*(H+16)*(F+16)+2*C*(F+16)+2*C*(H+16)+12*F+10*H)*mem.Float64 + BatchMemory(tc.BatchSize, active)
	e.Add(fmt.Sprintf("%d workers' scratch and batches (set by batch_size %d × %.3g active features per sample: n_features·feature_probability)", workers, tc.BatchSize, active), float64(workers)*scratch)
	if checkpoint {
		e.Add("checkpoint snapshots and file", 2*(3*n+T*I)*mem.Float64)
	}
	return e
}
