package eval_test

import (
	"fmt"

	"saelab/eval"
	"saelab/sae"
	"saelab/toymodel"
)

// Train the seed's toy model (5 sparse features in 2 dimensions), train a standard SAE with
// 5 latents on its hidden activations, and measure how many of its instances recover every
// feature with a distinct latent.
func ExampleSAE() {
	const seed, nInst = 1, 4
	cfg := toymodel.DefaultConfig()
	cfg.NInst = nInst
	m, err := toymodel.New(cfg, toymodel.Values{}, toymodel.Scalar(0.025), seed)
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := toymodel.Train(m, toymodel.DefaultTrainConfig(), seed, nil); err != nil {
		fmt.Println(err)
		return
	}
	s, err := sae.New(sae.DefaultConfig(nInst, cfg.DHidden, 5), m, seed)
	if err != nil {
		fmt.Println(err)
		return
	}
	tc := sae.DefaultTrainConfig()
	tc.Resample = "simple" // the reference's 10,000 steps, resampling every 2,500
	log, err := sae.Train(s, tc, seed, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := eval.SAE(s, seed)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d records logged, %d resampling checks\n", len(log.Records), len(log.Resamples))
	fmt.Printf("monosemantic instances: %d of %d\n", res.Monosemantic, nInst)
	fmt.Printf("mean MMCS: %.2f\n", res.MeanMMCS)
	for _, in := range res.Instances {
		fmt.Printf("instance %d: %d dead latents, L0 %.2f\n", in.Index, in.DeadLatents, in.L0)
	}
	// Output:
	// 101 records logged, 4 resampling checks
	// monosemantic instances: 2 of 4
	// mean MMCS: 0.97
	// instance 0: 0 dead latents, L0 0.19
	// instance 1: 0 dead latents, L0 0.11
	// instance 2: 0 dead latents, L0 0.10
	// instance 3: 0 dead latents, L0 0.14
}
