// Command saelab trains toy models of superposition and the sparse autoencoders that recover
// their features, writes each experiment to a run directory and renders an offline report.
//
// Commands register themselves: each command file has an init() that calls
// rootCmd.AddCommand. The helpers other commands reuse are in config.go (Config, its
// defaults, LoadConfigFile, ResolveModel, ResolveSAERuns), flags.go (ConfigFlags and the
// flag sets), run.go (CreateRunDir, TrainModel, TrainSAE, RunDir.SaveModel/SaveSAERun/AddRun),
// files.go (model and SAE safetensors) and reportinput.go (BuildReportInput, WriteReport).
package main

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Version is saelab's version, written into summary.json, the safetensors metadata and the
// report. Release builds set it with -ldflags "-X main.Version=v1.2.3".
var Version = "0.1.0-dev"

var rootCmd = &cobra.Command{
	Use:   "saelab",
	Short: "Toy models of superposition and the sparse autoencoders that recover their features",
	Long: `saelab trains toy models of superposition (Elhage et al. 2022) and toy sparse autoencoders
on their hidden activations, following ARENA 1.3.1, and writes each experiment to a run
directory with an offline interactive report.

Start with:  saelab demo`,
	SilenceUsage:  true,
	SilenceErrors: true,
}

func init() {
	rootCmd.CompletionOptions.HiddenDefaultCmd = true
	rootCmd.AddCommand(&cobra.Command{
		Use:   "version",
		Short: "Print saelab's version",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(cmd.OutOrStdout(), versionString())
			return nil
		},
	})
}

// versionString is "saelab <Version> (<go version>[, <vcs revision>])".
func versionString() string {
	s := "saelab " + Version
	if bi, ok := debug.ReadBuildInfo(); ok {
		extra := bi.GoVersion
		for _, st := range bi.Settings {
			if st.Key == "vcs.revision" && len(st.Value) >= 12 {
				extra += ", " + st.Value[:12]
			}
		}
		s += " (" + extra + ")"
	}
	return s
}

// execute runs the CLI with args and returns the process exit code: 0, 1 for a failed command,
// 2 for a usage error. Panics are turned into errors: saelab never dies with a stack trace.
func execute(args []string) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(rootCmd.ErrOrStderr(), "saelab: internal error: %v\n", r)
			code = 1
		}
	}()
	rootCmd.SetArgs(args)
	cmd, err := rootCmd.ExecuteC()
	if err == nil {
		return 0
	}
	fmt.Fprintf(rootCmd.ErrOrStderr(), "saelab: %v\n", err)
	var ue usageError
	if errors.As(err, &ue) || cmd == nil || !cmd.Runnable() {
		fmt.Fprintf(rootCmd.ErrOrStderr(), "Run '%s --help' for usage.\n", cmd.CommandPath())
		return 2
	}
	return 1
}

// usageError marks an error in the command line itself.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

// exactArgs is cobra.ExactArgs with a usage error.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.ExactArgs(n)(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}

func init() {
	rootCmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
}

func main() {
	os.Exit(execute(os.Args[1:]))
}
