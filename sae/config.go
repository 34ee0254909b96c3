package sae

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"saelab/optim"
)

// Config is ToySAEConfig (spec §2.1) plus the architecture choice and the hyperparameters of
// the architectures beyond the reference (spec §5). Fields an architecture does not use are
// ignored by it (and still validated for range).
type Config struct {
	NInst              int     `yaml:"n_inst"`               // instances I, the toy model's
	DIn                int     `yaml:"d_in"`                 // input size D, the toy model's d_hidden
	DSAE               int     `yaml:"d_sae"`                // latents S
	Arch               string  `yaml:"arch"`                 // see Archs
	SparsityCoeff      float64 `yaml:"sparsity_coeff"`       // λ, the L_sparsity weight of the L1/L0 architectures
	WeightNormalizeEps float64 `yaml:"weight_normalize_eps"` // ε of W_dec / (‖W_dec‖ + ε)
	TiedWeights        bool    `yaml:"tied_weights"`         // W_dec = W_encᵀ (spec §2.3)
	STEEpsilon         float64 `yaml:"ste_epsilon"`          // JumpReLU's rectangle-kernel bandwidth

	// K is the number of latents kept: per sample for topk (an integer in [1, d_sae]); on
	// average per sample for batchtopk and matryoshka (int(K·B) kept per batch; K in (0, d_sae]);
	// for matching_pursuit the pursuit steps per sample, its max_iterations (an integer in [1, 256]).
	K float64 `yaml:"k"`
	// AuxKCoeff scales the TopK family's AuxK loss (SAELens aux_loss_coefficient, default 1.0;
	// 0 turns it off). k_aux = d_in/2 is fixed by the spec (§5).
	AuxKCoeff float64 `yaml:"aux_k_coeff"`
	// DeadFeatureWindow: a latent is dead for AuxK once it has not fired for more than this
	// many training steps (SAELens dead_feature_window, default 1000).
	DeadFeatureWindow int `yaml:"dead_feature_window"`
	// RescaleActsByDecoderNorm selects on pre·‖W_dec,j‖ and divides the kept activations by
	// ‖W_dec,j‖ (TopK family). Default false: saelab renormalises untied decoders every step,
	// which makes it a no-op there (SAELens defaults it to true because it does not).
	RescaleActsByDecoderNorm bool `yaml:"rescale_acts_by_decoder_norm"`
	// TopKThresholdLR is the BatchTopK threshold EMA rate: τ ← (1−lr)·τ + lr·(min positive
	// kept activation) (SAELens topk_threshold_lr, default 0.01).
	TopKThresholdLR float64 `yaml:"topk_threshold_lr"`
	// MatryoshkaWidths are the nested prefix widths, strictly increasing, in [1, d_sae]; d_sae
	// is appended when the last is smaller (as SAELens does). Empty means the default
	// DefaultMatryoshkaWidths(d_sae) (saelab's choice; SAELens has no default).
	MatryoshkaWidths []int `yaml:"matryoshka_widths,flow"`
}

// DefaultConfig returns the reference defaults for an SAE over a toy model of nInst
// instances and hidden size dIn: ARENA's ToySAEConfig (§2.1) for the reference architectures,
// SAELens 6's for the TopK family (aux_loss_coefficient 1, dead_feature_window 1000,
// topk_threshold_lr 0.01), and K = 1 (saelab's toy default: SAELens's k = 100 exceeds d_sae).
func DefaultConfig(nInst, dIn, dSAE int) Config {
	return Config{NInst: nInst, DIn: dIn, DSAE: dSAE, Arch: "standard", SparsityCoeff: 0.2, WeightNormalizeEps: 1e-8, STEEpsilon: 0.01,
		K: 1, AuxKCoeff: 1, DeadFeatureWindow: 1000, TopKThresholdLR: 0.01}
}

// DefaultMatryoshkaWidths halves d_sae until 1 and returns the widths in increasing order:
// 5 → [1 2 5], 30 → [1 3 7 15 30], 16 → [1 2 4 8 16].
func DefaultMatryoshkaWidths(dSAE int) []int {
	var ws []int
	for w := dSAE; w >= 1; w /= 2 {
		ws = append([]int{w}, ws...)
	}
	return ws
}

// Widths returns the effective Matryoshka prefix widths: MatryoshkaWidths (or the default)
// with d_sae appended when missing.
func (c Config) Widths() []int {
	if len(c.MatryoshkaWidths) == 0 {
		return DefaultMatryoshkaWidths(c.DSAE)
	}
	ws := append([]int(nil), c.MatryoshkaWidths...)
	if ws[len(ws)-1] != c.DSAE {
		ws = append(ws, c.DSAE)
	}
	return ws
}

// Validate reports the first field out of range.
func (c Config) Validate() error {
	switch {
	case c.NInst < 1 || c.NInst > 1<<16:
		return fmt.Errorf("n_inst = %d: must be in [1, 65536]", c.NInst)
	case c.DIn < 1 || c.DIn > 1<<14:
		return fmt.Errorf("d_in = %d: must be in [1, 16384]", c.DIn)
	case c.DSAE < 1 || c.DSAE > 1<<16:
		return fmt.Errorf("d_sae = %d: must be in [1, 65536]", c.DSAE)
	case !(c.SparsityCoeff >= 0) || math.IsInf(c.SparsityCoeff, 0):
		return fmt.Errorf("sparsity_coeff = %v: must be a finite number ≥ 0", c.SparsityCoeff)
	case !(c.WeightNormalizeEps >= 0) || c.WeightNormalizeEps > 1:
		return fmt.Errorf("weight_normalize_eps = %v: must be in [0, 1]", c.WeightNormalizeEps)
	case !(c.STEEpsilon > 0) || math.IsInf(c.STEEpsilon, 0):
		return fmt.Errorf("ste_epsilon = %v: must be a finite number > 0", c.STEEpsilon)
	}
	if err := c.validateArch(); err != nil {
		return err
	}
	if c.NInst*c.DIn*c.DSAE > 1<<26 {
		return fmt.Errorf("n_inst·d_in·d_sae = %d: must be at most %d", c.NInst*c.DIn*c.DSAE, 1<<26)
	}
	return nil
}

// validateArch checks the arch name and the hyperparameters of the architectures beyond the
// reference; each error names the field, its value and what is allowed.
func (c Config) validateArch() error {
	if !slices.Contains(Archs, c.Arch) {
		return fmt.Errorf("arch = %q: must be one of %s", c.Arch, strings.Join(Archs, ", "))
	}
	switch {
	case !(c.AuxKCoeff >= 0) || math.IsInf(c.AuxKCoeff, 0):
		return fmt.Errorf("aux_k_coeff = %v: must be a finite number ≥ 0", c.AuxKCoeff)
	case c.DeadFeatureWindow < 0:
		return fmt.Errorf("dead_feature_window = %d: must be ≥ 0", c.DeadFeatureWindow)
	case !(c.TopKThresholdLR >= 0 && c.TopKThresholdLR <= 1):
		return fmt.Errorf("topk_threshold_lr = %v: must be in [0, 1]", c.TopKThresholdLR)
	}
	return lookupArch(c.Arch).validate(c)
}

// TrainConfig holds optimize's arguments (spec §2.7).
type TrainConfig struct {
	BatchSize        int     `yaml:"batch_size"`         // samples per step B
	Steps            int     `yaml:"steps"`              // training steps
	LogFreq          int     `yaml:"log_freq"`           // a data-log record every LogFreq steps, and at the last
	LR               float64 `yaml:"lr"`                 // Adam's learning rate before the schedule
	Schedule         string  `yaml:"lr_schedule"`        // an optim.ScheduleNames name
	Resample         string  `yaml:"resample_method"`    // "none", "simple" or "advanced"
	ResampleFreq     int     `yaml:"resample_freq"`      // resample at steps ResampleFreq−1, 2·ResampleFreq−1, …
	ResampleWindow   int     `yaml:"resample_window"`    // dead: silent on every batch of the last window steps
	ResampleScale    float64 `yaml:"resample_scale"`     // the resampled encoder's scale (spec §2.9, §2.10)
	HiddenSampleSize int     `yaml:"hidden_sample_size"` // samples of each data-log record
	Beta1            float64 `yaml:"adam_beta1"`         // Adam β1
	Beta2            float64 `yaml:"adam_beta2"`         // Adam β2
	Eps              float64 `yaml:"adam_eps"`           // Adam ε
	// Workers bounds the instances trained at once (0: GOMAXPROCS), for a caller that trains
	// several SAEs side by side (a sweep's parallel cells). It is not part of the config
	// format and cannot change a result.
	Workers int `yaml:"-"`
}

// DefaultTrainConfig is the reference's optimize defaults.
func DefaultTrainConfig() TrainConfig {
	return TrainConfig{BatchSize: 1024, Steps: 10000, LogFreq: 100, LR: 1e-3, Schedule: "constant",
		Resample: "none", ResampleFreq: 2500, ResampleWindow: 500, ResampleScale: 0.5, HiddenSampleSize: 256,
		Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
}

// ResampleMethods lists the accepted resample_method values.
var ResampleMethods = []string{"none", "simple", "advanced"}

// Validate reports the first field out of range.
func (c TrainConfig) Validate() error {
	if err := optim.ValidateLoop(c.BatchSize, c.Steps, c.LogFreq, c.LR, c.Schedule, c.Beta1, c.Beta2, c.Eps); err != nil {
		return err
	}
	switch {
	case c.ResampleFreq < 1:
		return fmt.Errorf("resample_freq = %d: must be ≥ 1", c.ResampleFreq)
	case c.ResampleWindow < 1 || c.ResampleWindow > c.ResampleFreq:
		return fmt.Errorf("resample_window = %d: must be in [1, resample_freq = %d]", c.ResampleWindow, c.ResampleFreq)
	case !(c.ResampleScale >= 0) || math.IsInf(c.ResampleScale, 0):
		return fmt.Errorf("resample_scale = %v: must be a finite number ≥ 0", c.ResampleScale)
	case c.HiddenSampleSize < 1 || c.HiddenSampleSize > 1<<16:
		return fmt.Errorf("hidden_sample_size = %d: must be in [1, 65536]", c.HiddenSampleSize)
	}
	switch c.Resample {
	case "none", "simple", "advanced":
	default:
		return fmt.Errorf("resample_method = %q: must be one of %s", c.Resample, strings.Join(ResampleMethods, ", "))
	}
	return nil
}
