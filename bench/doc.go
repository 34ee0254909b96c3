// Package bench measures saelab against the PyTorch reference (tools/torchref/bench.py) on
// five configurations, side by side on one machine:
//
//  1. seed toy model: 16 instances × 5 features × 2 hidden, p = 0.025, batch 1024, 5,000 steps
//  2. seed SAE, no resampling: d_sae 5, 20,000 steps (on the trained seed toy model)
//  3. seed SAE, simple resampling: the same with resample_method simple
//  4. dense: 8 instances, 100 features, 20 hidden, p = 0.5, importance 0.9^f; the toy model,
//     then an SAE with d_sae 200
//  5. wide: a toy model of 4 × 512 × 64, p = 0.01 (1,000 steps), then an SAE with d_sae 1024
//     (2,000 steps)
//
// Each saelab configuration runs in a child process (the saelab binary re-executed with
// `bench --child NAME`), so that its peak RSS is its own (getrusage's ru_maxrss of the child).
// The PyTorch side runs fewer steps (its per-step time is what is compared), with 1 and 2
// threads, the better taken. `saelab demo` is timed end to end the same way. Speed is reported
// as a ratio measured in the same run, never asserted by a test.
package bench
