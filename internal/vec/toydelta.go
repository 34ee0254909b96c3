package vec

import "math"

// ToyDelta writes the toy model's output gradient for one sample and adds it to gB:
//
//	delta[f] = 2·imp[f]·(pre[f] − x[f])·norm  where pre[f] > 0, else +0;  gB[f] += delta[f]
//
// evaluated left to right, each operation rounded (the plain loop's arithmetic). Where pre > 0,
// pre − x is max(pre, 0) − x exactly, so this is the masked δ of the reference's loss. delta may
// be pre itself.
func ToyDelta(delta, pre, x, imp, gB []float64, norm float64) {
	n := len(pre)
	delta, x, imp, gB = delta[:n], x[:n], imp[:n], gB[:n]
	toyDelta(delta, pre, x, imp, gB, norm)
}

// toyDeltaGo is ToyDelta's plain twin.
func toyDeltaGo(delta, pre, x, imp, gB []float64, norm float64) {
	n := len(pre)
	delta, x, imp, gB = delta[:n:n], x[:n:n], imp[:n:n], gB[:n:n]
	for f, p := range pre {
		g := 2 * imp[f] * (p - x[f]) * norm
		var keep uint64 // branch-free: pre > 0 is a coin toss early in training
		if p > 0 {
			keep = ^uint64(0)
		}
		g = math.Float64frombits(math.Float64bits(g) & keep)
		delta[f] = g
		gB[f] += g
	}
}
