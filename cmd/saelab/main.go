// Command saelab trains toy models of superposition and the sparse autoencoders that recover
// their features, writes each experiment to a run directory and renders an offline report.
//
// Each command is one file: an options struct, a constructor that binds its flags, and a run
// function that calls the library (run, report, bench). main only wires them.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/spf13/cobra"

	"saelab/internal/version"
	"saelab/run"
)

// main runs the command line with SIGINT and SIGTERM cancelling the context.
func main() {
	// Runs are refused when their estimated peak exceeds the limit; the collector keeps the
	// heap under it too (an invalid setting is reported when a run is prepared).
	if limit, _, err := run.MemoryLimit(); err == nil {
		debug.SetMemoryLimit(int64(limit))
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sigs
		signal.Stop(sigs) // a second Ctrl-C kills at once
		cancel(interrupted{s.(syscall.Signal)})
	}()
	os.Exit(execute(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// interrupted is the cause of a context cancelled by a signal.
type interrupted struct{ sig syscall.Signal }

func (i interrupted) Error() string { return "interrupted by " + i.sig.String() }

// execute runs the command line and returns the exit code: 0, 1 for a failed command, 2 for a
// usage error. Panics become errors: saelab never dies with a stack trace.
func execute(ctx context.Context, args []string, stdout, stderr io.Writer) (code int) {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "saelab: internal error: %v\n", r)
			code = 1
		}
	}()
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return 0
	}
	var sig interrupted
	if errors.As(context.Cause(ctx), &sig) {
		// The shell convention: 128 + the signal's number (130 for Ctrl-C, 143 for SIGTERM).
		fmt.Fprintf(stderr, "saelab: %v\n", err)
		return 128 + int(sig.sig)
	}
	fmt.Fprintf(stderr, "saelab: %v\n", err)
	var ue usageError
	if errors.As(err, &ue) || cmd == nil || !cmd.Runnable() {
		fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", cmd.CommandPath())
		return 2
	}
	return 1
}

// newRootCmd wires every command under saelab.
func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "saelab",
		Short: "Toy models of superposition and the sparse autoencoders that recover their features",
		Long: `saelab trains toy models of superposition (Elhage et al. 2022) and toy sparse autoencoders
on their hidden activations, following ARENA 1.3.1, and writes each experiment to a run
directory with an offline interactive report.

Start with:  saelab demo`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.CompletionOptions.HiddenDefaultCmd = true
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	addProfileFlags(root)
	root.AddCommand(newDemoCmd(), newCompareCmd(), newTrainModelCmd(), newTrainSAECmd(),
		newReportCmd(), newExportCmd(), newSynthCmd(), newSweepCmd(), newPhaseCmd(), newGeometryCmd(), newBenchCmd(), newVersionCmd())
	return root
}

// newVersionCmd prints the version.
func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print saelab's version",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(cmd.OutOrStdout(), version.String())
			return nil
		},
	}
}

// usageError marks an error in the command line itself.
type usageError struct{ error }

// Unwrap returns the command-line error.
func (e usageError) Unwrap() error { return e.error }

// exactArgs is cobra.ExactArgs with a usage error; a missing required flag is one too (cobra's
// own check, which would come later, returns a plain error).
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		err := cobra.ExactArgs(n)(cmd, args)
		if err == nil {
			err = cmd.ValidateRequiredFlags()
		}
		if err != nil {
			return usageError{err}
		}
		return nil
	}
}
