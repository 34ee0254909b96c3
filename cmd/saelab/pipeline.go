package main

import (
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"saelab/config"
	"saelab/console"
	"saelab/run"
)

// outputOptions are the flags of every training command that are not part of the config.
type outputOptions struct {
	out, resume string
	quiet       bool
	every       time.Duration
}

// bindOutput registers --out, --resume, --quiet and the hidden --checkpoint-every.
func bindOutput(cmd *cobra.Command, o *outputOptions) {
	cmd.Flags().StringVar(&o.out, "out", "", "run directory to create (default runs/<YYYYMMDD-HHMMSS>-<command>)")
	cmd.Flags().StringVar(&o.resume, "resume", "", "continue the interrupted run directory DIR from its last checkpoint, as its config.yaml describes it")
	cmd.Flags().BoolVarP(&o.quiet, "quiet", "q", false, "no progress output; print only where the report is")
	cmd.Flags().DurationVar(&o.every, "checkpoint-every", 0, "how often training checkpoints (default 10s; negative: at every log record)")
	_ = cmd.Flags().MarkHidden("checkpoint-every")
}

// runPlan executes a plan with the terminal observer.
func runPlan(cmd *cobra.Command, p run.Plan, o outputOptions) error {
	obs := console.New(cmd.OutOrStdout(), cmd.ErrOrStderr(), stderrIsTerminal(cmd), o.quiet)
	_, err := run.Execute(cmd.Context(), p, run.Options{Out: o.out, Observer: obs, Resume: o.resume, CheckpointEvery: o.every})
	return err
}

// stderrIsTerminal reports whether the command's stderr is the process's terminal.
func stderrIsTerminal(cmd *cobra.Command) bool {
	return cmd.ErrOrStderr() == os.Stderr && term.IsTerminal(int(os.Stderr.Fd()))
}

// newTrainingCmd builds a training command: its flags bound to a config with the given
// defaults, and a plan made from the resolved config (with --resume, the directory's).
func newTrainingCmd(cmd *cobra.Command, defaults config.Config, bind func(*config.Flags), plan func(config.Config) (run.Plan, error)) *cobra.Command {
	var o outputOptions
	flags := config.NewFlags(cmd.Flags(), defaults)
	bind(flags)
	bindOutput(cmd, &o)
	cmd.Args = exactArgs(0)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		c, err := flags.Resolve()
		if o.resume != "" {
			c, err = resumeConfig(cmd, o.resume, defaults)
		}
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

// resumeConfig is the config of the directory --resume continues; any flag that would change
// it is a usage error.
func resumeConfig(cmd *cobra.Command, dir string, defaults config.Config) (config.Config, error) {
	var set []string
	cmd.Flags().Visit(func(f *pflag.Flag) {
		switch f.Name {
		case "resume", "quiet", "checkpoint-every", "cpuprofile", "memprofile":
		default:
			set = append(set, "--"+f.Name)
		}
	})
	if len(set) > 0 {
		return config.Config{}, usageError{errorf("--resume %s continues the run as its config.yaml describes it; drop %s", dir, strings.Join(set, " "))}
	}
	return run.ResumeConfig(dir, cmd.Name(), defaults)
}
