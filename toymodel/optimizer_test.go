package toymodel

import (
	"math"
	"testing"

	"saelab/optim"
	"saelab/rng"
)

// trainSmall trains a small model with tc and returns it.
func trainSmall(t *testing.T, tc TrainConfig) *Model {
	t.Helper()
	m, err := New(Config{NInst: 3, NFeatures: 3, DHidden: 2, FeatMagDistn: "unif"}, PerFeature([]float64{1, 1, 0.5}), PerInstance([]float64{0.05, 0.3, 1}), 4)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Train(m, tc, 9, nil); err != nil {
		t.Fatal(err)
	}
	return m
}

// Train with adamw equals a loop of the exported pieces (a fresh batch, LossGradInstance,
// optim.AdamW) on the same streams, and differs from adam.
func TestTrainAdamW(t *testing.T) {
	tc := DefaultTrainConfig()
	tc.Steps, tc.LR = 60, 1e-2
	adam := trainSmall(t, tc)
	explicit := tc
	explicit.Optimizer = optim.NameAdam
	if a2 := trainSmall(t, explicit); !sameFloatBits(adam.W, a2.W) {
		t.Fatal(`optimizer "adam" differs from the default`)
	}
	tc.Optimizer, tc.WeightDecay = optim.NameAdamW, 0.3
	got := trainSmall(t, tc)
	if sameFloatBits(got.W, adam.W) {
		t.Fatal("weight decay changed nothing")
	}

	ref, err := New(Config{NInst: 3, NFeatures: 3, DHidden: 2, FeatMagDistn: "unif"}, PerFeature([]float64{1, 1, 0.5}), PerInstance([]float64{0.05, 0.3, 1}), 4)
	if err != nil {
		t.Fatal(err)
	}
	I, H, F := 3, 2, 3
	opt := optim.NewAdamW(tc.Beta1, tc.Beta2, tc.Eps, tc.WeightDecay, I*H*F, I*F)
	streams := make([]*rng.Stream, I)
	for i := range streams {
		streams[i] = rng.New(9, rng.PurposeToyBatch, uint64(i))
	}
	var ib InstBatch
	sc := ref.NewScratch()
	gW, gB := make([]float64, H*F), make([]float64, F)
	for step := 0; step < tc.Steps; step++ {
		bc1, bc2 := opt.Begin()
		for i := 0; i < I; i++ {
			clear(gW)
			clear(gB)
			ref.GenerateInstance(i, tc.BatchSize, streams[i], &ib)
			ref.LossGradInstance(i, &ib, tc.BatchSize, gW, gB, sc)
			opt.Update(0, i*H*F, ref.W[i*H*F:(i+1)*H*F], gW, tc.LR, bc1, bc2)
			opt.Update(1, i*F, ref.BFinal[i*F:(i+1)*F], gB, tc.LR, bc1, bc2)
		}
	}
	if !sameFloatBits(got.W, ref.W) || !sameFloatBits(got.BFinal, ref.BFinal) {
		t.Fatalf("Train with adamw differs from the AdamW loop:\n W %v\nwant %v", got.W, ref.W)
	}
}

func TestTrainConfigOptimizer(t *testing.T) {
	tc := DefaultTrainConfig()
	if tc.Optimizer != "" || tc.WeightDecay != 0 || tc.DecoupledDecay() != 0 {
		t.Fatalf("defaults: optimizer %q, weight_decay %v (Adam, unchanged configs)", tc.Optimizer, tc.WeightDecay)
	}
	tc.Optimizer = "adamw"
	if tc.DecoupledDecay() != 0.01 {
		t.Fatalf("adamw's default decay = %v, want 0.01", tc.DecoupledDecay())
	}
	tc.WeightDecay = 0.2
	if tc.DecoupledDecay() != 0.2 {
		t.Fatalf("adamw's decay = %v, want 0.2", tc.DecoupledDecay())
	}
	tc.Optimizer = "adam"
	if tc.DecoupledDecay() != 0 {
		t.Fatal("adam decays")
	}
	tc.Optimizer = "lion"
	if err := tc.Validate(); err == nil {
		t.Fatal("unknown optimizer accepted")
	}
	tc.Optimizer, tc.WeightDecay = "adamw", -1
	if err := tc.Validate(); err == nil {
		t.Fatal("negative weight decay accepted")
	}
}

func sameFloatBits(a, b []float64) bool {
	for k := range a {
		if math.Float64bits(a[k]) != math.Float64bits(b[k]) {
			return false
		}
	}
	return len(a) == len(b)
}
