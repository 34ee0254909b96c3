package phase

import (
	"math"
	"slices"
	"testing"
)

func TestAggregateWeights(t *testing.T) {
	third := 1.0 / 3
	for _, c := range []struct {
		mode   string
		losses []float64
		want   []float64
	}{
		// paper: the highest loss is dropped; of two equal highest, the higher index (rank order
		// puts the lower index first).
		{AggPaper, []float64{3, 1, 3, 2}, []float64{third, third, 0, third}},
		{AggPaper, []float64{5}, []float64{1}},
		{AggBest, []float64{2, 1, 1}, []float64{0, 1, 0}},
		{AggZF, []float64{1, 2}, []float64{0.8, 0.2}},
		{AggZF, []float64{0, 1, 0}, []float64{0.5, 0, 0.5}},
		{AggAll, []float64{1, 2, 4, 8}, []float64{0.25, 0.25, 0.25, 0.25}},
	} {
		got := aggregateWeights(c.mode, c.losses)
		for k := range got {
			if math.Abs(got[k]-c.want[k]) > 1e-15 {
				t.Errorf("%s %v: weights %v, want %v", c.mode, c.losses, got, c.want)
				break
			}
		}
	}
}

func TestClassifyRuleOrder(t *testing.T) {
	th := Thresholds{0.5, 0.25}
	for _, c := range []struct {
		n, s, same float64
		want       Label
	}{
		{0.4, 1, 1, NotRepresented}, // n̄ first, whatever else
		{0.9, 0.1, 1, Dedicated},
		{0.9, 0.9, 0.6, Confused},
		{0.9, 0.9, 0.5, Superposition}, // a tie is not a majority
		{0.5, 0.25, 0, Superposition},  // thresholds are strict
	} {
		if got := th.classify(c.n, c.s, c.same); got != c.want {
			t.Errorf("classify(n̄ %v, σ̄ %v, same %v) = %s, want %s", c.n, c.s, c.same, got, c.want)
		}
	}
	if got := majority([]Label{Superposition, Dedicated, Superposition, Dedicated}); got != Dedicated {
		t.Errorf("majority tie = %s, want dedicated (rule order)", got)
	}
}

// §4.3 by hand: in 1-D σ_e = w₁² and n_e = |w₂|; the spec's example W = [[1,0,−1],[0,1,0]]
// (D = [0.5, 1, 0.5]); a zero column.
func TestInstanceStats(t *testing.T) {
	in := newInstance([]float64{0.6, -0.8}, []float64{0.1, 0.2}, 1, 2, 1e-3)
	if math.Abs(in.Ne-0.8) > 1e-15 || math.Abs(in.Sigma-0.36) > 1e-7 || in.C != -1 || math.Abs(in.D-0.64) > 1e-7 {
		t.Errorf("1-D: n %v σ %v c %d D %v, want 0.8, 0.36, −1, 0.64", in.Ne, in.Sigma, in.C, in.D)
	}
	if !slices.Equal(in.Norms, []float64{0.6, 0.8}) || in.W[0][1] != -0.8 || in.B[1] != 0.2 {
		t.Errorf("norms %v, W %v, b %v", in.Norms, in.W, in.B)
	}
	in = newInstance([]float64{1, 0, -1, 0, 1, 0}, make([]float64, 3), 2, 3, 0)
	if math.Abs(in.Ne-1) > 1e-15 || math.Abs(in.Sigma-1) > 1e-7 || in.C != -1 || math.Abs(in.D-0.5) > 1e-7 {
		t.Errorf("2-D: n %v σ %v c %d D %v, want 1, 1, −1, 0.5", in.Ne, in.Sigma, in.C, in.D)
	}
	in = newInstance([]float64{0.7, 0.7, 0, 0}, make([]float64, 2), 2, 2, 0) // same sign in one row
	if in.C != 1 {
		t.Errorf("same-sign overlap: c = %d, want 1", in.C)
	}
	in = newInstance([]float64{0.5, 0}, make([]float64, 2), 1, 2, 0)
	if in.Ne != 0 || in.Sigma != 0 || in.C != 0 || in.D != 0 {
		t.Errorf("zero column: %+v", in)
	}
}

func TestConfigName(t *testing.T) {
	for _, c := range []struct {
		e    Experiment
		l    Label
		min  float64
		want string
	}{
		{Exp1, NotRepresented, 0, "ignore_extra"}, {Exp1, Dedicated, 0, "ignore_first"}, {Exp1, Superposition, 0, "antipodal"},
		{Exp1, Confused, 0, "confused"}, {Exp2, NotRepresented, 0, "drop_extra"}, {Exp2, Superposition, 0, "pair_23"},
		{Exp2, Dedicated, 0.1, "drop_first"}, {Exp2, Dedicated, 0.9, "pair_12"},
	} {
		if got := configName(c.e, c.l, c.min, 0.5); got != c.want {
			t.Errorf("configName(%d, %s, %v) = %s, want %s", c.e, c.l, c.min, got, c.want)
		}
	}
}

// Reaggregate changes the labels, not the instances, and is idempotent with the same mode.
func TestReaggregate(t *testing.T) {
	r := mustRun(t, tiny(1))
	same, err := r.Reaggregate(r.Config.Aggregate, r.Config.TauN, r.Config.TauS)
	if err != nil {
		t.Fatal(err)
	}
	if string(mustJSON(t, same)) != string(mustJSON(t, r)) {
		t.Fatal("reaggregating with the same settings changed the result")
	}
	best, err := r.Reaggregate(AggBest, 0.5, 0.25)
	if err != nil {
		t.Fatal(err)
	}
	for k, c := range best.Cells {
		kept := 0
		for j, in := range c.Instances {
			if in.Weight > 0 {
				kept++
			}
			if in.Loss != r.Cells[k].Instances[j].Loss || in.Ne != r.Cells[k].Instances[j].Ne {
				t.Fatal("reaggregating changed an instance")
			}
		}
		if kept != 1 {
			t.Fatalf("best keeps %d instances", kept)
		}
	}
	if _, err := r.Reaggregate("mean", 0.5, 0.25); err == nil {
		t.Error("an unknown mode was accepted")
	}
}
