package main

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"

	"saelab/metrics"
	"saelab/report"
	"saelab/sae"
	"saelab/store"
	"saelab/toymodel"
)

// Seed-derived stream keys of the report's own samples (distinct from the engine's purposes).
const (
	purposeReportHidden    uint64 = 0x5e1ab001
	purposeReportShrinkage uint64 = 0x5e1ab002
)

// Sample sizes of the report's figures.
const (
	ReportHiddenSamples    = 512   // hidden-state scatter (spec §7.1: 200–512 points)
	ReportShrinkageSamples = 16384 // drawn per SAE; only samples with an active feature are plotted
	ReportBestInstances    = 4     // animated instances of gated and jumprelu runs (spec §9.3), and of every compare run
)

// BuildReportInput reads a run directory (summary.json; config.yaml, model.safetensors,
// metrics.jsonl, and each SAE run's datalog-<run> and sae-<run> files where present) and
// assembles the report. It never retrains; the only computation is forward passes on fresh
// samples for the hidden-state scatter and the shrinkage scatter, seeded by summary.json's seed.
// A compare directory (summary.json "command": "compare") also gets the comparison table,
// recomputed from the summary's instances and each SAE file's configs, and animates the best
// instances of every run.
func BuildReportInput(dir string) (report.Input, error) {
	sum, err := store.ReadSummary(filepath.Join(dir, store.SummaryFile))
	if err != nil {
		return report.Input{}, err
	}
	abs, _ := filepath.Abs(dir)
	in := report.Input{Title: "saelab: " + filepath.Base(abs), Version: Version, Seed: sum.Seed}
	if sum.Version != Version {
		in.Version = fmt.Sprintf("%s (run written by %s)", Version, sum.Version)
	}
	if b, err := os.ReadFile(filepath.Join(dir, store.ConfigFile)); err == nil {
		in.ConfigYAML = string(b)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return report.Input{}, err
	}
	var rows []map[string]any
	if _, err := os.Stat(filepath.Join(dir, store.MetricsFile)); err == nil {
		if rows, err = store.ReadMetricsJSONL(filepath.Join(dir, store.MetricsFile)); err != nil {
			return report.Input{}, err
		}
	}

	var model *toymodel.Model
	modelFile := filepath.Join(dir, store.ModelFile)
	if _, err := os.Stat(modelFile); err == nil {
		if model, _, err = LoadModel(modelFile); err != nil {
			return report.Input{}, err
		}
		in.Model = toyModelInput(model, sum, rows)
	}

	compare := sum.Command == CompareCommand
	var shrink report.Shrinkage
	var shrinkNames []string
	settings := map[string]string{}
	for _, rs := range sum.Runs {
		if rs.Kind != store.KindSAE {
			continue
		}
		run, log, err := saeRunInput(dir, rs, model, compare)
		if err != nil {
			return report.Input{}, err
		}
		in.Runs = append(in.Runs, run)
		saeFile := filepath.Join(dir, store.SAEFile(rs.Name))
		if model == nil {
			continue
		}
		if _, err := os.Stat(saeFile); err != nil {
			continue
		}
		s, tc, err := LoadSAE(saeFile, model)
		if err != nil {
			return report.Input{}, err
		}
		settings[rs.Name] = DescribeRun(s.Cfg, tc)
		if model.Cfg.NFeatures < 2 {
			continue
		}
		if se, ok := shrinkageSeries(rs.Name, s, log, sum.Seed); ok {
			shrink.Series = append(shrink.Series, se)
			shrinkNames = append(shrinkNames, rs.Name)
		}
	}
	if len(shrink.Series) > 0 {
		// Spec §7.6: "Act vs Reconstructed Act for {names joined by ' & '}" (the legend names
		// each series' best instance).
		shrink.Title = "Act vs Reconstructed Act for " + strings.Join(shrinkNames, " & ")
		in.Shrinkage = &shrink
	}
	if compare {
		in.Comparison = ComparisonRows(sum, settings)
	}
	return in, nil
}

// WriteReport renders the report of a run directory into its report.html and returns the path.
func WriteReport(dir string) (string, error) {
	in, err := BuildReportInput(dir)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, store.ReportFile)
	if err := report.WriteFile(path, in); err != nil {
		return "", err
	}
	return path, nil
}

func toyModelInput(m *toymodel.Model, sum store.Summary, rows []map[string]any) *report.ToyModel {
	I, F := m.Cfg.NInst, m.Cfg.NFeatures
	tm := &report.ToyModel{NInst: I, NFeatures: F, DHidden: m.Cfg.DHidden, W: m.W,
		Importance: m.Importance, FeatureProbability: m.FeatureProbability}
	bt := toymodel.NewBatch(ReportHiddenSamples, I, F)
	m.Generate(ReportHiddenSamples, toymodel.Streams(sum.Seed, purposeReportHidden, I), bt)
	tm.Hidden = m.Hidden(bt.Dense(), ReportHiddenSamples)
	tm.NHidden = ReportHiddenSamples
	for _, rs := range sum.Runs {
		if rs.Kind == store.KindToyModel && rs.FinalLoss != nil {
			tm.FinalLoss = *rs.FinalLoss
		}
	}
	for _, r := range rows {
		if r["run"] != ToyModelRunName {
			continue
		}
		step, ok1 := r["step"].(float64)
		loss, ok2 := r["loss"].(float64)
		if ok1 && ok2 {
			tm.LossCurve = append(tm.LossCurve, report.Point{X: step, Y: loss})
		}
	}
	return tm
}

// bestInstancesArchs are the architectures whose animation shows only the best instances.
var bestInstancesArchs = map[string]bool{"gated": true, "jumprelu": true}

// AnimationRows are the animation rows of an architecture, as the reference draws them (spec
// §3, §4): gated W_gate, _W_dec, h, h_r; jumprelu W_enc, h, h_r; every other W_enc, _W_dec,
// h, h_r.
func AnimationRows(arch string) []string {
	switch arch {
	case "gated":
		return []string{"W_gate", "_W_dec", "h", "h_r"}
	case "jumprelu":
		return []string{"W_enc", "h", "h_r"}
	}
	return []string{"W_enc", "_W_dec", "h", "h_r"}
}

// saeRunInput builds one SAE run of the report from its data log and summary entry. The
// animation shows the best ReportBestInstances instances (spec §6.6, on the run's own log) for
// gated and jumprelu runs, and for every run when best is set.
func saeRunInput(dir string, rs store.RunSummary, model *toymodel.Model, best bool) (report.SAERun, sae.DataLog, error) {
	log, err := store.ReadDataLog(filepath.Join(dir, store.DataLogFile(rs.Name)))
	if err != nil {
		return report.SAERun{}, log, err
	}
	I, D, S := log.NInst, log.DIn, log.DSAE
	run := report.SAERun{Name: rs.Name, Arch: rs.Arch, Resample: rs.Resample, NInst: I, DIn: D, DSAE: S,
		SampleSize: log.SampleSize, WallSeconds: rs.WallSeconds}
	if model != nil {
		var sum float64
		for _, p := range model.FeatureProbability {
			sum += p
		}
		run.FeatureProbability = sum / float64(len(model.FeatureProbability))
	}
	enc := "W_enc"
	if len(log.Records) > 0 {
		if _, ok := log.Records[0].Params["W_enc"]; !ok {
			if _, ok := log.Records[0].Params["W_gate"]; ok {
				enc = "W_gate"
			}
		}
	}
	run.Rows = AnimationRows(rs.Arch)
	if run.Rows[0] != enc { // an arch this build does not know: its encoder with the default rows
		run.Rows = []string{enc, "_W_dec", "h", "h_r"}
	}
	losses := make([][]float64, len(log.Records))
	for t, rec := range log.Records {
		fr := report.Frame{Step: rec.Step, FracActive: rec.FracActive, H: rec.H, HR: rec.HR, Loss: rec.Loss,
			Weights: map[string][]float64{}}
		if w, ok := rec.Params[enc]; ok {
			fr.Weights[enc] = w
		}
		if w, ok := rec.Params["_W_dec"]; ok {
			fr.Weights["_W_dec"] = w
		} else if w, ok := rec.Params[enc]; ok { // tied: W_dec = W_encᵀ (W_gateᵀ for gated)
			fr.Weights["_W_dec"] = transposeInstances(w, I, D, S)
		}
		losses[t] = rec.Loss
		run.Frames = append(run.Frames, fr)
	}
	if (best || bestInstancesArchs[rs.Arch]) && I > ReportBestInstances {
		run.Instances = metrics.BestInstances(losses, log.SampleSize, I, ReportBestInstances)
	}
	for _, is := range rs.Instances {
		run.Table = append(run.Table, report.InstanceRow{Index: is.Index, Loss: is.Loss, LReconstruction: is.LReconstruction,
			LSparsity: is.LSparsity, L0: is.L0, MMCS: is.MMCS, DeadLatents: is.DeadLatents,
			RecoveredFeatures: is.RecoveredFeatures, Monosemantic: is.Monosemantic, Extra: is.Extra})
	}
	return run, log, nil
}

// transposeInstances turns [I][D][S] into [I][S][D].
func transposeInstances(w []float64, I, D, S int) []float64 {
	out := make([]float64, len(w))
	for i := 0; i < I; i++ {
		for d := 0; d < D; d++ {
			for j := 0; j < S; j++ {
				out[(i*S+j)*D+d] = w[(i*D+d)*S+j]
			}
		}
	}
	return out
}

// shrinkageSeries is the Figure-15 scatter of one SAE (spec §7.6 part 2): its best instance by
// its own data log; the latent with the largest mean activation where feature 1 is active; that
// latent's activation divided by ‖W[best][:,1]‖ against x₁, over samples with an active feature.
func shrinkageSeries(name string, s *sae.SAE, log sae.DataLog, seed uint64) (report.ShrinkSeries, bool) {
	I, S := s.Cfg.NInst, s.Cfg.DSAE
	H, F := s.Model.Cfg.DHidden, s.Model.Cfg.NFeatures
	losses := make([][]float64, len(log.Records))
	for t, rec := range log.Records {
		losses[t] = rec.Loss
	}
	best := metrics.BestInstances(losses, log.SampleSize, I, 1)
	if len(best) == 0 {
		return report.ShrinkSeries{}, false
	}
	i := best[0]
	const feat, active = 1, 1e-4
	N := ReportShrinkageSamples
	x, h := s.GenerateWithFeatures(N, toymodel.Streams(seed, purposeReportShrinkage, I))
	acts := s.Forward(h, N).Acts
	mean := make([]float64, S)
	n := 0
	for b := 0; b < N; b++ {
		if x[(b*I+i)*F+feat] > active {
			n++
			for j := 0; j < S; j++ {
				mean[j] += acts[(b*I+i)*S+j]
			}
		}
	}
	if n == 0 {
		return report.ShrinkSeries{}, false
	}
	j := 0
	for k := range mean {
		if mean[k] > mean[j] {
			j = k
		}
	}
	var wn float64
	for d := 0; d < H; d++ {
		w := s.Model.W[(i*H+d)*F+feat]
		wn += w * w
	}
	wn = math.Sqrt(wn)
	se := report.ShrinkSeries{Name: fmt.Sprintf("%s (inst %d)", name, i)}
	for b := 0; b < N; b++ {
		any := false
		for f := 0; f < F; f++ {
			any = any || x[(b*I+i)*F+f] > active
		}
		if any {
			se.X = append(se.X, x[(b*I+i)*F+feat])
			se.Y = append(se.Y, acts[(b*I+i)*S+j]/wn)
		}
	}
	return se, true
}
