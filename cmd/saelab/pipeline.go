package main

import (
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"saelab/config"
	"saelab/console"
	"saelab/run"
)

// outputOptions are the flags of every training command that are not part of the config.
type outputOptions struct {
	out   string
	quiet bool
}

// bindOutput registers --out and --quiet.
func bindOutput(cmd *cobra.Command, o *outputOptions) {
	cmd.Flags().StringVar(&o.out, "out", "", "run directory to create (default runs/<YYYYMMDD-HHMMSS>-<command>)")
	cmd.Flags().BoolVarP(&o.quiet, "quiet", "q", false, "no progress output; print only where the report is")
}

// runPlan executes a plan with the terminal observer.
func runPlan(cmd *cobra.Command, p run.Plan, o outputOptions) error {
	obs := console.New(cmd.OutOrStdout(), cmd.ErrOrStderr(), stderrIsTerminal(cmd), o.quiet)
	_, err := run.Execute(cmd.Context(), p, run.Options{Out: o.out, Observer: obs})
	return err
}

// stderrIsTerminal reports whether the command's stderr is the process's terminal.
func stderrIsTerminal(cmd *cobra.Command) bool {
	return cmd.ErrOrStderr() == os.Stderr && term.IsTerminal(int(os.Stderr.Fd()))
}

// newTrainingCmd builds a training command: its flags bound to a config with the given
// defaults, and a plan made from the resolved config.
func newTrainingCmd(cmd *cobra.Command, defaults config.Config, bind func(*config.Flags), plan func(config.Config) (run.Plan, error)) *cobra.Command {
	var o outputOptions
	flags := config.NewFlags(cmd.Flags(), defaults)
	bind(flags)
	bindOutput(cmd, &o)
	cmd.Args = exactArgs(0)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		c, err := flags.Resolve()
		if err != nil {
			return err
		}
		p, err := plan(c)
		if err != nil {
			return err
		}
		return runPlan(cmd, p, o)
	}
	return cmd
}
