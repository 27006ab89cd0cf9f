package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/subnetd/subnetd/chain/devnet/scenario"
)

// newYumaCmd runs a Yuma scenario on the embedded devnet chain and prints
// one JSON line per epoch step.
func newYumaCmd() *cobra.Command {
	var input string
	var check bool
	cmd := &cobra.Command{
		Use:   "yuma --input SCENARIO.json",
		Short: "Run a Yuma Consensus scenario on the embedded devnet chain",
		Long: `yuma loads a scenario (format subnetd-yuma-scenario/1), builds the subnet on the embedded
devnet chain, applies its steps and prints one JSON object per epoch step on stdout.
With --check it also compares the run with the scenario's "expected" list and exits
non-zero when an expectation fails (the report goes to stderr).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if input == "" {
				return fmt.Errorf("yuma: --input is required")
			}
			return yumaRun(cmd, input, check)
		},
	}
	cmd.Flags().StringVar(&input, "input", "", "scenario file (JSON); - reads stdin")
	cmd.Flags().BoolVar(&check, "check", false, "verify the scenario's expectations after running")
	return cmd
}

func yumaRun(cmd *cobra.Command, input string, check bool) error {
	var r io.Reader = cmd.InOrStdin()
	if input != "-" {
		f, err := os.Open(input)
		if err != nil {
			return fmt.Errorf("yuma: %w", err)
		}
		defer f.Close()
		r = f
	}
	sc, err := scenario.Load(r)
	if err != nil {
		return fmt.Errorf("yuma: load %s: %w", input, err)
	}
	lines, err := sc.Run(cmd.Context(), cmd.OutOrStdout())
	if err != nil {
		return fmt.Errorf("yuma: scenario %s: %w", sc.Name, err)
	}
	if !check {
		return nil
	}
	bad := sc.Check(lines)
	for _, m := range bad {
		fmt.Fprintln(cmd.ErrOrStderr(), "mismatch:", m)
	}
	if len(bad) > 0 {
		return fmt.Errorf("yuma: scenario %s: %d expectation(s) failed", sc.Name, len(bad))
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "scenario %s: %d expectation(s) passed\n", sc.Name, len(sc.Expected))
	return nil
}
