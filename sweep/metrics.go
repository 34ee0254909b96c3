package sweep

import (
	"math"

	"saelab/store"
)

// Metric is one number recorded per run of a cell: a column of the runs table, the export and
// the report. SAE runs have every metric but final_loss (l_aux, explained_variance, mcc,
// shrinkage_slope and l2_ratio only where their instances have them); toy-model runs have
// final_loss alone.
type Metric struct {
	// Name is the column name.
	Name string
	// Label is the report's label.
	Label string
	// Lower says smaller is better (the report's colour scale and Pareto frontier).
	Lower bool
	// of reads the metric from a run's instance means (store.RunSummary.Means).
	of func(rs *store.RunSummary, m *store.Means) float64
}

// Metrics are the recorded metrics, in column order: the instance means of the loss terms, L0,
// explained variance, dead latents, MMCS, MCC, the fraction of instances monosemantic, the
// recovered features, shrinkage, and a toy model's final loss.
var Metrics = []Metric{
	{"loss", "loss", true, func(_ *store.RunSummary, m *store.Means) float64 { return m.Loss }},
	{"l_reconstruction", "L_reconstruction", true, func(_ *store.RunSummary, m *store.Means) float64 { return m.LReconstruction }},
	{"l_sparsity", "L_sparsity", true, func(_ *store.RunSummary, m *store.Means) float64 { return m.LSparsity }},
	{"l_aux", "L_aux", true, extra("l_aux")},
	{"l0", "L0", true, func(_ *store.RunSummary, m *store.Means) float64 { return m.L0 }},
	{"explained_variance", "explained variance", false, extra("explained_variance")},
	{"dead_latents", "dead latents", true, func(_ *store.RunSummary, m *store.Means) float64 { return m.DeadLatents }},
	{"mmcs", "MMCS", false, func(_ *store.RunSummary, m *store.Means) float64 { return m.MMCS }},
	{"mcc", "MCC", false, extra("mcc")},
	{"monosemantic_fraction", "fraction monosemantic", false, func(_ *store.RunSummary, m *store.Means) float64 { return m.Monosemantic }},
	{"recovered_features", "recovered features", false, func(_ *store.RunSummary, m *store.Means) float64 { return m.RecoveredFeatures }},
	{"shrinkage_slope", "shrinkage slope", false, extra("shrinkage_slope")},
	{"l2_ratio", "l2 ratio", false, extra("l2_ratio")},
	{"final_loss", "final loss (toy model)", true, func(rs *store.RunSummary, _ *store.Means) float64 {
		if rs.FinalLoss == nil {
			return math.NaN()
		}
		return *rs.FinalLoss
	}},
}

// extra reads an instance extra's mean (NaN when no instance has it).
func extra(key string) func(*store.RunSummary, *store.Means) float64 {
	return func(_ *store.RunSummary, m *store.Means) float64 { return m.ExtraMean(key) }
}

// metricValues are a run's metrics in Metrics order; NaN marks a metric the run does not have.
func metricValues(rs store.RunSummary) []float64 {
	out := make([]float64, len(Metrics))
	if rs.Kind == store.KindToyModel {
		for k := range out {
			out[k] = math.NaN()
		}
		out[len(out)-1] = Metrics[len(out)-1].of(&rs, nil)
		return out
	}
	m := rs.Means()
	for k, mt := range Metrics {
		out[k] = mt.of(&rs, &m)
	}
	return out
}
