package phase

import (
	"context"
	"math"
	"testing"
)

// The packed trainer and toymodel.Train (Engine "toymodel": the same init, the same protocol,
// other random streams, see the package documentation) reach the same phase diagram: most cells
// get the same label, each engine agrees with the theory, and the cells' best losses on the
// shared eval batch are within 5% of each other in most cells.
func TestEnginesAgree(t *testing.T) {
	if testing.Short() {
		t.Skip("trains 2 × 360 toy models; skipped with -short")
	}
	c := DefaultConfig(1)
	c.Grid, c.Instances, c.Steps, c.BatchSize, c.Aggregate = 6, 10, 2000, 512, AggBest
	packed, err := Run(context.Background(), c, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Engine = EngineToyModel
	toy, err := Run(context.Background(), c, nil)
	if err != nil {
		t.Fatal(err)
	}
	same, agreeP, agreeT, close := 0, 0, 0, 0
	var logRatio float64
	for k := range packed.Cells {
		a, b := packed.Cells[k].Aggregate, toy.Cells[k].Aggregate
		if a.Label == b.Label {
			same++
		}
		if a.Agrees() {
			agreeP++
		}
		if b.Agrees() {
			agreeT++
		}
		lr := math.Abs(math.Log(a.Loss / b.Loss))
		logRatio = math.Max(logRatio, lr)
		if lr < math.Log(1.05) {
			close++
		}
		t.Logf("r %.3g p %.3g: packed %s (loss %.3g), toymodel %s (loss %.3g), theory %s", packed.Cells[k].R, packed.Cells[k].P, a.Label, a.Loss, b.Label, b.Loss, a.Theory)
	}
	n := len(packed.Cells)
	t.Logf("same label in %d of %d cells; agree with theory: packed %d, toymodel %d; best losses within 5%% in %d cells, largest ratio %.2f",
		same, n, agreeP, agreeT, close, math.Exp(logRatio))
	if same < n*8/10 || agreeP < n*8/10 || agreeT < n*8/10 || close < n*8/10 {
		t.Errorf("same label in %d of %d cells, agreement with theory packed %d, toymodel %d, best losses within 5%% in %d: want ≥ 80%% each",
			same, n, agreeP, agreeT, close)
	}
}
