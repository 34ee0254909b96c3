package toymodel

import (
	"math"
	"testing"
)

// Progress reporting never feeds back into training, and its last callback is the last log
// entry's loss at the last step.
func TestTrainProgressDoesNotChangeResults(t *testing.T) {
	run := func(progress func(Progress)) (*Model, []LogEntry) {
		m, err := New(Config{NInst: 4, NFeatures: 5, DHidden: 2, FeatMagDistn: "unif"}, Values{}, Scalar(0.05), 2)
		if err != nil {
			t.Fatal(err)
		}
		tc := DefaultTrainConfig()
		tc.Steps = 2000
		log, err := Train(m, tc, 5, progress)
		if err != nil {
			t.Fatal(err)
		}
		return m, log
	}
	var calls []Progress
	a, _ := run(nil)
	b, log := run(func(p Progress) { calls = append(calls, p) })
	for k := range a.W {
		if math.Float64bits(a.W[k]) != math.Float64bits(b.W[k]) {
			t.Fatalf("W[%d] differs with a progress callback", k)
		}
	}
	if len(calls) == 0 {
		t.Fatal("no progress callback")
	}
	for _, p := range calls {
		if p.Step < 0 || p.Step > p.Steps || p.Loss < 0 || math.IsNaN(p.Loss) {
			t.Errorf("implausible progress %+v", p)
		}
	}
	if last := calls[len(calls)-1]; last.Step != last.Steps || last.Loss != log[len(log)-1].Loss {
		t.Errorf("final progress %+v, last log entry %+v", last, log[len(log)-1])
	}
}
