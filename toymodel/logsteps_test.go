package toymodel

import (
	"fmt"
	"math"
	"testing"
)

// TestLogStepsDefinition: LogSteps is "every logFreq and the last", step by step, and
// NumLogSteps its length, including huge log frequencies and step counts.
func TestLogStepsDefinition(t *testing.T) {
	for _, steps := range []int{1, 2, 3, 10, 99, 100, 101, 1000} {
		for _, f := range []int{1, 2, 3, 7, 10, 100, 1000, math.MaxInt} {
			var want []int
			for s := 0; s < steps; s++ {
				if s%f == 0 || s == steps-1 {
					want = append(want, s)
				}
			}
			got := LogSteps(steps, f)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("LogSteps(%d, %d) = %v, want %v", steps, f, got, want)
			}
			if n := NumLogSteps(steps, f); n != len(want) {
				t.Errorf("NumLogSteps(%d, %d) = %d, want %d", steps, f, n, len(want))
			}
		}
	}
	if n := NumLogSteps(1<<30, math.MaxInt); n != 2 {
		t.Errorf("NumLogSteps(2^30, MaxInt) = %d, want 2", n)
	}
}
