package store

import (
	"fmt"
	"math"
)

// floatTensor is tensor name of ts, which must have a float dtype and hold only finite values:
// a model or SAE file is weights, never integers reinterpreted, and never NaN or Inf.
func floatTensor(ts []Tensor, name string) (Tensor, bool, error) {
	t, ok := FindTensor(ts, name)
	if !ok {
		return t, false, nil
	}
	if !isFloatDtype(t.Dtype) {
		return t, true, fmt.Errorf("tensor %s has dtype %s; it must be a float dtype (F16, BF16, F32 or F64)", name, t.Dtype)
	}
	for k, v := range t.Data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return t, true, fmt.Errorf("tensor %s holds %v at element %d; a trained model never does (did training diverge?)", name, v, k)
		}
	}
	return t, true, nil
}
