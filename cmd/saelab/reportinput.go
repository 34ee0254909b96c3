package main

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"saelab/metrics"
	"saelab/report"
	"saelab/rng"
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
	return buildReportInput(dir, nil)
}

// buildReportInput is BuildReportInput with the report's parts of the SAE runs whose files
// this process wrote (RunDir.reportRuns): those runs' data logs are not read back, and their
// shrinkage series are not recomputed. The input is the same either way.
func buildReportInput(dir string, parts map[string]*reportRun) (report.Input, error) {
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
		part := parts[rs.Name]
		if part == nil || part.compare != compare || part.arch != rs.Arch {
			log, err := store.ReadDataLog(filepath.Join(dir, store.DataLogFile(rs.Name)))
			if err != nil {
				return report.Input{}, err
			}
			if part, err = newReportRun(rs.Name, rs.Arch, log, compare); err != nil {
				return report.Input{}, err
			}
		}
		in.Runs = append(in.Runs, saeRunInput(rs, part, model))
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
		se, ok := part.shrink, part.shrink != nil
		if !part.shrinkDone {
			var s1 report.ShrinkSeries
			if s1, ok = shrinkageSeries(rs.Name, s, part.best, sum.Seed); ok {
				se = &s1
			}
		}
		if ok {
			shrink.Series = append(shrink.Series, *se)
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
	return writeReport(dir, nil)
}

// WriteReport is WriteReport with the report's parts of the runs d wrote (buildReportInput).
func (d *RunDir) WriteReport() (string, error) {
	d.mu.Lock()
	parts := d.reportRuns
	d.mu.Unlock()
	return writeReport(d.Path, parts)
}

func writeReport(dir string, parts map[string]*reportRun) (string, error) {
	markPhase("(before the report)")
	in, err := buildReportInput(dir, parts)
	if err != nil {
		return "", err
	}
	markPhase("report input")
	path := filepath.Join(dir, store.ReportFile)
	if err := report.WriteFile(path, in); err != nil {
		return "", err
	}
	markPhase("report render+write")
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

// reportRun is the report's part of an SAE run's data log: the run's frames, compacted
// (report.SAERun.Compact), and the run's best instance (spec §6.6), plus, once computed, its
// shrinkage series. newReportRun makes it from the log, which it does not keep.
type reportRun struct {
	arch       string
	compare    bool          // made for a compare directory (best instances of every run animated)
	run        report.SAERun // the log's part: dimensions, rows, frames, animated instances
	best       int           // the best instance by the log's losses; -1 if none
	shrink     *report.ShrinkSeries
	shrinkDone bool // shrink is computed (nil: the run has no shrinkage series)
}

// newReportRun builds one SAE run's part of the report from its data log (as the data-log file
// holds it). The animation shows the best ReportBestInstances instances (spec §6.6, on the
// run's own log) for gated and jumprelu runs, and for every run when best is set.
func newReportRun(name, arch string, log sae.DataLog, best bool) (*reportRun, error) {
	I, D, S := log.NInst, log.DIn, log.DSAE
	run := report.SAERun{Name: name, Arch: arch, NInst: I, DIn: D, DSAE: S, SampleSize: log.SampleSize}
	enc := "W_enc"
	if len(log.Records) > 0 {
		if _, ok := log.Records[0].Params["W_enc"]; !ok {
			if _, ok := log.Records[0].Params["W_gate"]; ok {
				enc = "W_gate"
			}
		}
	}
	run.Rows = AnimationRows(arch)
	if run.Rows[0] != enc { // an arch this build does not know: its encoder with the default rows
		run.Rows = []string{enc, "_W_dec", "h", "h_r"}
	}
	// The ranking reads the last records' losses only (metrics.RankingRecords).
	var losses [][]float64
	for _, rec := range log.Records[max(0, len(log.Records)-metrics.RankingRecords):] {
		l := make([]float64, len(rec.Loss))
		for k, v := range rec.Loss {
			l[k] = float64(v)
		}
		losses = append(losses, l)
	}
	for _, rec := range log.Records {
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
		run.Frames = append(run.Frames, fr)
	}
	if (best || bestInstancesArchs[arch]) && I > ReportBestInstances {
		run.Instances = metrics.BestInstances(losses, log.SampleSize, I, ReportBestInstances)
	}
	part := &reportRun{arch: arch, compare: best, best: -1}
	if b := metrics.BestInstances(losses, log.SampleSize, I, 1); len(b) > 0 {
		part.best = b[0]
	}
	if err := run.Compact(); err != nil {
		return nil, err
	}
	// The weights alias the log's parameters: copy them, so the log can go.
	for t := range run.Frames {
		for k, w := range run.Frames[t].Weights {
			run.Frames[t].Weights[k] = slices.Clone(w)
		}
		run.Frames[t].FracActive = slices.Clone(run.Frames[t].FracActive)
	}
	part.run = run
	return part, nil
}

// saeRunInput is one SAE run of the report: its log's part and its summary entry.
func saeRunInput(rs store.RunSummary, part *reportRun, model *toymodel.Model) report.SAERun {
	run := part.run
	run.Name, run.Arch, run.Resample, run.WallSeconds = rs.Name, rs.Arch, rs.Resample, rs.WallSeconds
	if model != nil {
		var sum float64
		for _, p := range model.FeatureProbability {
			sum += p
		}
		run.FeatureProbability = sum / float64(len(model.FeatureProbability))
	}
	for _, is := range rs.Instances {
		run.Table = append(run.Table, report.InstanceRow{Index: is.Index, Loss: is.Loss, LReconstruction: is.LReconstruction,
			LSparsity: is.LSparsity, L0: is.L0, MMCS: is.MMCS, DeadLatents: is.DeadLatents,
			RecoveredFeatures: is.RecoveredFeatures, Monosemantic: is.Monosemantic, Extra: is.Extra})
	}
	return run
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

// shrinkageSeries is the Figure-15 scatter of one SAE (spec §7.6 part 2): its best instance i
// by its own data log (none if i < 0); the latent with the largest mean activation where
// feature 1 is active; that latent's activation divided by ‖W[best][:,1]‖ against x₁, over
// samples with an active feature.
func shrinkageSeries(name string, s *sae.SAE, i int, seed uint64) (report.ShrinkSeries, bool) {
	S := s.Cfg.DSAE
	H, F := s.Model.Cfg.DHidden, s.Model.Cfg.NFeatures
	if i < 0 {
		return report.ShrinkSeries{}, false
	}
	const feat, active = 1, 1e-4
	N := ReportShrinkageSamples
	// Instance i alone: its samples as GenerateWithFeatures draws them (from stream i, made
	// dense, h = W[0]·x as Model.Hidden sums it) through the SAE's instance i on its own
	// (instanceSAE): the numbers of the whole batch's instance i, for 1/I of the work.
	var ib toymodel.InstBatch
	s.Model.GenerateInstance(i, N, rng.New(seed, purposeReportShrinkage, uint64(i)), &ib)
	x := make([]float64, N*F) // [N][F]
	for k, b := range ib.Sample {
		for e := ib.Start[k]; e < ib.Start[k+1]; e++ {
			x[int(b)*F+int(ib.Feat[e])] = ib.Val[e]
		}
	}
	h := make([]float64, N*H) // [N][1][H]
	for b := 0; b < N; b++ {
		for hh := 0; hh < H; hh++ {
			var sum float64
			for f, w := range s.Model.W[hh*F : (hh+1)*F] {
				sum += w * x[b*F+f]
			}
			h[b*H+hh] = sum
		}
	}
	one, err := instanceSAE(s, i)
	if err != nil {
		return report.ShrinkSeries{}, false
	}
	acts := one.Forward(h, N).Acts // [N][1][S]
	mean := make([]float64, S)
	n := 0
	for b := 0; b < N; b++ {
		if x[b*F+feat] > active {
			n++
			for j := 0; j < S; j++ {
				mean[j] += acts[b*S+j]
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
			any = any || x[b*F+f] > active
		}
		if any {
			se.X = append(se.X, x[b*F+feat])
			se.Y = append(se.Y, acts[b*S+j]/wn)
		}
	}
	return se, true
}

// instanceSAE returns a one-instance SAE with s's instance i: its config with n_inst 1, on a
// one-instance copy of s's toy model (instance i's row; every SAE instance reads W[0], which
// sae.New copies to every instance), with instance i's parameters and state.
func instanceSAE(s *sae.SAE, i int) (*sae.SAE, error) {
	m := s.Model
	H, F := m.Cfg.DHidden, m.Cfg.NFeatures
	mc := m.Cfg
	mc.NInst = 1
	m1, err := toymodel.FromWeights(mc, toymodel.Full(m.Importance[i*F:(i+1)*F]), toymodel.Full(m.FeatureProbability[i*F:(i+1)*F]),
		m.W[i*H*F:(i+1)*H*F], m.BFinal[i*F:(i+1)*F])
	if err != nil {
		return nil, err
	}
	cfg := s.Cfg
	cfg.NInst = 1
	one, err := sae.New(cfg, m1, 0)
	if err != nil {
		return nil, err
	}
	src := append(s.Params(), s.State()...)
	dst := append(one.Params(), one.State()...)
	if len(src) != len(dst) {
		return nil, fmt.Errorf("instanceSAE: %d parameters, want %d", len(dst), len(src))
	}
	for k, p := range src {
		per := len(p.Data) / s.Cfg.NInst
		if dst[k].Name != p.Name || len(dst[k].Data) != per {
			return nil, fmt.Errorf("instanceSAE: parameter %s", p.Name)
		}
		copy(dst[k].Data, p.Data[i*per:(i+1)*per])
	}
	return one, nil
}
