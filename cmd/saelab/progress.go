package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"saelab/sae"
	"saelab/toymodel"
)

// ProgressMode says how training progress is shown.
type ProgressMode int

const (
	ProgressQuiet ProgressMode = iota // nothing
	ProgressPlain                     // one line every PlainInterval (stderr is not a terminal)
	ProgressBar                       // one progress bar per phase (stderr is a terminal)
)

// PlainInterval is how often a plain progress line is printed.
const PlainInterval = 2 * time.Second

// Progress shows training phases on a writer (stderr).
type Progress struct {
	Mode ProgressMode
	W    io.Writer
}

// NewProgress picks the mode for stderr: nothing when quiet, a bar on a terminal, plain lines
// otherwise.
func NewProgress(quiet bool) *Progress {
	switch {
	case quiet:
		return &Progress{Mode: ProgressQuiet, W: io.Discard}
	case term.IsTerminal(int(os.Stderr.Fd())):
		return &Progress{Mode: ProgressBar, W: os.Stderr}
	}
	return &Progress{Mode: ProgressPlain, W: os.Stderr}
}

// Phase is one training phase being shown. Its callbacks may be called from any goroutine.
type Phase struct {
	p      *Progress
	name   string
	steps  int
	start  time.Time
	mu     sync.Mutex
	last   time.Time
	step   int
	fields string
	bar    *progressbar.ProgressBar
}

// Start begins a phase of the given number of steps.
func (p *Progress) Start(name string, steps int) *Phase {
	ph := &Phase{p: p, name: name, steps: steps, start: time.Now()}
	ph.last = ph.start
	if p.Mode == ProgressBar {
		ph.bar = progressbar.NewOptions(steps,
			progressbar.OptionSetWriter(p.W),
			progressbar.OptionSetDescription(name),
			progressbar.OptionSetWidth(24),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("steps"),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionShowElapsedTimeOnFinish(),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetRenderBlankState(true),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(p.W) }),
		)
	}
	return ph
}

// Update records the phase's current step and its description fields.
func (ph *Phase) Update(step int, fields string) {
	if ph == nil || ph.p.Mode == ProgressQuiet {
		return
	}
	ph.mu.Lock()
	defer ph.mu.Unlock()
	ph.step, ph.fields = step, fields
	switch ph.p.Mode {
	case ProgressBar:
		ph.bar.Describe(ph.name + " " + fields)
		_ = ph.bar.Set(min(step, ph.steps))
	case ProgressPlain:
		if now := time.Now(); now.Sub(ph.last) >= PlainInterval {
			ph.last = now
			fmt.Fprintf(ph.p.W, "%s: step %d/%d (%.0f%%) %s [%s]\n", ph.name, step, ph.steps,
				100*float64(step)/float64(max(ph.steps, 1)), fields, time.Since(ph.start).Round(100*time.Millisecond))
		}
	}
}

// Done ends the phase.
func (ph *Phase) Done() {
	if ph == nil || ph.p.Mode == ProgressQuiet {
		return
	}
	ph.mu.Lock()
	defer ph.mu.Unlock()
	switch ph.p.Mode {
	case ProgressBar:
		_ = ph.bar.Finish()
	case ProgressPlain:
		fmt.Fprintf(ph.p.W, "%s: done, %d steps in %s %s\n", ph.name, ph.steps, time.Since(ph.start).Round(10*time.Millisecond), ph.fields)
	}
}

// Toy is the toymodel.Train progress callback.
func (ph *Phase) Toy() func(toymodel.Progress) {
	if ph == nil || ph.p.Mode == ProgressQuiet {
		return nil
	}
	return func(pr toymodel.Progress) {
		var f []string
		if pr.Loss != 0 {
			f = append(f, "loss="+fmtG(pr.Loss))
		}
		f = append(f, "lr="+fmtG(pr.LR))
		ph.Update(pr.Step, strings.Join(f, " "))
	}
}

// SAE is the sae.Train progress callback: loss, lr and mean frac_active as the reference's
// tqdm postfix (values the engine has not reported yet are left out).
func (ph *Phase) SAE() func(sae.Progress) {
	if ph == nil || ph.p.Mode == ProgressQuiet {
		return nil
	}
	return func(pr sae.Progress) {
		f := []string{"loss=" + fmtG(pr.Loss), "lr=" + fmtG(pr.LR)}
		if pr.FracActive != 0 {
			f = append(f, "frac_active="+fmtG(pr.FracActive))
		}
		if pr.LReconstruction != 0 || pr.LSparsity != 0 {
			f = append(f, "L_rec="+fmtG(pr.LReconstruction), "L_sp="+fmtG(pr.LSparsity))
		}
		ph.Update(pr.Step, strings.Join(f, " "))
	}
}

func fmtG(x float64) string { return fmt.Sprintf("%.4g", x) }
