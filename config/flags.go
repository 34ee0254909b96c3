package config

import (
	"strings"

	"github.com/spf13/pflag"

	"saelab/optim"
	"saelab/sae"
	"saelab/toymodel"
)

// Flags ties command-line flags to Config fields. Flags write into a scratch Config; Resolve
// starts from the command's defaults, decodes --config FILE onto them, and copies over only
// the flags the user set, so that a flag overrides the file and an unset flag never does.
//
// Adding a flag for a new engine field is one line, e.g.
//
//	Float(f, "k", "TopK: latents kept per sample", func(c *Config) *float64 { return &c.SAE.K })
type Flags struct {
	fs       *pflag.FlagSet
	defaults Config
	scratch  *Config
	file     string
	bindings []binding
}

type binding struct {
	name  string
	apply func(dst *Config)
}

// NewFlags registers --config and --seed on fs and returns the binder for the rest.
func NewFlags(fs *pflag.FlagSet, defaults Config) *Flags {
	scratch := defaults.Clone()
	f := &Flags{fs: fs, defaults: defaults.Clone(), scratch: &scratch}
	fs.StringVar(&f.file, "config", "", "YAML config file (strict; flags override it); see config.yaml in any run directory")
	Uint64(f, "seed", "random seed (every random draw derives from it)", func(c *Config) *uint64 { return &c.Seed })
	return f
}

// bindVar binds flag name to one or more fields (all set to the flag's value); the default
// shown is the first field's default.
func bindVar[T any](f *Flags, name, usage string, register func(p *T, name string, value T, usage string), fields ...func(*Config) *T) {
	register(fields[0](f.scratch), name, *fields[0](&f.defaults), usage)
	f.bindings = append(f.bindings, binding{name, func(dst *Config) {
		v := *fields[0](f.scratch)
		for _, field := range fields {
			*field(dst) = v
		}
	}})
}

// Int, Uint64, Float, String, Bool, IntSlice and Spec bind a flag of that type to fields.
func Int(f *Flags, name, usage string, fields ...func(*Config) *int) {
	bindVar(f, name, usage, f.fs.IntVar, fields...)
}

// Uint64 binds an unsigned integer flag.
func Uint64(f *Flags, name, usage string, fields ...func(*Config) *uint64) {
	bindVar(f, name, usage, f.fs.Uint64Var, fields...)
}

// Float binds a number flag.
func Float(f *Flags, name, usage string, fields ...func(*Config) *float64) {
	bindVar(f, name, usage, f.fs.Float64Var, fields...)
}

// String binds a text flag.
func String(f *Flags, name, usage string, fields ...func(*Config) *string) {
	bindVar(f, name, usage, f.fs.StringVar, fields...)
}

// Bool binds a boolean flag.
func Bool(f *Flags, name, usage string, fields ...func(*Config) *bool) {
	bindVar(f, name, usage, f.fs.BoolVar, fields...)
}

// IntSlice binds a comma-separated list of integers.
func IntSlice(f *Flags, name, usage string, fields ...func(*Config) *[]int) {
	bindVar(f, name, usage, f.fs.IntSliceVar, fields...)
}

// Spec binds an importance or feature-probability spec.
func Spec(f *Flags, name, usage string, fields ...func(*Config) *Values) {
	bindVar(f, name, usage, func(p *Values, name string, v Values, usage string) {
		f.fs.StringVar((*string)(p), name, string(v), usage)
	}, fields...)
}

// Resolve returns the command's config: defaults, then --config, then the flags that were set.
func (f *Flags) Resolve() (Config, error) {
	c := f.defaults.Clone()
	if f.file != "" {
		if err := LoadFile(f.file, &c); err != nil {
			return Config{}, err
		}
	}
	for _, b := range f.bindings {
		if f.fs.Changed(b.name) {
			b.apply(&c)
		}
	}
	return c, nil
}

// AddModel binds every toy-model hyperparameter (spec §1.1, §1.3). n_inst and d_hidden also
// set the SAE's n_inst and d_in, which must match them.
func AddModel(f *Flags) {
	Int(f, "n-inst", "toy model instances (n_inst)",
		func(c *Config) *int { return &c.Model.NInst }, func(c *Config) *int { return &c.SAE.NInst })
	Int(f, "n-features", "features (n_features)", func(c *Config) *int { return &c.Model.NFeatures })
	Int(f, "d-hidden", "hidden dimensions (d_hidden)",
		func(c *Config) *int { return &c.Model.DHidden }, func(c *Config) *int { return &c.SAE.DIn })
	Int(f, "n-correlated-pairs", "correlated feature pairs", func(c *Config) *int { return &c.Model.NCorrelatedPairs })
	Int(f, "n-anticorrelated-pairs", "anticorrelated feature pairs", func(c *Config) *int { return &c.Model.NAnticorrelatedPairs })
	String(f, "feat-mag-distn", "feature magnitudes: unif or normal", func(c *Config) *string { return &c.Model.FeatMagDistn })
	Spec(f, "importance", "feature importance: "+specHelp, func(c *Config) *Values { return &c.Model.Importance })
	Spec(f, "feature-probability", "feature probability: "+specHelp, func(c *Config) *Values { return &c.Model.FeatureProbability })
}

const specHelp = "a number, or per-instance:LIST, per-feature:LIST, full:ROWS; LIST is comma-separated numbers or one expression in i, e.g. per-feature:0.9^i, per-instance:50^-linspace(0,1)"

// AddModelTrain binds the toy model's training arguments (spec §1.7).
func AddModelTrain(f *Flags) {
	t := func(c *Config) *toymodel.TrainConfig { return &c.ModelTrain }
	Int(f, "batch-size", "batch size", func(c *Config) *int { return &t(c).BatchSize })
	Int(f, "steps", "training steps", func(c *Config) *int { return &t(c).Steps })
	Int(f, "log-freq", "log every this many steps (and the last)", func(c *Config) *int { return &t(c).LogFreq })
	Float(f, "lr", "learning rate", func(c *Config) *float64 { return &t(c).LR })
	String(f, "lr-schedule", "lr schedule: "+strings.Join(optim.ScheduleNames(), ", "), func(c *Config) *string { return &t(c).Schedule })
	Float(f, "adam-beta1", "Adam β1", func(c *Config) *float64 { return &t(c).Beta1 })
	Float(f, "adam-beta2", "Adam β2", func(c *Config) *float64 { return &t(c).Beta2 })
	Float(f, "adam-eps", "Adam eps", func(c *Config) *float64 { return &t(c).Eps })
}

// AddSAE binds the SAE config (spec §2.1; n_inst and d_in are the toy model's).
func AddSAE(f *Flags) {
	s := func(c *Config) *sae.Config { return &c.SAE }
	Int(f, "d-sae", "SAE latents (d_sae)", func(c *Config) *int { return &s(c).DSAE })
	String(f, "arch", "SAE architecture: "+strings.Join(sae.Archs, ", "), func(c *Config) *string { return &s(c).Arch })
	Float(f, "sparsity-coeff", "L1 coefficient λ (sparsity_coeff)", func(c *Config) *float64 { return &s(c).SparsityCoeff })
	Float(f, "weight-normalize-eps", "eps added to decoder-row norms", func(c *Config) *float64 { return &s(c).WeightNormalizeEps })
	Bool(f, "tied-weights", "tie the decoder to the encoder (W_dec = W_encᵀ)", func(c *Config) *bool { return &s(c).TiedWeights })
	Float(f, "ste-epsilon", "JumpReLU straight-through bandwidth", func(c *Config) *float64 { return &s(c).STEEpsilon })
	Float(f, "k", "topk: latents kept per sample; batchtopk, matryoshka: kept on average per sample; matching_pursuit: pursuit steps per sample (max_iterations)", func(c *Config) *float64 { return &s(c).K })
	Float(f, "aux-k-coeff", "TopK family: AuxK loss coefficient (0 = off)", func(c *Config) *float64 { return &s(c).AuxKCoeff })
	Int(f, "dead-feature-window", "TopK family: steps without firing after which a latent is dead for AuxK", func(c *Config) *int { return &s(c).DeadFeatureWindow })
	Bool(f, "rescale-acts-by-decoder-norm", "TopK family: select on pre·‖W_dec,j‖", func(c *Config) *bool { return &s(c).RescaleActsByDecoderNorm })
	Float(f, "topk-threshold-lr", "batchtopk: threshold EMA rate", func(c *Config) *float64 { return &s(c).TopKThresholdLR })
	IntSlice(f, "matryoshka-widths", "matryoshka: nested prefix widths, e.g. 1,2,5 (default: halving d_sae)", func(c *Config) *[]int { return &s(c).MatryoshkaWidths })
}

// AddSAETrain binds the SAE's training arguments (spec §2.7).
func AddSAETrain(f *Flags) {
	t := func(c *Config) *sae.TrainConfig { return &c.SAETrain }
	Int(f, "batch-size", "batch size", func(c *Config) *int { return &t(c).BatchSize })
	Int(f, "steps", "training steps", func(c *Config) *int { return &t(c).Steps })
	Int(f, "log-freq", "data-log record every this many steps (and the last)", func(c *Config) *int { return &t(c).LogFreq })
	Float(f, "lr", "learning rate", func(c *Config) *float64 { return &t(c).LR })
	String(f, "lr-schedule", "lr schedule: "+strings.Join(optim.ScheduleNames(), ", "), func(c *Config) *string { return &t(c).Schedule })
	String(f, "resample-method", "dead-latent resampling: "+strings.Join(sae.ResampleMethods, ", "), func(c *Config) *string { return &t(c).Resample })
	Int(f, "resample-freq", "resample when (step+1) % resample_freq == 0", func(c *Config) *int { return &t(c).ResampleFreq })
	Int(f, "resample-window", "dead = silent on every training batch of the last resample_window steps", func(c *Config) *int { return &t(c).ResampleWindow })
	Float(f, "resample-scale", "resampled encoder scale", func(c *Config) *float64 { return &t(c).ResampleScale })
	Int(f, "hidden-sample-size", "samples per data-log record", func(c *Config) *int { return &t(c).HiddenSampleSize })
	Float(f, "adam-beta1", "Adam β1", func(c *Config) *float64 { return &t(c).Beta1 })
	Float(f, "adam-beta2", "Adam β2", func(c *Config) *float64 { return &t(c).Beta2 })
	Float(f, "adam-eps", "Adam eps", func(c *Config) *float64 { return &t(c).Eps })
}

// AddPipeline binds the short list of demo and compare: each flag sets both phases.
func AddPipeline(f *Flags) {
	Int(f, "n-inst", "instances of the toy model and the SAEs",
		func(c *Config) *int { return &c.Model.NInst }, func(c *Config) *int { return &c.SAE.NInst })
	Int(f, "model-steps", "toy-model training steps", func(c *Config) *int { return &c.ModelTrain.Steps })
	Int(f, "sae-steps", "SAE training steps (each run)", func(c *Config) *int { return &c.SAETrain.Steps })
	Int(f, "batch-size", "batch size of every training phase",
		func(c *Config) *int { return &c.ModelTrain.BatchSize }, func(c *Config) *int { return &c.SAETrain.BatchSize })
	// The phases' defaults differ (50 and 100), so the flag shows none: unset, each keeps its own.
	fields := []func(*Config) *int{func(c *Config) *int { return &c.SAETrain.LogFreq }, func(c *Config) *int { return &c.ModelTrain.LogFreq }}
	f.fs.IntVar(&f.scratch.SAETrain.LogFreq, "log-freq", 0, "log every this many steps in every training phase (unset: the toy model every 50, the SAEs every 100)")
	f.bindings = append(f.bindings, binding{"log-freq", func(dst *Config) {
		for _, field := range fields {
			*field(dst) = f.scratch.SAETrain.LogFreq
		}
	}})
}

// AddDemo binds the demo's flags: the pipeline's plus a few hyperparameters.
func AddDemo(f *Flags) {
	AddPipeline(f)
	Float(f, "lr", "learning rate of every training phase",
		func(c *Config) *float64 { return &c.ModelTrain.LR }, func(c *Config) *float64 { return &c.SAETrain.LR })
	Spec(f, "feature-probability", "toy-model feature probability: "+specHelp, func(c *Config) *Values { return &c.Model.FeatureProbability })
	Float(f, "sparsity-coeff", "SAE L1 coefficient λ", func(c *Config) *float64 { return &c.SAE.SparsityCoeff })
	Int(f, "d-sae", "SAE latents", func(c *Config) *int { return &c.SAE.DSAE })
}
