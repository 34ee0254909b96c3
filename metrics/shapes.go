package metrics

import (
	"fmt"
	"math"
)

// CheckActs reports whether acts can be read as [B][I][S] with B >= 1.
// B must be positive because every activity metric is a mean over the batch.
func CheckActs(acts []float64, B, I, S int) error {
	if B < 1 {
		return fmt.Errorf("metrics: batch size B = %d, want B >= 1", B)
	}
	return checkLen("acts", len(acts), "B*I*S", B, I, S)
}

// CheckPair reports whether h and hr can both be read as [B][I][D] with
// B >= 1 and D >= 1; reconstruction metrics average over both axes.
func CheckPair(h, hr []float64, B, I, D int) error {
	if B < 1 {
		return fmt.Errorf("metrics: batch size B = %d, want B >= 1", B)
	}
	if D < 1 {
		return fmt.Errorf("metrics: input size D = %d, want D >= 1", D)
	}
	if err := checkLen("h", len(h), "B*I*D", B, I, D); err != nil {
		return err
	}
	return checkLen("hr", len(hr), "B*I*D", B, I, D)
}

// CheckWeights reports whether W can be read as [I][H][F].
func CheckWeights(W []float64, I, H, F int) error {
	return checkLen("W", len(W), "I*H*F", I, H, F)
}

// checkLen compares got against the product of dims. The product is checked
// for overflow so that absurd user-supplied shapes cannot wrap around to a
// length that happens to match.
func checkLen(what string, got int, shape string, dims ...int) error {
	n := 1
	for _, d := range dims {
		if d < 0 {
			return fmt.Errorf("metrics: %s: negative dimension in %s %v", what, shape, dims)
		}
		if d != 0 && n > math.MaxInt/d {
			return fmt.Errorf("metrics: %s: %s %v overflows int", what, shape, dims)
		}
		n *= d
	}
	if got != n {
		return fmt.Errorf("metrics: %s has %d values, want %s = %d", what, got, shape, n)
	}
	return nil
}
