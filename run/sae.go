package run

import (
	"fmt"
	"math"
	"time"

	"saelab/config"
	"saelab/eval"
	"saelab/report"
	"saelab/sae"
	"saelab/store"
	"saelab/toymodel"
)

// DataLogSampleDtype is the on-disk dtype of the data log's per-sample tensors (h, h_r, loss,
// loss terms; almost all of the file): F16 halves the file and keeps ~3 significant digits,
// plenty for the plots. A log that does not fit F16 is written as F32.
const DataLogSampleDtype = store.DtypeF16

// SAEResult is a trained and evaluated SAE run.
type SAEResult struct {
	Config config.SAERun
	SAE    *sae.SAE
	// Log is the run's data log. Dir.TrainSAE keeps only its Scalars (for metrics.jsonl) once
	// the log is written.
	Log         sae.DataLog
	Eval        eval.Result
	WallSeconds float64 // the training loop alone
	// RunExtra, if set, is the run's summary.json "extra" (e.g. compare's instance means).
	RunExtra map[string]float64
}

// TrainSAE builds the run's SAE on model (sae.New copies the model), trains it and
// evaluates it on fresh batches, all from seed, without writing anything.
func TrainSAE(model *toymodel.Model, rc config.SAERun, seed uint64, obs Observer) (*SAEResult, error) {
	r, err := trainSAE(model, rc, seed, obs, sae.Control{})
	if err != nil {
		return nil, err
	}
	if err := r.evaluate(seed); err != nil {
		return nil, err
	}
	obs.Observe(SAEFinished{Result: r})
	return r, nil
}

// TrainSAE is TrainSAE that writes the run's SAE and data-log files into d right after
// training and drops the log's records before the evaluation, so that a run's log, the
// evaluation's batches and the next run's log are never in memory together. The run is added
// to summary.json by AddSAERun.
func (d *Dir) TrainSAE(model *toymodel.Model, rc config.SAERun, seed uint64, withLog bool) (*SAEResult, error) {
	return d.trainSAE(model, rc, seed, withLog, sae.Control{})
}

// trainSAE is Dir.TrainSAE with the training steered by ctl (stop, checkpoints, resume).
func (d *Dir) trainSAE(model *toymodel.Model, rc config.SAERun, seed uint64, withLog bool, ctl sae.Control) (*SAEResult, error) {
	r, err := trainSAE(model, rc, seed, d.obs, ctl)
	if err != nil {
		return nil, err
	}
	if err := d.saveRunFiles(r, seed, withLog); err != nil {
		return nil, err
	}
	r.Log = sae.DataLog{NInst: r.Log.NInst, DIn: r.Log.DIn, DSAE: r.Log.DSAE, SampleSize: r.Log.SampleSize,
		Resamples: r.Log.Resamples, Scalars: r.Log.Scalars}
	if err := r.evaluate(seed); err != nil {
		return nil, err
	}
	return r, nil
}

// AddSAERun adds a trained run to summary.json and metrics.jsonl and reports it.
func (d *Dir) AddSAERun(r *SAEResult) error {
	if err := d.AddRun(r.RunSummary(), store.MetricsRows(r.Config.Name, r.Log.Scalars)); err != nil {
		return err
	}
	d.obs.Observe(SAEFinished{Result: r})
	return nil
}

// trainSAE builds and trains the run's SAE.
func trainSAE(model *toymodel.Model, rc config.SAERun, seed uint64, obs Observer, ctl sae.Control) (*SAEResult, error) {
	s, err := sae.New(rc.SAE, model, seed)
	if err != nil {
		return nil, fmt.Errorf("run %s: sae: %w", rc.Name, err)
	}
	obs.Observe(PhaseStarted{Phase: rc.Name, Steps: rc.Train.Steps})
	I := float64(rc.SAE.NInst)
	progress := func(p sae.Progress) {
		obs.Observe(Progress{Phase: rc.Name, Step: p.Step, Steps: p.Steps, Loss: p.Loss / I, LR: p.LR,
			FracActive: p.FracActive, LReconstruction: p.LReconstruction / I, LSparsity: p.LSparsity / I})
	}
	t0 := time.Now()
	log, err := sae.TrainWith(s, rc.Train, seed, progress, ctl)
	wall := time.Since(t0).Seconds()
	if err != nil {
		return nil, fmt.Errorf("run %s: sae_train: %w", rc.Name, err)
	}
	obs.Observe(PhaseFinished{Phase: rc.Name, Steps: rc.Train.Steps, Seconds: wall})
	return &SAEResult{Config: rc, SAE: s, Log: log, WallSeconds: wall}, nil
}

// evaluate runs eval.SAE on fresh batches from the run's seed.
func (r *SAEResult) evaluate(seed uint64) error {
	ev, err := eval.SAE(r.SAE, seed)
	if err != nil {
		return fmt.Errorf("run %s: evaluation: %w", r.Config.Name, err)
	}
	r.Eval = ev
	return nil
}

// RunSummary is the run's summary.json entry.
func (r *SAEResult) RunSummary() store.RunSummary {
	rs := store.RunSummary{Name: r.Config.Name, Kind: store.KindSAE, Arch: r.Config.SAE.Arch,
		Resample: r.Config.Train.Resample, Steps: r.Config.Train.Steps, WallSeconds: r.WallSeconds,
		MonosemanticInstances: store.Int(r.Eval.Monosemantic), MeanMMCS: store.Float64(r.Eval.MeanMMCS),
		Extra: r.RunExtra}
	for _, in := range r.Eval.Instances {
		rs.Instances = append(rs.Instances, store.InstanceSummary{Index: in.Index, Loss: in.Loss,
			LReconstruction: in.LReconstruction, LSparsity: in.LSparsity, L0: in.L0, DeadLatents: in.DeadLatents,
			MMCS: in.Recovery.MMCS, RecoveredFeatures: in.Recovery.Recovered, Monosemantic: in.Recovery.Monosemantic,
			Extra: instanceExtra(in)})
	}
	return rs
}

// instanceExtra are the instance's further numbers, the finite ones only.
func instanceExtra(in eval.Instance) map[string]float64 {
	extra := map[string]float64{}
	put := func(k string, v float64) {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			extra[k] = v
		}
	}
	put("explained_variance", in.ExplainedVariance)
	put("l2_ratio", in.L2Ratio)
	put("shrinkage_slope", in.Slope)
	put("shrinkage_firing_ratio", in.FiringRatio)
	put("mcc", in.Recovery.MCC)
	put("recovered_matched", float64(in.Recovery.Recovered))
	put("recovered_max_cos", float64(in.Recovery.RecoveredMaxCos))
	if in.LAux != 0 {
		put("l_aux", in.LAux)
	}
	if len(extra) == 0 {
		return nil
	}
	return extra
}

// saveRunFiles writes the run's SAE file and (withLog) its data log, and builds the report's
// part of the log (rounded to what the file holds, so that it equals what a report drawn
// later reads back) with its Figure-15 series, kept for the report.
func (d *Dir) saveRunFiles(r *SAEResult, seed uint64, withLog bool) error {
	name := r.Config.Name
	saeFile := d.File(store.SAEFile(name))
	if err := store.WriteSAE(saeFile, name, r.SAE, r.Config.Train); err != nil {
		return err
	}
	d.written(saeFile)
	if !withLog {
		return nil
	}
	log := r.Log
	opts := store.DataLogOptions{SampleDtype: DataLogSampleDtype}
	if store.DataLogFits(&log, opts) != nil {
		opts = store.DataLogOptions{}
	}
	if err := store.RoundDataLog(&log, opts); err != nil {
		return fmt.Errorf("run %s: data log: %w", name, err)
	}
	// The file is written while the report's part is built from the same (read-only) values.
	logFile := d.File(store.DataLogFile(name))
	written := make(chan error, 1)
	go func() {
		st, err := store.StageDataLogWith(logFile, log, opts)
		if err == nil {
			err = st.Commit()
		}
		written <- err
	}()
	part, err := report.NewRunPart(name, r.Config.SAE.Arch, log, d.Summary.Command == report.CompareCommand)
	if err == nil {
		// The Figure-15 scatter uses the SAE as its file holds it (float32), as a later report does.
		var s *sae.SAE
		if s, _, err = store.LoadSAE(saeFile, r.SAE.Model); err == nil {
			err = part.Figure15(s, seed)
		}
	}
	if werr := <-written; werr != nil {
		return werr
	}
	if err != nil {
		return err
	}
	d.written(logFile)
	d.keepPart(name, part)
	return nil
}
