package sweep

// Observer receives a sweep's events. Run calls Observe from one goroutine at a time.
type Observer interface {
	Observe(Event)
}

// ObserverFunc adapts a function to an Observer.
type ObserverFunc func(Event)

// Observe calls f(e).
func (f ObserverFunc) Observe(e Event) { f(e) }

// Event is one of Started, ModelTrained, CellFinished and Finished.
type Event interface{ isEvent() }

// Started opens a run: the sweep's cells, this shard's, those done already and those to run
// now.
type Started struct {
	Name, Dir string
	Shard     Shard // Count 0: unsharded
	Cells     int   // in the sweep
	Own       int   // this shard's (Cells when unsharded)
	Done      int   // of Own, done before this run
	ToRun     int   // of Own, run now (pending, failed or interrupted)
	Jobs      int
	Keys      []string // the grid and zip keys (Cell.Params' names)
}

// ModelTrained says a shared toy model was trained (Key is the cells' ModelKey).
type ModelTrained struct {
	Key     string
	Seconds float64
	Err     error
}

// CellFinished says a cell is done (Err nil) or failed. Ran, Failed and ToRun count this
// run's cells so far.
type CellFinished struct {
	Cell               *Cell
	Err                error
	Seconds            float64
	Ran, Failed, ToRun int
}

// Finished ends a run.
type Finished struct {
	Dir               string
	Ran, Failed, Left int // this run's cells done and failed; this shard's cells not done
	Seconds           float64
	Interrupted       bool
}

func (Started) isEvent()      {}
func (ModelTrained) isEvent() {}
func (CellFinished) isEvent() {}
func (Finished) isEvent()     {}

// nop is the observer of a nil Options.Observer.
type nop struct{}

// Observe ignores the event.
func (nop) Observe(Event) {}
