package toymodel_test

import (
	"fmt"
	"math"

	"saelab/toymodel"
)

// Train four instances of the seed's toy model (5 features in 2 hidden dimensions, importance
// 0.9^f), from dense to sparse features, and see superposition appear: the sparser the
// features, the more of them the model represents (‖W[:,f]‖ near 1) in its two dimensions.
func ExampleTrain() {
	cfg := toymodel.Config{NInst: 4, NFeatures: 5, DHidden: 2, FeatMagDistn: "unif"}
	imp := toymodel.PerFeature([]float64{1, 0.9, 0.81, 0.729, 0.6561})
	prob := toymodel.PerInstance([]float64{1, 0.3, 0.1, 0.01})
	m, err := toymodel.New(cfg, imp, prob, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	tc := toymodel.DefaultTrainConfig()
	tc.Steps, tc.LogFreq, tc.LR = 1000, 100, 1e-2
	log, err := toymodel.Train(m, tc, 1, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	last := log[len(log)-1]
	fmt.Printf("%d log entries; at step %d the loss per instance is %.3f\n", len(log), last.Step, last.Loss)
	H, F := cfg.DHidden, cfg.NFeatures
	for i := 0; i < cfg.NInst; i++ {
		represented := 0
		for f := 0; f < F; f++ {
			var n float64
			for h := 0; h < H; h++ {
				w := m.W[(i*H+h)*F+f]
				n += w * w
			}
			if math.Sqrt(n) > 0.5 {
				represented++
			}
		}
		fmt.Printf("p = %.2f: %d of %d features represented\n", m.FeatureProbability[i*F], represented, F)
	}
	// Output:
	// 11 log entries; at step 999 the loss per instance is 0.017
	// p = 1.00: 2 of 5 features represented
	// p = 0.30: 3 of 5 features represented
	// p = 0.10: 4 of 5 features represented
	// p = 0.01: 5 of 5 features represented
}
