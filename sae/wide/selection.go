package wide

import (
	"slices"

	"saelab/metrics"
)

// cand is a candidate activation: value v at flat position f (b·S + j, or j within a sample).
type cand struct {
	v float32
	f int32
}

// before is the selection order: larger values first, ties to the lower position (torch's
// topk on CPU keeps the lower index; a total order makes the result schedule-free).
func before(a, b cand) bool { return a.v > b.v || (a.v == b.v && a.f < b.f) }

// topHeap keeps the k best candidates seen (a heap with the worst on top).
type topHeap struct {
	k int
	h []cand
}

func (t *topHeap) reset(k int) { t.k, t.h = k, t.h[:0] }

func (t *topHeap) push(c cand) {
	h := t.h
	if len(h) < t.k {
		h = append(h, c)
		for i := len(h) - 1; i > 0; { // sift up: parent must be worse (after) than child
			p := (i - 1) / 2
			if !before(h[p], h[i]) {
				break
			}
			h[p], h[i] = h[i], h[p]
			i = p
		}
		t.h = h
		return
	}
	if t.k == 0 || !before(c, h[0]) {
		return
	}
	h[0] = c
	for i := 0; ; {
		l, r, w := 2*i+1, 2*i+2, i
		if l < len(h) && before(h[w], h[l]) {
			w = l
		}
		if r < len(h) && before(h[w], h[r]) {
			w = r
		}
		if w == i {
			break
		}
		h[i], h[w] = h[w], h[i]
		i = w
	}
}

// sortedByPos returns the kept candidates by ascending position.
func (t *topHeap) sortedByPos() []cand {
	slices.SortFunc(t.h, func(a, b cand) int { return int(a.f) - int(b.f) })
	return t.h
}

// nth reorders c so that c[n−1] is the n-th candidate in before order (1 ≤ n ≤ len(c)) and
// returns it; before is a total order, so the result does not depend on the schedule.
func nth(c []cand, n int) cand { return metrics.SelectFunc(c, n-1, before) }
