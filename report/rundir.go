package report

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"saelab/internal/version"
	"saelab/rng"
	"saelab/sae"
	"saelab/store"
	"saelab/toymodel"
)

// How a run directory becomes a report: summary.json lists the runs; config.yaml,
// model.safetensors, metrics.jsonl and each SAE run's data-log and SAE files supply the rest.
// Nothing is retrained: the only computation is forward passes on fresh samples drawn from
// summary.json's seed (the hidden-state scatter and the Figure-15 scatter), so the same
// directory always gives the same report.

// CompareCommand is summary.json's "command" of a compare directory: its report animates the
// best instances of every run and opens with the comparison table.
const CompareCommand = "compare"

// Sample sizes and counts of the report's figures.
const (
	HiddenSamples = 512 // hidden-state scatter (spec §7.1: 200–512 points)
	// BestAnimated is how many instances an animation shows when it shows only the best: gated
	// and jumprelu runs (spec §9.3) and every run of a compare directory.
	BestAnimated = 4
	// purposeHidden keys the hidden-state scatter's sample stream.
	purposeHidden uint64 = 0x5e1ab001
)

// WriteRunDir renders the report of a run directory into its report.html and returns the
// path. parts are the report's parts of SAE runs that the caller built while writing them
// (NewRunPart), so that their data logs need not be read back; nil reads everything.
func WriteRunDir(dir string, parts map[string]*RunPart) (string, error) {
	in, err := FromRunDir(dir, parts)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, store.ReportFile)
	return path, WriteFile(path, in)
}

// FromRunDir builds the report's input from a run directory (see WriteRunDir).
func FromRunDir(dir string, parts map[string]*RunPart) (Input, error) {
	sum, err := store.ReadSummary(filepath.Join(dir, store.SummaryFile))
	if err != nil {
		return Input{}, err
	}
	abs, _ := filepath.Abs(dir)
	in := Input{Title: "saelab: " + filepath.Base(abs), Version: version.Version, Seed: sum.Seed}
	if sum.Version != version.Version {
		in.Version = fmt.Sprintf("%s (run written by %s)", version.Version, sum.Version)
	}
	if in.ConfigYAML, err = readOptional(filepath.Join(dir, store.ConfigFile)); err != nil {
		return Input{}, err
	}
	if err := checkConfigSeed(in.ConfigYAML, sum.Seed); err != nil {
		return Input{}, err
	}
	var rows []map[string]any
	if _, err := os.Stat(filepath.Join(dir, store.MetricsFile)); err == nil {
		if rows, err = store.ReadMetricsJSONL(filepath.Join(dir, store.MetricsFile)); err != nil {
			return Input{}, err
		}
	}
	finished := 0
	for _, rs := range sum.Runs {
		if rs.Finished() {
			finished++
		}
	}
	var model *toymodel.Model
	if finished > 0 {
		// Every run of a directory trained or used its toy model.
		if model, _, err = store.LoadModel(filepath.Join(dir, store.ModelFile)); err != nil {
			return Input{}, fmt.Errorf("%w (summary.json lists %d finished runs that need it)", err, finished)
		}
		in.Model = toyModelInput(model, sum, rows)
	}
	if err := addSAERuns(&in, dir, sum, model, parts); err != nil {
		return Input{}, err
	}
	return in, nil
}

// readOptional returns a file's text, or "" when it does not exist.
func readOptional(path string) (string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	return string(b), err
}

// addSAERuns adds every sae run of the summary: its animation and table, its Figure-15 series,
// and for a compare directory its comparison row.
func addSAERuns(in *Input, dir string, sum store.Summary, model *toymodel.Model, parts map[string]*RunPart) error {
	compare := sum.Command == CompareCommand
	var shrink Shrinkage
	var names []string
	for _, rs := range sum.Runs {
		if rs.Kind != store.KindSAE || !rs.Finished() {
			continue
		}
		part := parts[rs.Name]
		if part == nil || part.compare != compare || part.arch != rs.Arch {
			log, err := store.ReadDataLog(store.FindDataLogFile(dir, rs.Name))
			if err != nil {
				return err
			}
			if part, err = NewRunPart(rs.Name, rs.Arch, log, compare); err != nil {
				return err
			}
		}
		s, tc, err := store.LoadSAE(store.FindSAEFile(dir, rs.Name), model)
		if err != nil {
			return err
		}
		if err := agree(rs, s, part); err != nil {
			return err
		}
		in.Runs = append(in.Runs, part.input(rs, model))
		settings := sae.Describe(s.Cfg, tc)
		if err := part.figure15(s, sum.Seed); err != nil {
			return err
		}
		if part.shrink != nil {
			shrink.Series = append(shrink.Series, *part.shrink)
			names = append(names, rs.Name)
		}
		if compare {
			in.Comparison = append(in.Comparison, comparisonRow(rs, settings))
		}
	}
	if len(shrink.Series) > 0 {
		// Spec §7.6: "Act vs Reconstructed Act for {names joined by ' & '}".
		shrink.Title = "Act vs Reconstructed Act for " + strings.Join(names, " & ")
		in.Shrinkage = &shrink
	}
	return nil
}

// agree checks that a run's summary entry, SAE file and data log describe the same run.
func agree(rs store.RunSummary, s *sae.SAE, part *RunPart) error {
	at := fmt.Sprintf("summary.json run %q", rs.Name)
	switch {
	case s.Cfg.Arch != rs.Arch:
		return fmt.Errorf("%s has architecture %s but its SAE file holds a %s SAE; the directory mixes runs", at, rs.Arch, s.Cfg.Arch)
	case len(rs.Instances) != s.Cfg.NInst:
		return fmt.Errorf("%s lists %d instances but its SAE file holds %d; the directory mixes runs", at, len(rs.Instances), s.Cfg.NInst)
	case part.run.NInst != s.Cfg.NInst || part.run.DSAE != s.Cfg.DSAE || part.run.DIn != s.Cfg.DIn:
		return fmt.Errorf("%s: its data log is of %d instances × %d latents but its SAE file of %d × %d; the directory mixes runs",
			at, part.run.NInst, part.run.DSAE, s.Cfg.NInst, s.Cfg.DSAE)
	}
	for k, in := range rs.Instances {
		if in.Index != k {
			return fmt.Errorf("%s: instances[%d] has index %d; want %d", at, k, in.Index, k)
		}
	}
	return nil
}

// checkConfigSeed checks that config.yaml, when there is one, names the summary's seed.
func checkConfigSeed(configYAML string, seed uint64) error {
	if configYAML == "" {
		return nil
	}
	var c struct {
		Seed *uint64 `yaml:"seed"`
	}
	if err := yaml.Unmarshal([]byte(configYAML), &c); err != nil {
		return fmt.Errorf("config.yaml is not valid YAML: %v", cleanYAML(err))
	}
	if c.Seed != nil && *c.Seed != seed {
		return fmt.Errorf("config.yaml has seed %d but summary.json seed %d; the directory mixes runs", *c.Seed, seed)
	}
	return nil
}

// cleanYAML drops the YAML package's prefix from its messages.
func cleanYAML(err error) string { return strings.TrimPrefix(err.Error(), "yaml: ") }

// comparisonRow is a run's line in the comparison table: its instance means.
func comparisonRow(rs store.RunSummary, settings string) ComparisonRow {
	m := rs.Means()
	row := ComparisonRow{Name: rs.Name, Arch: rs.Arch, Resample: rs.Resample, Settings: settings,
		NInst: len(rs.Instances), WallSeconds: rs.WallSeconds, L0: m.L0, LReconstruction: m.LReconstruction,
		MMCS: m.MMCS, DeadLatents: m.DeadLatents, ExplainedVariance: m.ExtraMean("explained_variance"),
		L2Ratio: m.ExtraMean("l2_ratio"), ShrinkageSlope: m.ExtraMean("shrinkage_slope")}
	if rs.MonosemanticInstances != nil {
		row.MonosemanticInstances = *rs.MonosemanticInstances
	}
	return row
}

// hiddenSample returns h = W[0]·x [N][I][H] (as Model.Hidden sums it) for a fresh batch of
// N = HiddenSamples samples, drawn one instance at a time from its sparse batch, so that
// memory stays O(N·I·H) however many features there are.
func hiddenSample(m *toymodel.Model, seed uint64) []float64 {
	I, H, F := m.Cfg.NInst, m.Cfg.DHidden, m.Cfg.NFeatures
	h := make([]float64, HiddenSamples*I*H)
	var ib toymodel.InstBatch
	for i := 0; i < I; i++ {
		m.GenerateInstance(i, HiddenSamples, rng.New(seed, purposeHidden, uint64(i)), &ib)
		for k, b := range ib.Sample {
			row := h[(int(b)*I+i)*H : (int(b)*I+i+1)*H]
			for e := ib.Start[k]; e < ib.Start[k+1]; e++ {
				f, v := int(ib.Feat[e]), ib.Val[e]
				for d := range row {
					row[d] += m.W[d*F+f] * v
				}
			}
		}
	}
	return h
}

// toyModelInput is the toy model's part: its weights and a fresh hidden-state sample.
func toyModelInput(m *toymodel.Model, sum store.Summary, rows []map[string]any) *ToyModel {
	I, F := m.Cfg.NInst, m.Cfg.NFeatures
	tm := &ToyModel{NInst: I, NFeatures: F, DHidden: m.Cfg.DHidden, W: m.W,
		Importance: m.Importance, FeatureProbability: m.FeatureProbability}
	if m.Cfg.DHidden == 2 { // the page draws the hidden-state scatter for d_hidden = 2 only
		tm.Hidden, tm.NHidden = hiddenSample(m, sum.Seed), HiddenSamples
	}
	for _, rs := range sum.Runs {
		if rs.Kind == store.KindToyModel && rs.FinalLoss != nil {
			tm.FinalLoss = *rs.FinalLoss
		}
		if rs.Kind != store.KindToyModel {
			continue
		}
		for _, r := range rows {
			step, ok1 := r["step"].(float64)
			loss, ok2 := r["loss"].(float64)
			if r["run"] == rs.Name && ok1 && ok2 {
				tm.LossCurve = append(tm.LossCurve, Point{X: step, Y: loss})
			}
		}
	}
	return tm
}
