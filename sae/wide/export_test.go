package wide

import (
	"math"
	"strings"
	"testing"
)

// The saved SAE (scale and decoder norms folded in) reconstructs what the trainer's forward
// pass reconstructed: x̂_saved(x) = x̂_train(f·x)/f. For BatchTopK and Matryoshka the saved
// form is JumpReLU at τ on pre·‖W_dec,j‖, checked against the trainer's pre-activations.
func TestExportMatchesTrainingForward(t *testing.T) {
	for _, arch := range Archs {
		f := 1.7
		if arch == "matching_pursuit" { // no scale to fold (Validate refuses one)
			f = 1
		}
		tr, x := testTrainer(arch)
		tr.nDead = 0
		clear(tr.dead)
		xs := make([]float32, len(x))
		for i, v := range x {
			xs[i] = float32(f * float64(v))
		}
		tr.lossGrad(xs)
		B, S, D := tr.B, tr.S, tr.D
		if arch == "batchtopk" || arch == "matryoshka" {
			tr.tau = 0.2
		}
		s := tr.export(f)
		z, xhat := make([]float32, B*S), make([]float32, B*D)
		s.Encode(x, z)
		s.Decode(z, xhat)
		want := make([]float32, B*D)
		if arch == "batchtopk" || arch == "matryoshka" {
			n := tr.decoderNorms()
			for b := 0; b < B; b++ {
				copy(want[b*D:(b+1)*D], tr.bDec)
				for j := 0; j < S; j++ {
					if sc := tr.pre[b*S+j] * n[j]; sc > float32(tr.tau) {
						axpy32(want[b*D:(b+1)*D], tr.pre[b*S+j], tr.wDec[j*D:(j+1)*D])
					}
				}
			}
		} else {
			copy(want, tr.xhat)
		}
		worst := 0.0
		for i, w := range want {
			worst = max(worst, math.Abs(float64(xhat[i])-float64(w)/f))
		}
		if worst > 1e-4 {
			t.Errorf("%s: saved SAE's reconstruction differs from the trainer's by %g", arch, worst)
		}
	}
}

func TestValidateNamesFieldAndValue(t *testing.T) {
	ok := DefaultConfig("topk", 256, 1024, 12)
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		mut  func(*Config)
		want string
	}{
		{func(c *Config) { c.Arch = "sparse" }, `architecture "sparse"`},
		{func(c *Config) { c.DIn = 1 }, "d_in = 1"},
		{func(c *Config) { c.DSAE = 0 }, "d_sae = 0"},
		{func(c *Config) { c.DSAE = 1 << 20 }, "d_sae = 1048576"},
		{func(c *Config) { c.K = 2000 }, "k = 2000"},
		{func(c *Config) { c.DecoderInitNorm = math.NaN() }, "decoder_init_norm = NaN"},
		{func(c *Config) { c.NormalizeActivations = "layer" }, `normalize_activations "layer"`},
		{func(c *Config) { c.Arch, c.MatryoshkaWidths = "matryoshka", []int{512, 256, 1024} }, "matryoshka_widths = [512 256 1024]"},
		{func(c *Config) { c.Arch, c.MatryoshkaWidths = "matryoshka", []int{128} }, "end with d_sae = 1024"},
		{func(c *Config) { c.Arch, c.L1Coeff = "standard", -1 }, "l1_coefficient = -1"},
		{func(c *Config) { c.Arch, c.JumpReLUBandwidth, c.L1Coeff = "jumprelu", 0, 1 }, "jumprelu_bandwidth = 0"},
		{func(c *Config) { c.Arch, c.NormalizeActivations = "matching_pursuit", "expected_average_only_in" }, "matching_pursuit supports only"},
	} {
		c := ok
		tc.mut(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want an error containing %q", err, tc.want)
		}
	}
	tcfg := DefaultTrainConfig()
	for _, tc := range []struct {
		mut  func(*TrainConfig)
		want string
	}{
		{func(c *TrainConfig) { c.Batch = 0 }, "batch = 0"},
		{func(c *TrainConfig) { c.Samples = 0 }, "samples = 0"},
		{func(c *TrainConfig) { c.LR = math.Inf(1) }, "lr = +Inf"},
		{func(c *TrainConfig) { c.DeadWindow = 0 }, "dead_feature_window = 0"},
		{func(c *TrainConfig) { c.Beta2 = 1 }, "adam_beta2 = 1"},
		{func(c *TrainConfig) { c.AutotuneTimeScale = -1 }, "autotune_time_scale = -1"},
	} {
		c := tcfg
		tc.mut(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want an error containing %q", err, tc.want)
		}
	}
	if err := DefaultTrainConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	for _, arch := range Archs {
		if err := DefaultConfig(arch, 768, 4096, 25).Validate(); err != nil {
			t.Errorf("%s defaults: %v", arch, err)
		}
	}
}

// MemoryBytes grows with the shape and stays within reason at the benchmark's largest.
func TestMemoryBytes(t *testing.T) {
	tc := DefaultTrainConfig()
	for _, arch := range Archs {
		small, big := MemoryBytes(DefaultConfig(arch, 256, 1024, 12), tc), MemoryBytes(DefaultConfig(arch, 768, 4096, 25), tc)
		if !(small > 0 && big > small && big < 4<<30) {
			t.Errorf("%s: %d bytes at mini, %d at 16k width", arch, small, big)
		}
	}
}
