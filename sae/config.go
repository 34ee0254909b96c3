// Package sae holds the toy sparse autoencoders of spec §2–§5, trained on a frozen toy
// model's hidden activations: their parameters, forward and backward passes side by side,
// the training loop in the reference's order, dead-latent resampling and the data log.
package sae

import (
	"fmt"
	"math"
	"strings"

	"saelab/optim"
)

// Config is ToySAEConfig (spec §2.1) plus the architecture choice.
type Config struct {
	NInst              int     `yaml:"n_inst"`
	DIn                int     `yaml:"d_in"`
	DSAE               int     `yaml:"d_sae"`
	Arch               string  `yaml:"arch"` // see Archs
	SparsityCoeff      float64 `yaml:"sparsity_coeff"`
	WeightNormalizeEps float64 `yaml:"weight_normalize_eps"`
	TiedWeights        bool    `yaml:"tied_weights"`
	STEEpsilon         float64 `yaml:"ste_epsilon"` // JumpReLU's rectangle-kernel bandwidth
}

// Archs lists the architectures Train accepts.
var Archs = []string{"standard"}

// DefaultConfig returns the reference defaults for an SAE over a toy model of nInst
// instances and hidden size dIn.
func DefaultConfig(nInst, dIn, dSAE int) Config {
	return Config{NInst: nInst, DIn: dIn, DSAE: dSAE, Arch: "standard", SparsityCoeff: 0.2, WeightNormalizeEps: 1e-8, STEEpsilon: 0.01}
}

// Validate reports the first field out of range.
func (c Config) Validate() error {
	switch {
	case c.NInst < 1:
		return fmt.Errorf("n_inst = %d: must be ≥ 1", c.NInst)
	case c.DIn < 1:
		return fmt.Errorf("d_in = %d: must be ≥ 1", c.DIn)
	case c.DSAE < 1 || c.DSAE > 1<<16:
		return fmt.Errorf("d_sae = %d: must be in [1, 65536]", c.DSAE)
	case !(c.SparsityCoeff >= 0) || math.IsInf(c.SparsityCoeff, 0):
		return fmt.Errorf("sparsity_coeff = %v: must be a finite number ≥ 0", c.SparsityCoeff)
	case !(c.WeightNormalizeEps >= 0) || c.WeightNormalizeEps > 1:
		return fmt.Errorf("weight_normalize_eps = %v: must be in [0, 1]", c.WeightNormalizeEps)
	case !(c.STEEpsilon > 0) || math.IsInf(c.STEEpsilon, 0):
		return fmt.Errorf("ste_epsilon = %v: must be a finite number > 0", c.STEEpsilon)
	}
	if c.NInst*c.DIn*c.DSAE > 1<<26 {
		return fmt.Errorf("n_inst·d_in·d_sae = %d: must be at most %d", c.NInst*c.DIn*c.DSAE, 1<<26)
	}
	for _, a := range Archs {
		if c.Arch == a {
			return nil
		}
	}
	return fmt.Errorf("arch = %q: must be one of %s", c.Arch, strings.Join(Archs, ", "))
}

// TrainConfig holds optimize's arguments (spec §2.7).
type TrainConfig struct {
	BatchSize        int     `yaml:"batch_size"`
	Steps            int     `yaml:"steps"`
	LogFreq          int     `yaml:"log_freq"`
	LR               float64 `yaml:"lr"`
	Schedule         string  `yaml:"lr_schedule"`
	Resample         string  `yaml:"resample_method"` // "none", "simple" or "advanced"
	ResampleFreq     int     `yaml:"resample_freq"`
	ResampleWindow   int     `yaml:"resample_window"`
	ResampleScale    float64 `yaml:"resample_scale"`
	HiddenSampleSize int     `yaml:"hidden_sample_size"`
	Beta1            float64 `yaml:"adam_beta1"`
	Beta2            float64 `yaml:"adam_beta2"`
	Eps              float64 `yaml:"adam_eps"`
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
	switch {
	case c.BatchSize < 1 || c.BatchSize > 1<<22:
		return fmt.Errorf("batch_size = %d: must be in [1, 4194304]", c.BatchSize)
	case c.Steps < 1:
		return fmt.Errorf("steps = %d: must be ≥ 1", c.Steps)
	case c.LogFreq < 1:
		return fmt.Errorf("log_freq = %d: must be ≥ 1", c.LogFreq)
	case !(c.LR > 0) || c.LR > 10:
		return fmt.Errorf("lr = %v: must be in (0, 10]", c.LR)
	case c.ResampleFreq < 1:
		return fmt.Errorf("resample_freq = %d: must be ≥ 1", c.ResampleFreq)
	case c.ResampleWindow < 1 || c.ResampleWindow > c.ResampleFreq:
		return fmt.Errorf("resample_window = %d: must be in [1, resample_freq = %d]", c.ResampleWindow, c.ResampleFreq)
	case !(c.ResampleScale >= 0) || math.IsInf(c.ResampleScale, 0):
		return fmt.Errorf("resample_scale = %v: must be a finite number ≥ 0", c.ResampleScale)
	case c.HiddenSampleSize < 1 || c.HiddenSampleSize > 1<<16:
		return fmt.Errorf("hidden_sample_size = %d: must be in [1, 65536]", c.HiddenSampleSize)
	case !(c.Beta1 >= 0 && c.Beta1 < 1):
		return fmt.Errorf("adam_beta1 = %v: must be in [0, 1)", c.Beta1)
	case !(c.Beta2 >= 0 && c.Beta2 < 1):
		return fmt.Errorf("adam_beta2 = %v: must be in [0, 1)", c.Beta2)
	case !(c.Eps > 0):
		return fmt.Errorf("adam_eps = %v: must be > 0", c.Eps)
	}
	switch c.Resample {
	case "none", "simple", "advanced":
	default:
		return fmt.Errorf("resample_method = %q: must be one of %s", c.Resample, strings.Join(ResampleMethods, ", "))
	}
	if _, err := optim.ParseSchedule(c.Schedule); err != nil {
		return err
	}
	if strings.HasPrefix(c.Schedule, "anthropic") && c.Steps <= 2501 {
		return fmt.Errorf("steps = %d: lr_schedule anthropic needs steps > 2501", c.Steps)
	}
	return nil
}
