package run

import (
	"fmt"
	"slices"
	"strings"

	"saelab/sae/wide"
)

// Check checks the settings of o that need no model: the architecture, the width, the target
// L0, the sample counts and the autotuner's time scale. field names a setting (arch, width,
// target_l0, samples, eval_samples, autotune_time_scale) as the user wrote it: FlagName for a
// command's flags, or a file's key.
func (o SynthTrainOptions) Check(field func(name string) string) error {
	switch {
	case !slices.Contains(wide.Archs, o.Arch):
		return fmt.Errorf("%s %q: must be one of %s", field("arch"), o.Arch, strings.Join(wide.Archs, ", "))
	case o.Width < 0 || o.Width > wide.MaxDSAE:
		return fmt.Errorf("%s %d: must be from 1 to %d (0: a quarter of the features)", field("width"), o.Width, wide.MaxDSAE)
	case !(o.TargetL0 >= 0 && o.TargetL0 <= float64(wide.MaxDSAE)):
		return fmt.Errorf("%s %g: must be a positive number (0: the true L0 over the first %s features)", field("target_l0"), o.TargetL0, field("width"))
	case o.Samples < 0:
		return fmt.Errorf("%s %d: must be positive (0: %d)", field("samples"), o.Samples, SynthTrainSamples)
	case o.EvalSamples < 0:
		return fmt.Errorf("%s %d: must be positive (0: %d)", field("eval_samples"), o.EvalSamples, SynthEvalSamples)
	case !(o.AutotuneTimeScale >= 0 && o.AutotuneTimeScale <= wide.MaxAutotuneTimeScale):
		return fmt.Errorf("%s %g: must be from 0 (automatic) to %g; 1 is the protocol's own controller", field("autotune_time_scale"), o.AutotuneTimeScale, wide.MaxAutotuneTimeScale)
	}
	return nil
}

// FlagName is a setting's command-line flag: target_l0 is --target-l0.
func FlagName(name string) string { return "--" + strings.ReplaceAll(name, "_", "-") }
