package console

import (
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"saelab/report"
	"saelab/run"
	"saelab/sae"
)

// Console is a run.Observer that writes to a terminal.
type Console struct {
	out   io.Writer // results
	quiet bool
	prog  *progress // nil when quiet
	runs  []line    // finished SAE runs, for the comparison table
}

// line is one finished SAE run's comparison line.
type line struct {
	name, arch, settings string
	mono, n              int
	m                    means
	wall                 float64
}

type means struct{ l0, lrec, ev, mmcs, dead, slope, l2 float64 }

// New returns a console writing results to out and progress to errw (a bar when errIsTerminal).
// quiet prints nothing but the report's path.
func New(out, errw io.Writer, errIsTerminal, quiet bool) *Console {
	c := &Console{out: out, quiet: quiet}
	if !quiet {
		c.prog = &progress{w: errw, bar: errIsTerminal}
	}
	return c
}

// Observe shows one pipeline event.
func (c *Console) Observe(e run.Event) {
	if c.prog != nil {
		switch e := e.(type) {
		case run.PhaseStarted:
			c.prog.started(e)
		case run.Progress:
			c.prog.update(e)
		case run.PhaseFinished:
			c.prog.finished(e)
		}
	}
	switch e := e.(type) {
	case run.DirCreated:
		c.printf("run directory: %s\n", abs(e.Path))
		if !e.Single {
			c.printf("(losses are per instance; progress shows their mean over the instances)\n")
		}
	case run.ModelFinished:
		c.model(e.Result)
	case run.SAEFinished:
		c.sae(e.Result)
	case run.SynthTrained:
		c.synth(e.Result)
	case run.Finished:
		c.finished(e)
	}
}

// printf prints unless quiet.
func (c *Console) printf(format string, args ...any) {
	if !c.quiet {
		fmt.Fprintf(c.out, format, args...)
	}
}

// abs is path made absolute, so that every path prints the same way.
func abs(path string) string {
	if a, err := filepath.Abs(path); err == nil {
		return a
	}
	return path
}

// model prints the toy model's one-line result.
func (c *Console) model(r run.ModelResult) {
	cfg := r.Model.Cfg
	c.printf("%s: %d × %d features → %d dims, %d steps in %.2f s, loss %.4g\n",
		run.ModelRunName, cfg.NInst, cfg.NFeatures, cfg.DHidden, r.Steps, r.WallSeconds, r.FinalLoss())
}

// sae prints an SAE run's line and its per-instance table, and keeps its comparison line.
func (c *Console) sae(r *run.SAEResult) {
	rs := r.RunSummary()
	m := rs.Means()
	c.runs = append(c.runs, line{name: r.Config.Name, arch: r.Config.SAE.Arch, settings: sae.Describe(r.Config.SAE, r.Config.Train),
		mono: r.Eval.Monosemantic, n: len(r.Eval.Instances), wall: r.WallSeconds,
		m: means{l0: m.L0, lrec: m.LReconstruction, ev: m.ExtraMean("explained_variance"), mmcs: m.MMCS, dead: m.DeadLatents,
			slope: m.ExtraMean("shrinkage_slope"), l2: m.ExtraMean("l2_ratio")}})
	if c.quiet {
		return
	}
	w := c.out
	fmt.Fprintf(w, "%s: %s SAE, resample %s, %d steps in %.2f s\n",
		r.Config.Name, r.Config.SAE.Arch, r.Config.Train.Resample, r.Config.Train.Steps, r.WallSeconds)
	fmt.Fprintf(w, "  %4s %10s %10s %10s %7s %5s %7s %9s %5s\n", "inst", "loss", "L_rec", "L_sp", "L0", "dead", "MMCS", "recovered", "mono")
	F := r.SAE.Model.Cfg.NFeatures
	for _, in := range r.Eval.Instances {
		mono := "no"
		if in.Recovery.Monosemantic {
			mono = "yes"
		}
		fmt.Fprintf(w, "  %4d %10.4g %10.4g %10.4g %7.4f %5d %7.4f %6d/%-2d %5s\n", in.Index, in.Loss, in.LReconstruction,
			in.LSparsity, in.L0, in.DeadLatents, in.Recovery.MMCS, in.Recovery.Recovered, F, mono)
	}
	fmt.Fprintf(w, "  monosemantic instances %d/%d, mean MMCS %.4f\n", r.Eval.Monosemantic, len(r.Eval.Instances), r.Eval.MeanMMCS)
}

// finished prints the comparison table of a compare run and where the report is.
func (c *Console) finished(e run.Finished) {
	if e.Summary.Command == report.CompareCommand && !c.quiet {
		fmt.Fprintln(c.out)
		c.comparison()
	}
	switch {
	case e.Report == "" && c.quiet:
		fmt.Fprintln(c.out, abs(e.Dir))
	case e.Report == "":
		fmt.Fprintf(c.out, "run directory: %s\n", abs(e.Dir))
	case c.quiet:
		fmt.Fprintln(c.out, abs(e.Report))
	default:
		fmt.Fprintf(c.out, "report: %s\n", abs(e.Report))
	}
}

// comparison prints one line per finished SAE run.
func (c *Console) comparison() {
	nameW, archW, setW := len("run"), 10, len("settings") // arch: at least the width of the longer names before matching_pursuit
	for _, r := range c.runs {
		nameW = max(nameW, len(r.name))
		archW = max(archW, len(r.arch))
		setW = max(setW, len([]rune(r.settings)))
	}
	f := func(v float64, prec int) string {
		if math.IsNaN(v) {
			return "–"
		}
		return strconv.FormatFloat(v, 'f', prec, 64)
	}
	fmt.Fprintf(c.out, "%-*s  %-*s  %-*s  %6s  %10s  %6s  %6s  %5s  %5s  %6s  %6s  %7s\n", nameW, "run", archW, "arch", setW, "settings",
		"L0", "L_rec", "EV", "MMCS", "mono", "dead", "slope", "l2", "wall")
	for _, r := range c.runs {
		set := r.settings + strings.Repeat(" ", setW-len([]rune(r.settings)))
		fmt.Fprintf(c.out, "%-*s  %-*s  %s  %6s  %10.4g  %6s  %6s  %5s  %5s  %6s  %6s  %6.1fs\n", nameW, r.name, archW, r.arch, set,
			f(r.m.l0, 4), r.m.lrec, f(r.m.ev, 3), f(r.m.mmcs, 4), fmt.Sprintf("%d/%d", r.mono, r.n), f(r.m.dead, 2),
			f(r.m.slope, 3), f(r.m.l2, 3), r.wall)
	}
}
