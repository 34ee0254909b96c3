package par

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Slot is an atomic word alone on its cache line, for per-worker progress counters that
// another goroutine reads.
type Slot struct {
	atomic.Uint64
	_ [56]byte
}

// Sum adds the slots' values.
func Sum(s []Slot) uint64 {
	var t uint64
	for k := range s {
		t += s[k].Load()
	}
	return t
}

// ForEachBlock calls run(i) for every i in [0, n) on up to GOMAXPROCS workers, each taking a
// contiguous block of indices (worker w: [w·n/W, (w+1)·n/W)), in order. Neighbouring
// instances' parameters share cache lines; keeping them on one worker avoids the lines
// bouncing between cores at every step. As with ForEach, callers give each i its own slices
// and random stream, so the schedule cannot change any result.
func ForEachBlock(n int, run func(i int)) { ForEachBlockN(n, 0, run) }

// ForEachBlockN is ForEachBlock on at most workers workers (0 or less: GOMAXPROCS), e.g. for a
// caller that runs several such loops side by side. The blocks, and so the results, are the
// schedule's only difference.
func ForEachBlockN(n, workers int, run func(i int)) {
	if workers <= 0 || workers > runtime.GOMAXPROCS(0) {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, n)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			run(i)
		}
		return
	}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		lo, hi := w*n/workers, (w+1)*n/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				run(i)
			}
		}()
	}
	wg.Wait()
}

// ForEachRange splits [0, n) into the contiguous blocks of ForEachBlock and calls run(lo, hi)
// once per block, each on its own worker (inline when there is one), so that a worker can keep
// scratch across its block.
func ForEachRange(n int, run func(lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		if n > 0 {
			run(0, n)
		}
		return
	}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		lo, hi := w*n/workers, (w+1)*n/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			run(lo, hi)
		}()
	}
	wg.Wait()
}
