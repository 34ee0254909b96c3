package main

import (
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"saelab/bench"
)

// benchOptions are bench's flags.
type benchOptions struct {
	bench.Options
	child   string
	noTorch bool
}

// newBenchCmd binds bench's flags.
func newBenchCmd() *cobra.Command {
	var o benchOptions
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure saelab against the PyTorch reference on the benchmark configurations",
		Long: `bench times saelab and the PyTorch reference on the same configurations on this machine and
prints a table: for each configuration and phase, the steps run, PyTorch's and saelab's time per
training step, their ratio and saelab's peak memory (each configuration runs in its own child
process), plus 'saelab demo' end to end.

  1 seed toy model    16 instances × 5 features × 2 hidden, p = 0.025, batch 1024, 5,000 steps
  2 seed SAE none     d_sae 5, 20,000 steps, no resampling
  3 seed SAE simple   d_sae 5, 20,000 steps, simple resampling
  4 dense             8 × 100 × 20, p = 0.5, importance 0.9^f: toy model and SAE d_sae 200
  5 wide              4 × 512 × 64, p = 0.01: toy model (1,000 steps), SAE d_sae 1024 (2,000 steps)

The PyTorch side is tools/torchref/bench.py (run with --python, 1 and 2 threads, the better
taken, fewer steps). Build with GOEXPERIMENT=simd for the AVX-512 kernels; the table's header
says which kernels ran.`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error { return runBench(cmd, &o) },
	}
	f := cmd.Flags()
	f.BoolVar(&o.Quick, "quick", false, "about ten times fewer steps on both sides")
	f.StringVar(&o.Python, "python", "/usr/bin/python3", "Python interpreter with torch for the reference side")
	f.StringVar(&o.Script, "torchref", filepath.Join("tools", "torchref", "bench.py"), "the reference's benchmark script")
	f.BoolVar(&o.noTorch, "no-torch", false, "measure saelab only")
	f.BoolVar(&o.NoDemo, "no-demo", false, "do not time 'saelab demo'")
	f.StringSliceVar(&o.Only, "only", nil, "run only these configurations (1-5, demo), e.g. --only 1,2,demo")
	f.IntSliceVar(&o.Threads, "torch-threads", []int{1, 2}, "PyTorch thread counts to try")
	f.StringVar(&o.child, "child", "", "run one configuration in this process (used by bench itself)")
	_ = f.MarkHidden("child")
	return cmd
}

// runBench runs one benchmark child, or the whole table.
func runBench(cmd *cobra.Command, o *benchOptions) error {
	if o.child != "" {
		return bench.RunChild(o.child, o.Quick, cmd.OutOrStdout())
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	o.Exe = exe
	if o.noTorch {
		o.Python = ""
	} else if _, err := os.Stat(o.Script); err != nil {
		cmd.PrintErrf("saelab bench: %s not found (run from the repository root or set --torchref); PyTorch side skipped\n", o.Script)
		o.Python = ""
	}
	_, err = bench.Run(o.Options, cmd.OutOrStdout(), cmd.ErrOrStderr())
	return err
}
