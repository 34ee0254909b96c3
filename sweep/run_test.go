package sweep

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"saelab/config"
	"saelab/run"
	"saelab/store"
)

const runSweep = tiny + `
name: run-test
grid:
  sae.sparsity_coeff: [0.1, 0.3]
  model.feature_probability: [0.05, 0.2]
seeds: [0, 1]
`

// countEvents returns an observer counting the events by type.
func countEvents() (Observer, func() map[string]int) {
	var mu sync.Mutex
	n := map[string]int{}
	return ObserverFunc(func(e Event) {
			mu.Lock()
			defer mu.Unlock()
			switch e.(type) {
			case Started:
				n["started"]++
			case ModelTrained:
				n["model"]++
			case CellFinished:
				n["cell"]++
			case Finished:
				n["finished"]++
			}
		}), func() map[string]int {
			mu.Lock()
			defer mu.Unlock()
			return n
		}
}

func TestRunRecordsAndResumes(t *testing.T) {
	f := mustParse(t, runSweep)
	dir := t.TempDir()
	obs, counts := countEvents()
	res, err := Run(context.Background(), f, Options{Out: dir, Jobs: 3, Observer: obs})
	if err != nil {
		t.Fatal(err)
	}
	if res.Ran != 8 || res.Failed != 0 || res.Left != 0 {
		t.Errorf("result %+v", res)
	}
	// 2 probabilities × 2 seeds: 4 toy models trained, each once.
	if c := counts(); c["model"] != 4 || c["cell"] != 8 || c["started"] != 1 || c["finished"] != 1 {
		t.Errorf("events %v", c)
	}
	results, err := ReadResults(dir)
	if err != nil {
		t.Fatal(err)
	}
	cells := mustCells(t, f)
	for k, c := range results.Cells {
		if c.ID != cells[k].ID || c.Status != "done" || len(c.Runs) != 1 || c.Dir != "cells/"+c.ID || c.Attempts != 1 {
			t.Fatalf("cell %d: %+v", k, c)
		}
		// The record holds what the cell's summary.json says, and the means of store.Means.
		sum, err := store.ReadSummary(filepath.Join(dir, c.Dir, store.SummaryFile))
		if err != nil {
			t.Fatal(err)
		}
		rs := sum.Runs[len(sum.Runs)-1]
		m := rs.Means()
		if c.Runs[0].Metrics[4] != m.L0 || c.Runs[0].Metrics[5] != m.ExtraMean("explained_variance") || c.Runs[0].Name != rs.Name {
			t.Errorf("cell %d: metrics %v, summary means %+v", k, c.Runs[0].Metrics, m)
		}
		// The cell's config.yaml is the recorded config, and decodes back.
		text, _ := os.ReadFile(filepath.Join(dir, c.Dir, store.ConfigFile))
		var back config.Config
		if string(text) != c.Config || config.Decode(text, &back) != nil || back.Seed != c.Seed {
			t.Errorf("cell %d: config.yaml and the record differ", k)
		}
		// No data log or report without KeepLogs.
		if _, err := os.Stat(filepath.Join(dir, c.Dir, store.ReportFile)); err == nil {
			t.Errorf("cell %d has a report without KeepLogs", k)
		}
	}
	// A second run has nothing to do.
	res, err = Run(context.Background(), f, Options{Out: dir})
	if err != nil || res.Ran != 0 || res.Left != 0 {
		t.Errorf("second run: %+v, %v", res, err)
	}
	// Another sweep in the same directory is refused; so is a shard of it.
	g := mustParse(t, strings.Replace(runSweep, "0.3]", "0.4]", 1))
	if _, err := Run(context.Background(), g, Options{Out: dir}); err == nil || !strings.Contains(err.Error(), "holds another sweep (run-test, 8 cells)") {
		t.Errorf("another sweep: %v", err)
	}
	// A cell's results equal a pipeline run of its config on its toy model: the sweep adds
	// nothing and loses nothing.
	c := results.Cells[5]
	cfg := cells[5].Config.Clone()
	cfg.ModelPath = filepath.Join(dir, ModelsDir, cells[5].ModelKey)
	d, err := run.Execute(context.Background(), run.TrainSAEPlan(cfg), run.Options{Out: filepath.Join(t.TempDir(), "single"), NoReport: true})
	if err != nil {
		t.Fatal(err)
	}
	single := metricValues(d.Summary.Runs[len(d.Summary.Runs)-1])
	for k := range single {
		if !(single[k] == c.Runs[0].Metrics[k] || single[k] != single[k] && c.Runs[0].Metrics[k] != c.Runs[0].Metrics[k]) {
			t.Errorf("metric %s: sweep %v, train-sae %v", Metrics[k].Name, c.Runs[0].Metrics[k], single[k])
		}
	}
}

func TestFailedCellsAreListedAndRetried(t *testing.T) {
	f := mustParse(t, runSweep)
	dir := t.TempDir()
	// cells/ is a file: every cell fails to make its directory.
	os.WriteFile(filepath.Join(dir, CellsDir), []byte("in the way"), 0o644)
	res, err := Run(context.Background(), f, Options{Out: dir, Jobs: 2})
	if err == nil || !strings.Contains(err.Error(), "8 of 8 cells failed; saelab sweep status") || res.Failed != 8 {
		t.Fatalf("%+v, %v", res, err)
	}
	st, err := ReadStatus(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st.Failed != 8 || st.Done != 0 || len(st.Failures) != 8 || !strings.Contains(st.Failures[0].Error, "not a directory") {
		t.Errorf("status %+v", st)
	}
	var b bytes.Buffer
	st.Write(&b)
	if !strings.Contains(b.String(), "failed   8") || !strings.Contains(b.String(), "(sae.sparsity_coeff=0.1, model.feature_probability=0.05, seed 0): ") {
		t.Errorf("status text:\n%s", b.String())
	}
	os.Remove(filepath.Join(dir, CellsDir))
	res, err = Run(context.Background(), f, Options{Out: dir})
	if err != nil || res.Ran != 8 {
		t.Errorf("retry: %+v, %v", res, err)
	}
	results, _ := ReadResults(dir)
	if results.Cells[0].Attempts != 2 || results.Cells[0].Error != "" {
		t.Errorf("retried cell: %+v", results.Cells[0])
	}
}

func TestStatusWhileRunning(t *testing.T) {
	f := mustParse(t, runSweep)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var polls, seenRunning int
	stop := make(chan struct{})
	go func() {
		defer close(stop)
		for {
			st, err := ReadStatus(dir)
			if err == nil {
				polls++
				if st.Running > 0 {
					seenRunning++
				}
				if st.Done == 8 {
					return
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	if _, err := Run(ctx, f, Options{Out: dir, Jobs: 2}); err != nil {
		t.Fatal(err)
	}
	<-stop
	if polls == 0 || seenRunning == 0 {
		t.Errorf("status read %d times while running, saw running cells %d times", polls, seenRunning)
	}
	// A second process on the same directory is refused while the first holds it.
	lock, err := lockDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Run(context.Background(), f, Options{Out: dir})
	lock.unlock()
	if err == nil || !strings.Contains(err.Error(), "is in use by process") {
		t.Errorf("a second runner: %v", err)
	}
}

func TestInterruptedRunGoesBackToPending(t *testing.T) {
	f := mustParse(t, runSweep)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	obs := ObserverFunc(func(e Event) {
		if c, ok := e.(CellFinished); ok && c.Ran == 2 {
			cancel()
		}
	})
	res, err := Run(ctx, f, Options{Out: dir, Jobs: 1, Observer: obs})
	if err == nil || !strings.Contains(err.Error(), "interrupted: 2 cells done in this run, 6 left") {
		t.Fatalf("%+v %v", res, err)
	}
	db, _ := openDB(filepath.Join(dir, DBFile), true)
	defer db.Close()
	var pending, done int
	db.QueryRow(`SELECT COUNT(*) FROM cells WHERE status = 'pending'`).Scan(&pending)
	db.QueryRow(`SELECT COUNT(*) FROM cells WHERE status = 'done'`).Scan(&done)
	if pending != 6 || done != 2 {
		t.Errorf("after the interrupt: %d pending, %d done", pending, done)
	}
	if res, err := Run(context.Background(), f, Options{Out: dir}); err != nil || res.Ran != 6 {
		t.Errorf("resume: %+v %v", res, err)
	}
}

func TestSweepOnModelPath(t *testing.T) {
	// A toy model trained once, then a sweep of SAEs on it.
	mdir := filepath.Join(t.TempDir(), "model")
	c := Defaults()
	c.Model.NInst, c.ModelTrain.Steps = 2, 60
	if _, err := run.Execute(context.Background(), run.TrainModelPlan(c), run.Options{Out: mdir}); err != nil {
		t.Fatal(err)
	}
	f := mustParse(t, "base:\n  model_path: "+mdir+"\n  sae_train: {steps: 80, batch_size: 64, log_freq: 40}\ngrid:\n  sae.d_sae: [3, 5]\nseeds: [0, 1]\n")
	cells := mustCells(t, f)
	if len(cells) != 4 || cells[0].ModelKey != cells[3].ModelKey || cells[0].ModelCost != 0 || cells[0].Config.ModelPath != mdir {
		t.Fatalf("cells %+v", cells[0])
	}
	dir := t.TempDir()
	if res, err := Run(context.Background(), f, Options{Out: dir}); err != nil || res.Ran != 4 {
		t.Fatalf("%+v %v", res, err)
	}
	if _, err := os.Stat(filepath.Join(dir, ModelsDir)); err == nil {
		t.Errorf("a sweep on model_path trained models")
	}
}
