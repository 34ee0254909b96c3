// Package mem adds up what a computation will allocate, part by part, so that a run too
// large for the memory it may use is refused before it allocates anything. Each engine
// package states the parts of its own allocations (next to the code that makes them); the
// pipeline adds the phases up and compares the peak with its limit.
//
// Invariant: estimates are computed in float64 from the config alone (never by allocating),
// so that products of sizes cannot overflow.
package mem

import (
	"fmt"
	"sort"
)

// Part is one allocation: what it is and its size in bytes.
type Part struct {
	What  string
	Bytes float64
}

// Estimate is a list of parts held at the same time.
type Estimate []Part

// Add appends a part.
func (e *Estimate) Add(what string, bytes float64) { *e = append(*e, Part{what, bytes}) }

// Merge appends every part of o, each prefixed with prefix.
func (e *Estimate) Merge(prefix string, o Estimate) {
	for _, p := range o {
		*e = append(*e, Part{prefix + p.What, p.Bytes})
	}
}

// Total is the sum of the parts.
func (e Estimate) Total() float64 {
	var t float64
	for _, p := range e {
		t += p.Bytes
	}
	return t
}

// Largest returns the parts from the largest down, at most n of them.
func (e Estimate) Largest(n int) Estimate {
	out := append(Estimate(nil), e...)
	sort.SliceStable(out, func(a, b int) bool { return out[a].Bytes > out[b].Bytes })
	return out[:min(n, len(out))]
}

// Float32, Float64, Int and Int32 are the element sizes the estimates use.
const (
	Float32 = 4
	Float64 = 8
	Int     = 8
	Int32   = 4
)

// Format writes a byte count for people: 512 B, 3.2 MB, 17.6 GB (decimal units).
func Format(b float64) string {
	switch {
	case b < 1e3:
		return fmt.Sprintf("%.0f B", b)
	case b < 1e6:
		return fmt.Sprintf("%.1f kB", b/1e3)
	case b < 1e9:
		return fmt.Sprintf("%.1f MB", b/1e6)
	case b < 1e12:
		return fmt.Sprintf("%.1f GB", b/1e9)
	}
	return fmt.Sprintf("%.0f TB", b/1e12)
}
