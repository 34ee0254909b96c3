package toymodel

import (
	"math"
	"testing"

	"saelab/internal/vec"
	"saelab/rng"
)

// lossGradReference is the straightforward per-sample loss and gradient (the first
// implementation), kept to check that the optimised kernels give the same bits.
func (m *Model) lossGradReference(i int, ib *InstBatch, B int, gW, gB []float64) float64 {
	return m.lossGradReferenceZ(i, ib, B, gW, gB, true) * (1 / float64(B*m.Cfg.NFeatures))
}

// lossGradReferenceZ returns the unnormalised loss; withZero adds the all-zero samples.
func (m *Model) lossGradReferenceZ(i int, ib *InstBatch, B int, gW, gB []float64, withZero bool) float64 {
	H, F := m.Cfg.DHidden, m.Cfg.NFeatures
	W := m.W[i*H*F : (i+1)*H*F]
	bias := m.BFinal[i*F : (i+1)*F]
	imp := m.Importance[i*F : (i+1)*F]
	norm := 1 / float64(B*F)
	var L float64

	// All-zero samples: one shared forward.
	if nz := float64(ib.Zeros(B)); nz > 0 && withZero {
		for f := 0; f < F; f++ {
			if bias[f] > 0 {
				L += nz * imp[f] * bias[f] * bias[f]
				if gB != nil {
					gB[f] += nz * 2 * imp[f] * bias[f] * norm
				}
			}
		}
	}
	h, dh, dOut := make([]float64, H), make([]float64, H), make([]float64, F)
	for k := range ib.Sample {
		lo, hi := ib.Start[k], ib.Start[k+1]
		feat, val := ib.Feat[lo:hi], ib.Val[lo:hi]
		for hh := 0; hh < H; hh++ {
			row := W[hh*F : (hh+1)*F]
			var s float64
			for e, f := range feat {
				s += row[f] * val[e]
			}
			h[hh] = s
		}
		// Residual over all features; x_f is nonzero only at the listed entries.
		e := 0
		for f := 0; f < F; f++ {
			pre := bias[f]
			for hh := 0; hh < H; hh++ {
				pre += W[hh*F+f] * h[hh]
			}
			out := math.Max(pre, 0)
			x := 0.0
			if e < len(feat) && int(feat[e]) == f {
				x = val[e]
				e++
			}
			d := out - x
			L += imp[f] * d * d
			if pre > 0 {
				dOut[f] = 2 * imp[f] * d * norm
			} else {
				dOut[f] = 0
			}
		}
		if gW == nil {
			continue
		}
		for hh := 0; hh < H; hh++ {
			row, grow := W[hh*F:(hh+1)*F], gW[hh*F:(hh+1)*F]
			var s float64
			for f := 0; f < F; f++ {
				grow[f] += dOut[f] * h[hh]
				s += row[f] * dOut[f]
			}
			dh[hh] = s
		}
		for e, f := range feat {
			for hh := 0; hh < H; hh++ {
				gW[hh*F+int(f)] += dh[hh] * val[e]
			}
		}
		for f := 0; f < F; f++ {
			gB[f] += dOut[f]
		}
	}
	return L
}

// laneReference is the lane kernel's order spelled out with the reference loop: the zero
// group, then lane l's samples (k ≡ l mod 8) in order into lane l's own sums, then the fixed
// tree over the lanes.
func (m *Model) laneReference(i int, ib *InstBatch, B int, gW, gB []float64) float64 {
	H, F := m.Cfg.DHidden, m.Cfg.NFeatures
	bias, imp := m.BFinal[i*F:(i+1)*F], m.Importance[i*F:(i+1)*F]
	norm := 1 / float64(B*F)
	var Lz float64
	if nz := float64(ib.Zeros(B)); nz > 0 { // the reference's zero group
		for f := 0; f < F; f++ {
			if bias[f] > 0 {
				Lz += nz * imp[f] * bias[f] * bias[f]
				gB[f] += nz * 2 * imp[f] * bias[f] * norm
			}
		}
	}
	var laneW [8][]float64
	var laneB [8][]float64
	var laneL [8]float64
	for l := 0; l < 8; l++ {
		laneW[l], laneB[l] = make([]float64, H*F), make([]float64, F)
		var sub InstBatch
		sub.Start = []int32{0}
		for k := l; k < len(ib.Sample); k += 8 {
			sub.Sample = append(sub.Sample, ib.Sample[k])
			for e := ib.Start[k]; e < ib.Start[k+1]; e++ {
				sub.Feat = append(sub.Feat, ib.Feat[e])
				sub.Val = append(sub.Val, ib.Val[e])
			}
			sub.Start = append(sub.Start, int32(len(sub.Feat)))
		}
		laneL[l] = m.lossGradReferenceZ(i, &sub, B, laneW[l], laneB[l], false)
	}
	tree := func(v [8]float64) float64 { return ((v[0] + v[4]) + (v[2] + v[6])) + ((v[1] + v[5]) + (v[3] + v[7])) }
	for k := range gW {
		var v [8]float64
		for l := range v {
			v[l] = laneW[l][k]
		}
		gW[k] += tree(v)
	}
	for f := range gB {
		var v [8]float64
		for l := range v {
			v[l] = laneB[l][f]
		}
		gB[f] += tree(v)
	}
	return (Lz + tree(laneL)) * (1 / float64(B*F))
}

// The optimised LossGradInstance must reproduce the reference loop bit for bit, on small and
// large shapes, sparse and dense batches, with biases of both signs.
func TestLossGradMatchesReferenceBits(t *testing.T) {
	defer func(old bool) { vec.SIMD = old }(vec.SIMD)
	for _, simd := range []bool{vec.SIMD, false} { // the build's kernels, then the plain-Go twins (vec.SIMD is false without archsimd)
		vec.SIMD = simd
		testLossGradBits(t)
	}
}

func testLossGradBits(t *testing.T) {
	for _, tc := range []struct {
		I, F, H int
		p       float64
		B       int
		bias    float64 // added to every b: a negative one leaves most δ zero (the row-list backward)
	}{{3, 5, 2, 0.025, 512, 0}, {2, 5, 2, 0.3, 64, 0}, {2, 100, 20, 0.5, 32, 0}, {2, 512, 64, 0.01, 16, 0}, {2, 37, 9, 0.1, 40, 0}, {1, 16, 3, 0.2, 50, 0},
		{2, 100, 20, 0.5, 101, 0}, {1, 18, 8, 0.3, 77, 0}, {1, 64, 33, 0.05, 70, 0}, // several chunks of the large path, ragged edges
		{2, 100, 20, 0.5, 101, -0.7}, {1, 512, 64, 0.01, 40, -0.3}} {
		imp := make([]float64, tc.F)
		for f := range imp {
			imp[f] = math.Pow(0.9, float64(f))
		}
		m, err := New(Config{NInst: tc.I, NFeatures: tc.F, DHidden: tc.H, FeatMagDistn: "unif"}, PerFeature(imp), Scalar(tc.p), 5)
		if err != nil {
			t.Fatal(err)
		}
		s := rng.New(11)
		for k := range m.BFinal {
			m.BFinal[k] = tc.bias + 0.2*s.Normal()
		}
		bt := NewBatch(tc.B, tc.I, tc.F)
		m.Generate(tc.B, Streams(6, rng.PurposeToyBatch, tc.I), bt)
		sc := m.NewScratch()
		H, F := tc.H, tc.F
		for i := 0; i < tc.I; i++ {
			gW, gB := make([]float64, H*F), make([]float64, F)
			wW, wB := make([]float64, H*F), make([]float64, F)
			L := m.LossGradInstance(i, &bt.Inst[i], tc.B, gW, gB, sc)
			var want float64
			if useLanes(H, F) {
				want = m.laneReference(i, &bt.Inst[i], tc.B, wW, wB)
			} else {
				want = m.lossGradReference(i, &bt.Inst[i], tc.B, wW, wB)
			}
			sameBits(t, "loss", []float64{L}, []float64{want})
			sameBits(t, "gW", gW, wW)
			sameBits(t, "gB", gB, wB)
			if L2, L3 := m.LossGradInstance(i, &bt.Inst[i], tc.B, nil, nil, sc), m.lossGradReference(i, &bt.Inst[i], tc.B, nil, nil); L2 != L3 {
				t.Errorf("loss without gradient %v, want %v", L2, L3)
			}
		}
	}
}

func sameBits(t *testing.T, name string, got, want []float64) {
	t.Helper()
	for k := range want {
		if math.Float64bits(got[k]) != math.Float64bits(want[k]) {
			t.Fatalf("%s[%d] = %v, want %v (bit-identical)", name, k, got[k], want[k])
		}
	}
}

// Training gives the same bits with the archsimd kernels (and their own batch layout) as with
// the plain-Go twins; without GOEXPERIMENT=simd both runs use the plain kernels.
func TestTrainSameBitsWithPlainKernels(t *testing.T) {
	defer func(old bool) { vec.SIMD = old }(vec.SIMD)
	for _, cfg := range []Config{DefaultConfig(), {NInst: 3, NFeatures: 64, DHidden: 16, FeatMagDistn: "unif"}} {
		run := func(simd bool) []float64 {
			vec.SIMD = simd
			m, err := New(cfg, Values{}, Scalar(0.05), 3)
			if err != nil {
				t.Fatal(err)
			}
			tc := DefaultTrainConfig()
			tc.Steps = 200
			log, err := Train(m, tc, 4, nil)
			if err != nil {
				t.Fatal(err)
			}
			out := append(append([]float64(nil), m.W...), m.BFinal...)
			for _, e := range log {
				out = append(out, e.Loss)
			}
			return out
		}
		sameBits(t, "trained parameters and log", run(vec.SIMD), run(false))
	}
}
