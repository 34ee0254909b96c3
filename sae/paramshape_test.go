package sae

import (
	"slices"
	"testing"
)

// ParamShape answers from the architectures' own parameter lists.
func TestParamShape(t *testing.T) {
	const I, D, S = 3, 2, 5
	want := map[string][]int{
		"W_enc": {I, D, S}, "W_gate": {I, D, S}, "_W_dec": {I, S, D}, "b_dec": {I, D},
		"b_enc": {I, S}, "b_gate": {I, S}, "r_mag": {I, S}, "b_mag": {I, S}, "log_theta": {I, S}, "threshold": {I},
	}
	for name, sh := range want {
		got, ok := ParamShape(name, I, D, S)
		if !ok || !slices.Equal(got, sh) {
			t.Errorf("%s: %v %v, want %v", name, got, ok, sh)
		}
	}
	if _, ok := ParamShape("W_dec", I, D, S); ok {
		t.Error("W_dec (the file's name for the decoder) is not a parameter name")
	}
}
