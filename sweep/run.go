package sweep

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"time"

	"saelab/store"
	"saelab/synth"
	"saelab/synth/modeldir"
)

// Options are how Run runs a sweep.
type Options struct {
	// Out is the sweep directory (created if needed). An unsharded run writes DIR/sweep.db,
	// DIR/models and DIR/cells; shard i writes only under DIR/shards/<i>/.
	Out string
	// Jobs is the number of cells run in parallel (0: GOMAXPROCS, or 1 for a synthetic sweep,
	// whose cells each train on every core).
	Jobs int
	// Shard selects this process's part of the sweep (Count 0: all of it).
	Shard Shard
	// KeepLogs writes each SAE run's data log and each cell's report.html.
	KeepLogs bool
	// Observer receives the run's events (nil: none).
	Observer Observer
}

// Result is what a run did.
type Result struct {
	Dir         string // where this process wrote: DIR, or DIR/shards/<i>
	Ran, Failed int    // cells run now, done and failed
	Left        int    // this shard's cells not done after the run
	Seconds     float64
}

// runner runs the cells of one sweep or shard directory.
type runner struct {
	f     *File
	o     Options
	cells []Cell
	root  string // the sweep directory
	base  string // where this process writes: root or root/shards/<i>
	db    *sql.DB
	host  string
	// workers bounds each cell's instance workers (its TrainConfigs' Workers).
	workers int

	obsMu sync.Mutex
	obs   Observer

	mu     sync.Mutex
	models map[string]*modelSlot
	lm     *loadedModel
}

// modelSlot is a shared toy model: trained by the first cell that needs it, waited for by the
// others.
type modelSlot struct {
	ready chan struct{}
	dir   string // absolute
	err   error

	// synth is a synthetic model, loaded once per process (under load) by the first cell
	// that needs it.
	load  sync.Mutex
	synth *synth.Model
}

// Run runs the cells of f (of o.Shard when sharded) that are not done yet: everything is
// validated before the directory is touched; finished cells of an earlier run are kept. A
// cell's results are committed to the database only once its files are complete, so a run
// killed at any moment loses at most its cells in flight, which the next run redoes.
func Run(ctx context.Context, f *File, o Options) (*Result, error) {
	t0 := time.Now()
	if o.Out == "" {
		return nil, errors.New("--out: missing; name the sweep directory")
	}
	cells, err := f.Cells()
	if err != nil {
		return nil, err
	}
	r := &runner{f: f, o: o, cells: cells, root: o.Out, models: map[string]*modelSlot{}, obs: o.Observer}
	if r.obs == nil {
		r.obs = nop{}
	}
	if r.o.Jobs <= 0 {
		r.o.Jobs = runtime.GOMAXPROCS(0)
		if f.Synth != nil {
			r.o.Jobs = 1 // a synthetic cell's training uses every core by itself
		}
	}
	// The two levels share the cores: Jobs cells at a time, each training its instances on
	// GOMAXPROCS/Jobs workers (at least one), so that cells × workers ≤ GOMAXPROCS.
	r.workers = max(1, runtime.GOMAXPROCS(0)/r.o.Jobs)
	if f.Base.ModelPath != "" {
		if r.lm, err = loadModel(f.Base.ModelPath); err != nil {
			return nil, err
		}
	}
	var shardOf []int
	r.base = o.Out
	if o.Shard.Count > 0 {
		shardOf = Assign(cells, o.Shard.Count)
		r.base = filepath.Join(o.Out, "shards", strconv.Itoa(o.Shard.Index))
	}
	unlock, err := r.open(newMeta(f, cells, o.Shard), shardOf)
	if err != nil {
		return nil, err
	}
	defer unlock()
	todo, own, err := r.pending(shardOf)
	if err != nil {
		return nil, err
	}
	r.observe(Started{Name: f.Name, Dir: r.base, Shard: o.Shard, Cells: len(cells), Own: own, Done: own - len(todo), ToRun: len(todo), Jobs: r.o.Jobs, Keys: f.Keys})
	res := r.runAll(ctx, todo)
	res.Dir, res.Left = r.base, len(todo)-res.Ran
	res.Seconds = time.Since(t0).Seconds()
	r.observe(Finished{Dir: r.base, Ran: res.Ran, Failed: res.Failed, Left: res.Left, Seconds: res.Seconds, Interrupted: ctx.Err() != nil})
	switch {
	case ctx.Err() != nil:
		return res, fmt.Errorf("interrupted: %d cells done in this run, %d left; run the same command again to continue", res.Ran, res.Left)
	case res.Failed > 0:
		return res, fmt.Errorf("%d of %d cells failed; saelab sweep status %s lists them, and running again retries them", res.Failed, len(todo), o.Out)
	}
	return res, nil
}

// open creates the directory, takes its lock and opens (or creates) its database, checking that
// an existing one holds this very sweep (and shard).
func (r *runner) open(meta Meta, shardOf []int) (func(), error) {
	if err := os.MkdirAll(r.base, 0o755); err != nil {
		return nil, fmt.Errorf("--out %s: %w", r.root, errors.Unwrap(err))
	}
	lock, err := lockDir(r.base)
	if err != nil {
		return nil, err
	}
	r.host, _ = os.Hostname()
	db, err := openDB(filepath.Join(r.base, DBFile), false)
	if err != nil {
		lock.unlock()
		return nil, err
	}
	r.db = db
	unlock := func() { db.Close(); lock.unlock() }
	old, ok, err := readMeta(db)
	switch {
	case err != nil:
		unlock()
		return nil, fmt.Errorf("%s: %w", filepath.Join(r.base, DBFile), err)
	case ok && old.SweepHash != meta.SweepHash:
		unlock()
		return nil, fmt.Errorf("%s holds another sweep (%s, %d cells) whose cells differ from this file's; use a new --out directory", r.base, old.Name, old.Cells)
	case ok && old.Shard != meta.Shard:
		unlock()
		return nil, fmt.Errorf("%s was made by shard %q, not %q", r.base, old.Shard, meta.Shard)
	}
	err = withTx(db, func(tx *sql.Tx) error {
		if !ok {
			if err := writeMeta(tx, meta); err != nil {
				return err
			}
		}
		if err := insertCells(tx, r.cells, shardOf); err != nil {
			return err
		}
		// This process holds the lock: a cell still marked running was interrupted.
		_, err := tx.Exec(`UPDATE cells SET status = 'pending', host = NULL, pid = NULL WHERE status = 'running'`)
		return err
	})
	if err != nil {
		unlock()
		return nil, fmt.Errorf("%s: %w", filepath.Join(r.base, DBFile), err)
	}
	return unlock, r.loadModels()
}

// loadModels notes the toy models trained by earlier runs (of this directory or, after a merge,
// of its shards) whose files are still there.
func (r *runner) loadModels() error {
	rows, err := r.db.Query(`SELECT key, dir FROM models`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var key, dir string
		if err := rows.Scan(&key, &dir); err != nil {
			return err
		}
		abs := filepath.Join(r.root, dir)
		if fileExists(filepath.Join(abs, store.ModelFile)) || fileExists(filepath.Join(abs, modeldir.TensorsFile)) {
			s := &modelSlot{ready: make(chan struct{}), dir: abs}
			close(s.ready)
			r.models[key] = s
		}
	}
	return rows.Err()
}

// pending returns this shard's cells that are not done, in the order they run, and the number
// of its cells. The order visits the toy models round robin (each model's cells in sweep
// order), so that parallel workers start on different models and train them side by side.
func (r *runner) pending(shardOf []int) ([]*Cell, int, error) {
	status := map[string]string{}
	rows, err := r.db.Query(`SELECT id, status FROM cells`)
	if err != nil {
		return nil, 0, err
	}
	for rows.Next() {
		var id, st string
		if err := rows.Scan(&id, &st); err != nil {
			rows.Close()
			return nil, 0, err
		}
		status[id] = st
	}
	rows.Close()
	var groups [][]*Cell
	at := map[string]int{}
	own := 0
	for k := range r.cells {
		c := &r.cells[k]
		if shardOf != nil && shardOf[k] != r.o.Shard.Index {
			continue
		}
		own++
		if status[c.ID] == "done" {
			continue
		}
		g, ok := at[c.ModelKey]
		if !ok {
			g = len(groups)
			at[c.ModelKey] = g
			groups = append(groups, nil)
		}
		groups[g] = append(groups[g], c)
	}
	var todo []*Cell
	for k := 0; len(todo) < own && k < len(r.cells); k++ {
		progressed := false
		for _, g := range groups {
			if k < len(g) {
				todo = append(todo, g[k])
				progressed = true
			}
		}
		if !progressed {
			break
		}
	}
	return todo, own, rows.Err()
}

// runAll runs the cells on Jobs workers until done or ctx is cancelled.
func (r *runner) runAll(ctx context.Context, todo []*Cell) *Result {
	res := &Result{}
	var mu sync.Mutex
	next := make(chan *Cell)
	var wg sync.WaitGroup
	for w := 0; w < min(r.o.Jobs, len(todo)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range next {
				t0 := time.Now()
				err := r.runCell(ctx, c)
				mu.Lock()
				if err == nil {
					res.Ran++
				} else if ctx.Err() == nil {
					res.Failed++
				}
				ev := CellFinished{Cell: c, Err: err, Seconds: time.Since(t0).Seconds(), Ran: res.Ran, Failed: res.Failed, ToRun: len(todo)}
				mu.Unlock()
				if ctx.Err() == nil || err == nil {
					r.observe(ev)
				}
			}
		}()
	}
	for _, c := range todo {
		if ctx.Err() != nil {
			break
		}
		select {
		case next <- c:
		case <-ctx.Done():
		}
	}
	close(next)
	wg.Wait()
	return res
}

// observe passes e to the observer, one event at a time.
func (r *runner) observe(e Event) {
	r.obsMu.Lock()
	defer r.obsMu.Unlock()
	r.obs.Observe(e)
}

// rel is path relative to the sweep directory (as the database stores it).
func (r *runner) rel(path string) string {
	if rel, err := filepath.Rel(r.root, path); err == nil {
		return filepath.ToSlash(rel)
	}
	return path
}
