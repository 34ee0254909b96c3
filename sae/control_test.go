package sae

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"saelab/toymodel"
)

// resumeCase is one architecture and training setup whose resumption is checked.
type resumeCase struct {
	name     string
	model    toymodel.Config
	p        float64
	S        int
	edit     func(*Config)
	resample string
}

var resumeCases = []resumeCase{
	{name: "standard-simple", model: toymodel.Config{NInst: 4, NFeatures: 5, DHidden: 2, FeatMagDistn: "unif"}, p: 0.05, S: 5, resample: "simple"},
	{name: "standard-tied-advanced", model: toymodel.Config{NInst: 3, NFeatures: 5, DHidden: 2, FeatMagDistn: "unif"}, p: 0.05, S: 6,
		edit: func(c *Config) { c.TiedWeights = true }, resample: "advanced"},
	{name: "standard-wide", model: toymodel.Config{NInst: 2, NFeatures: 40, DHidden: 10, FeatMagDistn: "unif"}, p: 0.2, S: 64, resample: "simple"},
	{name: "gated-advanced", model: toymodel.Config{NInst: 3, NFeatures: 5, DHidden: 2, FeatMagDistn: "unif"}, p: 0.05, S: 5,
		edit: func(c *Config) { c.Arch, c.SparsityCoeff = "gated", 1 }, resample: "advanced"},
	{name: "jumprelu-tied", model: toymodel.Config{NInst: 3, NFeatures: 5, DHidden: 2, FeatMagDistn: "normal"}, p: 0.05, S: 5,
		edit: func(c *Config) { c.Arch, c.TiedWeights = "jumprelu", true }, resample: "advanced"},
	{name: "topk", model: toymodel.Config{NInst: 3, NFeatures: 5, DHidden: 2, FeatMagDistn: "unif"}, p: 0.05, S: 5,
		edit: func(c *Config) { c.Arch, c.K, c.DeadFeatureWindow = "topk", 2, 30 }, resample: "none"},
	{name: "batchtopk", model: toymodel.Config{NInst: 3, NFeatures: 5, DHidden: 2, FeatMagDistn: "unif"}, p: 0.05, S: 5,
		edit: func(c *Config) { c.Arch, c.K, c.DeadFeatureWindow = "batchtopk", 0.125, 30 }, resample: "simple"},
	{name: "matryoshka", model: toymodel.Config{NInst: 3, NFeatures: 5, DHidden: 2, FeatMagDistn: "unif"}, p: 0.05, S: 5,
		edit: func(c *Config) { c.Arch, c.K = "matryoshka", 0.125 }, resample: "none"},
	{name: "matching_pursuit-advanced", model: toymodel.Config{NInst: 3, NFeatures: 6, DHidden: 3, FeatMagDistn: "unif"}, p: 0.1, S: 5,
		edit: func(c *Config) { c.Arch, c.K = "matching_pursuit", 3 }, resample: "advanced"},
}

// build returns the case's fresh SAE and training config.
func (rc resumeCase) build(t *testing.T) (*SAE, TrainConfig) {
	t.Helper()
	m, err := toymodel.New(rc.model, toymodel.Values{}, toymodel.Scalar(rc.p), 1)
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig(rc.model.NInst, rc.model.DHidden, rc.S)
	if rc.edit != nil {
		rc.edit(&cfg)
	}
	s, err := New(cfg, m, 3)
	if err != nil {
		t.Fatal(err)
	}
	tc := DefaultTrainConfig()
	tc.Steps, tc.LogFreq, tc.BatchSize, tc.HiddenSampleSize = 300, 20, 64, 16
	tc.Resample, tc.ResampleFreq, tc.ResampleWindow, tc.Schedule = rc.resample, 70, 40, "linear"
	return s, tc
}

// TestTrainResumeBitIdentical: for every architecture, a run stopped by its context and
// resumed from any checkpoint it saved ends with the uninterrupted run's bits: every
// parameter and state tensor, the fired counters and the whole data log.
func TestTrainResumeBitIdentical(t *testing.T) {
	for _, rc := range resumeCases {
		t.Run(rc.name, func(t *testing.T) {
			full, tc := rc.build(t)
			want, err := Train(full, tc, 5, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, procs := range []int{1, 2} {
				prev := runtime.GOMAXPROCS(procs)
				cks := stoppedRun(t, rc, tc, 8)
				runtime.GOMAXPROCS(prev)
				for k, ck := range cks {
					s, _ := rc.build(t)
					got, err := TrainWith(s, tc, 5, nil, Control{Resume: ck})
					if err != nil {
						t.Fatalf("GOMAXPROCS %d: resume from checkpoint %d: %v", procs, k, err)
					}
					if d := diffSAE(full, s); d != "" {
						t.Fatalf("GOMAXPROCS %d: resumed from checkpoint %d: %s", procs, k, d)
					}
					if d := diffLog(want, got); d != "" {
						t.Fatalf("GOMAXPROCS %d: resumed from checkpoint %d: data log: %s", procs, k, d)
					}
				}
			}
		})
	}
}

// stoppedRun trains the case with a checkpoint at every logged step, stops it after n
// checkpoints and returns them all (deep copies of the data log).
func stoppedRun(t *testing.T, rc resumeCase, tc TrainConfig, n int) []*Checkpoint {
	t.Helper()
	s, _ := rc.build(t)
	var mu sync.Mutex
	var cks []*Checkpoint
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ctl := Control{Context: ctx, Checkpoint: func(ck *Checkpoint) error {
		mu.Lock()
		defer mu.Unlock()
		cks = append(cks, &Checkpoint{Insts: slices.Clone(ck.Insts), Log: cloneLog(ck.Log)})
		if len(cks) == n {
			cancel()
		}
		return nil
	}}
	if _, err := TrainWith(s, tc, 5, nil, ctl); err != nil && !errors.Is(err, ErrStopped) {
		t.Fatal(err)
	}
	if len(cks) < n {
		t.Fatalf("%d checkpoints, want ≥ %d", len(cks), n)
	}
	return cks
}

func cloneLog(l DataLog) DataLog {
	out := l
	out.Records = make([]Record, len(l.Records))
	for k, r := range l.Records {
		c := Record{Step: r.Step, FracActive: slices.Clone(r.FracActive), Loss: slices.Clone(r.Loss), H: slices.Clone(r.H),
			HR: slices.Clone(r.HR), Params: map[string][]float64{}, Terms: map[string][]float32{}}
		for n, v := range r.Params {
			c.Params[n] = slices.Clone(v)
		}
		for n, v := range r.Terms {
			c.Terms[n] = slices.Clone(v)
		}
		out.Records[k] = c
	}
	return out
}

// diffSAE names the first tensor in which two SAEs differ in bits.
func diffSAE(a, b *SAE) string {
	pa, pb := a.logged(), b.logged()
	for k := range pa {
		if d := diffBits(pa[k].Data, pb[k].Data); d != "" {
			return pa[k].Name + ": " + d
		}
	}
	if !slices.Equal(a.StepsSinceFired, b.StepsSinceFired) {
		return "StepsSinceFired differ"
	}
	return ""
}

func diffBits(a, b []float64) string {
	if len(a) != len(b) {
		return fmt.Sprintf("%d vs %d values", len(a), len(b))
	}
	for k := range a {
		if math.Float64bits(a[k]) != math.Float64bits(b[k]) {
			return fmt.Sprintf("[%d] %v vs %v", k, a[k], b[k])
		}
	}
	return ""
}

func diffLog(a, b DataLog) string {
	if fmt.Sprint(a.Scalars) != fmt.Sprint(b.Scalars) || fmt.Sprint(a.Resamples) != fmt.Sprint(b.Resamples) || len(a.Records) != len(b.Records) {
		return "scalars, resamples or record count differ"
	}
	f32 := func(x, y []float32) bool {
		return slices.EqualFunc(x, y, func(p, q float32) bool { return math.Float32bits(p) == math.Float32bits(q) })
	}
	for k := range a.Records {
		ra, rb := a.Records[k], b.Records[k]
		if ra.Step != rb.Step || !f32(ra.FracActive, rb.FracActive) || !f32(ra.Loss, rb.Loss) || !f32(ra.H, rb.H) || !f32(ra.HR, rb.HR) {
			return fmt.Sprintf("record %d differs", k)
		}
		for n := range ra.Params {
			if d := diffBits(ra.Params[n], rb.Params[n]); d != "" {
				return fmt.Sprintf("record %d: %s: %s", k, n, d)
			}
		}
		for n := range ra.Terms {
			if !f32(ra.Terms[n], rb.Terms[n]) {
				return fmt.Sprintf("record %d: term %s differs", k, n)
			}
		}
	}
	return ""
}

// TestTrainDivergenceGuard: a sparsity coefficient that overflows the loss stops the run at
// the first logged step with an error naming the step and the cause.
func TestTrainDivergenceGuard(t *testing.T) {
	s, tc := resumeCases[0].build(t)
	s.Cfg.SparsityCoeff = 1e308
	_, err := Train(s, tc, 1, nil)
	if !errors.Is(err, ErrDiverged) {
		t.Fatalf("err = %v, want divergence", err)
	}
	for _, w := range []string{"at step ", "(instance ", "sparsity_coeff = 1e+308"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("message %q lacks %q", err, w)
		}
	}
}

// TestTrainStopsPromptly: a cancelled context stops training at a step boundary.
func TestTrainStopsPromptly(t *testing.T) {
	s, tc := resumeCases[0].build(t)
	tc.Steps = 1 << 22
	ctx, cancel := context.WithCancelCause(context.Background())
	var once sync.Once
	progress := func(p Progress) {
		if p.Step > 100 {
			once.Do(func() { cancel(errors.New("test stop")) })
		}
	}
	if _, err := TrainWith(s, tc, 1, progress, Control{Context: ctx}); !errors.Is(err, ErrStopped) || !strings.HasSuffix(err.Error(), "test stop") {
		t.Fatalf("err = %v", err)
	}
}

// TestResumeRefusesOtherRun: a checkpoint of another shape is refused before training.
func TestResumeRefusesOtherRun(t *testing.T) {
	cks := stoppedRun(t, resumeCases[0], func() TrainConfig { _, tc := resumeCases[0].build(t); return tc }(), 2)
	s, tc := resumeCases[1].build(t)
	if _, err := TrainWith(s, tc, 5, nil, Control{Resume: cks[1]}); err == nil {
		t.Fatal("a checkpoint of another run was accepted")
	}
}
