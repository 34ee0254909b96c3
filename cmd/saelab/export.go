package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"saelab/run"
)

// exportOptions are export's flags.
type exportOptions struct{ format, out string }

// newExportCmd binds export's flags.
func newExportCmd() *cobra.Command {
	var o exportOptions
	cmd := &cobra.Command{
		Use:   "export RUN --out DIR",
		Short: "Write the SAEs of a run directory in SAELens's format",
		Long: `export writes every finished SAE of the run directory RUN to DIR/<run>/inst_00, inst_01, ...:
cfg.json and sae_weights.safetensors as SAELens saves an SAE (SAE.load_from_disk loads it).`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dirs, err := run.ExportSAEs(args[0], o.format, o.out, nil)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "exported %d SAEs to %s\n", len(dirs), o.out)
			return nil
		},
	}
	cmd.Flags().StringVar(&o.format, "format", "saelens", "output format (saelens)")
	cmd.Flags().StringVar(&o.out, "out", "", "directory to create (must not exist or be empty)")
	_ = cmd.MarkFlagRequired("out")
	return cmd
}
