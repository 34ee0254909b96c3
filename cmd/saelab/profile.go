package main

import (
	"github.com/spf13/cobra"

	"saelab/internal/profile"
)

// addProfileFlags registers the hidden --cpuprofile and --memprofile on every command.
func addProfileFlags(root *cobra.Command) {
	o := &profile.Options{}
	o.Bind(root.PersistentFlags())
	root.PersistentPreRunE = func(*cobra.Command, []string) error { return o.Start() }
	root.PersistentPostRunE = func(*cobra.Command, []string) error { return o.Stop() }
}
