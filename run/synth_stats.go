package run

import (
	"fmt"
	"io"
	"slices"
	"time"

	"saelab/synth"
	"saelab/synth/modeldir"
)

// SynthStats describes a synthetic model: its sizes, how many features are active per sample
// (the true L0, overall and over the first features, which an SAE narrower than the model
// mostly sees), how much the feature vectors overlap (the superposition statistics of
// SAELens's compute_superposition_stats) and how correlated and nested the features are.
type SynthStats struct {
	Features  int `json:"num_features"`
	HiddenDim int `json:"hidden_dim"`
	Samples   int `json:"samples"`

	TrueL0 float64 `json:"true_l0"`
	// TrueL0First is the true L0 over the first n features, for each n in FirstN.
	FirstN      []int     `json:"first_n"`
	TrueL0First []float64 `json:"true_l0_first"`

	MeanMaxAbsCos float64         `json:"mean_max_abs_cos_sim"`
	MeanAbsCos    float64         `json:"mean_abs_cos_sim"`
	Percentiles   map[int]float64 `json:"mean_percentile_abs_cos_sim"`

	CorrelationRank int     `json:"correlation_rank"` // 0: independent firing
	RMSCorrelation  float64 `json:"rms_correlation"`
	MeanCorrelation float64 `json:"mean_correlation"`

	Hierarchy synth.HierarchyStats `json:"hierarchy"`
	Warnings  []string             `json:"warnings,omitempty"`
	Seconds   float64              `json:"seconds"`
}

// SynthStatsSamples is the default number of samples the true L0 is measured on.
const SynthStatsSamples = 100_000

// synthStatsSeed is the sampling seed of the statistics (fixed: the same model always gives
// the same numbers).
const synthStatsSeed = 1

// SynthModelStats loads the model directory dir and measures it, the true L0 on samples
// samples (0: SynthStatsSamples).
func SynthModelStats(dir string, samples int) (*SynthStats, error) {
	if samples < 0 || samples > 1<<30 {
		return nil, fmt.Errorf("--samples %d: must be from 1 to %d", samples, 1<<30)
	}
	if samples == 0 {
		samples = SynthStatsSamples
	}
	start := time.Now()
	m, err := modeldir.Load(dir)
	if err != nil {
		return nil, err
	}
	st, err := SynthModelStatsOf(m, samples)
	if err != nil {
		return nil, err
	}
	st.Seconds = time.Since(start).Seconds()
	return st, nil
}

// SynthModelStatsOf measures a model (see SynthModelStats).
func SynthModelStatsOf(m *synth.Model, samples int) (*SynthStats, error) {
	F, H := m.Config.NumFeatures, m.Config.HiddenDim
	st := &SynthStats{Features: F, HiddenDim: H, Samples: samples, Hierarchy: m.Gen.Stats(), Warnings: m.Warnings}
	for _, n := range []int{F / 4, 4096} {
		if n > 0 && n < F && !slices.Contains(st.FirstN, n) {
			st.FirstN = append(st.FirstN, n)
		}
	}
	slices.Sort(st.FirstN)
	all, first := trueL0(m, samples, st.FirstN)
	st.TrueL0, st.TrueL0First = all, first
	if F >= 2 {
		sp, err := synth.Superposition(m.Dict.V, F, H, []int{95, 99})
		if err != nil {
			return nil, err
		}
		st.MeanMaxAbsCos, st.MeanAbsCos, st.Percentiles = sp.MeanMaxAbsCos, sp.MeanAbsCos, sp.MeanPercentileAbs
	}
	if c := m.Gen.Corr; c != nil {
		st.CorrelationRank = c.R
		st.RMSCorrelation, st.MeanCorrelation = c.CorrelationStats()
	}
	return st, nil
}

// trueL0 is the mean number of active features per sample over samples samples, overall and
// over the features below each of firstN.
func trueL0(m *synth.Model, samples int, firstN []int) (float64, []float64) {
	const batch = 4096
	var b synth.Batch
	total := 0
	below := make([]int, len(firstN))
	for k := 0; k*batch < samples; k++ {
		n := min(batch, samples-k*batch)
		m.Sample(&b, nil, n, synthStatsSeed, uint64(k))
		total += len(b.Index[:b.Off[n]])
		for _, f := range b.Index[:b.Off[n]] {
			for t, lim := range firstN {
				if int(f) < lim {
					below[t]++
				}
			}
		}
	}
	first := make([]float64, len(firstN))
	for t := range below {
		first[t] = float64(below[t]) / float64(samples)
	}
	return float64(total) / float64(samples), first
}

// WriteText prints the statistics as aligned lines.
func (s *SynthStats) WriteText(w io.Writer) {
	line := func(label, format string, args ...any) {
		fmt.Fprintf(w, "%-22s"+format+"\n", append([]any{label}, args...)...)
	}
	line("features", "%d in %d dimensions (%.1f× superposition)", s.Features, s.HiddenDim, float64(s.Features)/float64(s.HiddenDim))
	line("true L0", "%.2f per sample (%d samples)", s.TrueL0, s.Samples)
	for t, n := range s.FirstN {
		line(fmt.Sprintf("true L0, first %d", n), "%.2f", s.TrueL0First[t])
	}
	line("mean max |cos|", "%.4f", s.MeanMaxAbsCos)
	line("mean |cos|", "%.4f", s.MeanAbsCos)
	for _, p := range []int{95, 99} {
		if v, ok := s.Percentiles[p]; ok {
			line(fmt.Sprintf("mean p%d |cos|", p), "%.4f", v)
		}
	}
	if s.CorrelationRank > 0 {
		line("correlation", "rank %d, rms %.4f, mean %.5f", s.CorrelationRank, s.RMSCorrelation, s.MeanCorrelation)
	} else {
		line("correlation", "none (features fire independently)")
	}
	if h := s.Hierarchy; h.Features > 0 {
		line("hierarchy", "%d features in %d trees, depth %d, %d parents, %d exclusive groups", h.Features, h.Roots, h.MaxDepth, h.Parents, h.MEGroups)
	} else {
		line("hierarchy", "none")
	}
	for _, warn := range s.Warnings {
		line("note", "%s", warn)
	}
	line("measured in", "%.1f s", s.Seconds)
}
