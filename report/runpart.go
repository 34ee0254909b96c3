package report

import (
	"fmt"
	"slices"

	"saelab/eval"
	"saelab/metrics"
	"saelab/sae"
	"saelab/store"
	"saelab/toymodel"
)

// RunPart is the report's part of one SAE run's data log: the run's frames, compacted, and its
// best instances, best first (spec §6.6, on the run's own log), plus, once computed, its
// Figure-15 series. NewRunPart makes it from the log, which it does not keep, so that a
// pipeline can drop each run's log as soon as it is written.
type RunPart struct {
	arch       string
	compare    bool   // made for a compare directory (best instances of every run animated)
	run        SAERun // the log's part: dimensions, rows, frames, animated instances, ranking
	shrink     *ShrinkSeries
	shrinkDone bool // shrink is computed (nil: the run has no Figure-15 series)
}

// NewRunPart builds one SAE run's part of the report from its data log (as the data-log file
// holds it: store.RoundDataLog). The animation shows the best BestAnimated instances for the
// architectures the reference animates that way, and for every run when bestOnly is set.
func NewRunPart(name, arch string, log sae.DataLog, bestOnly bool) (*RunPart, error) {
	I, D, S := log.NInst, log.DIn, log.DSAE
	run := SAERun{Name: name, Arch: arch, NInst: I, DIn: D, DSAE: S, SampleSize: log.SampleSize,
		Rows: sae.AnimationRows(arch)}
	enc := sae.EncoderName(arch)
	for _, rec := range log.Records {
		fr := Frame{Step: rec.Step, FracActive: slices.Clone(rec.FracActive), H: rec.H, HR: rec.HR, Loss: rec.Loss,
			Weights: map[string][]float64{}}
		if w, ok := rec.Params[enc]; ok {
			fr.Weights[enc] = slices.Clone(w)
		}
		if w, ok := rec.Params["_W_dec"]; ok {
			fr.Weights["_W_dec"] = slices.Clone(w)
		} else if w, ok := rec.Params[enc]; ok { // tied: W_dec = W_encᵀ (W_gateᵀ for gated)
			fr.Weights["_W_dec"] = transposeInstances(w, I, D, S)
		}
		run.Frames = append(run.Frames, fr)
	}
	ranked := rankInstances(log)
	run.Best = ranked[:min(len(ranked), BestAnimated)]
	if (bestOnly || sae.AnimatesBestOnly(arch)) && I > BestAnimated && len(run.Best) > 0 {
		run.Instances = slices.Clone(run.Best)
	}
	if err := run.Compact(); err != nil {
		return nil, err
	}
	return &RunPart{arch: arch, compare: bestOnly, run: run}, nil
}

// rankInstances ranks every instance by the mean loss of the log's last records (spec §6.6).
func rankInstances(log sae.DataLog) []int {
	var losses [][]float64
	for _, rec := range log.Records[max(0, len(log.Records)-metrics.RankingRecords):] {
		l := make([]float64, len(rec.Loss))
		for k, v := range rec.Loss {
			l[k] = float64(v)
		}
		losses = append(losses, l)
	}
	return metrics.BestInstances(losses, log.SampleSize, log.NInst, log.NInst)
}

// figure15 computes the run's Figure-15 series on its best instance, once.
func (p *RunPart) figure15(s *sae.SAE, seed uint64) error {
	if p.shrinkDone {
		return nil
	}
	p.shrinkDone = true
	if len(p.run.Best) == 0 {
		return nil
	}
	se, ok, err := eval.Figure15(s, p.run.Best[0], seed)
	if err != nil || !ok {
		return err
	}
	p.shrink = &ShrinkSeries{Name: fmt.Sprintf("%s (inst %d)", p.run.Name, se.Instance), X: se.X, Y: se.Y}
	return nil
}

// Figure15 computes the run's Figure-15 series from its SAE as the SAE file holds it (float32
// values), as FromRunDir would.
func (p *RunPart) Figure15(s *sae.SAE, seed uint64) error { return p.figure15(s, seed) }

// input is the run's report entry: the log's part with the summary's numbers.
func (p *RunPart) input(rs store.RunSummary, model *toymodel.Model) SAERun {
	run := p.run
	run.Name, run.Arch, run.Resample, run.WallSeconds = rs.Name, rs.Arch, rs.Resample, rs.WallSeconds
	if model != nil {
		run.NFeatures = model.Cfg.NFeatures
		var sum float64
		for _, v := range model.FeatureProbability {
			sum += v
		}
		run.FeatureProbability = sum / float64(len(model.FeatureProbability))
	}
	for _, is := range rs.Instances {
		run.Table = append(run.Table, InstanceRow{Index: is.Index, Loss: is.Loss, LReconstruction: is.LReconstruction,
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

// PartBytes is the memory a RunPart of a run with n_inst I, d_in D, d_sae S, T data-log records
// of n samples holds: each record's frac_active and the encoder and decoder weights it
// animates, and the hidden rows' drawn points.
func PartBytes(I, D, S, T, n int) float64 {
	i, d, s, t := float64(I), float64(D), float64(S), float64(T)
	return t * (i*s*4 + 2*i*d*s*8 + 2*i*float64(n)*12)
}
