package metrics

import (
	"math"
	"slices"
)

// Quantile is the q-quantile of v with linear interpolation (numpy's and torch's default):
// position q·(n−1) in sorted order, between the values at its floor and ceiling. It reorders v
// (a selection, not a sort: O(n) on average) and returns NaN for an empty v.
func Quantile[T float32 | float64](v []T, q float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	pos := q * float64(len(v)-1)
	lo := int(math.Floor(pos))
	a := float64(selectK(v, lo))
	if frac := pos - float64(lo); frac > 0 && lo+1 < len(v) {
		b := float64(slices.Min(v[lo+1:])) // after selectK, everything right of lo is ≥ v[lo]
		return a + (b-a)*frac
	}
	return a
}

// selectK reorders v so that v[k] is the k-th smallest value, with everything before it ≤ it
// and everything after ≥ it, and returns it.
func selectK[T float32 | float64](v []T, k int) T {
	return SelectFunc(v, k, func(a, b T) bool { return a < b })
}

// SelectFunc reorders v so that v[k] is the element of rank k (from 0) in the order less,
// with nothing after it less than it and nothing before it greater (Hoare's quickselect with
// a median-of-three pivot), and returns it. The pivots depend only on the contents, so under
// a total order the result and the reordering are the same on every run.
func SelectFunc[T any](v []T, k int, less func(a, b T) bool) T {
	lo, hi := 0, len(v)-1
	for lo < hi {
		mid := lo + (hi-lo)/2
		if less(v[mid], v[lo]) {
			v[mid], v[lo] = v[lo], v[mid]
		}
		if less(v[hi], v[lo]) {
			v[hi], v[lo] = v[lo], v[hi]
		}
		if less(v[hi], v[mid]) {
			v[hi], v[mid] = v[mid], v[hi]
		}
		pivot := v[mid]
		i, j := lo, hi
		for i <= j {
			for less(v[i], pivot) {
				i++
			}
			for less(pivot, v[j]) {
				j--
			}
			if i <= j {
				v[i], v[j] = v[j], v[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return v[k]
		}
	}
	return v[k]
}
