package run

import (
	"fmt"
	"path/filepath"
	"strings"

	"saelab/report"
	"saelab/sae/wide"
	"saelab/synth"
	"saelab/synth/modeldir"
)

// The HTML reports of synth train and synth bench (report.WriteSynth), next to report.md.

const (
	// SynthHTMLFile is a synth train or bench directory's self-contained HTML report.
	SynthHTMLFile = "report.html"
	// synthSimilarityLatents is how many latents (the first of the best ordering) the
	// feature-similarity heatmaps show: all of 1,024 to 4,096 would be unreadable.
	synthSimilarityLatents = 64
)

// synthModelPart is the model's superposition statistics for the report (nil for a model of
// one feature, which has none).
func synthModelPart(m *synth.Model) (*report.SynthModel, error) {
	F, H := m.Config.NumFeatures, m.Config.HiddenDim
	if F < 2 {
		return nil, nil
	}
	sp, err := synth.Superposition(m.Dict.V, F, H, []int{95, 99})
	if err != nil {
		return nil, err
	}
	return &report.SynthModel{Features: F, HiddenDim: H, MeanMaxAbsCos: sp.MeanMaxAbsCos, MeanAbsCos: sp.MeanAbsCos, Percentiles: sp.MeanPercentileAbs}, nil
}

// synthSummary is a run's settings as a sentence (r may be nil).
func synthSummary(r *SynthTrainResult) string {
	if r == nil {
		return ""
	}
	return fmt.Sprintf("Width %d, target L0 %g, %d training samples (%d steps of %d, lr %g), evaluated on %d held-out samples (true L0 %.2f). saelab %s.",
		r.Width, r.TargetL0, r.Samples, r.Steps, r.Batch, r.LR, r.Metrics.Samples, r.Metrics.TrueL0, r.Version)
}

// synthConfigText is the settings of a run and the model's config (either may be nil), as
// shown at the end of the report.
func synthConfigText(r *SynthTrainResult, m *synth.Model) string {
	var b strings.Builder
	if r != nil {
		fmt.Fprintf(&b, "# training (summary.json)\nwidth: %d\ntarget_l0: %g\nsamples: %d\nsteps: %d\nbatch: %d\nlr: %g\neval_samples: %d\nseed: %d\n\n",
			r.Width, r.TargetL0, r.Samples, r.Steps, r.Batch, r.LR, r.Metrics.Samples, r.Seed)
	}
	if m == nil {
		return b.String()
	}
	if js, err := modeldir.MarshalConfig(m.Config); err == nil {
		b.WriteString("# the synthetic model (" + modeldir.ConfigFile + ")\n")
		b.Write(js)
	}
	return b.String()
}

// writeSynthTrainHTML writes a train run's report.html: its metrics, the model's statistics
// (mp, may be nil) and the feature-similarity heatmaps of the SAE's weights against the
// model's feature directions.
func writeSynthTrainHTML(dir string, r *SynthTrainResult, s *wide.SAE, m *synth.Model, mp *report.SynthModel) error {
	var dec, enc []float32
	for _, t := range s.SAELensTensors() {
		switch t.Name {
		case "W_dec":
			dec = t.Data
		case "W_enc":
			enc = t.Data
		}
	}
	F, H := m.Config.NumFeatures, m.Config.HiddenDim
	sim, err := synth.FeatureSimilarity(m.Dict.V, F, dec, enc, s.Width(), H, synthSimilarityLatents)
	if err != nil {
		return err
	}
	return report.WriteSynth(filepath.Join(dir, SynthHTMLFile), report.SynthPage{
		Title: "SAE on a synthetic model: " + r.Arch, Version: r.Version, Seed: r.Seed,
		Summary: synthSummary(r), ConfigText: synthConfigText(r, m),
		Rows:  []report.SynthRow{{Arch: r.Arch, Metrics: &r.Metrics, Seconds: r.Seconds()}},
		Model: mp, Similarity: sim, Width: s.Width(), NFeatures: F})
}

// writeSynthBenchHTML writes a bench's report.html: the table of every architecture so far,
// the bar charts and the model's statistics (mp, may be nil).
func writeSynthBenchHTML(dir, preset string, first *SynthTrainResult, rows []SynthBenchRow, m *synth.Model, mp *report.SynthModel) error {
	p := report.SynthPage{Title: "Synthetic benchmark, preset " + preset, Summary: synthSummary(first), ConfigText: synthConfigText(first, m),
		Bars: true, Model: mp}
	if first != nil {
		p.Version, p.Seed, p.TargetL0 = first.Version, first.Seed, first.TargetL0
		p.Summary += " Each architecture's own report, with its feature-similarity heatmaps, is report.html in its directory."
	}
	for _, r := range rows {
		row := report.SynthRow{Arch: r.Arch, Error: r.Error}
		if r.Result != nil {
			row.Metrics, row.Seconds = &r.Result.Metrics, r.Result.Seconds()
		}
		p.Rows = append(p.Rows, row)
	}
	return report.WriteSynth(filepath.Join(dir, SynthHTMLFile), p)
}
