package rng

import (
	"fmt"
	"testing"
)

// TestStateContinues: a stream restored from its State draws exactly what the original draws
// next, whatever mix of samplers ran before and after.
func TestStateContinues(t *testing.T) {
	a := New(42, PurposeSAEBatch, 3)
	for k := 0; k < 1000; k++ {
		a.Normal()
		a.Exp()
	}
	b, err := FromState(a.State())
	if err != nil {
		t.Fatal(err)
	}
	g := NewGaps(0.01)
	pa, pb := g.AppendPositions(nil, a, 5000), g.AppendPositions(nil, b, 5000)
	if fmt.Sprint(pa) != fmt.Sprint(pb) {
		t.Fatal("positions differ after restoring the state")
	}
	for k := 0; k < 1000; k++ {
		if x, y := a.Uint64(), b.Uint64(); x != y {
			t.Fatalf("draw %d: %d vs %d", k, x, y)
		}
	}
}

func TestFromStateRefusesZero(t *testing.T) {
	if _, err := FromState(State{}); err == nil {
		t.Fatal("the all-zero state was accepted")
	}
}

// ExampleStream_State saves a stream's position and continues from it later.
func ExampleStream_State() {
	s := New(1, PurposeToyBatch, 0)
	s.Uint64()
	saved := s.State()
	next := s.Uint64()
	r, _ := FromState(saved)
	fmt.Println(r.Uint64() == next)
	// Output: true
}
