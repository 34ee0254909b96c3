package run

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"saelab/config"
	"saelab/store"
)

func tinyConfig() config.Config {
	c := config.Demo()
	c.Model.NInst, c.SAE.NInst = 2, 2
	c.ModelTrain.Steps, c.SAETrain.Steps = 100, 200
	return c
}

// The events arrive in the pipeline's order, and every file the pipeline reports exists.
func TestExecuteEvents(t *testing.T) {
	var kinds []string
	var files []string
	obs := ObserverFunc(func(e Event) {
		switch e := e.(type) {
		case DirCreated:
			kinds = append(kinds, "dir")
		case PhaseStarted:
			kinds = append(kinds, "start "+e.Phase)
		case PhaseFinished:
			kinds = append(kinds, "done "+e.Phase)
		case ModelFinished:
			kinds = append(kinds, "model")
		case SAEFinished:
			kinds = append(kinds, "sae "+e.Result.Config.Name)
		case FileWritten:
			files = append(files, e.Path)
		case Finished:
			kinds = append(kinds, "finished")
		}
	})
	out := filepath.Join(t.TempDir(), "d")
	if _, err := Execute(context.Background(), DemoPlan(tinyConfig()), Options{Out: out, Observer: obs}); err != nil {
		t.Fatal(err)
	}
	want := "dir,start toy model,done toy model,model,start none,done none,sae none,start simple,done simple,sae simple,finished"
	if got := strings.Join(kinds, ","); got != want {
		t.Errorf("events\n got  %s\n want %s", got, want)
	}
	for _, f := range files {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("reported file %s: %v", f, err)
		}
	}
	if _, err := os.Stat(filepath.Join(out, store.LockFile)); err == nil {
		t.Error("the lock file outlived the pipeline")
	}
}

// Of several pipelines given the same new directory, exactly one runs; the others are told
// who owns it or that it is not empty, and nothing of theirs is left in it.
func TestOneOwnerPerDirectory(t *testing.T) {
	out := filepath.Join(t.TempDir(), "shared")
	const n = 6
	errs := make([]error, n)
	var wg sync.WaitGroup
	for k := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[k] = Execute(context.Background(), TrainModelPlan(tinyConfig()), Options{Out: out})
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !strings.Contains(err.Error(), "in use by process") && !strings.Contains(err.Error(), "not empty"):
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d pipelines ran in the same directory, want 1", ok)
	}
}

// A cancelled context stops the pipeline between runs; the finished runs stay listed, and the
// run that did not start is listed as interrupted.
func TestCancelStopsBetweenRuns(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	obs := ObserverFunc(func(e Event) {
		if _, ok := e.(ModelFinished); ok {
			cancel()
		}
	})
	d, err := Execute(ctx, DemoPlan(tinyConfig()), Options{Out: filepath.Join(t.TempDir(), "d"), Observer: obs})
	if err == nil || !strings.Contains(err.Error(), "canceled") {
		t.Fatalf("err = %v, want a cancellation", err)
	}
	runs := d.Summary.Runs
	if len(runs) != 2 || !runs[0].Finished() || runs[0].Name != ModelRunName || runs[1].Name != "none" || runs[1].Status != store.StatusInterrupted {
		t.Errorf("summary lists %+v, want the finished toy model and none interrupted", runs)
	}
}
