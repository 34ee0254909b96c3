package run_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"saelab/config"
	"saelab/run"
)

// Run the demo pipeline into a directory with a custom observer that counts progress events
// and prints each finished SAE run.
func Example_demo() {
	dir, _ := os.MkdirTemp("", "saelab-example-")
	defer os.RemoveAll(dir)

	c := config.Demo()
	c.Model.NInst, c.SAE.NInst = 4, 4
	c.ModelTrain.Steps, c.SAETrain.Steps = 1000, 3000
	progress := 0
	obs := run.ObserverFunc(func(e run.Event) {
		switch e := e.(type) {
		case run.Progress:
			progress++
		case run.SAEFinished:
			r := e.Result
			fmt.Printf("%s: monosemantic %d/%d\n", r.Config.Name, r.Eval.Monosemantic, len(r.Eval.Instances))
		case run.Finished:
			fmt.Println("report:", filepath.Base(e.Report))
		}
	})
	d, err := run.Execute(context.Background(), run.DemoPlan(c), run.Options{Out: filepath.Join(dir, "demo"), Observer: obs})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("runs in summary.json:", len(d.Summary.Runs), "progress events:", progress > 0)
	// Output:
	// none: monosemantic 1/4
	// simple: monosemantic 1/4
	// report: report.html
	// runs in summary.json: 3 progress events: true
}
