package sweep

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"saelab/run"
	"saelab/store"
	"saelab/synth"
)

// Directory layout under the sweep directory (or a shard's).
const (
	CellsDir  = "cells"  // cells/<id>/: one run directory per cell
	ModelsDir = "models" // models/<model key>/: the shared toy models (train-model directories)
)

// runCell runs one cell into cells/<id>/ and records it: running, then (in one transaction,
// once every file is written) done with its runs, or failed with the error. A cell interrupted
// by ctx goes back to pending.
func (r *runner) runCell(ctx context.Context, c *Cell) error {
	dir := filepath.Join(r.base, CellsDir, c.ID)
	_, err := r.db.Exec(`UPDATE cells SET status = 'running', started = ?, finished = NULL, host = ?, pid = ?, error = NULL,
		attempts = attempts + 1 WHERE id = ?`, now(), r.host, os.Getpid(), c.ID)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(dir); err != nil { // what an interrupted attempt left
		return r.fail(ctx, c, err)
	}
	if c.Synth != nil {
		return r.runSynthCell(ctx, c, dir)
	}
	cfg := c.Config.Clone()
	cfg.ModelTrain.Workers, cfg.SAETrain.Workers = r.workers, r.workers
	var p run.Plan
	if r.f.SAE {
		model, err := r.model(ctx, c)
		if err != nil {
			return r.fail(ctx, c, fmt.Errorf("toy model: %w", err))
		}
		cfg.ModelPath = model
		p = run.TrainSAEPlan(cfg)
	} else {
		p = run.TrainModelPlan(cfg)
	}
	t0 := time.Now()
	d, err := run.Execute(ctx, p, run.Options{Out: dir, NoReport: !r.o.KeepLogs, NoDataLog: !r.o.KeepLogs})
	wall := time.Since(t0).Seconds()
	if err != nil {
		return r.fail(ctx, c, err)
	}
	return r.commit(c, d, wall)
}

// commit records a finished toy-model cell: its runs and status done, in one transaction.
func (r *runner) commit(c *Cell, d *run.Dir, wall float64) error {
	cfgText, err := os.ReadFile(d.File(store.ConfigFile))
	if err != nil {
		return err
	}
	train := 0.0
	var rows []runRow
	for _, rs := range d.Summary.Runs {
		if r.f.SAE && rs.Kind != store.KindSAE {
			continue // the toy model's entry, copied from its shared directory
		}
		row, err := summaryRow(rs)
		if err != nil {
			return err
		}
		rows = append(rows, row)
		train += rs.WallSeconds
	}
	return r.record(c, d.Path, string(cfgText), wall, train, rows)
}

// fail records a failed cell, or puts an interrupted one back to pending, and returns err.
func (r *runner) fail(ctx context.Context, c *Cell, err error) error {
	if ctx.Err() != nil {
		r.db.Exec(`UPDATE cells SET status = 'pending', host = NULL, pid = NULL WHERE id = ?`, c.ID)
		return err
	}
	if _, dberr := r.db.Exec(`UPDATE cells SET status = 'failed', error = ?, finished = ?, host = NULL, pid = NULL WHERE id = ?`,
		err.Error(), now(), c.ID); dberr != nil {
		return fmt.Errorf("%w (and recording the failure: %v)", err, dberr)
	}
	return err
}

// model returns the directory of the cell's toy model, training it first if no cell has: each
// (model config, seed) is trained once per directory, and every cell that needs it waits for
// that one training.
func (r *runner) model(ctx context.Context, c *Cell) (string, error) {
	if r.lm != nil {
		return r.lm.path, nil
	}
	s, err := r.shared(ctx, c.ModelKey, func() (string, *synth.Model, error) {
		dir, err := r.trainModel(ctx, c)
		return dir, nil, err
	})
	if err != nil {
		return "", err
	}
	return s.dir, nil
}

// shared returns the model slot of key once it is ready: the first caller builds it with
// build, and the others wait for that one build. A failed build is forgotten, so that a later
// cell of the model tries again (e.g. after a transient error), once per cell.
func (r *runner) shared(ctx context.Context, key string, build func() (string, *synth.Model, error)) (*modelSlot, error) {
	r.mu.Lock()
	s, ok := r.models[key]
	if !ok {
		s = &modelSlot{ready: make(chan struct{})}
		r.models[key] = s
	}
	r.mu.Unlock()
	if !ok {
		s.dir, s.synth, s.err = build()
		if s.err != nil {
			r.mu.Lock()
			delete(r.models, key)
			r.mu.Unlock()
		}
		close(s.ready)
	}
	select {
	case <-s.ready:
		return s, s.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// trainModel trains the cell's toy model into models/<key>/ and records it.
func (r *runner) trainModel(ctx context.Context, c *Cell) (string, error) {
	dir := filepath.Join(r.base, ModelsDir, c.ModelKey)
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	t0 := time.Now()
	cfg := c.Config.Clone()
	cfg.ModelTrain.Workers = r.workers
	_, err := run.Execute(ctx, run.TrainModelPlan(cfg), run.Options{Out: dir, NoReport: true, NoDataLog: true})
	wall := time.Since(t0).Seconds()
	r.observe(ModelTrained{Key: c.ModelKey, Seconds: wall, Err: err})
	if err != nil {
		return "", err
	}
	_, err = r.db.Exec(`INSERT INTO models(key, dir, wall_seconds) VALUES(?, ?, ?)
		ON CONFLICT(key) DO UPDATE SET dir = excluded.dir, wall_seconds = excluded.wall_seconds`, c.ModelKey, r.rel(dir), wall)
	return dir, err
}

// now is the current time for the database: RFC 3339, UTC.
func now() string { return time.Now().UTC().Format(time.RFC3339Nano) }
