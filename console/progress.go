package console

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"saelab/run"
)

// PlainInterval is how often a plain progress line is printed.
const PlainInterval = 2 * time.Second

// phase is one training phase being shown.
type phase struct {
	name   string
	steps  int
	start  time.Time
	last   time.Time
	fields string
	bar    *progressbar.ProgressBar
}

// progress draws the phases on w: a bar when w is a terminal, plain lines otherwise.
type progress struct {
	w   io.Writer
	bar bool
	mu  sync.Mutex
	ph  *phase
}

// started opens a phase: a bar, or the clock of the plain lines.
func (p *progress) started(e run.PhaseStarted) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ph := &phase{name: e.Phase, steps: e.Steps, start: time.Now()}
	ph.last = ph.start
	if p.bar {
		w := p.w
		ph.bar = progressbar.NewOptions(e.Steps,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription(e.Phase),
			progressbar.OptionSetWidth(20),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("steps"),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionShowElapsedTimeOnFinish(),
			progressbar.OptionThrottle(100*time.Millisecond),
		)
	}
	p.ph = ph
}

// update redraws the bar, or prints a plain line every PlainInterval.
func (p *progress) update(e run.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ph := p.ph
	if ph == nil || ph.name != e.Phase {
		return
	}
	ph.fields = fields(e)
	if ph.bar != nil {
		ph.bar.Describe(ph.name + " " + ph.fields)
		_ = ph.bar.Set(min(e.Step, ph.steps))
		return
	}
	if now := time.Now(); now.Sub(ph.last) >= PlainInterval {
		ph.last = now
		fmt.Fprintf(p.w, "%s: step %d/%d (%.0f%%) %s [%s]\n", ph.name, e.Step, ph.steps,
			100*float64(e.Step)/float64(max(ph.steps, 1)), ph.fields, time.Since(ph.start).Round(100*time.Millisecond))
	}
}

// finished closes the phase.
func (p *progress) finished(e run.PhaseFinished) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ph := p.ph
	if ph == nil || ph.name != e.Phase {
		return
	}
	if ph.bar != nil {
		// The bar's own completion hook fires only when a redraw first sees the last step,
		// which a throttled or skipped redraw can miss: the line is ended here, once.
		_ = ph.bar.Finish()
		fmt.Fprintln(p.w)
	} else {
		fmt.Fprintf(p.w, "%s: done, %d steps in %s %s\n", ph.name, ph.steps, time.Since(ph.start).Round(10*time.Millisecond), ph.fields)
	}
	p.ph = nil
}

// fields is the progress description: the per-instance loss, the lr and, for SAEs, the mean
// fraction of latents active or their L0 (values not reported yet are left out).
func fields(e run.Progress) string {
	var f []string
	if e.Loss != 0 {
		f = append(f, "loss="+fmtG(e.Loss))
	}
	if e.LR != 0 {
		f = append(f, "lr="+fmtG(e.LR))
	}
	if e.FracActive != 0 {
		f = append(f, "active="+fmtG(e.FracActive))
	}
	if e.L0 != 0 {
		f = append(f, "L0="+fmtG(e.L0))
	}
	return strings.Join(f, " ")
}

// fmtG formats a progress value with 4 significant digits.
func fmtG(x float64) string { return fmt.Sprintf("%.4g", x) }

// Steps shows one phase named name from bare step counts, for engines that report done of
// total rather than pipeline events (phase diagrams, geometry): the first call opens the
// phase, done < 0 closes it.
func (c *Console) Steps(name string) func(done, total int64) {
	started, steps := false, 0
	return func(done, total int64) {
		switch {
		case done < 0 && started:
			c.Observe(run.PhaseFinished{Phase: name, Steps: steps})
		case done >= 0 && !started:
			started, steps = true, int(total)
			c.Observe(run.PhaseStarted{Phase: name, Steps: int(total)})
			fallthrough
		case done >= 0:
			c.Observe(run.Progress{Phase: name, Step: int(done), Steps: int(total)})
		}
	}
}
