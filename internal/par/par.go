package par

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// ForEach calls run(i) for every i in [0, n) on up to GOMAXPROCS workers. Callers give each
// i its own slices and random stream, so the schedule cannot change any result.
func ForEach(n int, run func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			run(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				run(i)
			}
		}()
	}
	wg.Wait()
}
