package console

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"saelab/sweep"
)

// SweepObserver shows a sweep on a terminal: one progress bar for its cells (cells done of the
// cells to run, with the ETA), or a plain line every PlainInterval when stderr is not a
// terminal; each failed cell as it fails; and a closing line. Everything goes to w (stderr).
type SweepObserver struct {
	w     io.Writer
	bar   bool
	quiet bool

	mu    sync.Mutex
	start time.Time
	last  time.Time
	keys  []string
	name  string
	total int
	pb    *progressbar.ProgressBar
}

// NewSweep returns the observer; bar draws a progress bar (w is a terminal); quiet prints
// failures and the closing line only.
func NewSweep(w io.Writer, bar, quiet bool) *SweepObserver {
	return &SweepObserver{w: w, bar: bar, quiet: quiet}
}

// Observe handles one sweep event.
func (o *SweepObserver) Observe(e sweep.Event) {
	o.mu.Lock()
	defer o.mu.Unlock()
	switch e := e.(type) {
	case sweep.Started:
		o.started(e)
	case sweep.CellFinished:
		if e.Err != nil {
			o.clear()
			fmt.Fprintf(o.w, "cell %s (%s) failed: %v\n", e.Cell.ID, e.Cell.Describe(o.keys), e.Err)
		}
		o.progress(e.Ran+e.Failed, e.Failed)
	case sweep.Finished:
		if o.pb != nil {
			_ = o.pb.Finish()
			o.pb = nil
		}
		what := "done"
		if e.Interrupted {
			what = "interrupted"
		}
		fmt.Fprintf(o.w, "sweep %s %s: %d cells done, %d failed, %d left, in %s\n", o.name, what, e.Ran, e.Failed, e.Left,
			time.Duration(e.Seconds*float64(time.Second)).Round(100*time.Millisecond))
	}
}

// started opens the bar.
func (o *SweepObserver) started(e sweep.Started) {
	o.start, o.last, o.keys, o.total = time.Now(), time.Now(), e.Keys, e.ToRun
	o.name = e.Name
	if e.Shard.Count > 0 {
		o.name += " (shard " + e.Shard.String() + ")"
	}
	fmt.Fprintf(o.w, "sweep %s: %d cells; %d done before, %d to run, %d at a time\n", o.name, e.Own, e.Done, e.ToRun, e.Jobs)
	if o.bar && !o.quiet && e.ToRun > 0 {
		o.pb = progressbar.NewOptions(e.ToRun,
			progressbar.OptionSetWriter(o.w),
			progressbar.OptionSetDescription("cells"),
			progressbar.OptionSetWidth(30),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionShowElapsedTimeOnFinish(),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(o.w) }),
		)
	}
}

// progress moves the bar, or prints a plain line every PlainInterval.
func (o *SweepObserver) progress(n, failed int) {
	if o.pb != nil {
		if failed > 0 {
			o.pb.Describe(fmt.Sprintf("cells (%d failed)", failed))
		}
		_ = o.pb.Set(n)
		return
	}
	if o.quiet || time.Since(o.last) < PlainInterval && n < o.total {
		return
	}
	o.last = time.Now()
	el := time.Since(o.start)
	eta := time.Duration(float64(el) / float64(max(n, 1)) * float64(o.total-n))
	fmt.Fprintf(o.w, "sweep %s: %d/%d cells (%.0f%%), %d failed, %s elapsed, ETA %s\n", o.name, n, o.total,
		100*float64(n)/float64(max(o.total, 1)), failed, el.Round(time.Second), eta.Round(time.Second))
}

// clear moves the bar out of the way of a message.
func (o *SweepObserver) clear() {
	if o.pb != nil {
		_ = o.pb.Clear()
	}
}
