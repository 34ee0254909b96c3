package vec

import (
	"math/bits"
	"slices"
	"unsafe"
)

// ProjectD2 projects sparse samples to two dimensions: the entries are the ascending positions
// pos of the flattened (sample, feature) axis with F features per sample (entry e is feature
// pos[e] mod F of sample ⌊pos[e]/F⌋) and their values vals, and for each sample with an entry,
// in order, it must equal this plain loop:
//
//	h[d·stride + k] = 0 + Σ_{e of sample k, in order} P[d·F + f_e]·vals[e]   for d = 0, 1
//
// with k counting the distinct samples. It writes every element of h[:2·stride] (zeros from
// the last sample to stride) and returns the samples' indices, reusing sample's storage. The
// SIMD twin loads and stores with masks: pos, vals and h need capacity for 8 elements past
// len(pos), len(vals) and 2·stride, and stride must be at least the number of samples.
func ProjectD2(pos []int, vals []float64, F int, P, h []float64, stride int, sample []int32) []int32 {
	n := len(pos)
	if len(vals) < n || cap(pos)-n < 8 || cap(vals)-n < 8 || cap(h)-2*stride < 8 || len(P) < 2*F {
		panic("vec: ProjectD2 needs vals for every position, P [2][F] and 8 elements of room past pos, vals and h")
	}
	h = h[:2*stride]
	return projectD2(pos, vals[:n], F, P, h, stride, sample)
}

// projectD2Go is ProjectD2's plain twin. The sample index ⌊p/F⌋ is a multiply by
// M = ⌊(2⁶⁴−1)/F⌋+1 and a shift when every position is below 2³² (Lemire, Kaser & Kurz), and
// a division otherwise; both are exact.
func projectD2Go(pos []int, vals []float64, F int, P, h []float64, stride int, sample []int32) []int32 {
	clear(h)
	sample = slices.Grow(sample[:0], len(pos))[:len(pos)] // written by index: no call in the loop
	if len(pos) == 0 {
		return sample
	}
	if F < 2 || pos[len(pos)-1] >= 1<<32 {
		return projectD2Div(pos, vals, F, P, h, stride, sample)
	}
	// Every index is in range by construction (f < F, k < len(pos) ≤ stride, e < len(pos));
	// checked once here, the loop addresses through pointers so that its values fit in registers.
	_, _, _ = P[2*F-1], h[2*stride-1], vals[len(pos)-1]
	pp, ph, pv, ps := unsafe.Pointer(unsafe.SliceData(P)), unsafe.Pointer(unsafe.SliceData(h)), unsafe.Pointer(unsafe.SliceData(vals)), unsafe.Pointer(unsafe.SliceData(sample))
	m := ^uint64(0)/uint64(F) + 1
	F8, s8 := uintptr(F)*8, uintptr(stride)*8
	last, k := int32(-1), -1
	for e, p := range pos {
		hi, _ := bits.Mul64(m, uint64(p))
		b := int(hi)
		f := uintptr(p - b*F)
		if int32(b) != last {
			last = int32(b)
			k++
			*(*int32)(unsafe.Add(ps, k*4)) = last
		}
		v := *(*float64)(unsafe.Add(pv, e*8))
		w0 := *(*float64)(unsafe.Add(pp, f*8))
		w1 := *(*float64)(unsafe.Add(pp, F8+f*8))
		h0 := (*float64)(unsafe.Add(ph, uintptr(k)*8))
		h1 := (*float64)(unsafe.Add(ph, s8+uintptr(k)*8))
		*h0 += w0 * v
		*h1 += w1 * v
	}
	return sample[:k+1]
}

// projectD2Div is projectD2Go with a division per entry.
func projectD2Div(pos []int, vals []float64, F int, P, h []float64, stride int, sample []int32) []int32 {
	p0, p1 := P[:F:F], P[F:2*F:2*F]
	h0, h1 := h[:stride:stride], h[stride:2*stride:2*stride]
	last, k := int32(-1), -1
	for e, p := range pos {
		b := p / F
		f := p - b*F
		if int32(b) != last {
			last = int32(b)
			k++
			sample[k] = last
		}
		v := vals[e]
		h0[k] += p0[f] * v
		h1[k] += p1[f] * v
	}
	return sample[:k+1]
}
