package run

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"time"

	"saelab/internal/version"
	"saelab/report"
	"saelab/sae"
	"saelab/sae/wide"
	"saelab/store"
	"saelab/synth"
	"saelab/synth/modeldir"
)

// Defaults of SynthTrain.
const (
	// SynthTrainSamples is the default training length: 2,000 steps of 1,024 samples, which
	// keeps a bench of every architecture on the mini preset within about half an hour on two
	// cores (docs/synthetic.md lists the measured times).
	SynthTrainSamples = 2000 * 1024
	// SynthEvalSamples is the default number of held-out evaluation samples (SAELens's
	// eval_sae_on_synthetic_data default).
	SynthEvalSamples = 100_000
	// synthL0Samples is the sample count of the default target L0's estimate.
	synthL0Samples = 16384
	// SynthSAEDir is the SAE's directory (SAELens layout) in a synth train directory.
	SynthSAEDir = "sae"
	// SynthReportFile is a synth train or bench directory's report.
	SynthReportFile = "report.md"
)

// SynthTrainOptions is one SAE trained on a synthetic model.
type SynthTrainOptions struct {
	ModelDir string       // the model directory (ignored when Model is given)
	Model    *synth.Model // an already loaded model
	Out      string       // the directory to create
	Arch     string       // one of wide.Archs
	Width    int          // latents; 0: a quarter of the model's features
	// TargetL0 is the L0 the SAE is set up for (k of the TopK family and matching pursuit, the
	// autotuner's target for the others); 0: the model's true L0 over the first Width
	// features, rounded, as SynthSAEBench pairs width 4,096 with L0 25.
	TargetL0    float64
	Samples     int64 // training samples; 0: SynthTrainSamples
	EvalSamples int   // 0: SynthEvalSamples
	Seed        uint64
	// AutotuneTimeScale is how many of the protocol's steps one training step stands for in
	// the L0 autotuner of standard, jumprelu and gated (wide.TrainConfig.AutotuneTimeScale);
	// 0: automatic, 1: the protocol's own controller.
	AutotuneTimeScale float64
	Observer          Observer
	// modelStats are the model's statistics for the report when already known (a bench
	// computes them once for every architecture); nil: computed.
	modelStats *report.SynthModel
}

// SynthTrainResult is summary.json of a synth train directory.
type SynthTrainResult struct {
	Version  string  `json:"version"`
	Model    string  `json:"model,omitempty"`
	Arch     string  `json:"arch"`
	SavedAs  string  `json:"saved_as"` // the SAELens architecture written
	Width    int     `json:"width"`
	TargetL0 float64 `json:"target_l0"`
	Samples  int64   `json:"samples"`
	Steps    int     `json:"steps"`
	Batch    int     `json:"batch"`
	LR       float64 `json:"lr"`
	Seed     uint64  `json:"seed"`
	// AutotuneTimeScale is the time scale asked for (0 or absent: automatic).
	AutotuneTimeScale float64      `json:"autotune_time_scale,omitempty"`
	TrainSeconds      float64      `json:"train_seconds"`
	EvalSeconds       float64      `json:"eval_seconds"`
	Metrics           synth.Result `json:"metrics"`
}

// Seconds is the run's wall time: training and evaluation.
func (r *SynthTrainResult) Seconds() float64 { return r.TrainSeconds + r.EvalSeconds }

// SynthTrained carries a finished synth train run.
type SynthTrained struct{ Result *SynthTrainResult }

func (SynthTrained) isEvent() {}

// synthPlan is a validated SynthTrainOptions: the model and the SAE's two configs.
type synthPlan struct {
	o  SynthTrainOptions
	m  *synth.Model
	c  wide.Config
	tc wide.TrainConfig
}

// planSynthTrain loads the model and checks everything before any directory is made.
func planSynthTrain(o SynthTrainOptions) (*synthPlan, error) {
	if err := o.Check(FlagName); err != nil {
		return nil, err
	}
	switch {
	case o.Out == "":
		return nil, fmt.Errorf("--out: an output directory is required")
	}
	p := &synthPlan{o: o, m: o.Model}
	if p.m == nil {
		var err error
		if p.m, err = modeldir.Load(o.ModelDir); err != nil {
			return nil, err
		}
	}
	F, H := p.m.Config.NumFeatures, p.m.Config.HiddenDim
	if p.o.Width == 0 {
		p.o.Width = max(1, F/4)
	}
	if p.o.TargetL0 == 0 {
		_, first := trueL0(p.m, synthL0Samples, []int{p.o.Width})
		p.o.TargetL0 = max(1, math.Round(first[0]))
	}
	if p.o.Samples == 0 {
		p.o.Samples = SynthTrainSamples
	}
	if p.o.EvalSamples == 0 {
		p.o.EvalSamples = SynthEvalSamples
	}
	p.c = wide.DefaultConfig(o.Arch, H, p.o.Width, p.o.TargetL0)
	if err := p.c.Validate(); err != nil {
		return nil, err
	}
	p.tc = wide.DefaultTrainConfig()
	p.tc.Samples, p.tc.Seed, p.tc.TargetL0 = p.o.Samples, o.Seed, p.o.TargetL0
	p.tc.AutotuneTimeScale = o.AutotuneTimeScale
	if err := p.tc.Validate(); err != nil {
		return nil, err
	}
	limit, how, err := MemoryLimit()
	if err != nil {
		return nil, err
	}
	need := float64(wide.MemoryBytes(p.c, p.tc)) + float64(p.o.Width)*float64(F)*4 // + the evaluation's |cos| matrix
	if need > limit {
		return nil, fmt.Errorf("width %d on a model of %d features in %d dimensions needs about %.0f MiB, more than the limit of %.0f MiB (%s)",
			p.o.Width, F, H, need/(1<<20), limit/(1<<20), how)
	}
	return p, nil
}

// SynthTrain trains one SAE on a synthetic model, evaluates it on held-out samples against
// the true features (synth.Evaluate) and writes o.Out: summary.json (SynthTrainResult),
// sae/ (cfg.json and sae_weights.safetensors, loadable by SAELens), report.md and report.html.
func SynthTrain(ctx context.Context, o SynthTrainOptions) (*SynthTrainResult, error) {
	if o.Observer == nil {
		o.Observer = nop{}
	}
	p, err := planSynthTrain(o)
	if err != nil {
		return nil, err
	}
	lock, err := store.ClaimDir(o.Out, true)
	if err != nil {
		return nil, fmt.Errorf("--out %s: %w; choose another directory", o.Out, err)
	}
	defer lock.Release()
	o.Observer.Observe(DirCreated{Path: o.Out, Single: true})
	r, s, err := p.train(ctx)
	if err != nil {
		return nil, err
	}
	if err := writeSynthRun(o.Out, r, s, p.m, o.modelStats, o.Observer); err != nil {
		return nil, err
	}
	o.Observer.Observe(SynthTrained{Result: r})
	o.Observer.Observe(Finished{Dir: o.Out, Report: filepath.Join(o.Out, SynthHTMLFile)})
	return r, nil
}

// train runs the plan's training and evaluation as two phases.
func (p *synthPlan) train(ctx context.Context) (*SynthTrainResult, *wide.SAE, error) {
	obs, phase, steps := p.o.Observer, p.o.Arch, p.tc.Steps()
	obs.Observe(PhaseStarted{Phase: phase, Steps: steps})
	start := time.Now()
	s, err := wide.Train(ctx, p.m, p.c, p.tc, func(step, steps int, loss, l0 float64) {
		obs.Observe(Progress{Phase: phase, Step: step + 1, Steps: steps, Loss: loss, L0: l0})
	})
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", phase, err)
	}
	r := &SynthTrainResult{Version: version.Version, Model: p.o.ModelDir, Arch: p.o.Arch, Width: p.o.Width, TargetL0: p.o.TargetL0,
		Samples: p.tc.Samples, Steps: steps, Batch: p.tc.Batch, LR: p.tc.LR, Seed: p.tc.Seed, AutotuneTimeScale: p.o.AutotuneTimeScale, TrainSeconds: time.Since(start).Seconds()}
	obs.Observe(PhaseFinished{Phase: phase, Steps: steps, Seconds: r.TrainSeconds})
	const evalPhase = "evaluation"
	obs.Observe(PhaseStarted{Phase: evalPhase, Steps: 1})
	start = time.Now()
	if r.Metrics, err = synth.Evaluate(p.m, s, p.o.EvalSamples, p.tc.Batch, p.tc.Seed, 0); err != nil {
		return nil, nil, err
	}
	r.EvalSeconds = time.Since(start).Seconds()
	obs.Observe(PhaseFinished{Phase: evalPhase, Steps: 1, Seconds: r.EvalSeconds})
	r.SavedAs, _ = s.SAELensConfig()["architecture"].(string)
	return r, s, nil
}

// writeSynthRun writes a trained SAE's directory: the SAE, summary.json, report.md and
// report.html (with the statistics of the model m, mp, computed if nil).
func writeSynthRun(dir string, r *SynthTrainResult, s *wide.SAE, m *synth.Model, mp *report.SynthModel, obs Observer) error {
	cfg := s.SAELensConfig()
	md, _ := cfg["metadata"].(map[string]any)
	if md == nil {
		md = map[string]any{}
		cfg["metadata"] = md
	}
	md["sae_lens_version"], md["sae_lens_training_version"], md["saelab_version"] = sae.SAELensVersion, sae.SAELensVersion, version.Version
	var ts []store.SAELensTensor
	for _, t := range s.SAELensTensors() {
		ts = append(ts, store.SAELensTensor(t))
	}
	saeDir := filepath.Join(dir, SynthSAEDir)
	if err := store.WriteSAELens(saeDir, cfg, ts); err != nil {
		return err
	}
	obs.Observe(FileWritten{Path: saeDir})
	if err := checkSynthFinite(r); err != nil {
		return err
	}
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := store.WriteFileAtomic(filepath.Join(dir, store.SummaryFile), append(js, '\n'), 0o644); err != nil {
		return err
	}
	obs.Observe(FileWritten{Path: filepath.Join(dir, store.SummaryFile)})
	rows := []SynthBenchRow{{Arch: r.Arch, Result: r}}
	if err := store.WriteFileAtomic(filepath.Join(dir, SynthReportFile), synthMarkdown("SAE on a synthetic model", r, rows), 0o644); err != nil {
		return err
	}
	obs.Observe(FileWritten{Path: filepath.Join(dir, SynthReportFile)})
	if mp == nil {
		if mp, err = synthModelPart(m); err != nil {
			return err
		}
	}
	if err := writeSynthTrainHTML(dir, r, s, m, mp); err != nil {
		return err
	}
	obs.Observe(FileWritten{Path: filepath.Join(dir, SynthHTMLFile)})
	return nil
}

// checkSynthFinite refuses to write a result holding NaN or ±Inf.
func checkSynthFinite(r *SynthTrainResult) error {
	m := r.Metrics
	for _, f := range []struct {
		name string
		v    float64
	}{{"true_l0", m.TrueL0}, {"sae_l0", m.SAEL0}, {"shrinkage", m.Shrinkage}, {"explained_variance", m.ExplainedVariance},
		{"mcc", m.MCC}, {"uniqueness", m.Uniqueness}, {"precision", m.Precision}, {"recall", m.Recall}, {"f1_score", m.F1},
		{"accuracy", m.Accuracy}, {"train_seconds", r.TrainSeconds}, {"eval_seconds", r.EvalSeconds}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) {
			return fmt.Errorf("%s: metric %s = %g is not finite; nothing written", r.Arch, f.name, f.v)
		}
	}
	return nil
}
