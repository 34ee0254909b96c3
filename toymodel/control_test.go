package toymodel

import (
	"context"
	"errors"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
)

// controlModel is a small model with unequal probabilities (the thinning path) and a
// schedule, so that a resumed step must get the right lr and the right stream position.
func controlModel(t *testing.T, imp Values) (*Model, TrainConfig) {
	t.Helper()
	cfg := Config{NInst: 5, NFeatures: 6, DHidden: 2, FeatMagDistn: "unif"}
	m, err := New(cfg, imp, PerInstance([]float64{0.2, 0.1, 0.05, 0.3, 0.02}), 3)
	if err != nil {
		t.Fatal(err)
	}
	tc := DefaultTrainConfig()
	tc.Steps, tc.LogFreq, tc.BatchSize, tc.Schedule = 400, 25, 64, "cosine"
	return m, tc
}

// TestTrainResumeBitIdentical: a run stopped by its context and resumed from any of the
// checkpoints it saved ends with the uninterrupted run's bits (weights and log).
func TestTrainResumeBitIdentical(t *testing.T) {
	m0, tc := controlModel(t, Values{})
	full := m0.Clone()
	want, err := Train(full, tc, 9, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, procs := range []int{1, 2} {
		prev := runtime.GOMAXPROCS(procs)
		var mu sync.Mutex
		var cks []*Checkpoint
		ctx, cancel := context.WithCancel(context.Background())
		ctl := Control{Context: ctx, Checkpoint: func(ck *Checkpoint) error {
			mu.Lock()
			defer mu.Unlock()
			cks = append(cks, &Checkpoint{Insts: slices.Clone(ck.Insts)})
			if len(cks) == 6 {
				cancel()
			}
			return nil
		}}
		_, err := TrainWith(m0.Clone(), tc, 9, nil, ctl)
		cancel()
		runtime.GOMAXPROCS(prev)
		if len(cks) < 6 {
			t.Fatalf("GOMAXPROCS %d: %d checkpoints saved (err %v)", procs, len(cks), err)
		}
		if err != nil && !errors.Is(err, ErrStopped) {
			t.Fatalf("GOMAXPROCS %d: %v", procs, err)
		}
		for k, ck := range cks {
			m := m0.Clone()
			got, err := TrainWith(m, tc, 9, nil, Control{Resume: ck})
			if err != nil {
				t.Fatalf("resume from checkpoint %d: %v", k, err)
			}
			if !equalBits(m.W, full.W) || !equalBits(m.BFinal, full.BFinal) {
				t.Fatalf("GOMAXPROCS %d: resumed from checkpoint %d: weights differ from the uninterrupted run", procs, k)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("GOMAXPROCS %d: resumed from checkpoint %d: log differs", procs, k)
			}
		}
	}
}

// TestTrainStopsPromptly: a cancelled context stops every instance at a step boundary and
// the error says so.
func TestTrainStopsPromptly(t *testing.T) {
	m, tc := controlModel(t, Values{})
	tc.Steps = 1 << 20
	ctx, cancel := context.WithCancelCause(context.Background())
	var once sync.Once
	progress := func(p Progress) {
		if p.Step > 100 {
			once.Do(func() { cancel(errors.New("test stop")) })
		}
	}
	_, err := TrainWith(m, tc, 1, progress, Control{Context: ctx})
	if !errors.Is(err, ErrStopped) || err.Error() != "training stopped: test stop" {
		t.Fatalf("err = %v", err)
	}
}

// TestTrainDivergenceGuard: an importance that overflows the loss stops training at the
// first logged step with an error naming the step and the cause.
func TestTrainDivergenceGuard(t *testing.T) {
	m, tc := controlModel(t, Scalar(1e308))
	_, err := Train(m, tc, 1, nil)
	if !errors.Is(err, ErrDiverged) {
		t.Fatalf("err = %v, want divergence", err)
	}
	for _, w := range []string{"at step 0", "importance"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("message %q lacks %q", err, w)
		}
	}
}

// TestResumeRefusesOtherShape: a checkpoint of another model is refused before training.
func TestResumeRefusesOtherShape(t *testing.T) {
	m, tc := controlModel(t, Values{})
	ck := &Checkpoint{Insts: make([]*InstanceState, 5)}
	ck.Insts[2] = &InstanceState{Step: 10, W: make([]float64, 3)}
	if _, err := TrainWith(m, tc, 1, nil, Control{Resume: ck}); err == nil {
		t.Fatal("a checkpoint of another shape was accepted")
	}
}

func equalBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if math.Float64bits(a[k]) != math.Float64bits(b[k]) {
			return false
		}
	}
	return true
}
