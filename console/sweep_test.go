package console

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"saelab/sweep"
)

func TestSweepObserverPlain(t *testing.T) {
	var b bytes.Buffer
	o := NewSweep(&b, false, false)
	cell := &sweep.Cell{ID: "00ff", Seed: 3, Params: []string{"gated"}}
	o.Observe(sweep.Started{Name: "s", Shard: sweep.Shard{Index: 1, Count: 4}, Own: 10, Done: 7, ToRun: 3, Jobs: 2, Keys: []string{"sae.arch"}})
	o.Observe(sweep.CellFinished{Cell: cell, Ran: 1, ToRun: 3})
	o.Observe(sweep.CellFinished{Cell: cell, Err: errors.New("diverged"), Ran: 1, Failed: 1, ToRun: 3})
	o.Observe(sweep.CellFinished{Cell: cell, Ran: 2, Failed: 1, ToRun: 3})
	o.Observe(sweep.Finished{Ran: 2, Failed: 1, Left: 1, Seconds: 1.25})
	out := b.String()
	for _, want := range []string{
		"sweep s (shard 1/4): 10 cells; 7 done before, 3 to run, 2 at a time\n",
		"cell 00ff (sae.arch=gated, seed 3) failed: diverged\n",
		"sweep s (shard 1/4): 3/3 cells (100%), 1 failed",
		"sweep s (shard 1/4) done: 2 cells done, 1 failed, 1 left, in 1.3s\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// Quiet: the opening line, failures and the closing line only.
	b.Reset()
	o = NewSweep(&b, false, true)
	o.Observe(sweep.Started{Name: "s", Own: 3, ToRun: 3, Jobs: 1})
	o.Observe(sweep.CellFinished{Cell: cell, Ran: 3, ToRun: 3})
	o.Observe(sweep.Finished{Ran: 3})
	if strings.Contains(b.String(), "cells (100%)") {
		t.Errorf("quiet printed progress:\n%s", b.String())
	}
}
