package sae_test

import (
	"errors"
	"fmt"

	"saelab/sae"
	"saelab/toymodel"
)

// A huge sparsity coefficient makes the loss overflow: the
// divergence guard stops the run at the logged step where it first shows, naming the cause.
func ExampleTrainWith_divergence() {
	m, _ := toymodel.New(toymodel.Config{NInst: 2, NFeatures: 5, DHidden: 2, FeatMagDistn: "unif"}, toymodel.Values{}, toymodel.Scalar(0.3), 1)
	cfg := sae.DefaultConfig(2, 2, 5)
	cfg.SparsityCoeff = 1e308
	s, _ := sae.New(cfg, m, 1)
	tc := sae.DefaultTrainConfig()
	tc.Steps = 1000
	_, err := sae.TrainWith(s, tc, 1, nil, sae.Control{})
	fmt.Println(errors.Is(err, sae.ErrDiverged))
	// Output: true
}
