package optim

import "fmt"

// Optimizer names, as the training configs' "optimizer" setting spells them.
const (
	NameAdam  = "adam"  // torch.optim.Adam, no weight decay (spec §1.7)
	NameAdamW = "adamw" // torch.optim.AdamW, decoupled weight decay (spec §1.9)
)

// DefaultWeightDecay is AdamW's decoupled weight decay unless told otherwise: the
// torch.optim.AdamW default, which Anthropic's toy-model notebook uses (phase-diagrams §4.2).
const DefaultWeightDecay = 0.01

// ValidateOptimizer checks an optimizer name ("" means adam) and AdamW's weight decay, naming
// the bad field.
func ValidateOptimizer(name string, weightDecay float64) error {
	switch name {
	case "", NameAdam, NameAdamW:
	default:
		return fmt.Errorf("optimizer = %q: must be %q or %q", name, NameAdam, NameAdamW)
	}
	if !(weightDecay >= 0 && weightDecay <= 1) {
		return fmt.Errorf("weight_decay = %v: must be in [0, 1]", weightDecay)
	}
	return nil
}

// Decay applies AdamW's decoupled weight decay to one parameter slice, before the Adam step
// of the same step and with the same (scheduled) lr:
//
//	θ ← θ·(1 − lr·wd)
//
// which is spec §1.9's θ ← θ − lr·wd·θ in the form torch.optim.AdamW computes it
// (param.mul_(1 − lr·weight_decay)). wd = 0 leaves θ exactly unchanged.
func Decay(theta []float64, lr, weightDecay float64) {
	if weightDecay == 0 {
		return
	}
	f := 1 - lr*weightDecay
	for j := range theta {
		theta[j] *= f
	}
}

// AdamW is torch.optim.AdamW with no AMSGrad: on every Update, first the decoupled weight decay
// (Decay), then the Adam step of the embedded Adam. Its moments and step counter are Adam's.
type AdamW struct {
	*Adam
	WeightDecay float64
}

// NewAdamW returns AdamW with the given betas, eps and weight decay for parameters of the given
// sizes.
func NewAdamW(beta1, beta2, eps, weightDecay float64, sizes ...int) *AdamW {
	return &AdamW{Adam: NewAdam(beta1, beta2, eps, sizes...), WeightDecay: weightDecay}
}

// Update applies one AdamW step to the part of param k that starts at offset off (see
// Adam.Update): θ ← θ·(1 − lr·wd), then Adam's update with gradient grad.
func (a *AdamW) Update(k, off int, theta, grad []float64, lr, bc1, bc2 float64) {
	Decay(theta, lr, a.WeightDecay)
	a.Adam.Update(k, off, theta, grad, lr, bc1, bc2)
}

// Stepper is what a training loop needs of Adam or AdamW: the shared step counter and the
// per-parameter update.
type Stepper interface {
	Begin() (bc1, bc2 float64)
	Update(k, off int, theta, grad []float64, lr, bc1, bc2 float64)
}

// New returns the named optimizer ("" is adam) for parameters of the given sizes; weightDecay
// is used by adamw only. It returns an error for an unknown name or a bad weight decay.
func New(name string, beta1, beta2, eps, weightDecay float64, sizes ...int) (Stepper, error) {
	if err := ValidateOptimizer(name, weightDecay); err != nil {
		return nil, err
	}
	if name == NameAdamW {
		return NewAdamW(beta1, beta2, eps, weightDecay, sizes...), nil
	}
	return NewAdam(beta1, beta2, eps, sizes...), nil
}
