package store

import (
	"math"
	"sync"
)

// Fast float32 ↔ F16 conversions for the data log's per-sample tensors. They give exactly the
// results of formatF16.encode(float64(x)) and formatF16.decode (round to nearest even from the
// float32 value, which float64 holds exactly; overflow reported), bit for bit.

// f16FromF32 rounds x to the nearest F16 (ties to even). ok is false when a finite x
// overflows to infinity.
func f16FromF32(x float32) (bits uint16, ok bool) {
	u := math.Float32bits(x)
	sign := uint16(u>>16) & 0x8000
	exp := int(u>>23) & 0xff
	mant := u & 0x7fffff
	switch {
	case exp == 0xff: // Inf or NaN
		if mant == 0 {
			return sign | 0x7c00, true
		}
		return sign | 0x7e00, true // the quiet NaN encode writes
	case exp == 0 && mant == 0:
		return sign, true
	}
	e := exp - 127 // unbiased; float32 subnormals (exp 0) are far below F16's range
	if e < -25 {   // < 2^-25: rounds to 0 (2^-25 itself is a tie with 0, handled below)
		return sign, true
	}
	if e > 15 {
		return sign | 0x7c00, false
	}
	m := mant | 0x800000 // 24-bit significand, value m·2^(e-23)
	if e < -14 {
		// F16 subnormal: units of 2^-24, so value/2^-24 = m·2^(e-23+24) = m >> (-e-1).
		shift := uint(-e - 1) // 14..24
		r := roundShift(m, shift)
		return sign | uint16(r), true // r = 1024 is the smallest normal's bit pattern
	}
	// Normal: keep 11 significant bits.
	r := roundShift(m, 13) // in [1024, 2048]
	if r == 2048 {
		r = 1024
		e++
		if e > 15 {
			return sign | 0x7c00, false
		}
	}
	return sign | uint16(e+15)<<10 | uint16(r-1024), true
}

// roundShift returns m / 2^shift rounded to nearest, ties to even.
func roundShift(m uint32, shift uint) uint32 {
	q := m >> shift
	rem := m & (1<<shift - 1)
	half := uint32(1) << (shift - 1)
	if rem > half || rem == half && q&1 == 1 {
		q++
	}
	return q
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
