package eval

import (
	"testing"

	"saelab/sae"
	"saelab/toymodel"
)

// outcome trains the seed workflow for one seed and returns the monosemantic counts of the
// SAE without and with simple resampling.
func outcome(t *testing.T, seed uint64) (none, simple Result) {
	t.Helper()
	m, err := toymodel.New(toymodel.DefaultConfig(), toymodel.Values{}, toymodel.Scalar(0.025), seed)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := toymodel.Train(m, toymodel.DefaultTrainConfig(), seed, nil); err != nil {
		t.Fatal(err)
	}
	run := func(method string) Result {
		s, err := sae.New(sae.DefaultConfig(16, 2, 5), m, seed)
		if err != nil {
			t.Fatal(err)
		}
		tc := sae.DefaultTrainConfig()
		tc.Steps, tc.Resample = 20000, method
		if _, err := sae.Train(s, tc, seed, nil); err != nil {
			t.Fatal(err)
		}
		r, err := SAE(s, seed)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	return run("none"), run("simple")
}

// Level L3 (spec §9.2): over 5 seeds of the seed's 16-instance run, simple resampling makes
// at least 60% of instances monosemantic, and without resampling well under 50% are.
func TestOutcomeSeedWorkflow(t *testing.T) {
	if testing.Short() {
		t.Skip("trains 5 × (toy model + 2 SAEs)")
	}
	var nNone, nSimple, total int
	for seed := uint64(1); seed <= 5; seed++ {
		none, simple := outcome(t, seed)
		t.Logf("seed %d: monosemantic without resampling %2d/16 (geometric proxy %2d), with simple resampling %2d/16 (proxy %2d); MMCS %.3f / %.3f",
			seed, none.Monosemantic, none.GeometricMono, simple.Monosemantic, simple.GeometricMono, none.MeanMMCS, simple.MeanMMCS)
		nNone += none.Monosemantic
		nSimple += simple.Monosemantic
		total += 16
	}
	rNone, rSimple := float64(nNone)/float64(total), float64(nSimple)/float64(total)
	t.Logf("rates: none %.3f, simple %.3f", rNone, rSimple)
	if rSimple < 0.6 {
		t.Errorf("simple resampling: %.3f monosemantic, want ≥ 0.6", rSimple)
	}
	if rNone >= 0.35 {
		t.Errorf("no resampling: %.3f monosemantic, want well under 0.5 (< 0.35)", rNone)
	}
}
