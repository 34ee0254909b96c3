package run

import (
	"fmt"
	"math"
	"time"

	"saelab/config"
	"saelab/store"
	"saelab/toymodel"
)

// ModelRunName is the toy model's run name in summary.json and metrics.jsonl.
const ModelRunName = "toy-model"

// modelPhase is the toy model's phase name in progress events.
const modelPhase = "toy model"

// ModelResult is a trained toy model.
type ModelResult struct {
	Model       *toymodel.Model
	Log         []toymodel.LogEntry
	Steps       int
	WallSeconds float64 // the training loop alone
}

// TrainModel trains m in place (toymodel.Train), reporting progress to obs.
func TrainModel(m *toymodel.Model, tc toymodel.TrainConfig, seed uint64, obs Observer) (ModelResult, error) {
	return trainModel(m, tc, seed, obs, toymodel.Control{})
}

// trainModel is TrainModel steered by ctl (stop, checkpoints, resume).
func trainModel(m *toymodel.Model, tc toymodel.TrainConfig, seed uint64, obs Observer, ctl toymodel.Control) (ModelResult, error) {
	obs.Observe(PhaseStarted{Phase: modelPhase, Steps: tc.Steps})
	progress := func(p toymodel.Progress) {
		obs.Observe(Progress{Phase: modelPhase, Step: p.Step, Steps: p.Steps, Loss: p.Loss, LR: p.LR})
	}
	t0 := time.Now()
	log, err := toymodel.TrainWith(m, tc, seed, progress, ctl)
	wall := time.Since(t0).Seconds()
	if err != nil {
		return ModelResult{}, fmt.Errorf("model_train: %w", err)
	}
	obs.Observe(PhaseFinished{Phase: modelPhase, Steps: tc.Steps, Seconds: wall})
	r := ModelResult{Model: m, Log: log, Steps: tc.Steps, WallSeconds: wall}
	obs.Observe(ModelFinished{Result: r})
	return r, nil
}

// FinalLoss is the last logged loss per instance (NaN without a log).
func (r ModelResult) FinalLoss() float64 {
	if len(r.Log) == 0 {
		return math.NaN()
	}
	return r.Log[len(r.Log)-1].Loss
}

// RunSummary is the toy model's summary.json entry.
func (r ModelResult) RunSummary() store.RunSummary {
	return store.RunSummary{Name: ModelRunName, Kind: store.KindToyModel, Steps: r.Steps,
		WallSeconds: r.WallSeconds, FinalLoss: store.Float64(r.FinalLoss())}
}

// MetricsRows are the toy model's metrics.jsonl rows: run, step, loss (per instance), lr.
func (r ModelResult) MetricsRows() []map[string]any {
	rows := make([]map[string]any, len(r.Log))
	for k, e := range r.Log {
		rows[k] = map[string]any{"run": ModelRunName, "step": e.Step, "loss": e.Loss, "lr": e.LR}
	}
	return rows
}

// SaveModel writes model.safetensors, adds the toy-model run to summary.json and metrics.jsonl,
// and returns the model as read back from the file: SAEs train on exactly what is on disk
// (float32 weights), so that train-sae on the directory reproduces them.
func (d *Dir) SaveModel(r ModelResult, mc config.ModelConfig) (*toymodel.Model, error) {
	path := d.File(store.ModelFile)
	specs := store.ModelSpecs{Importance: toymodel.Spec(mc.Importance), FeatureProbability: toymodel.Spec(mc.FeatureProbability)}
	if err := store.WriteModel(path, r.Model, specs); err != nil {
		return nil, err
	}
	d.written(path)
	m, _, err := store.LoadModel(path)
	if err != nil {
		return nil, err
	}
	return m, d.AddRun(r.RunSummary(), r.MetricsRows())
}
