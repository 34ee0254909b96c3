package report

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"saelab/store"
	"saelab/synth"
)

// The synthetic-benchmark page: the metrics of SAEs trained on a synthetic model with known
// true features (one row for synth train, one per architecture for synth bench), the model's
// superposition statistics, bar charts of the main metrics across architectures (bench) and
// the feature-similarity heatmaps of one SAE (train; synthfig.go).

// SynthPage is the input of a synthetic-benchmark page.
type SynthPage struct {
	Title, Version string
	Seed           uint64
	Generated      time.Time // zero: now
	// Summary is the paragraph under the results' heading: the training settings.
	Summary string
	// ConfigText is shown verbatim at the end (the settings and the model's config).
	ConfigText string
	Rows       []SynthRow
	// TargetL0 is drawn as a line on the L0 bars (0: none).
	TargetL0 float64
	// Bars draws one bar chart per main metric across the rows.
	Bars  bool
	Model *SynthModel
	// Similarity is one SAE's feature-similarity window (nil: none), of an SAE with Width
	// latents on a model of NFeatures features.
	Similarity       *synth.Similarity
	Width, NFeatures int
}

// SynthRow is one SAE: its architecture and metrics, or why it failed.
type SynthRow struct {
	Arch    string
	Metrics *synth.Result // nil for a failed row
	Seconds float64       // training and evaluation
	Error   string
}

// SynthModel is what the page shows of the synthetic model: its sizes and how much its
// feature directions overlap.
type SynthModel struct {
	Features, HiddenDim       int
	MeanMaxAbsCos, MeanAbsCos float64
	Percentiles               map[int]float64 // mean percentile |cos| by percentile
}

// synthColumns are the metrics table's headers with their summary.json names.
var synthColumns = []column{{"Architecture", "arch"}, {"True L0", "metrics.true_l0"}, {"SAE L0", "metrics.sae_l0"},
	{"Dead latents", "metrics.dead_latents"}, {"Shrinkage", "metrics.shrinkage"}, {"Explained variance", "metrics.explained_variance"},
	{"MCC", "metrics.mcc"}, {"Uniqueness", "metrics.uniqueness"}, {"Precision", "metrics.precision"}, {"Recall", "metrics.recall"},
	{"F1", "metrics.f1_score"}, {"Accuracy", "metrics.accuracy"}, {"Time", ""}}

// validate checks that every number shown is finite and the heatmap's shape.
func (in *SynthPage) validate() error {
	if len(in.Rows) == 0 {
		return fmt.Errorf("report: synthetic page: no rows")
	}
	for _, r := range in.Rows {
		if m := r.Metrics; m != nil {
			for _, v := range []float64{m.TrueL0, m.SAEL0, m.Shrinkage, m.ExplainedVariance, m.MCC, m.Uniqueness, m.Precision, m.Recall, m.F1, m.Accuracy, r.Seconds} {
				if !finite(v) {
					return fmt.Errorf("report: synthetic page: %s: a metric is %g, not finite", r.Arch, v)
				}
			}
		}
	}
	if s := in.Similarity; s != nil {
		n := len(s.Latents) * len(s.Features)
		if n == 0 || len(s.Dec) != n || (s.Enc != nil && len(s.Enc) != n) {
			return fmt.Errorf("report: synthetic page: similarity of %d latents × %d features has %d decoder and %d encoder values",
				len(s.Latents), len(s.Features), len(s.Dec), len(s.Enc))
		}
	}
	return nil
}

// synthTable is the metrics table, one row per SAE.
func synthTable(rows []SynthRow) *table {
	t := &table{Caption: "Metrics on held-out samples (definitions: docs/synthetic.md)", Head: synthColumns}
	for _, r := range rows {
		cells := []string{r.Arch}
		m := r.Metrics
		if m == nil {
			cells = append(cells, "failed")
			for len(cells) < len(synthColumns) {
				cells = append(cells, "")
			}
			t.Rows = append(t.Rows, tableRow{Cells: cells})
			continue
		}
		for _, v := range []float64{m.TrueL0, m.SAEL0} {
			cells = append(cells, strconv.FormatFloat(v, 'f', 2, 64))
		}
		cells = append(cells, strconv.Itoa(m.DeadLatents))
		for _, v := range []float64{m.Shrinkage, m.ExplainedVariance, m.MCC, m.Uniqueness, m.Precision, m.Recall, m.F1, m.Accuracy} {
			cells = append(cells, strconv.FormatFloat(v, 'f', 3, 64))
		}
		t.Rows = append(t.Rows, tableRow{Cells: append(cells, fmtSeconds(r.Seconds))})
	}
	return t
}

// synthModelTable is the model's superposition statistics as one row.
func synthModelTable(m *SynthModel) *table {
	t := &table{Caption: "Overlap of the true feature directions (absolute cosine between features)",
		Head: plainColumns("Features", "Dimensions", "Features per dimension", "Mean max |cos|", "Mean |cos|")}
	cells := []string{strconv.Itoa(m.Features), strconv.Itoa(m.HiddenDim), strconv.FormatFloat(float64(m.Features)/float64(max(m.HiddenDim, 1)), 'f', 1, 64),
		strconv.FormatFloat(m.MeanMaxAbsCos, 'f', 4, 64), strconv.FormatFloat(m.MeanAbsCos, 'f', 4, 64)}
	for _, p := range []int{95, 99} {
		if v, ok := m.Percentiles[p]; ok {
			t.Head = append(t.Head, column{Text: fmt.Sprintf("Mean %dth percentile |cos|", p)})
			cells = append(cells, strconv.FormatFloat(v, 'f', 4, 64))
		}
	}
	t.Rows = []tableRow{{Cells: cells}}
	return t
}

// buildSynth makes the page's sections.
func buildSynth(in SynthPage) (*pageData, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	title := in.Title
	if title == "" {
		title = "saelab synthetic benchmark"
	}
	pd := newPage(title, in.Version, in.Seed, in.Generated, in.ConfigText)
	res := &section{ID: "results", Heading: "Results", Sub: in.Summary, Items: []item{{Table: synthTable(in.Rows)}}}
	for _, r := range in.Rows {
		if r.Metrics == nil {
			res.Notes = append(res.Notes, fmt.Sprintf("%s failed: %s", r.Arch, r.Error))
		}
	}
	secs := []*section{res}
	if in.Bars {
		if fig := synthBars(&in); fig != nil {
			secs = append(secs, &section{ID: "comparison", Heading: "Architectures compared",
				Sub:   "Each panel is one metric across the architectures, longer bars are better except for L0, where the dashed line marks the L0 the SAEs were trained for. Failed architectures have no bar.",
				Items: []item{{Fig: fig}}})
		}
	}
	if s := in.Similarity; s != nil {
		secs = append(secs, &section{ID: "similarity", Heading: "Feature similarity", Sub: similaritySub(&in), Items: []item{{Fig: similarityFigure(s)}}})
	}
	if m := in.Model; m != nil {
		secs = append(secs, &section{ID: "model", Heading: "Synthetic model",
			Sub: "How much the true feature directions overlap. For each feature, the largest absolute cosine with any other feature, averaged over the features (mean max |cos|); the absolute cosine averaged over all pairs of features (mean |cos|); and, per feature, the 95th and 99th percentiles of its absolute cosines with the others, averaged. " +
				"The more the features overlap, the harder they are to tell apart.",
			Items: []item{{Table: synthModelTable(m)}}})
	}
	if err := pd.addSections(secs...); err != nil {
		return nil, err
	}
	return pd, nil
}

// similaritySub says what the heatmaps show.
func similaritySub(in *SynthPage) string {
	s := in.Similarity
	enc := "its encoder direction (left) and decoder direction (right)"
	if s.Enc == nil {
		enc = "its decoder direction (this architecture has no encoder weights)"
	}
	return fmt.Sprintf("Latents in the best ordering: sorted by the true feature their decoder direction is closest to (largest absolute cosine), "+
		"latents with the same best feature in index order. Shown: the first %d of %d latents (rows) against the %d true features they match best, "+
		"out of %d (columns, ascending). Each cell is the cosine, rounded to 0.01, between a true feature's direction and %s: "+
		"blue +1 (the same direction), white 0, red −1 (opposite). A latent that learned one feature has one dark cell in its row; "+
		"several mid-tone cells in a row mean it mixes features. Hover a cell for its value.",
		len(s.Latents), in.Width, len(s.Features), in.NFeatures, enc)
}

// WriteSynth renders the synthetic-benchmark page and writes it to path atomically.
func WriteSynth(path string, in SynthPage) error {
	pd, err := buildSynth(in)
	if err != nil {
		return err
	}
	return store.WriteAtomic(path, pd.executeTo)
}

// niceMax is the axis end for values up to hi: hi with room for the bar labels.
func niceMax(hi float64) float64 { return math.Max(hi, 1e-9) * 1.25 }
