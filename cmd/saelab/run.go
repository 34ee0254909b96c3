package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sync"
	"time"

	"saelab/eval"
	"saelab/sae"
	"saelab/store"
	"saelab/toymodel"
)

// ToyModelRunName is the toy model's run name in summary.json and metrics.jsonl.
const ToyModelRunName = "toy-model"

// DataLogSampleDtype is the on-disk dtype of the data log's per-sample tensors (h, h_r, loss,
// loss terms; almost all of the file): F16 halves the file and keeps ~3 significant digits,
// plenty for the plots. A log that does not fit F16 is written as F32.
const DataLogSampleDtype = store.DtypeF16

// RunDir is a run directory being written. Every file goes through an atomic write; summary.json
// and metrics.jsonl are rewritten after each finished run, so the directory always describes
// the runs completed so far.
type RunDir struct {
	Path    string
	Summary store.Summary
	Metrics []map[string]any

	// reportRuns holds the report's part of each SAE run whose files this process wrote (see
	// saveRunFiles), so that the report needs neither to read the data logs back nor to redo
	// the shrinkage samples.
	reportRuns map[string]*reportRun
	mu         sync.Mutex // guards reportRuns
}

// CreateRunDir makes the run directory: out if given (it must not exist or be empty), else
// runs/<YYYYMMDD-HHMMSS>-<name> under the current directory.
func CreateRunDir(out, name string, seed uint64) (*RunDir, error) {
	d := &RunDir{Summary: store.Summary{Version: Version, Seed: seed, Runs: []store.RunSummary{}}}
	if out == "" {
		p, err := store.NewRunDir(".", name, time.Now())
		if err != nil {
			return nil, err
		}
		d.Path = p
		return d, nil
	}
	ok, err := dirEmptyOrMissing(out)
	if err != nil {
		return nil, fmt.Errorf("--out %s: %w", out, err)
	}
	if !ok {
		return nil, fmt.Errorf("--out %s: the directory exists and is not empty; choose a new directory or remove it", out)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, fmt.Errorf("--out: %w", err)
	}
	d.Path = out
	return d, nil
}

// File returns the path of a file in the run directory.
func (d *RunDir) File(name string) string { return filepath.Join(d.Path, name) }

// WriteConfig writes config.yaml with the given sections of the resolved config.
func (d *RunDir) WriteConfig(c Config, sections ...string) error {
	data, err := MarshalConfig(c, sections...)
	if err != nil {
		return fmt.Errorf("config.yaml: %w", err)
	}
	return store.WriteFileAtomic(d.File(store.ConfigFile), data, 0o644)
}

// AddRun appends a finished run to summary.json and its rows to metrics.jsonl, rewriting both.
func (d *RunDir) AddRun(rs store.RunSummary, rows []map[string]any) error {
	d.Summary.Runs = append(d.Summary.Runs, rs)
	d.Metrics = append(d.Metrics, rows...)
	if err := store.WriteMetricsJSONL(d.File(store.MetricsFile), d.Metrics); err != nil {
		return err
	}
	return store.WriteSummary(d.File(store.SummaryFile), d.Summary)
}

// ModelResult is a trained toy model.
type ModelResult struct {
	Model       *toymodel.Model
	Log         []toymodel.LogEntry
	Steps       int
	WallSeconds float64 // the training loop alone
}

// TrainModel trains m in place (toymodel.Train), showing progress as phase "toy model".
func TrainModel(m *toymodel.Model, tc toymodel.TrainConfig, seed uint64, prog *Progress) (ModelResult, error) {
	ph := prog.Start("toy model", tc.Steps)
	t0 := time.Now()
	log, err := toymodel.Train(m, tc, seed, ph.Toy())
	wall := time.Since(t0).Seconds()
	if err != nil {
		return ModelResult{}, fmt.Errorf("model_train: %w", err)
	}
	ph.Done()
	return ModelResult{Model: m, Log: log, Steps: tc.Steps, WallSeconds: wall}, nil
}

// RunSummary is the toy model's summary.json entry.
func (r ModelResult) RunSummary() store.RunSummary {
	final := math.NaN()
	if len(r.Log) > 0 {
		final = r.Log[len(r.Log)-1].Loss
	}
	return store.RunSummary{Name: ToyModelRunName, Kind: store.KindToyModel, Steps: r.Steps,
		WallSeconds: r.WallSeconds, FinalLoss: store.Float64(final)}
}

// MetricsRows are the toy model's metrics.jsonl rows: run, step, loss (loss/I), lr.
func (r ModelResult) MetricsRows() []map[string]any {
	rows := make([]map[string]any, len(r.Log))
	for k, e := range r.Log {
		rows[k] = map[string]any{"run": ToyModelRunName, "step": e.Step, "loss": e.Loss, "lr": e.LR}
	}
	return rows
}

// SaveModel writes model.safetensors, adds the toy-model run to summary.json and metrics.jsonl,
// and returns the model as read back from the file: SAEs train on exactly what is on disk
// (float32 weights), so `train-sae --model DIR` reproduces them.
func (d *RunDir) SaveModel(r ModelResult, mc ModelConfig) (*toymodel.Model, error) {
	markPhase("toy model train")
	defer markPhase("toy model save")
	if err := WriteModelFile(d.File(store.ModelFile), r.Model, mc); err != nil {
		return nil, err
	}
	m, _, err := LoadModel(d.File(store.ModelFile))
	if err != nil {
		return nil, err
	}
	return m, d.AddRun(r.RunSummary(), r.MetricsRows())
}

// SAEResult is a trained and evaluated SAE run.
type SAEResult struct {
	Config SAERunConfig
	SAE    *sae.SAE
	// Log is the run's data log; RunDir.TrainSAE drops its records once they are written and
	// in the report's part (Scalars, for metrics.jsonl, stay).
	Log         sae.DataLog
	Eval        eval.Result
	WallSeconds float64 // the training loop alone
	// RunExtra, if set, is the run's summary.json "extra" (run-level numbers, e.g. compare's
	// instance means).
	RunExtra map[string]float64

	seed    uint64
	saved   bool  // saveRunFiles ran
	saveErr error // its result
}

// TrainSAE builds the run's SAE on model (sae.New copies the model), trains it (phase named
// after the run) and evaluates it on fresh batches (eval.SAE), all from seed.
func TrainSAE(model *toymodel.Model, rc SAERunConfig, seed uint64, prog *Progress) (*SAEResult, error) {
	r, err := trainSAE(model, rc, seed, prog)
	if err != nil {
		return nil, err
	}
	return r, r.evaluate()
}

// TrainSAE is TrainSAE that also writes the run's files into d right after training (see
// saveRunFiles) and drops the data log's records before the evaluation, so that a run's log,
// the evaluation's batches and the next run's log are never in memory together.
func (d *RunDir) TrainSAE(model *toymodel.Model, rc SAERunConfig, seed uint64, prog *Progress) (*SAEResult, error) {
	r, err := trainSAE(model, rc, seed, prog)
	if err != nil {
		return nil, err
	}
	markPhase(rc.Name + " train")
	d.startSave(r)
	markPhase(rc.Name + " save")
	if r.saveErr != nil {
		return nil, r.saveErr
	}
	if err := r.evaluate(); err != nil {
		return nil, err
	}
	markPhase(rc.Name + " eval")
	return r, nil
}

// trainSAE builds and trains the run's SAE.
func trainSAE(model *toymodel.Model, rc SAERunConfig, seed uint64, prog *Progress) (*SAEResult, error) {
	s, err := sae.New(rc.SAE, model, seed)
	if err != nil {
		return nil, fmt.Errorf("run %s: sae: %w", rc.Name, err)
	}
	ph := prog.Start(rc.Name, rc.Train.Steps)
	t0 := time.Now()
	log, err := sae.Train(s, rc.Train, seed, ph.SAE())
	wall := time.Since(t0).Seconds()
	if err != nil {
		return nil, fmt.Errorf("run %s: sae_train: %w", rc.Name, err)
	}
	ph.Done()
	return &SAEResult{Config: rc, SAE: s, Log: log, WallSeconds: wall, seed: seed}, nil
}

// evaluate runs eval.SAE on fresh batches from the run's seed.
func (r *SAEResult) evaluate() error {
	ev, err := eval.SAE(r.SAE, r.seed)
	if err != nil {
		return fmt.Errorf("run %s: evaluation: %w", r.Config.Name, err)
	}
	r.Eval = ev
	return nil
}

// RunSummary is the run's summary.json entry (issue 3's schema; extra per-instance numbers
// under "extra").
func (r *SAEResult) RunSummary() store.RunSummary {
	rs := store.RunSummary{Name: r.Config.Name, Kind: store.KindSAE, Arch: r.Config.SAE.Arch,
		Resample: r.Config.Train.Resample, Steps: r.Config.Train.Steps, WallSeconds: r.WallSeconds,
		MonosemanticInstances: store.Int(r.Eval.Monosemantic), MeanMMCS: store.Float64(r.Eval.MeanMMCS),
		Extra: r.RunExtra}
	for _, in := range r.Eval.Instances {
		extra := map[string]float64{}
		put := func(k string, v float64) {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				extra[k] = v
			}
		}
		put("explained_variance", in.ExplainedVariance)
		put("l2_ratio", in.L2Ratio)
		put("shrinkage_slope", in.Slope)
		put("mcc", in.Recovery.MCC)
		if in.LAux != 0 {
			put("l_aux", in.LAux)
		}
		if len(extra) == 0 {
			extra = nil
		}
		rs.Instances = append(rs.Instances, store.InstanceSummary{Index: in.Index, Loss: in.Loss,
			LReconstruction: in.LReconstruction, LSparsity: in.LSparsity, L0: in.L0, DeadLatents: in.DeadLatents,
			MMCS: in.Recovery.MMCS, RecoveredFeatures: in.Recovery.Recovered, Monosemantic: in.Recovery.Monosemantic,
			Extra: extra})
	}
	return rs
}

// SaveSAERun writes sae-<run>.safetensors and datalog-<run>.safetensors (unless
// RunDir.TrainSAE already did) and adds the run to summary.json and metrics.jsonl.
func (d *RunDir) SaveSAERun(r *SAEResult) error {
	if !r.saved {
		d.startSave(r)
	}
	if r.saveErr != nil {
		return r.saveErr
	}
	defer markPhase(r.Config.Name + " summary")
	return d.AddRun(r.RunSummary(), store.MetricsRows(r.Config.Name, r.Log.Scalars))
}

// startSave runs saveRunFiles for r and drops the log's records from r (the save owns them).
// Writing the files in the background while the evaluation runs was measured: no faster on
// two cores, and the log then lives alongside the evaluation's batches (peak RSS +40 MB).
func (d *RunDir) startSave(r *SAEResult) {
	log := r.Log
	r.Log = sae.DataLog{NInst: log.NInst, DIn: log.DIn, DSAE: log.DSAE, SampleSize: log.SampleSize,
		Resamples: log.Resamples, Scalars: log.Scalars}
	r.saved, r.saveErr = true, d.saveRunFiles(r, log)
}

// saveRunFiles writes the run's SAE file and data log, then builds the report's part of the
// log (rounded to what the file holds, so that it equals what `saelab report` reads back) and
// the run's shrinkage series, and keeps them in d.reportRuns.
func (d *RunDir) saveRunFiles(r *SAEResult, log sae.DataLog) error {
	name := r.Config.Name
	saeFile := d.File(store.SAEFile(name))
	if err := WriteSAEFile(saeFile, name, r.SAE, r.Config.Train); err != nil {
		return err
	}
	// The log, rounded as the file holds it (so that it equals what `saelab report` reads);
	// the file is written while the report's part is built from the same (read-only) values.
	opts := DataLogOptions(&log)
	if err := store.RoundDataLog(&log, opts); err != nil {
		return fmt.Errorf("run %s: data log: %w", name, err)
	}
	written := make(chan error, 1)
	go func() {
		st, err := store.StageDataLogWith(d.File(store.DataLogFile(name)), log, opts)
		if err == nil {
			err = st.Commit()
		}
		written <- err
	}()
	part, err := newReportRun(name, r.Config.SAE.Arch, log, d.Summary.Command == CompareCommand)
	if err == nil {
		// The shrinkage scatter uses the SAE as its file holds it (float32), like `saelab report`.
		var s *sae.SAE
		if s, _, err = LoadSAE(saeFile, r.SAE.Model); err == nil && s.Model.Cfg.NFeatures >= 2 {
			if se, ok := shrinkageSeries(name, s, part.best, d.Summary.Seed); ok {
				part.shrink = &se
			}
		}
	}
	if werr := <-written; werr != nil {
		return werr
	}
	if err != nil {
		return err
	}
	part.shrinkDone = true
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.reportRuns == nil {
		d.reportRuns = map[string]*reportRun{}
	}
	d.reportRuns[name] = part
	return nil
}

// DataLogOptions are the options a data log is written with: DataLogSampleDtype for the
// per-sample tensors, or F32 if a value does not fit it.
func DataLogOptions(log *sae.DataLog) store.DataLogOptions {
	opts := store.DataLogOptions{SampleDtype: DataLogSampleDtype}
	if store.DataLogFits(log, opts) != nil {
		opts = store.DataLogOptions{}
	}
	return opts
}

// PrintModelResult prints the toy model's one-line summary.
func PrintModelResult(w io.Writer, r ModelResult) {
	rs := r.RunSummary()
	fmt.Fprintf(w, "%s: %d instances × %d features → d_hidden %d, %d steps in %.2f s, final loss/instance %.6g\n",
		ToyModelRunName, r.Model.Cfg.NInst, r.Model.Cfg.NFeatures, r.Model.Cfg.DHidden, r.Steps, r.WallSeconds, *rs.FinalLoss)
}

// PrintSAEResult prints the run's summary line and one line per instance.
func PrintSAEResult(w io.Writer, r *SAEResult) {
	fmt.Fprintf(w, "%s (%s, resample %s): %d steps in %.2f s; monosemantic %d/%d, mean MMCS %.4f\n",
		r.Config.Name, r.Config.SAE.Arch, r.Config.Train.Resample, r.Config.Train.Steps, r.WallSeconds,
		r.Eval.Monosemantic, len(r.Eval.Instances), r.Eval.MeanMMCS)
	fmt.Fprintf(w, "  %4s %10s %10s %10s %7s %5s %7s %9s %5s\n", "inst", "loss", "L_rec", "L_sp", "L0", "dead", "MMCS", "recovered", "mono")
	F := r.SAE.Model.Cfg.NFeatures
	for _, in := range r.Eval.Instances {
		mono := "no"
		if in.Recovery.Monosemantic {
			mono = "yes"
		}
		fmt.Fprintf(w, "  %4d %10.4g %10.4g %10.4g %7.4f %5d %7.4f %6d/%-2d %5s\n", in.Index, in.Loss, in.LReconstruction,
			in.LSparsity, in.L0, in.DeadLatents, in.Recovery.MMCS, in.Recovery.Recovered, F, mono)
	}
}
