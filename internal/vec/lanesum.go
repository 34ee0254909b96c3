package vec

// LaneSums sums the eight lanes of each accumulator acc[8k:8k+8] into dst[k] in the fixed
// tree ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7)) of the lane kernels, for k < len(dst).
func LaneSums(dst, acc []float64) {
	if len(dst) == 0 {
		return
	}
	acc = acc[:8*len(dst)]
	laneSums(dst, acc)
}

// laneSumsGo is LaneSums's plain twin.
func laneSumsGo(dst, acc []float64) {
	for k := range dst {
		v := acc[8*k : 8*k+8 : 8*k+8]
		dst[k] = ((v[0] + v[4]) + (v[2] + v[6])) + ((v[1] + v[5]) + (v[3] + v[7]))
	}
}
