package run

import "saelab/store"

// Observer receives the pipeline's events, in order, from the goroutine running Execute
// (Progress events also from training workers' ticker, never concurrently with each other).
type Observer interface {
	Observe(Event)
}

// ObserverFunc adapts a function to an Observer.
type ObserverFunc func(Event)

// Observe calls f(e).
func (f ObserverFunc) Observe(e Event) { f(e) }

// Event is one of DirCreated, PhaseStarted, Progress, PhaseFinished, ModelFinished,
// SAEFinished, FileWritten and Finished.
type Event interface{ isEvent() }

// DirCreated says where the run directory is. Single is set by pipelines whose phases train
// one model each (the synthetic benchmark's), which have no per-instance means to explain.
type DirCreated struct {
	Path   string
	Single bool
}

// PhaseStarted opens a training phase: "toy model" or an SAE run's name.
type PhaseStarted struct {
	Phase string
	Steps int
}

// Progress is a training phase's progress. Step is the fraction done in steps (instances
// train in parallel); the values are those of the latest training batches, each the mean over
// instances (Loss per instance, as the results tables show it). Values not known yet are 0.
type Progress struct {
	Phase                                            string
	Step, Steps                                      int
	Loss, LR, FracActive, LReconstruction, LSparsity float64
	// L0 is the mean number of active latents per sample (the synthetic benchmark's SAEs).
	L0 float64
}

// PhaseFinished closes a training phase.
type PhaseFinished struct {
	Phase   string
	Steps   int
	Seconds float64
}

// ModelFinished carries the trained toy model's result.
type ModelFinished struct{ Result ModelResult }

// SAEFinished carries a trained and evaluated SAE run.
type SAEFinished struct{ Result *SAEResult }

// FileWritten names a file the pipeline wrote.
type FileWritten struct{ Path string }

// Finished ends a pipeline: its directory, its summary and the report's path ("" without one).
type Finished struct {
	Dir     string
	Summary store.Summary
	Report  string
}

func (DirCreated) isEvent()    {}
func (PhaseStarted) isEvent()  {}
func (Progress) isEvent()      {}
func (PhaseFinished) isEvent() {}
func (ModelFinished) isEvent() {}
func (SAEFinished) isEvent()   {}
func (FileWritten) isEvent()   {}
func (Finished) isEvent()      {}

// nop is the observer of a nil Options.Observer.
type nop struct{}

// Observe ignores the event.
func (nop) Observe(Event) {}
