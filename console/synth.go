package console

import "saelab/run"

// synth prints a synthetic-benchmark SAE's result line.
func (c *Console) synth(r *run.SynthTrainResult) {
	m := r.Metrics
	c.printf("%s (saved as %s): L0 %.2f (true %.2f), explained variance %.4f, MCC %.4f, uniqueness %.4f, F1 %.4f, precision %.4f, recall %.4f, dead %d, %.1f s\n",
		r.Arch, r.SavedAs, m.SAEL0, m.TrueL0, m.ExplainedVariance, m.MCC, m.Uniqueness, m.F1, m.Precision, m.Recall, m.DeadLatents, r.Seconds())
}
