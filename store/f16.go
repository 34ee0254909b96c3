package store

import (
	"math"
	"sync"
)

// Fast float32 ↔ F16 conversions for the data log's per-sample tensors. They give exactly the
// results of formatF16.encode(float64(x)) and formatF16.decode (round to nearest even from the
// float32 value, which float64 holds exactly; overflow reported), bit for bit.

// f16FromF32 rounds x to the nearest F16 (ties to even). ok is false when a finite x
// overflows to infinity. It is F. Giesen's float_to_half_fast3_rtne: the subnormal range is
// rounded by the FPU (adding 0.5 aligns the result's units with float32's last place), the
// normal range by integer arithmetic on the bits.
func f16FromF32(x float32) (bits uint16, ok bool) {
	u := math.Float32bits(x)
	sign := uint16(u>>16) & 0x8000
	u &^= 0x80000000
	switch {
	case u >= 0x47800000: // ≥ 65536, Inf or NaN
		if u > 0x7f800000 {
			return sign | 0x7e00, true // NaN: the quiet NaN encode writes
		}
		return sign | 0x7c00, u == 0x7f800000
	case u < 0x38800000: // < 2^-14: an F16 subnormal or zero
		v := math.Float32frombits(u) + 0.5 // 0.5 = 2^-1: its ulp is 2^-24, F16's subnormal unit
		return sign | uint16(math.Float32bits(v)-0x3f000000), true
	}
	odd := (u >> 13) & 1
	u += 0xc8000fff + odd // rebias the exponent by 15−127 (mod 2^32) and round to nearest even
	h := uint16(u >> 13)
	return sign | h, h < 0x7c00
}

var f16Table = sync.OnceValue(func() *[1 << 16]float32 {
	var t [1 << 16]float32
	for b := range t {
		t[b] = float32(formatF16.decode(uint16(b)))
	}
	return &t
})

// f16ToF32 is formatF16.decode as a float32 (exact: every F16 value is a float32).
func f16ToF32(b uint16) float32 { return f16Table()[b] }

// RoundF16 rounds each value of v in place to the nearest F16 and back, as writing it to a
// data-log file with SampleDtype F16 and reading it does. It returns false, leaving v
// partly rounded, if a finite value overflows F16.
func RoundF16(v []float32) bool {
	t := f16Table()
	for k, x := range v {
		b, ok := f16FromF32(x)
		if !ok {
			return false
		}
		v[k] = t[b]
	}
	return true
}
