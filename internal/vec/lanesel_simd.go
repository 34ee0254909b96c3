//go:build goexperiment.simd && amd64

package vec

import (
	"math/bits"
	"simd/archsimd"
	"unsafe"
)

var iota8 = [8]int64{0, 1, 2, 3, 4, 5, 6, 7}

// selectLanesSIMD is SelectLanes eight features at a time: the seeds and the magnitudes of
// features f0…f0+7 are transposed from one vector per draw to one per lane, each lane's seeds
// compared with p[f0:f0+8] at once, and the kept magnitudes and feature indices compressed
// to the front of a vector and stored at the lane's end (the rest of the vector is what may
// be written past it).
func selectLanesSIMD(draws, p []float64, F int, feat []int32, val []float64, n *[8]int) {
	pd := unsafe.Pointer(unsafe.SliceData(draws))
	pf, pv := unsafe.Pointer(unsafe.SliceData(feat)), unsafe.Pointer(unsafe.SliceData(val))
	io := archsimd.LoadInt64x8(&iota8)
	var keep [8]archsimd.Mask64x8
	for f0 := 0; f0 < F; f0 += 8 {
		pr := ld(unsafe.Pointer(unsafe.SliceData(p)), f0)
		// Seeds: draw 2(f0+j) of every lane, every 16 elements from 16·f0.
		u0, u1, u2, u3, u4, u5, u6, u7 := transpose8(unsafe.Add(pd, 16*f0*8), 16)
		keep = [8]archsimd.Mask64x8{u0.LessEqual(pr), u1.LessEqual(pr), u2.LessEqual(pr), u3.LessEqual(pr),
			u4.LessEqual(pr), u5.LessEqual(pr), u6.LessEqual(pr), u7.LessEqual(pr)}
		// Magnitudes: draw 2(f0+j)+1, from 16·f0 + 8.
		v0, v1, v2, v3, v4, v5, v6, v7 := transpose8(unsafe.Add(pd, (16*f0+8)*8), 16)
		v := [8]f8{v0, v1, v2, v3, v4, v5, v6, v7}
		idx := io.Add(archsimd.BroadcastInt64x8(int64(f0)))
		for k := range 8 {
			nk := n[k]
			v[k].Compress(keep[k]).Store((*[8]float64)(unsafe.Add(pv, nk*8)))
			idx.Compress(keep[k]).TruncateToInt32().Store((*[8]int32)(unsafe.Add(pf, nk*4)))
			n[k] = nk + bits.OnesCount8(keep[k].ToBits())
		}
	}
	archsimd.ClearAVXUpperBits() // scalar code follows: see ClearUpper
}
