package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"saelab/optim"
	"saelab/sae"
)

// ConfigFlags ties a command's flags to Config fields. Flags write into a scratch Config; after
// parsing, Resolve starts from the command's defaults, decodes --config FILE onto them, and
// copies over only the flags the user set (cobra's Changed), so that a flag overrides the
// file and an unset flag never does.
//
// Adding a flag for a new engine field is one line, e.g.
//
//	Int(b, "k", "TopK: latents kept per sample", func(c *Config) *int { return &c.SAE.K })
type ConfigFlags struct {
	fs       *pflag.FlagSet
	defaults Config
	scratch  *Config
	configF  string
	bindings []binding
}

type binding struct {
	name  string
	apply func(dst *Config)
}

// NewConfigFlags registers --config and --seed on cmd and returns the binder for the rest.
func NewConfigFlags(cmd *cobra.Command, defaults Config) *ConfigFlags {
	scratch := defaults
	b := &ConfigFlags{fs: cmd.Flags(), defaults: defaults, scratch: &scratch}
	b.fs.StringVar(&b.configF, "config", "", "YAML config file (strict; flags override it); see config.yaml in any run directory")
	Uint64(b, "seed", "random seed (every random draw derives from it)", func(c *Config) *uint64 { return &c.Seed })
	return b
}

// bindVar binds flag name to one or more fields (all set to the flag's value); the default
// shown is the first field's default.
func bindVar[T any](b *ConfigFlags, name, usage string, register func(p *T, name string, value T, usage string), fields ...func(*Config) *T) {
	register(fields[0](b.scratch), name, *fields[0](&b.defaults), usage)
	b.bindings = append(b.bindings, binding{name, func(dst *Config) {
		v := *fields[0](b.scratch)
		for _, f := range fields {
			*f(dst) = v
		}
	}})
}

// Int, Uint64, Float, String, Bool, IntSlice and Values bind a flag of that type to fields.
func Int(b *ConfigFlags, name, usage string, fields ...func(*Config) *int) {
	bindVar(b, name, usage, b.fs.IntVar, fields...)
}
func Uint64(b *ConfigFlags, name, usage string, fields ...func(*Config) *uint64) {
	bindVar(b, name, usage, b.fs.Uint64Var, fields...)
}
func Float(b *ConfigFlags, name, usage string, fields ...func(*Config) *float64) {
	bindVar(b, name, usage, b.fs.Float64Var, fields...)
}
func String(b *ConfigFlags, name, usage string, fields ...func(*Config) *string) {
	bindVar(b, name, usage, b.fs.StringVar, fields...)
}
func Bool(b *ConfigFlags, name, usage string, fields ...func(*Config) *bool) {
	bindVar(b, name, usage, b.fs.BoolVar, fields...)
}
func IntSlice(b *ConfigFlags, name, usage string, fields ...func(*Config) *[]int) {
	bindVar(b, name, usage, b.fs.IntSliceVar, fields...)
}
func Values(b *ConfigFlags, name, usage string, fields ...func(*Config) *ValuesSpec) {
	bindVar(b, name, usage, func(p *ValuesSpec, name string, v ValuesSpec, usage string) {
		b.fs.StringVar((*string)(p), name, string(v), usage)
	}, fields...)
}

// Resolve returns the command's config: defaults, then --config, then the flags that were set.
func (b *ConfigFlags) Resolve() (Config, error) {
	c := b.defaults
	c.Runs = append([]RunSpec(nil), b.defaults.Runs...)
	if b.configF != "" {
		if err := LoadConfigFile(b.configF, &c); err != nil {
			return Config{}, err
		}
	}
	for _, bd := range b.bindings {
		if b.fs.Changed(bd.name) {
			bd.apply(&c)
		}
	}
	return c, nil
}

// ConfigFile is the --config value ("" if none).
func (b *ConfigFlags) ConfigFile() string { return b.configF }

// AddModelFlags binds every toy-model hyperparameter (spec §1.1, §1.3).
func AddModelFlags(b *ConfigFlags) {
	// n_inst and d_hidden also set the SAE's n_inst and d_in, which must match them.
	Int(b, "n-inst", "toy model instances (n_inst)",
		func(c *Config) *int { return &c.Model.NInst }, func(c *Config) *int { return &c.SAE.NInst })
	Int(b, "n-features", "features (n_features)", func(c *Config) *int { return &c.Model.NFeatures })
	Int(b, "d-hidden", "hidden dimensions (d_hidden)",
		func(c *Config) *int { return &c.Model.DHidden }, func(c *Config) *int { return &c.SAE.DIn })
	Int(b, "n-correlated-pairs", "correlated feature pairs", func(c *Config) *int { return &c.Model.NCorrelatedPairs })
	Int(b, "n-anticorrelated-pairs", "anticorrelated feature pairs", func(c *Config) *int { return &c.Model.NAnticorrelatedPairs })
	String(b, "feat-mag-distn", "feature magnitudes: unif or normal", func(c *Config) *string { return &c.Model.FeatMagDistn })
	Values(b, "importance", "feature importance: "+valuesHelp, func(c *Config) *ValuesSpec { return &c.Model.Importance })
	Values(b, "feature-probability", "feature probability: "+valuesHelp, func(c *Config) *ValuesSpec { return &c.Model.FeatureProbability })
}

const valuesHelp = "a number, or per-instance:LIST, per-feature:LIST, full:ROWS; LIST is comma-separated numbers or one expression in i, e.g. per-feature:0.9^i, per-instance:50^-linspace(0,1)"

// AddModelTrainFlags binds the toy model's optimize arguments (spec §1.7).
func AddModelTrainFlags(b *ConfigFlags) {
	Int(b, "batch-size", "batch size", func(c *Config) *int { return &c.ModelTrain.BatchSize })
	Int(b, "steps", "training steps", func(c *Config) *int { return &c.ModelTrain.Steps })
	Int(b, "log-freq", "log every this many steps (and the last)", func(c *Config) *int { return &c.ModelTrain.LogFreq })
	Float(b, "lr", "learning rate", func(c *Config) *float64 { return &c.ModelTrain.LR })
	String(b, "lr-schedule", "lr schedule: "+strings.Join(optim.ScheduleNames(), ", "), func(c *Config) *string { return &c.ModelTrain.Schedule })
	Float(b, "adam-beta1", "Adam β1", func(c *Config) *float64 { return &c.ModelTrain.Beta1 })
	Float(b, "adam-beta2", "Adam β2", func(c *Config) *float64 { return &c.ModelTrain.Beta2 })
	Float(b, "adam-eps", "Adam eps", func(c *Config) *float64 { return &c.ModelTrain.Eps })
}

// AddSAEFlags binds the SAE config (spec §2.1; n_inst and d_in are the toy model's).
func AddSAEFlags(b *ConfigFlags) {
	Int(b, "d-sae", "SAE latents (d_sae)", func(c *Config) *int { return &c.SAE.DSAE })
	String(b, "arch", "SAE architecture: "+strings.Join(sae.Archs, ", "), func(c *Config) *string { return &c.SAE.Arch })
	Float(b, "sparsity-coeff", "L1 coefficient λ (sparsity_coeff)", func(c *Config) *float64 { return &c.SAE.SparsityCoeff })
	Float(b, "weight-normalize-eps", "eps added to decoder-row norms", func(c *Config) *float64 { return &c.SAE.WeightNormalizeEps })
	Bool(b, "tied-weights", "tie the decoder to the encoder (W_dec = W_encᵀ)", func(c *Config) *bool { return &c.SAE.TiedWeights })
	Float(b, "ste-epsilon", "JumpReLU straight-through bandwidth", func(c *Config) *float64 { return &c.SAE.STEEpsilon })
	Float(b, "k", "topk: latents kept per sample; batchtopk, matryoshka: kept on average per sample", func(c *Config) *float64 { return &c.SAE.K })
	Float(b, "aux-k-coeff", "TopK family: AuxK loss coefficient (0 = off)", func(c *Config) *float64 { return &c.SAE.AuxKCoeff })
	Int(b, "dead-feature-window", "TopK family: steps without firing after which a latent is dead for AuxK", func(c *Config) *int { return &c.SAE.DeadFeatureWindow })
	Bool(b, "rescale-acts-by-decoder-norm", "TopK family: select on pre·‖W_dec,j‖", func(c *Config) *bool { return &c.SAE.RescaleActsByDecoderNorm })
	Float(b, "topk-threshold-lr", "batchtopk: threshold EMA rate", func(c *Config) *float64 { return &c.SAE.TopKThresholdLR })
	IntSlice(b, "matryoshka-widths", "matryoshka: nested prefix widths, e.g. 1,2,5 (default: halving d_sae)", func(c *Config) *[]int { return &c.SAE.MatryoshkaWidths })
}

// AddSAETrainFlags binds the SAE's optimize arguments (spec §2.7).
func AddSAETrainFlags(b *ConfigFlags) {
	Int(b, "batch-size", "batch size", func(c *Config) *int { return &c.SAETrain.BatchSize })
	Int(b, "steps", "training steps", func(c *Config) *int { return &c.SAETrain.Steps })
	Int(b, "log-freq", "data-log record every this many steps (and the last)", func(c *Config) *int { return &c.SAETrain.LogFreq })
	Float(b, "lr", "learning rate", func(c *Config) *float64 { return &c.SAETrain.LR })
	String(b, "lr-schedule", "lr schedule: "+strings.Join(optim.ScheduleNames(), ", "), func(c *Config) *string { return &c.SAETrain.Schedule })
	String(b, "resample-method", "dead-latent resampling: "+strings.Join(sae.ResampleMethods, ", "), func(c *Config) *string { return &c.SAETrain.Resample })
	Int(b, "resample-freq", "resample when (step+1) % resample_freq == 0", func(c *Config) *int { return &c.SAETrain.ResampleFreq })
	Int(b, "resample-window", "dead = silent on every training batch of the last resample_window steps", func(c *Config) *int { return &c.SAETrain.ResampleWindow })
	Float(b, "resample-scale", "resampled encoder scale", func(c *Config) *float64 { return &c.SAETrain.ResampleScale })
	Int(b, "hidden-sample-size", "samples per data-log record", func(c *Config) *int { return &c.SAETrain.HiddenSampleSize })
	Float(b, "adam-beta1", "Adam β1", func(c *Config) *float64 { return &c.SAETrain.Beta1 })
	Float(b, "adam-beta2", "Adam β2", func(c *Config) *float64 { return &c.SAETrain.Beta2 })
	Float(b, "adam-eps", "Adam eps", func(c *Config) *float64 { return &c.SAETrain.Eps })
}

// AddDemoFlags binds the demo's short list (issue 3): one flag may set a field of both phases.
func AddDemoFlags(b *ConfigFlags) {
	Int(b, "n-inst", "instances of the toy model and the SAEs",
		func(c *Config) *int { return &c.Model.NInst }, func(c *Config) *int { return &c.SAE.NInst })
	Int(b, "model-steps", "toy-model training steps", func(c *Config) *int { return &c.ModelTrain.Steps })
	Int(b, "sae-steps", "SAE training steps (each run)", func(c *Config) *int { return &c.SAETrain.Steps })
	Int(b, "batch-size", "batch size of every training phase",
		func(c *Config) *int { return &c.ModelTrain.BatchSize }, func(c *Config) *int { return &c.SAETrain.BatchSize })
	Float(b, "lr", "learning rate of every training phase",
		func(c *Config) *float64 { return &c.ModelTrain.LR }, func(c *Config) *float64 { return &c.SAETrain.LR })
	Int(b, "log-freq", "log frequency of every training phase (the SAE data log; the toy model's default is 50)",
		func(c *Config) *int { return &c.SAETrain.LogFreq }, func(c *Config) *int { return &c.ModelTrain.LogFreq })
	Values(b, "feature-probability", "toy-model feature probability: "+valuesHelp, func(c *Config) *ValuesSpec { return &c.Model.FeatureProbability })
	Float(b, "sparsity-coeff", "SAE L1 coefficient λ", func(c *Config) *float64 { return &c.SAE.SparsityCoeff })
	Int(b, "d-sae", "SAE latents", func(c *Config) *int { return &c.SAE.DSAE })
}

// OutputFlags are the flags every training command shares that are not part of the config.
type OutputFlags struct {
	Out   string
	Quiet bool
}

// AddOutputFlags registers --out and --quiet.
func AddOutputFlags(cmd *cobra.Command, o *OutputFlags) {
	cmd.Flags().StringVar(&o.Out, "out", "", fmt.Sprintf("run directory to create (default %s/<YYYYMMDD-HHMMSS>-<command>)", "runs"))
	cmd.Flags().BoolVarP(&o.Quiet, "quiet", "q", false, "no progress output; print only where the report is")
}
