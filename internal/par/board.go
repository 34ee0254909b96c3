package par

import (
	"math"
	"runtime"
	"sync/atomic"
)

// BoardWidth is the number of values a Board slot holds.
const BoardWidth = 7

// Board is where per-instance workers publish a few values (e.g. steps done and the latest
// training-batch loss) for another goroutine to read, each slot with a sequence lock so that
// a reader sees one publication's values together. Slots are padded to two cache lines, so
// no two instances' slots share a line whatever the allocation's alignment. Publishing costs
// a handful of atomic stores: publish every few steps, not every one.
type Board struct{ s []boardSlot }

type boardSlot struct {
	seq atomic.Uint64 // odd while a publication is being written
	v   [BoardWidth]atomic.Uint64
	_   [64]byte
}

// NewBoard returns a board of n slots, all zero (never published).
func NewBoard(n int) *Board { return &Board{s: make([]boardSlot, n)} }

// Publish stores v (at most BoardWidth values) in slot i. One goroutine publishes per slot.
func (b *Board) Publish(i int, v []float64) {
	sl := &b.s[i]
	sl.seq.Add(1)
	for k, x := range v[:min(len(v), BoardWidth)] {
		sl.v[k].Store(math.Float64bits(x))
	}
	sl.seq.Add(1)
}

// Read copies slot i's latest publication into v (zeros before the first).
func (b *Board) Read(i int, v []float64) {
	sl := &b.s[i]
	v = v[:min(len(v), BoardWidth)]
	for try := 0; ; try++ {
		s := sl.seq.Load()
		if s&1 == 0 {
			for k := range v {
				v[k] = math.Float64frombits(sl.v[k].Load())
			}
			if sl.seq.Load() == s {
				return
			}
		}
		if try > 16 {
			runtime.Gosched()
		}
	}
}
