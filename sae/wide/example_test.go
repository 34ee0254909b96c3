package wide_test

import (
	"context"
	"fmt"

	"saelab/sae/wide"
	"saelab/synth"
)

// Train a BatchTopK SAE on a small synthetic model, evaluate it against the true features
// and list what SAELens would load.
func Example() {
	cfg := synth.DefaultConfig(256, 32) // 256 true features in 32 dimensions
	cfg.FiringProbability = synth.ProbabilityConfig{Generator: synth.Zipfian, Exponent: 0.5, MaxProb: 0.4, MinProb: 0.01}
	cfg.MeanMagnitudes = synth.Magnitude{Generator: synth.Linear, Start: 5, End: 4}
	seed := int64(1)
	cfg.Seed = &seed
	m, err := synth.New(cfg)
	if err != nil {
		fmt.Println(err)
		return
	}

	c := wide.DefaultConfig("batchtopk", 32, 128, 6) // width 128, k = 6
	tc := wide.DefaultTrainConfig()
	tc.Batch, tc.Samples, tc.LR = 256, 400*256, 3e-3 // 400 steps
	s, err := wide.Train(context.Background(), m, c, tc, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	r, err := synth.Evaluate(m, s, 8192, 1024, 1, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("true L0 %.1f, SAE L0 %.1f, explained variance %.2f, MCC %.2f\n", r.TrueL0, r.SAEL0, r.ExplainedVariance, r.MCC)
	fmt.Println("saved as", s.SAELensConfig()["architecture"])
	for _, t := range s.SAELensTensors() {
		fmt.Println(t.Name, t.Shape)
	}
	// Output:
	// true L0 8.7, SAE L0 6.5, explained variance 0.65, MCC 0.57
	// saved as jumprelu
	// W_enc [32 128]
	// b_enc [128]
	// W_dec [128 32]
	// b_dec [32]
	// threshold [128]
}
