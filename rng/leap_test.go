package rng

import "testing"

// TestLeapMatchesNext checks that a Leap of n lands where n draws do, for lengths around the
// word and lane boundaries and the toy batches'.
func TestLeapMatchesNext(t *testing.T) {
	for _, n := range []uint64{0, 1, 2, 3, 63, 64, 65, 255, 256, 257, 1000, 25600, 204800, 123457} {
		x := *New(7, 3)
		want := x
		for range n {
			_, want = want.Next()
		}
		if got := x.Leap(NewLeap(n)); got != want {
			t.Errorf("leap %d: state %v, want %v", n, got.State(), want.State())
		}
	}
}

// TestLeapJumpConstant checks the polynomial arithmetic against the xoshiro256 authors'
// published jump of 2¹²⁸ draws: x^(2¹²⁸) mod P is their JUMP constant.
func TestLeapJumpConstant(t *testing.T) {
	p := charPoly()
	r := poly{2} // x
	for range 128 {
		r = p.mulMod(r, r)
	}
	want := poly{0x180ec6d33cfd0aba, 0xd5a61266f0c9392c, 0xa9582618e03fc9aa, 0x39abdc4529b1661c}
	if r != want {
		t.Errorf("x^(2^128) mod P = %#x, want the published jump %#x", r, want)
	}
}

func BenchmarkLeap(b *testing.B) {
	l := NewLeap(204800)
	x := *New(1)
	for b.Loop() {
		x = x.Leap(l)
	}
}

// TestLanesMatchStream checks that eight lanes drawn side by side give the stream's draws in
// order (lane k's stretch after lane k−1's), with the SIMD kernel and with its plain twin.
func TestLanesMatchStream(t *testing.T) {
	const n = 40 // draws per lane, in two fills of 24 and 16
	x := *New(11, 2)
	want := make([]float64, 8*n)
	st := x
	for i := range want {
		want[i], st = st.NextFloat64()
	}
	for _, simd := range []bool{true, false} {
		ls := x.Lanes(NewLeap(n))
		got := make([]float64, 8*n)
		fill := ls.FillFloat64
		if !simd {
			fill = func(d []float64) { fillLanesGo(&ls, d) }
		}
		fill(got[:8*24])
		fill(got[8*24:])
		for i, v := range got {
			k, tt := i%8, i/8
			if w := want[k*n+tt]; v != w {
				t.Fatalf("simd %v: lane %d draw %d = %v, want the stream's draw %d = %v", simd, k, tt, v, k*n+tt, w)
			}
		}
		if end := ls.Lane(7); end != st {
			t.Errorf("simd %v: lane 7 ends at %v, want the stream's end %v", simd, end.State(), st.State())
		}
	}
}

func BenchmarkLanesFill(b *testing.B) {
	ls := New(1).Lanes(NewLeap(1 << 20))
	dst := make([]float64, 1600)
	for b.Loop() {
		ls.FillFloat64(dst)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(dst)), "ns/draw")
}

func BenchmarkStreamFill(b *testing.B) {
	s := New(1)
	dst := make([]float64, 1600)
	for b.Loop() {
		s.FillFloat64(dst)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(dst)), "ns/draw")
}
