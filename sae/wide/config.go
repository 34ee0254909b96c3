package wide

import (
	"fmt"
	"math"
	"slices"
)

// Archs lists the architectures Train accepts, in the order of the spec's sweeps plus Gated.
var Archs = []string{"standard", "topk", "batchtopk", "matryoshka", "jumprelu", "gated", "matching_pursuit"}

// Size limits, checked by Validate before anything is allocated.
const (
	MaxDIn    = 8192
	MaxDSAE   = 1 << 16
	MaxParams = 1 << 26 // d_in × d_sae
	MaxBatch  = 1 << 14
)

// Config describes one SAE in SAELens's training terms.
type Config struct {
	Arch            string
	DIn, DSAE       int
	K               int     // topk, batchtopk, matryoshka: active latents per sample; matching_pursuit: iterations
	L1Coeff         float64 // standard, gated: L1 coefficient; jumprelu: L0 coefficient
	DecoderInitNorm float64 // norm of every initial decoder row (SAELens decoder_init_norm)

	ApplyBDecToInput bool // subtract b_dec from the input before encoding
	// NormalizeActivations is "none" or "expected_average_only_in": inputs are scaled by
	// √d_in / E‖x‖ (estimated before training) and the factor is folded into the weights.
	NormalizeActivations string

	RescaleActsByDecoderNorm bool    // topk family: select on pre·‖W_dec,j‖
	AuxLossCoeff             float64 // topk family and matching_pursuit: AuxK coefficient
	TopKThresholdLR          float64 // batchtopk, matryoshka: EMA rate of the inference threshold
	MatryoshkaWidths         []int   // strictly increasing, last = d_sae
	UseMatryoshkaAuxLoss     bool    // one AuxK term per matryoshka level

	JumpReLUInitThreshold float64
	JumpReLUBandwidth     float64

	ResidualThreshold      float64 // matching_pursuit: stop a sample once ‖r‖ is below it (0: off)
	StopOnDuplicateSupport bool    // matching_pursuit: stop a sample once its support stops growing
}

// DefaultConfig returns the SynthSAEBench protocol's settings (spec synthetic.md §11.3) for an
// SAE meant to reach L0 ≈ l0.
func DefaultConfig(arch string, dIn, dSAE int, l0 float64) Config {
	k := max(1, int(math.Round(l0)))
	c := Config{Arch: arch, DIn: dIn, DSAE: dSAE, DecoderInitNorm: 0.1, ApplyBDecToInput: true,
		NormalizeActivations: "none", AuxLossCoeff: 1, TopKThresholdLR: 0.01,
		JumpReLUInitThreshold: 1, JumpReLUBandwidth: 1}
	switch arch {
	case "standard":
		c.L1Coeff = 2
	case "topk", "batchtopk":
		c.K, c.RescaleActsByDecoderNorm = k, true
	case "matryoshka":
		c.K, c.RescaleActsByDecoderNorm, c.UseMatryoshkaAuxLoss = k, true, true
		for _, w := range []int{128, 512, 2048} {
			if w < dSAE {
				c.MatryoshkaWidths = append(c.MatryoshkaWidths, w)
			}
		}
		c.MatryoshkaWidths = append(c.MatryoshkaWidths, dSAE)
	case "jumprelu":
		c.L1Coeff, c.DecoderInitNorm, c.NormalizeActivations = 1, 0.5, "expected_average_only_in"
	case "gated":
		c.L1Coeff = 1
	case "matching_pursuit":
		c.K, c.DecoderInitNorm = k, 1
	}
	return c
}

func (c Config) sparse() bool { return c.K > 0 && c.Arch != "standard" }

func (c Config) topkFamily() bool {
	return c.Arch == "topk" || c.Arch == "batchtopk" || c.Arch == "matryoshka"
}

func finiteIn(name string, v, lo, hi float64) error {
	if !(v >= lo && v <= hi) {
		return fmt.Errorf("%s = %g: must be a number in [%g, %g]", name, v, lo, hi)
	}
	return nil
}

// Validate checks every field for the chosen architecture.
func (c Config) Validate() error {
	if !slices.Contains(Archs, c.Arch) {
		return fmt.Errorf("architecture %q: must be one of %v", c.Arch, Archs)
	}
	if c.DIn < 2 || c.DIn > MaxDIn {
		return fmt.Errorf("d_in = %d: must be in [2, %d]", c.DIn, MaxDIn)
	}
	if c.DSAE < 1 || c.DSAE > MaxDSAE || int64(c.DIn)*int64(c.DSAE) > MaxParams {
		return fmt.Errorf("d_sae = %d: must be in [1, %d] with d_in × d_sae ≤ %d", c.DSAE, MaxDSAE, MaxParams)
	}
	if err := finiteIn("decoder_init_norm", c.DecoderInitNorm, 1e-6, 1e3); err != nil {
		return err
	}
	if c.NormalizeActivations != "none" && c.NormalizeActivations != "expected_average_only_in" {
		return fmt.Errorf("normalize_activations %q: must be \"none\" or \"expected_average_only_in\"", c.NormalizeActivations)
	}
	if c.Arch == "matching_pursuit" && c.NormalizeActivations != "none" {
		return fmt.Errorf("normalize_activations %q: matching_pursuit supports only \"none\" (its encoding does not commute with the rescaling)", c.NormalizeActivations)
	}
	switch c.Arch {
	case "standard", "gated", "jumprelu":
		if err := finiteIn("l1_coefficient", c.L1Coeff, 0, 1e6); err != nil {
			return err
		}
	default:
		if c.K < 1 || c.K > c.DSAE {
			return fmt.Errorf("k = %d: must be in [1, d_sae = %d]", c.K, c.DSAE)
		}
		if err := finiteIn("aux_loss_coefficient", c.AuxLossCoeff, 0, 1e6); err != nil {
			return err
		}
	}
	switch c.Arch {
	case "batchtopk", "matryoshka":
		if err := finiteIn("topk_threshold_lr", c.TopKThresholdLR, 0, 1); err != nil {
			return err
		}
	case "jumprelu":
		if err := finiteIn("jumprelu_init_threshold", c.JumpReLUInitThreshold, 1e-6, 1e6); err != nil {
			return err
		}
		if err := finiteIn("jumprelu_bandwidth", c.JumpReLUBandwidth, 1e-6, 1e6); err != nil {
			return err
		}
	case "matching_pursuit":
		if err := finiteIn("residual_threshold", c.ResidualThreshold, 0, 1e12); err != nil {
			return err
		}
	}
	if c.Arch == "matryoshka" {
		ws := c.MatryoshkaWidths
		if len(ws) == 0 || ws[len(ws)-1] != c.DSAE {
			return fmt.Errorf("matryoshka_widths = %v: must be non-empty and end with d_sae = %d", ws, c.DSAE)
		}
		for i, w := range ws {
			if w < 1 || (i > 0 && w <= ws[i-1]) {
				return fmt.Errorf("matryoshka_widths = %v: must be strictly increasing positive widths", ws)
			}
		}
	}
	return nil
}

// TrainConfig holds the trainer's settings (spec synthetic.md §8.2–§8.3, §11.3).
type TrainConfig struct {
	Samples  int64   // training samples; steps = ⌈Samples/Batch⌉
	Batch    int     // samples per step
	LR       float64 // Adam learning rate
	LREnd    float64 // learning rate at the end of the decay (0: LR/10)
	Seed     uint64  // initialisation and data
	TargetL0 float64 // > 0: the L0 autotuner drives standard's, jumprelu's and gated's coefficient

	WarmupSteps, DecaySteps int // linear LR warm-up from LR/WarmupSteps, and linear decay to LREnd at the end
	// CoeffWarmupSteps is the sparsity coefficient's linear warm-up, and AutotuneStart the
	// first step the autotuner acts; −1 means the protocol's choice: a third of the steps for
	// standard, 0 otherwise.
	CoeffWarmupSteps, AutotuneStart int
	// AutotuneTimeScale speeds the L0 autotuner up for runs shorter than the protocol's
	// (see Autotuner.Rescale): its gains were chosen for ProtocolSteps steps and cannot steer
	// a run of a few thousand. 0 means AutotuneTimeScale(steps) for standard and gated:
	// ProtocolSteps/steps for short runs, exactly 1 (the protocol's controller) from
	// ProtocolSteps steps on; and 1 for jumprelu, whose L0 is bounded by how fast its
	// thresholds learn, not by its coefficient.
	AutotuneTimeScale float64

	Beta1, Beta2, Eps float64 // Adam
	ClipNorm          float64 // global gradient-norm clip (0: none)
	DeadWindow        int     // a latent silent for more steps than this is dead (AuxK)
	NormBatches       int     // batches for the expected_average_only_in estimate
}

// DefaultTrainConfig returns SAELens's runner defaults with a short run (about 2,000 steps).
func DefaultTrainConfig() TrainConfig {
	return TrainConfig{Samples: 2000 * 1024, Batch: 1024, LR: 3e-4, Seed: 0, CoeffWarmupSteps: -1, AutotuneStart: -1,
		Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, ClipNorm: 1, DeadWindow: 1000, NormBatches: 100}
}

// Steps is the number of optimisation steps, ⌈Samples/Batch⌉.
func (tc TrainConfig) Steps() int {
	if tc.Batch < 1 {
		return 0
	}
	return int((tc.Samples + int64(tc.Batch) - 1) / int64(tc.Batch))
}

// MaxSteps bounds a run's length.
const MaxSteps = 1 << 30

// Validate checks the training settings.
func (tc TrainConfig) Validate() error {
	if tc.Batch < 1 || tc.Batch > MaxBatch {
		return fmt.Errorf("batch = %d: must be in [1, %d]", tc.Batch, MaxBatch)
	}
	if tc.Samples < 1 || tc.Steps() > MaxSteps {
		return fmt.Errorf("samples = %d: must be at least 1 and at most %d steps of the batch", tc.Samples, MaxSteps)
	}
	for _, f := range []struct {
		n      string
		v      float64
		lo, hi float64
	}{{"lr", tc.LR, 1e-12, 10}, {"lr_end", tc.LREnd, 0, 10}, {"target_l0", tc.TargetL0, 0, 1e6},
		{"autotune_time_scale", tc.AutotuneTimeScale, 0, MaxAutotuneTimeScale},
		{"adam_beta1", tc.Beta1, 0, 0.999999}, {"adam_beta2", tc.Beta2, 0, 0.999999999}, {"adam_eps", tc.Eps, 1e-30, 1},
		{"clip_norm", tc.ClipNorm, 0, 1e12}} {
		if err := finiteIn(f.n, f.v, f.lo, f.hi); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		n  string
		v  int
		lo int
	}{{"lr_warm_up_steps", tc.WarmupSteps, 0}, {"lr_decay_steps", tc.DecaySteps, 0},
		{"coefficient_warm_up_steps", tc.CoeffWarmupSteps, -1}, {"autotune_start", tc.AutotuneStart, -1},
		{"dead_feature_window", tc.DeadWindow, 1}, {"norm_batches", tc.NormBatches, 1}} {
		if f.v < f.lo || f.v > MaxSteps {
			return fmt.Errorf("%s = %d: must be in [%d, %d]", f.n, f.v, f.lo, MaxSteps)
		}
	}
	return nil
}

// MemoryBytes estimates Train's peak memory for c and tc: parameters with their gradients
// and Adam moments, the dense pre-activations, the active-latent lists at their worst, and
// the matching pursuit's stored residuals.
func MemoryBytes(c Config, tc TrainConfig) int64 {
	D, S, B := int64(c.DIn), int64(c.DSAE), int64(tc.Batch)
	enc := 2 * D * S // W_enc and its transpose
	if c.Arch == "matching_pursuit" {
		enc = D * S // W_decᵀ
	}
	params := (enc + D*S) * 4 * 4 // value, gradient, two moments
	act := B * S * 4 * 2          // pre-activations and a second score matrix
	entries := B * S * 7 * 4      // dense-worst active lists (index, pre, value, coefficients, gradients)
	if c.sparse() && c.Arch != "batchtopk" && c.Arch != "matryoshka" {
		entries = B * (int64(c.K) + D/2) * 7 * 4 * 2
	}
	vecs := B * D * 4 * 8
	if c.Arch == "matching_pursuit" {
		vecs += 2 * B * int64(c.K) * D * 4
	}
	if c.Arch == "matryoshka" {
		vecs += 3 * int64(len(c.MatryoshkaWidths)) * B * D * 4
	}
	return params + act + entries + vecs + S*64
}
