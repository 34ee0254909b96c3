package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// resetFlags puts every flag of the command tree back to its default, so that tests can run
// several command lines through the one global rootCmd.
func resetFlags(c *cobra.Command) {
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			_ = sv.Replace(nil)
		} else {
			_ = f.Value.Set(f.DefValue)
		}
		f.Changed = false
	})
	for _, sub := range c.Commands() {
		resetFlags(sub)
	}
}

// runCLI executes a saelab command line and returns its exit code and stdout (stderr when the
// command fails).
func runCLI(t *testing.T, args ...string) (int, string) {
	t.Helper()
	resetFlags(rootCmd)
	var out, errs bytes.Buffer
	rootCmd.SetOut(&out)
	rootCmd.SetErr(&errs)
	defer rootCmd.SetOut(nil)
	defer rootCmd.SetErr(nil)
	code := execute(args)
	if code != 0 {
		return code, errs.String()
	}
	return code, out.String()
}

// resolveWith parses args with a command built like the real ones (defaults plus the given
// flag sets) and returns the resolved config, without running anything.
func resolveWith(t *testing.T, defaults Config, add []func(*ConfigFlags), args ...string) (Config, error) {
	t.Helper()
	var got Config
	cmd := &cobra.Command{Use: "x", SilenceErrors: true, SilenceUsage: true}
	b := NewConfigFlags(cmd, defaults)
	for _, f := range add {
		f(b)
	}
	var resolveErr error
	cmd.RunE = func(*cobra.Command, []string) error {
		got, resolveErr = b.Resolve()
		return nil
	}
	cmd.SetArgs(args)
	if err := cmd.Execute(); err != nil {
		return Config{}, err
	}
	return got, resolveErr
}

func writeTempFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

var charRefRE = regexp.MustCompile(`&#x([0-9a-f]+);`)

// unref decodes a report's hexadecimal character references (its non-ASCII text, the page
// being ASCII), leaving the HTML escapes (&lt;, &amp;, ...) alone.
func unref(b []byte) []byte {
	return charRefRE.ReplaceAllFunc(b, func(m []byte) []byte {
		var r rune
		fmt.Sscanf(string(m), "&#x%x;", &r)
		return []byte(string(r))
	})
}
