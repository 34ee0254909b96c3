package par

import (
	"sync"
	"time"
)

// ForEachBlockTicking is ForEachBlock that also calls tick every interval while the work
// runs (tick may be nil). tick only reads published state, so it cannot change any result.
func ForEachBlockTicking(n int, run func(i int), interval time.Duration, tick func()) {
	ForEachBlockTickingN(n, 0, run, interval, tick)
}

// ForEachBlockTickingN is ForEachBlockTicking on at most workers workers (ForEachBlockN).
func ForEachBlockTickingN(n, workers int, run func(i int), interval time.Duration, tick func()) {
	if tick == nil {
		ForEachBlockN(n, workers, run)
		return
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				tick()
			}
		}
	}()
	ForEachBlockN(n, workers, run)
	close(stop)
	wg.Wait()
}
