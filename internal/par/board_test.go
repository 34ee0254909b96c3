package par

import (
	"sync"
	"testing"
)

// A reader never sees two publications mixed, and sees zeros before the first.
func TestBoardConsistent(t *testing.T) {
	b := NewBoard(3)
	var v [4]float64
	b.Read(1, v[:])
	if v != [4]float64{} {
		t.Fatalf("unpublished slot reads %v", v)
	}
	var wg sync.WaitGroup
	const n = 20000
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 1; k <= n; k++ {
				x := float64(k)
				b.Publish(i, []float64{x, 2 * x, 3 * x, 4 * x})
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for {
		select {
		case <-done:
			for i := 0; i < 3; i++ {
				b.Read(i, v[:])
				if v[0] != n {
					t.Fatalf("slot %d ends at %v", i, v[0])
				}
			}
			return
		default:
		}
		for i := 0; i < 3; i++ {
			b.Read(i, v[:])
			if v[1] != 2*v[0] || v[2] != 3*v[0] || v[3] != 4*v[0] {
				t.Fatalf("slot %d: torn read %v", i, v)
			}
		}
	}
}

func TestBoardPublishAllocatesNothing(t *testing.T) {
	b := NewBoard(2)
	x := 0.0
	if n := testing.AllocsPerRun(100, func() {
		x++
		b.Publish(1, []float64{x, x, x, x, x})
	}); n != 0 {
		t.Errorf("Publish: %v allocations", n)
	}
}
