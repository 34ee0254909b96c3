package rng

import "errors"

// State is a stream's position: its four words of xoshiro256++ state. A stream rebuilt from
// its State with FromState continues with exactly the draws the original would have made
// next, which is what a training checkpoint saves and restores.
type State [4]uint64

// State returns the stream's current position.
func (s *Stream) State() State { return State{s.s0, s.s1, s.s2, s.s3} }

// FromState returns a stream at position st (as returned by State). The all-zero state is
// not a position of any stream (xoshiro never reaches it) and is refused.
func FromState(st State) (*Stream, error) {
	if st == (State{}) {
		return nil, errors.New("the all-zero random-stream state is not a valid position")
	}
	return &Stream{st[0], st[1], st[2], st[3]}, nil
}
