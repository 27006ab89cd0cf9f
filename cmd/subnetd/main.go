// Command subnetd is a validator host for Bittensor subnets: sandboxed Wasm scorers,
// SDK-identical weights, a bit-exact Yuma preview, and weights submitted on chain.
//
// Each subcommand lives in its own file and only turns flags into library calls.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

func main() {
	if err := newRootCmd().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "subnetd:", oneLine(err))
		os.Exit(1)
	}
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "subnetd",
		Short: "A validator host for Bittensor subnets with sandboxed WebAssembly scorers",
		Long: `subnetd validates Bittensor subnets: it queries miners over the synapse protocol,
scores their answers with a sandboxed WebAssembly scorer, turns scores into weights exactly
as the Bittensor SDK does, previews the epoch with a bit-exact Yuma engine, submits weights,
and records every round so it can be replayed bit for bit.

JSON goes to stdout where a command says so; human text goes to stderr.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(
		newScoreCmd(),
		newPluginCmd(),
		newWeightsCmd(),
		newYumaCmd(),
		newQueryCmd(),
		newChainCmd(),
		newTimelockCmd(),
		newRunCmd(),
		newDemoCmd(),
		newReplayCmd(),
		newAuditCmd(),
		newReportCmd(),
	)
	return root
}

// oneLine flattens an error to a single line for stderr.
func oneLine(err error) string {
	s := err.Error()
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r == '\n' || r == '\r' {
			r = ' '
		}
		out = append(out, r)
	}
	return string(out)
}
