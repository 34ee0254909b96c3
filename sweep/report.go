package sweep

import (
	"math"
	"os"
	"path/filepath"

	"saelab/internal/version"
	"saelab/report"
	"saelab/store"
)

// ReportFile is the sweep report, DIR/report.html.
const ReportFile = "report.html"

// WriteReport writes the sweep's report, DIR/report.html, from DIR/sweep.db, and returns its
// path.
func WriteReport(dir string) (string, error) {
	res, err := ReadResults(dir)
	if err != nil {
		return "", err
	}
	in := res.ReportInput(dir)
	path := filepath.Join(dir, ReportFile)
	return path, report.WriteSweep(path, in)
}

// ReportInput is the report's input for the results of the sweep directory dir.
func (r *Results) ReportInput(dir string) report.SweepInput {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	in := report.SweepInput{Name: r.Meta.Name, Title: "saelab sweep: " + r.Meta.Name, Version: version.Version, Dir: abs,
		Keys: r.Meta.Keys, Cells: r.Meta.Cells, SweepFile: r.Meta.SweepFile}
	use := KindMetrics(r.Meta.Synth)
	for _, k := range use {
		m := Metrics[k]
		in.Metrics = append(in.Metrics, report.SweepMetric{Name: m.Name, Label: m.Label, Lower: m.Lower})
	}
	pick := func(vals []float64) []float64 {
		out := make([]float64, len(use))
		for i, k := range use {
			out[i] = vals[k]
		}
		return out
	}
	for _, c := range r.Cells {
		row := report.SweepRow{Cell: c.ID, Index: c.Index, Seed: c.Seed, Params: c.Params, Status: c.Status, Config: c.Config,
			Error: c.Error, WallSeconds: c.WallSeconds}
		if c.Status != "done" || len(c.Runs) == 0 {
			row.Metrics = pick(nanMetrics())
			in.Rows = append(in.Rows, row)
			continue
		}
		row.Command = redrawCommand(abs, c, r.Meta.SAE)
		for _, run := range c.Runs {
			rr := row
			rr.Run, rr.Arch, rr.WallSeconds, rr.Metrics = run.Name, run.Arch, run.WallSeconds, pick(run.Metrics)
			in.Rows = append(in.Rows, rr)
		}
	}
	return in
}

// nanMetrics is a row of absent metrics.
func nanMetrics() []float64 {
	out := make([]float64, len(Metrics))
	for k := range out {
		out[k] = math.NaN()
	}
	return out
}

// redrawCommand is the command that draws a done cell's run report: saelab report on its
// directory when it has what the report needs (a toy-model cell, or one run with --keep-logs);
// otherwise train-sae on its own config and copy of the model, which retrains its SAEs, with
// the same bits, and writes them with their data logs and report.
func redrawCommand(sweepDir string, c CellRecord, sae bool) string {
	dir := filepath.Join(sweepDir, filepath.FromSlash(c.Dir))
	if len(c.Runs) > 0 && c.Runs[0].Kind == KindSynth {
		return synthRedrawCommand(dir, c)
	}
	if !sae || (len(c.Runs) > 0 && fileExists(filepath.Join(dir, store.DataLogFile(c.Runs[0].Name)))) {
		return "saelab report " + shellQuote(dir)
	}
	return "saelab train-sae --config " + shellQuote(filepath.Join(dir, store.ConfigFile)) + " --model " + shellQuote(dir) +
		" --out " + shellQuote(dir+"-report")
}

// fileExists reports whether path exists.
func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
