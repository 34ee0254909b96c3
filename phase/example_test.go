package phase_test

import (
	"context"
	"fmt"

	"saelab/phase"
)

// The closed-form theory (phase-diagrams §2) at a few points of experiment 1.
func ExampleTheoryLabel() {
	for _, pt := range []struct{ r, s float64 }{{0.5, 0.3}, {0.5, 0.8}, {3, 0.8}, {3, 0.05}} {
		l, name := phase.TheoryLabel(phase.Exp1, pt.r, pt.s)
		fmt.Printf("r = %v, s = %v: %s (%s)\n", pt.r, pt.s, l, name)
	}
	fmt.Printf("s*(0.5) = %.4f, triple point (%v, %.4f)\n", phase.SStar(0.5), phase.TripleR, phase.TripleS)
	// Output:
	// r = 0.5, s = 0.3: superposition (antipodal)
	// r = 0.5, s = 0.8: not_represented (ignore_extra)
	// r = 3, s = 0.8: dedicated (ignore_first)
	// r = 3, s = 0.05: superposition (antipodal)
	// s*(0.5) = 0.4444, triple point (1, 0.5714)
}

// A tiny phase diagram: 4 × 4 cells of 8 instances, trained briefly, each cell's label (from its
// lowest-loss instance) next to the theory's, densest row first.
func ExampleRun() {
	c := phase.DefaultConfig(1)
	c.Grid, c.Instances, c.Steps, c.BatchSize, c.EvalBatch = 4, 8, 4000, 512, 2000
	c.Aggregate = phase.AggBest
	res, err := phase.Run(context.Background(), c, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for ip := c.Grid - 1; ip >= 0; ip-- {
		for ir := 0; ir < c.Grid; ir++ {
			a := res.At(ir, ip).Aggregate
			fmt.Printf("%-16s", fmt.Sprintf("%s/%s", abbrev(a.Label), abbrev(a.Theory)))
		}
		fmt.Printf("p = %.2f\n", res.P[ip])
	}
	// Output:
	// none/none       none/none       dedic/dedic     dedic/dedic     p = 1.00
	// none/none       super/super     super/super     dedic/dedic     p = 0.22
	// super/super     super/super     super/super     super/super     p = 0.05
	// super/super     super/super     super/super     super/super     p = 0.01
}

func abbrev(l phase.Label) string {
	return map[phase.Label]string{phase.NotRepresented: "none", phase.Dedicated: "dedic", phase.Superposition: "super", phase.Confused: "conf"}[l]
}
