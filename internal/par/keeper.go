package par

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Stop is a flag that per-instance workers poll between steps (one atomic load): it is set
// when the context ends or by Set (e.g. when one instance diverges and the rest should stop).
type Stop struct {
	flag    atomic.Bool
	release func() bool
}

// WatchStop returns a Stop set when ctx ends (never, for a nil ctx). Call Close when done.
func WatchStop(ctx context.Context) *Stop {
	s := &Stop{}
	if ctx != nil {
		s.release = context.AfterFunc(ctx, func() { s.flag.Store(true) })
	}
	return s
}

// Stopped reports whether the workers should stop.
func (s *Stop) Stopped() bool { return s.flag.Load() }

// Set asks the workers to stop.
func (s *Stop) Set() { s.flag.Store(true) }

// Close stops watching the context.
func (s *Stop) Close() {
	if s.release != nil {
		s.release()
	}
}

// Keeper collects the latest snapshot of each of n instances, put by the instances' workers,
// and hands them to save from its own goroutine: after each new snapshot, but at most once per
// interval (the first one interval after the start), so the workers pay only for copying their own instance's state, never for the
// save. A worker snapshots its instance when Due says so (every interval per instance, checked
// at the steps where the loop can snapshot) and when the instance ends. With an interval of 0
// every Put saves at once, on the worker's goroutine (one save at a time): a save per snapshot,
// in a deterministic order when there is one worker. Snapshots must not change once put; save
// must not keep the slice it is given.
type Keeper[S any] struct {
	every  time.Duration
	save   func([]S) error
	last   []time.Time // per instance: when it last snapshot (its worker's alone)
	mu     sync.Mutex
	snaps  []S
	dirty  bool
	saving sync.Mutex // held during a save
	err    error
	notify chan struct{}
	done   chan struct{}
	wg     sync.WaitGroup
}

// NewKeeper starts a keeper for len(initial) instances whose snapshots start as initial (e.g.
// those of a checkpoint being resumed).
func NewKeeper[S any](initial []S, every time.Duration, save func([]S) error) *Keeper[S] {
	k := &Keeper[S]{every: every, save: save, last: make([]time.Time, len(initial)),
		snaps: append([]S(nil), initial...), notify: make(chan struct{}, 1), done: make(chan struct{})}
	if every > 0 {
		k.wg.Add(1)
		go k.loop()
	}
	return k
}

// Start marks the start of instance i's training: its interval runs from now.
func (k *Keeper[S]) Start(i int) { k.last[i] = time.Now() }

// Due reports whether instance i's interval has passed since its last snapshot (or Start).
func (k *Keeper[S]) Due(i int) bool { return time.Since(k.last[i]) >= k.every }

// Put records instance i's latest snapshot.
func (k *Keeper[S]) Put(i int, s S) {
	k.last[i] = time.Now()
	k.mu.Lock()
	k.snaps[i], k.dirty = s, true
	k.mu.Unlock()
	if k.every <= 0 {
		k.flush()
		return
	}
	select {
	case k.notify <- struct{}{}:
	default:
	}
}

// loop saves the snapshots after each notification, at most once per interval.
func (k *Keeper[S]) loop() {
	defer k.wg.Done()
	lastSave := time.Now() // the first save comes one interval after the start
	for {
		select {
		case <-k.done:
			return
		case <-k.notify:
		}
		if wait := k.every - time.Since(lastSave); wait > 0 {
			select {
			case <-k.done:
				return
			case <-time.After(wait):
			}
		}
		k.flush()
		lastSave = time.Now()
	}
}

// flush saves the current snapshots if any changed since the last save.
func (k *Keeper[S]) flush() {
	k.saving.Lock()
	defer k.saving.Unlock()
	k.mu.Lock()
	if !k.dirty || k.err != nil {
		k.mu.Unlock()
		return
	}
	snaps := append([]S(nil), k.snaps...)
	k.dirty = false
	k.mu.Unlock()
	if err := k.save(snaps); err != nil {
		k.mu.Lock()
		k.err = err
		k.mu.Unlock()
	}
}

// Close stops the keeper; with final it saves the snapshots once more (if any changed), on
// the caller's goroutine. It returns the first error of a save.
func (k *Keeper[S]) Close(final bool) error {
	close(k.done)
	k.wg.Wait()
	if final {
		k.flush()
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.err
}
