package sae

// Record is one entry of the data log (spec §2.7), taken every LogFreq steps and at the last
// step on a separate HiddenSampleSize batch, with the parameters after the update.
// Shapes: B' = HiddenSampleSize, I = NInst, D = DIn, S = DSAE; all row-major.
//
// The per-sample tensors (and frac_active) are float32, as the reference logs them and as the
// data-log file stores them: nothing is computed from them but plots, the best-instance
// ranking and the frac_active curves, and float32 halves the log (the seed demo's 201 records
// take ~23 MB instead of ~47 MB). The parameters stay float64, exactly the SAE's values.
type Record struct {
	Step       int       // the training step (0-based) after whose update the record was taken
	FracActive []float32 // [I][S] on the B'-sample batch
	Loss       []float32 // [B'][I] per-sample total loss
	H          []float32 // [B'][I][D] inputs
	HR         []float32 // [B'][I][D] reconstructions
	// Params holds a copy of every trainable parameter by its reference name
	// ("W_enc", "_W_dec", "b_enc", "b_dec", and the architecture's own such as "W_gate", "log_theta"),
	// plus the non-trained state of SAE.State (BatchTopK/Matryoshka: "threshold" [I]).
	Params map[string][]float64
	// Terms holds each loss term per sample, [B'][I], by its reference name (SAE.TermNames:
	// "L_reconstruction", "L_sparsity", and "L_aux", "L_auxk", "L_matryoshka" where the
	// architecture has them). BatchTopK and Matryoshka records use their inference forward
	// (JumpReLU with θ = τ), like evaluation; the training batch's values are in DataLog.Scalars.
	Terms map[string][]float32
}

// DataLog is what Train returns: the records in step order plus what a reader needs to interpret them.
type DataLog struct {
	NInst, DIn, DSAE, SampleSize int      // the SAE's shape and each record's sample count B'
	Records                      []Record // in step order
	// Resamples lists the steps at which resampling ran, and how many latents it reset at each.
	Resamples []ResampleEvent
	// Scalars holds the training-batch values at each logged step (for metrics.jsonl).
	Scalars []Scalars
}

// ResampleEvent records one call of the resampler.
type ResampleEvent struct {
	Step int // the training step at which it ran
	Dead int // latents reset, summed over instances
}
