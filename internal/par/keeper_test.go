package par

import (
	"context"
	"sync"
	"testing"
	"time"
)

// TestKeeperSavesLatest: every put snapshot reaches a save, the last save holds each
// instance's latest snapshot, and the final Close saves what is pending.
func TestKeeperSavesLatest(t *testing.T) {
	var mu sync.Mutex
	var saves [][]int
	k := NewKeeper([]int{-1, -1, -1}, 0, func(s []int) error {
		mu.Lock()
		saves = append(saves, s)
		mu.Unlock()
		return nil
	})
	ForEachBlock(3, func(i int) {
		k.Start(i)
		for step := 0; step < 100; step++ {
			if k.Due(i) {
				k.Put(i, step)
			}
		}
		k.Put(i, 100)
	})
	if err := k.Close(true); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(saves) == 0 {
		t.Fatal("nothing saved")
	}
	last := saves[len(saves)-1]
	for i, v := range last {
		if v != 100 {
			t.Errorf("instance %d: last save holds %d, want 100", i, v)
		}
	}
}

// TestKeeperInterval: with an interval, a worker is not due before it passes, and saves are
// at least that far apart.
func TestKeeperInterval(t *testing.T) {
	var times []time.Time
	k := NewKeeper([]int{0}, 50*time.Millisecond, func([]int) error {
		times = append(times, time.Now())
		return nil
	})
	k.Start(0)
	if k.Due(0) {
		t.Fatal("due at once")
	}
	for n := 0; n < 3; n++ {
		k.Put(0, n)
		time.Sleep(20 * time.Millisecond)
	}
	k.Close(true)
	for j := 1; j < len(times)-1; j++ { // the final save is Close's own
		if d := times[j].Sub(times[j-1]); d < 45*time.Millisecond {
			t.Errorf("saves %d and %d are %v apart", j-1, j, d)
		}
	}
}

func TestStopFollowsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s := WatchStop(ctx)
	defer s.Close()
	if s.Stopped() {
		t.Fatal("stopped before cancel")
	}
	cancel()
	deadline := time.Now().Add(time.Second)
	for !s.Stopped() && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if !s.Stopped() {
		t.Fatal("not stopped after cancel")
	}
	n := WatchStop(nil)
	n.Set()
	if !n.Stopped() {
		t.Fatal("Set did not stop")
	}
}
