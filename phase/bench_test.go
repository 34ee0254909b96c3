package phase

import (
	"context"
	"fmt"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// cpuNow is the process's CPU time: on a shared machine, what to compare.
func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkKernel is one training step's batch and gradient for a block of eight instances
// (B = 1024): ns/op divided by 8 is the cost per instance-step.
func BenchmarkKernel(b *testing.B) {
	for _, sh := range kernelShapes {
		for _, p := range []float64{0.01, 0.1, 0.3, 1} {
			b.Run(fmt.Sprintf("H%dF%d/p=%v", sh.H, sh.F, p), func(b *testing.B) {
				ps := make([]float64, lanes)
				for l := range ps {
					ps[l] = p
				}
				bl := testBlock(sh.H, sh.F, 1024, ps, 1)
				b.ResetTimer()
				t0 := cpuNow()
				for i := 0; i < b.N; i++ {
					bl.Run(1024)
				}
				b.ReportMetric(float64(cpuNow()-t0)/float64(b.N)/lanes, "cpu-ns/inst-step")
			})
		}
	}
}

// BenchmarkGridStep is one training step of a whole 10 × 10 grid of 10 instances (1000 toy
// models: batch, forward, backward and AdamW) on GOMAXPROCS workers, the Go side of
// tools/torchref/phase_bench.py. cpu-ms/step is the CPU time per step over all workers.
func BenchmarkGridStep(b *testing.B) {
	for _, exp := range []int{1, 2} {
		b.Run(fmt.Sprintf("exp%d", exp), func(b *testing.B) {
			c := DefaultConfig(exp)
			c.Grid, c.Steps = 10, max(b.N, 2)
			ins := c.instances(0, c.Cells())
			var done atomic.Int64
			b.ResetTimer()
			t0 := cpuNow()
			if _, err := trainPacked(context.Background(), c, ins, &done); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(cpuNow()-t0)/1e6/float64(c.Steps), "cpu-ms/step")
		})
	}
}
