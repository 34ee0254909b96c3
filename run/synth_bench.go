package run

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"saelab/report"
	"saelab/sae/wide"
	"saelab/store"
	"saelab/synth"
)

// Files of a synth bench directory (besides model/, one directory per architecture,
// report.md and report.html).
const (
	SynthModelDir   = "model"
	SynthBenchTable = "bench.csv"
)

// SynthBenchOptions is a benchmark of several architectures at one L0 on one preset.
type SynthBenchOptions struct {
	Preset     string
	ConfigFile string // YAML overrides of the preset ("" for none; see SynthConfig)
	Out        string
	Archs      []string // nil: wide.Archs
	// Width, TargetL0, Samples, EvalSamples, Seed and AutotuneTimeScale are
	// SynthTrainOptions' (0: its defaults).
	Width             int
	TargetL0          float64
	Samples           int64
	EvalSamples       int
	Seed              uint64
	AutotuneTimeScale float64
	Observer          Observer
}

// SynthBenchRow is one architecture's line of the benchmark: its result, or why it failed.
type SynthBenchRow struct {
	Arch   string
	Result *SynthTrainResult
	Error  string
}

// SynthBench builds the preset's model into Out/model, trains and evaluates one SAE per
// architecture into Out/<arch> (see SynthTrain), and writes the table to Out/report.md,
// Out/report.html and Out/bench.csv, rewritten after every architecture so that an
// interrupted bench keeps what it finished. An architecture that fails is listed with its error and the bench goes on;
// cancelling ctx stops it.
func SynthBench(ctx context.Context, o SynthBenchOptions) ([]SynthBenchRow, error) {
	if o.Observer == nil {
		o.Observer = nop{}
	}
	archs := o.Archs
	if len(archs) == 0 {
		archs = wide.Archs
	}
	for _, a := range archs {
		if !slices.Contains(wide.Archs, a) {
			return nil, fmt.Errorf("--archs: %q: must be among %v", a, wide.Archs)
		}
	}
	if o.Width < 0 || !(o.TargetL0 >= 0) || o.Samples < 0 || o.EvalSamples < 0 { // before the model is built
		return nil, fmt.Errorf("--width %d, --target-l0 %g, --samples %d, --eval-samples %d: none may be negative (0: the defaults)",
			o.Width, o.TargetL0, o.Samples, o.EvalSamples)
	}
	cfg, err := SynthConfigFile(o.Preset, o.ConfigFile)
	if err != nil {
		return nil, err
	}
	if o.Out == "" {
		return nil, fmt.Errorf("--out: an output directory is required")
	}
	lock, err := store.ClaimDir(o.Out, true)
	if err != nil {
		return nil, fmt.Errorf("--out %s: %w; choose another directory", o.Out, err)
	}
	defer lock.Release()
	o.Observer.Observe(DirCreated{Path: o.Out, Single: true})
	m, err := synthBuild(cfg, filepath.Join(o.Out, SynthModelDir), o.Observer)
	if err != nil {
		return nil, err
	}
	mp, err := synthModelPart(m)
	if err != nil {
		return nil, err
	}
	var rows []SynthBenchRow
	for _, arch := range archs {
		r, err := SynthTrain(ctx, SynthTrainOptions{Model: m, ModelDir: SynthModelDir, Out: filepath.Join(o.Out, arch), Arch: arch,
			Width: o.Width, TargetL0: o.TargetL0, Samples: o.Samples, EvalSamples: o.EvalSamples, Seed: o.Seed, AutotuneTimeScale: o.AutotuneTimeScale, Observer: benchObserver{o.Observer}, modelStats: mp})
		row := SynthBenchRow{Arch: arch, Result: r}
		if err != nil {
			if ctx.Err() != nil {
				return rows, err
			}
			row.Error = err.Error()
		}
		rows = append(rows, row)
		if err := writeSynthBench(o.Out, o.Preset, rows, m, mp); err != nil {
			return rows, err
		}
		if r != nil {
			o.Observer.Observe(SynthTrained{Result: r})
		}
	}
	o.Observer.Observe(Finished{Dir: o.Out, Report: filepath.Join(o.Out, SynthHTMLFile)})
	return rows, nil
}

// benchObserver passes a bench's SAE runs' progress on, without their own directory and
// completion events (the bench reports each row itself).
type benchObserver struct{ o Observer }

// Observe forwards the phase events.
func (b benchObserver) Observe(e Event) {
	switch e.(type) {
	case PhaseStarted, Progress, PhaseFinished:
		b.o.Observe(e)
	}
}

// writeSynthBench writes the table as report.md, report.html (with the statistics mp of the
// model m; either may be nil) and bench.csv.
func writeSynthBench(dir, preset string, rows []SynthBenchRow, m *synth.Model, mp *report.SynthModel) error {
	var first *SynthTrainResult
	for _, r := range rows {
		if r.Result != nil {
			first = r.Result
			break
		}
	}
	md := synthMarkdown("Synthetic benchmark, preset "+preset, first, rows)
	if err := store.WriteFileAtomic(filepath.Join(dir, SynthReportFile), md, 0o644); err != nil {
		return err
	}
	if err := writeSynthBenchHTML(dir, preset, first, rows, m, mp); err != nil {
		return err
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(append(synthColumns, "error"))
	for _, r := range rows {
		_ = w.Write(append(synthCells(r, 6), r.Error))
	}
	w.Flush()
	return store.WriteFileAtomic(filepath.Join(dir, SynthBenchTable), b.Bytes(), 0o644)
}

// synthColumns are the table's columns.
var synthColumns = []string{"arch", "L0", "explained variance", "MCC", "uniqueness", "F1", "precision", "recall", "dead latents", "seconds"}

// synthCells is a row's cells with prec digits (empty numbers for a failed row).
func synthCells(r SynthBenchRow, prec int) []string {
	out := []string{r.Arch}
	if r.Result == nil {
		return append(out, make([]string, len(synthColumns)-1)...)
	}
	m := r.Result.Metrics
	for _, v := range []float64{m.SAEL0, m.ExplainedVariance, m.MCC, m.Uniqueness, m.F1, m.Precision, m.Recall} {
		out = append(out, strconv.FormatFloat(v, 'f', prec, 64))
	}
	return append(out, strconv.Itoa(m.DeadLatents), strconv.FormatFloat(r.Result.Seconds(), 'f', 1, 64))
}

// synthMarkdown is a report: a heading, the common settings of the runs (from r, may be nil)
// and the table.
func synthMarkdown(title string, r *SynthTrainResult, rows []SynthBenchRow) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", title)
	if r != nil {
		fmt.Fprintf(&b, "Width %d, target L0 %g, %d training samples (%d steps of %d, lr %g), evaluated on %d held-out samples (true L0 %.2f). saelab %s, %s.\n\n",
			r.Width, r.TargetL0, r.Samples, r.Steps, r.Batch, r.LR, r.Metrics.Samples, r.Metrics.TrueL0, r.Version, time.Now().UTC().Format("2006-01-02"))
	}
	b.WriteString("| " + strings.Join(synthColumns, " | ") + " |\n|")
	for range synthColumns {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, row := range rows {
		cells := synthCells(row, 3)
		if row.Error != "" {
			cells[1] = "failed: " + strings.ReplaceAll(row.Error, "|", "/")
		}
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	return []byte(b.String())
}
