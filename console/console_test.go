package console

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"saelab/run"
	"saelab/store"
)

func TestProgressPlainAndBar(t *testing.T) {
	var out, errs bytes.Buffer
	c := New(&out, &errs, false, false)
	c.Observe(run.PhaseStarted{Phase: "sae-none", Steps: 100})
	c.Observe(run.Progress{Phase: "sae-none", Step: 10, Steps: 100, Loss: 0.5, LR: 1e-3, FracActive: 0.02})
	if errs.Len() != 0 {
		t.Errorf("plain progress printed before %v: %q", PlainInterval, errs.String())
	}
	c.prog.ph.last = time.Now().Add(-PlainInterval) // as if 2 s had passed
	c.Observe(run.Progress{Phase: "sae-none", Step: 20, Steps: 100, Loss: 0.25, LR: 1e-3, FracActive: 0.02})
	line := errs.String()
	for _, want := range []string{"sae-none: step 20/100 (20%)", "loss=0.25", "lr=0.001", "active=0.02"} {
		if !strings.Contains(line, want) {
			t.Errorf("plain line %q lacks %q", line, want)
		}
	}
	c.Observe(run.PhaseFinished{Phase: "sae-none", Steps: 100})
	if !strings.Contains(errs.String(), "sae-none: done, 100 steps") {
		t.Errorf("no done line: %q", errs.String())
	}
	if out.Len() != 0 {
		t.Errorf("progress went to stdout: %q", out.String())
	}

	errs.Reset()
	c = New(&out, &errs, true, false)
	c.Observe(run.PhaseStarted{Phase: "toy model", Steps: 50})
	c.Observe(run.Progress{Phase: "toy model", Step: 25, Steps: 50, LR: 1e-3})
	c.Observe(run.PhaseFinished{Phase: "toy model", Steps: 50})
	if s := errs.String(); !strings.Contains(s, "toy model lr=0.001") || !strings.Contains(s, "100%") {
		t.Errorf("bar output %q", s)
	}
}

func TestQuietPrintsOnlyTheReport(t *testing.T) {
	var out, errs bytes.Buffer
	c := New(&out, &errs, false, true)
	c.Observe(run.DirCreated{Path: "/tmp/x"})
	c.Observe(run.PhaseStarted{Phase: "toy model", Steps: 50})
	c.Observe(run.PhaseFinished{Phase: "toy model", Steps: 50})
	c.Observe(run.Finished{Dir: "/tmp/x", Summary: store.Summary{}, Report: "/tmp/x/report.html"})
	if out.String() != "/tmp/x/report.html\n" || errs.Len() != 0 {
		t.Errorf("quiet printed %q and %q", out.String(), errs.String())
	}
}

// Steps opens the phase on its first count and closes it once on done < 0.
func TestSteps(t *testing.T) {
	var out, errw bytes.Buffer
	obs := New(&out, &errw, false, false).Steps("phase diagram")
	obs(0, 10)
	obs(10, 10)
	obs(-1, 0)
	obs(-1, 0)
	if got := strings.Count(errw.String()+out.String(), "phase diagram: done, 10 steps"); got != 1 {
		t.Errorf("the phase was closed %d times, want once:\n%s%s", got, out.String(), errw.String())
	}
}
