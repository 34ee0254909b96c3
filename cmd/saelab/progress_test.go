package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"saelab/sae"
	"saelab/toymodel"
)

func TestProgressModes(t *testing.T) {
	q := &Progress{Mode: ProgressQuiet}
	ph := q.Start("x", 10)
	if ph.Toy() != nil || ph.SAE() != nil {
		t.Error("quiet progress has callbacks")
	}
	ph.Update(3, "loss=1")
	ph.Done()

	var buf bytes.Buffer
	p := &Progress{Mode: ProgressPlain, W: &buf}
	ph = p.Start("sae-none", 100)
	cb := ph.SAE()
	cb(sae.Progress{Step: 10, Steps: 100, Loss: 0.5, LR: 1e-3, FracActive: 0.02})
	if buf.Len() != 0 {
		t.Errorf("plain progress printed before %v: %q", PlainInterval, buf.String())
	}
	ph.last = time.Now().Add(-PlainInterval) // as if 2 s had passed
	cb(sae.Progress{Step: 20, Steps: 100, Loss: 0.25, LR: 1e-3, FracActive: 0.02})
	line := buf.String()
	for _, want := range []string{"sae-none: step 20/100 (20%)", "loss=0.25", "lr=0.001", "frac_active=0.02"} {
		if !strings.Contains(line, want) {
			t.Errorf("plain line %q lacks %q", line, want)
		}
	}
	ph.Done()
	if !strings.Contains(buf.String(), "sae-none: done, 100 steps") {
		t.Errorf("no done line: %q", buf.String())
	}

	buf.Reset()
	p = &Progress{Mode: ProgressBar, W: &buf}
	ph = p.Start("toy model", 50)
	ph.Toy()(toymodel.Progress{Step: 25, Steps: 50, LR: 1e-3})
	ph.Done()
	if out := buf.String(); !strings.Contains(out, "toy model lr=0.001") || !strings.Contains(out, "50/50") {
		t.Errorf("bar output %q", out)
	}
}
