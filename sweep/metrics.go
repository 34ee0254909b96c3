package sweep

import (
	"math"

	"saelab/store"
	"saelab/synth"
)

// Metric is one number recorded per run of a cell: a column of the runs table, the export and
// the report. Toy-model SAE runs have every metric read by of but final_loss (l_aux,
// explained_variance, mcc, shrinkage_slope and l2_ratio only where their instances have them);
// toy-model runs have final_loss alone; synthetic runs have the metrics read by synth.
type Metric struct {
	// Name is the column name.
	Name string
	// Label is the report's label.
	Label string
	// Lower says smaller is better (the report's colour scale and Pareto frontier).
	Lower bool
	// of reads the metric from a toy-model SAE run's instance means (store.RunSummary.Means);
	// nil for a metric those runs do not have.
	of func(rs *store.RunSummary, m *store.Means) float64
	// synth reads it from a synthetic run's results; nil for a metric those runs do not have.
	synth func(r *synth.Result) float64
}

// Metrics are the recorded metrics, in column order: the instance means of the loss terms, L0,
// explained variance, dead latents, MMCS, MCC, the fraction of instances monosemantic, the
// recovered features, shrinkage, a toy model's final loss, and the synthetic benchmark's own
// metrics (docs/synthetic.md defines them).
var Metrics = []Metric{
	{"loss", "loss", true, means(func(m *store.Means) float64 { return m.Loss }), nil},
	{"l_reconstruction", "L_reconstruction", true, means(func(m *store.Means) float64 { return m.LReconstruction }), nil},
	{"l_sparsity", "L_sparsity", true, means(func(m *store.Means) float64 { return m.LSparsity }), nil},
	{"l_aux", "L_aux", true, extra("l_aux"), nil},
	{"l0", "L0", true, means(func(m *store.Means) float64 { return m.L0 }), func(r *synth.Result) float64 { return r.SAEL0 }},
	{"explained_variance", "explained variance", false, extra("explained_variance"), func(r *synth.Result) float64 { return r.ExplainedVariance }},
	{"dead_latents", "dead latents", true, means(func(m *store.Means) float64 { return m.DeadLatents }), func(r *synth.Result) float64 { return float64(r.DeadLatents) }},
	{"mmcs", "MMCS", false, means(func(m *store.Means) float64 { return m.MMCS }), nil},
	{"mcc", "MCC", false, extra("mcc"), func(r *synth.Result) float64 { return r.MCC }},
	{"monosemantic_fraction", "fraction monosemantic", false, means(func(m *store.Means) float64 { return m.Monosemantic }), nil},
	{"recovered_features", "recovered features", false, means(func(m *store.Means) float64 { return m.RecoveredFeatures }), nil},
	{"shrinkage_slope", "shrinkage slope", false, extra("shrinkage_slope"), nil},
	{"l2_ratio", "l2 ratio", false, extra("l2_ratio"), nil},
	{finalLoss, "final loss (toy model)", true, nil, nil},
	{"true_l0", "true L0", true, nil, func(r *synth.Result) float64 { return r.TrueL0 }},
	{"shrinkage", "shrinkage (1 = none)", false, nil, func(r *synth.Result) float64 { return r.Shrinkage }},
	{"uniqueness", "uniqueness", false, nil, func(r *synth.Result) float64 { return r.Uniqueness }},
	{"precision", "precision", false, nil, func(r *synth.Result) float64 { return r.Precision }},
	{"recall", "recall", false, nil, func(r *synth.Result) float64 { return r.Recall }},
	{"f1", "F1", false, nil, func(r *synth.Result) float64 { return r.F1 }},
	{"accuracy", "accuracy", false, nil, func(r *synth.Result) float64 { return r.Accuracy }},
}

// KindMetrics are the indices in Metrics of the metrics a sweep's runs have: the benchmark's
// for a synthetic sweep, the toy-model ones otherwise. The export and the report show these.
func KindMetrics(synthetic bool) []int {
	var out []int
	for k, m := range Metrics {
		if (synthetic && m.synth != nil) || (!synthetic && (m.of != nil || m.Name == finalLoss)) {
			out = append(out, k)
		}
	}
	return out
}

// finalLoss is the one metric of a toy-model run.
const finalLoss = "final_loss"

var nan = math.NaN()

// means reads an instance mean.
func means(get func(*store.Means) float64) func(*store.RunSummary, *store.Means) float64 {
	return func(_ *store.RunSummary, m *store.Means) float64 { return get(m) }
}

// extra reads an instance extra's mean (NaN when no instance has it).
func extra(key string) func(*store.RunSummary, *store.Means) float64 {
	return func(_ *store.RunSummary, m *store.Means) float64 { return m.ExtraMean(key) }
}

// metricValues are a toy-model run's metrics in Metrics order; NaN marks a metric the run does
// not have.
func metricValues(rs store.RunSummary) []float64 {
	out := make([]float64, len(Metrics))
	if rs.Kind == store.KindToyModel {
		for k, mt := range Metrics {
			out[k] = nan
			if mt.Name == finalLoss && rs.FinalLoss != nil {
				out[k] = *rs.FinalLoss
			}
		}
		return out
	}
	m := rs.Means()
	for k, mt := range Metrics {
		out[k] = nan
		if mt.of != nil {
			out[k] = mt.of(&rs, &m)
		}
	}
	return out
}
