package store

import (
	"math"
	"math/rand/v2"
	"testing"
)

// checkF16 compares the fast conversion with the reference encoder for one float32.
func checkF16(t *testing.T, x float32) {
	t.Helper()
	want, wok := formatF16.encode(float64(x))
	got, ok := f16FromF32(x)
	if math.IsNaN(float64(x)) {
		if !ok || got&0x7c00 != 0x7c00 || got&0x3ff == 0 || got != want {
			t.Fatalf("NaN %08x: got %04x, want %04x", math.Float32bits(x), got, want)
		}
		return
	}
	if got != want || ok != wok {
		t.Fatalf("%g (%08x): got %04x %v, want %04x %v", x, math.Float32bits(x), got, ok, want, wok)
	}
	if ok && f16ToF32(got) != float32(formatF16.decode(got)) {
		t.Fatalf("decode %04x", got)
	}
}

// TestF16FromF32 checks the fast F16 rounding against the reference encoder: every float32
// whose exponent is near F16's range (all mantissas of a stride, and the rounding-relevant low
// bits exhaustively around ties), specials, and random values.
func TestF16FromF32(t *testing.T) {
	for _, x := range []float32{0, float32(math.Copysign(0, -1)), 1, -1, 65504, 65519.996, 65520, -65520, 1e30,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 5.96e-8, 2.98e-8, 2.9802322e-08, 1e-40, 6.1e-5, 6.103515625e-05} {
		checkF16(t, x)
	}
	step := uint32(1)
	if testing.Short() {
		step = 97
	}
	for exp := uint32(127 - 27); exp <= 127+17; exp++ {
		for m := uint32(0); m < 1<<23; m += step * 4099 {
			for _, low := range []uint32{0, 1, 0xfff, 0x1000, 0x1001, 0x1fff, 0x2000} {
				for _, s := range []uint32{0, 1 << 31} {
					checkF16(t, math.Float32frombits(s|exp<<23|(m&^0x1fff|low)&0x7fffff))
				}
			}
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	for k := 0; k < 1_000_000; k++ {
		checkF16(t, math.Float32frombits(r.Uint32()))
		checkF16(t, float32(r.NormFloat64()*math.Pow(2, float64(r.IntN(40)-25))))
	}
	v := []float32{1.0001, 70000}
	if RoundF16(v) || v[0] != 1 {
		t.Errorf("RoundF16 = %v", v)
	}
}
