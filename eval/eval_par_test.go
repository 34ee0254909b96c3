package eval

import (
	"fmt"
	"runtime"
	"testing"

	"saelab/sae"
	"saelab/toymodel"
)

func seedSAE(t testing.TB, steps int) *sae.SAE {
	t.Helper()
	m, err := toymodel.New(toymodel.DefaultConfig(), toymodel.Values{}, toymodel.Scalar(0.025), 3)
	if err != nil {
		t.Fatal(err)
	}
	tc := toymodel.DefaultTrainConfig()
	tc.Steps = 2000
	if _, err := toymodel.Train(m, tc, 3, nil); err != nil {
		t.Fatal(err)
	}
	s, err := sae.New(sae.DefaultConfig(16, 2, 5), m, 3)
	if err != nil {
		t.Fatal(err)
	}
	st := sae.DefaultTrainConfig()
	st.Steps = steps
	if _, err := sae.Train(s, st, 3, nil); err != nil {
		t.Fatal(err)
	}
	return s
}

// The evaluation runs its batches and forward passes on GOMAXPROCS workers; its result does
// not depend on how many.
func TestEvalSameAcrossGOMAXPROCS(t *testing.T) {
	s := seedSAE(t, 300)
	run := func(procs int) string {
		old := runtime.GOMAXPROCS(procs)
		defer runtime.GOMAXPROCS(old)
		r, err := SAE(s, 7)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%#v", r) // NaN-safe, maps in key order
	}
	if a, b := run(1), run(3); a != b {
		t.Errorf("GOMAXPROCS 1 and 3 differ:\n%s\n%s", a, b)
	}
}

// BenchmarkEvalSeed is eval.SAE on the seed SAE (16 instances × d_sae 5).
func BenchmarkEvalSeed(b *testing.B) {
	s := seedSAE(b, 2000)
	for b.Loop() {
		if _, err := SAE(s, 7); err != nil {
			b.Fatal(err)
		}
	}
}
