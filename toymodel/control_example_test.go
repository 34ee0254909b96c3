package toymodel_test

import (
	"context"
	"errors"
	"fmt"
	"math"

	"saelab/toymodel"
)

// Stop a training run after its third checkpoint (as Ctrl-C would), then resume it from that
// checkpoint: the weights are bit for bit those of a run that was never stopped.
func ExampleTrainWith() {
	cfg := toymodel.Config{NInst: 3, NFeatures: 5, DHidden: 2, FeatMagDistn: "unif"}
	tc := toymodel.DefaultTrainConfig()
	tc.Steps, tc.LogFreq = 500, 50
	fresh := func() *toymodel.Model {
		m, _ := toymodel.New(cfg, toymodel.Values{}, toymodel.Scalar(0.1), 1)
		return m
	}
	full := fresh()
	toymodel.Train(full, tc, 1, nil)

	ctx, stop := context.WithCancel(context.Background())
	var last *toymodel.Checkpoint
	saved := 0
	ctl := toymodel.Control{Context: ctx, Every: 0, Checkpoint: func(ck *toymodel.Checkpoint) error {
		last = &toymodel.Checkpoint{Insts: append([]*toymodel.InstanceState(nil), ck.Insts...)}
		if saved++; saved == 3 {
			stop()
		}
		return nil
	}}
	_, err := toymodel.TrainWith(fresh(), tc, 1, nil, ctl)
	fmt.Println("stopped:", errors.Is(err, toymodel.ErrStopped))

	m := fresh()
	if _, err := toymodel.TrainWith(m, tc, 1, nil, toymodel.Control{Resume: last}); err != nil {
		fmt.Println(err)
		return
	}
	same := true
	for k := range m.W {
		same = same && math.Float64bits(m.W[k]) == math.Float64bits(full.W[k])
	}
	fmt.Println("resumed run equals the uninterrupted one:", same)
	// Output:
	// stopped: true
	// resumed run equals the uninterrupted one: true
}
