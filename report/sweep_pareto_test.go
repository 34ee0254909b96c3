package report

import (
	"math"
	"testing"
)

// A synthetic sweep (its runs have F1) gets MCC and F1 against L0 besides explained variance;
// a toy-model sweep's MCC is no panel of its own.
func TestParetoPanelsSynthetic(t *testing.T) {
	in := SweepInput{Keys: []string{"synth.arch", "synth.target_l0"}}
	for _, m := range []string{"l0", "explained_variance", "mcc", "f1"} {
		in.Metrics = append(in.Metrics, SweepMetric{Name: m, Label: m, Lower: m == "l0"})
	}
	for k, arch := range []string{"topk", "topk", "standard"} {
		l0 := float64(5 + 5*k)
		in.Rows = append(in.Rows, SweepRow{Index: k, Params: []string{arch, "x"}, Run: arch, Arch: arch, Status: "done",
			Metrics: []float64{l0, 1 - 1/l0, 0.5 + 0.01*l0, 0.4 - 0.01*l0}})
	}
	in.Rows[1].Params[1] = "y"
	panels := paretoPanels(&in)
	if len(panels) != 3 || panels[0].Y != "explained_variance" || panels[1].Y != "mcc" || panels[2].Y != "f1" {
		t.Fatalf("panels %+v", panels)
	}
	// F1 falls with L0 here: of topk's two points only the one at L0 5 is on the frontier.
	if f := panels[2].Series[0]; len(f.X) != 2 || len(f.Front) != 1 || math.Abs(f.X[f.Front[0]]-5) > 0 {
		t.Errorf("F1 frontier %+v", f)
	}
	in.Metrics[3].Name = "l_aux" // a toy-model sweep: no f1
	if panels := paretoPanels(&in); len(panels) != 1 {
		t.Errorf("toy-model sweep: %d panels, want 1 (explained variance)", len(panels))
	}
}
