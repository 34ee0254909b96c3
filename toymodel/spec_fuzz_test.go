package toymodel

import (
	"math"
	"testing"
)

// FuzzSpec: the spec language never panics or recurses without bound, and every value it
// resolves has the shape of its axis.
func FuzzSpec(f *testing.F) {
	for _, s := range []string{"0.025", "per-feature:0.9^i", "per-instance:50^-linspace(0,1)", "full:1,2;3,4",
		"full:i+10*f", "per-feature:sqrt(4)/2-exp(0)", "((((1))))", "-----1", "2^2^2", "per-instance:1,,2"} {
		f.Add(s, uint8(2), uint8(2))
	}
	f.Fuzz(func(t *testing.T, s string, ni, nf uint8) {
		I, F := int(ni%8)+1, int(nf%8)+1
		v, err := Spec(s).Resolve(I, F)
		if err != nil {
			return
		}
		want := map[Axis]int{AxisScalar: 1, AxisInstance: I, AxisFeature: F, AxisFull: I * F}[v.Axis]
		if len(v.V) != want {
			t.Fatalf("%q: %s values of length %d, want %d", s, v.Axis, len(v.V), want)
		}
		if _, err := v.Broadcast("x", I, F); err != nil {
			for _, x := range v.V {
				if math.IsNaN(x) || math.IsInf(x, 0) {
					return // non-finite values are refused by Broadcast, as they must be
				}
			}
			t.Fatalf("%q: resolved but does not broadcast: %v", s, err)
		}
	})
}
