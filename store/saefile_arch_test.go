package store_test

import (
	"math"
	"path/filepath"
	"slices"
	"testing"

	"saelab/rng"
	"saelab/sae"
	"saelab/store"
	"saelab/toymodel"
)

// Every architecture's SAE file round-trips: the loaded SAE has the same parameters (as float32)
// and state (exactly), and its inference forward matches. Matching pursuit's file holds its
// decoder and b_dec only.
func TestSAEFileRoundTripEveryArch(t *testing.T) {
	m, err := toymodel.New(toymodel.Config{NInst: 2, NFeatures: 5, DHidden: 2, FeatMagDistn: "unif"}, toymodel.Values{}, toymodel.Scalar(0.1), 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, arch := range sae.Archs {
		cfg := sae.DefaultConfig(2, 2, 5)
		cfg.Arch, cfg.K = arch, 2
		s, err := sae.New(cfg, m, 3)
		if err != nil {
			t.Fatal(err)
		}
		tc := sae.DefaultTrainConfig()
		tc.Steps = 60
		if _, err := sae.Train(s, tc, 3, nil); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(t.TempDir(), "s.safetensors")
		if err := store.WriteSAE(p, "x", s, tc); err != nil {
			t.Fatal(err)
		}
		back, _, err := store.LoadSAE(p, m)
		if err != nil {
			t.Fatalf("%s: %v", arch, err)
		}
		for k, q := range back.Params() {
			want := s.Params()[k]
			for n, v := range want.Data {
				if q.Data[n] != float64(float32(v)) {
					t.Fatalf("%s: %s[%d] = %v after the round trip, want %v", arch, q.Name, n, q.Data[n], float32(v))
				}
			}
		}
		for k, q := range back.State() {
			if !slices.Equal(q.Data, s.State()[k].Data) {
				t.Errorf("%s: state %s %v after the round trip, want %v", arch, q.Name, q.Data, s.State()[k].Data)
			}
		}
		h := s.GenerateHidden(128, toymodel.Streams(5, rng.PurposeEval, 2))
		o1, o2 := s.Forward(h, 128), back.Forward(h, 128)
		for k := range o1.Loss {
			if math.Abs(o1.Loss[k]-o2.Loss[k]) > 1e-5 {
				t.Fatalf("%s: loss %d: %v vs %v after the round trip", arch, k, o1.Loss[k], o2.Loss[k])
			}
		}
		if arch != "matching_pursuit" {
			continue
		}
		ts, _, err := store.ReadSafetensors(p)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, x := range ts {
			names = append(names, x.Name)
		}
		slices.Sort(names)
		if !slices.Equal(names, []string{"W_dec", "b_dec"}) {
			t.Errorf("matching_pursuit file holds %v, want W_dec and b_dec", names)
		}
	}
}
