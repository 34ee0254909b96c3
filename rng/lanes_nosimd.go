//go:build !goexperiment.simd || !amd64

package rng

// FastLanes reports whether Lanes.FillFloat64 runs a SIMD kernel, which makes drawing in
// lanes worth its bookkeeping: never in this build. It is a variable only so that tests
// written for both builds can set it.
var FastLanes = false

func fillLanes(ls *Lanes, dst []float64) { fillLanesGo(ls, dst) }
