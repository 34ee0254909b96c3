package wide

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"saelab/synth"
)

// The package's measurement run: BatchTopK (k = 12; SAELAB_LONG_ARCH picks another
// architecture, L0 target 12) at width 1,024 on the real Mini preset for 2,000 steps of 1,024
// (SAELAB_LONG_STEPS: another count), evaluated by synth.Evaluate on 100,000 held-out samples.
// It takes minutes, so it runs only with SAELAB_LONG=1.
func TestLongMini(t *testing.T) {
	if os.Getenv("SAELAB_LONG") == "" {
		t.Skip("set SAELAB_LONG=1 to run the 2,000-step Mini training")
	}
	t0 := time.Now()
	m, err := synth.New(synth.Mini())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Mini built in %v", time.Since(t0).Round(time.Second))
	arch := os.Getenv("SAELAB_LONG_ARCH")
	if arch == "" {
		arch = "batchtopk"
	}
	c := DefaultConfig(arch, m.Config.HiddenDim, 1024, 12)
	tc := DefaultTrainConfig()
	steps := 2000
	if v, err := strconv.Atoi(os.Getenv("SAELAB_LONG_STEPS")); err == nil && v > 0 {
		steps = v
	}
	tc.Samples = int64(steps) * 1024
	if arch == "standard" || arch == "jumprelu" {
		tc.TargetL0 = 12
	}
	t1 := time.Now()
	s, err := Train(context.Background(), m, c, tc, func(step, steps int, loss, l0 float64) {
		if step%max(1, steps/8) == 0 || step == steps-1 {
			t.Logf("step %4d/%d  loss %.4f  L0 %.2f", step, steps, loss, l0)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	el := time.Since(t1)
	t.Logf("trained in %v (%.1f ms/step including sampling)", el.Round(time.Second), float64(el.Milliseconds())/float64(steps))
	r, err := synth.Evaluate(m, s, 100_000, 1024, 7, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: L0 %.2f (true %.2f)  EV %.4f  MCC %.4f  F1 %.4f  precision %.4f  recall %.4f  uniqueness %.4f  dead %d  shrinkage %.4f  τ %.4f",
		arch, r.SAEL0, r.TrueL0, r.ExplainedVariance, r.MCC, r.F1, r.Precision, r.Recall, r.Uniqueness, r.DeadLatents, r.Shrinkage, s.TopKThreshold)
	if r.ExplainedVariance < 0.6 || r.SAEL0 < 6 || (arch != "standard" && r.SAEL0 > 24) {
		t.Errorf("explained variance %.3f at L0 %.2f: training did not work", r.ExplainedVariance, r.SAEL0)
	}
}
