package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/subnetd/subnetd/weights"
)

// newWeightsCmd is `subnetd weights --input FILE.json`: float scores in, the SDK's emitted
// (uids, u16 weights) out.
func newWeightsCmd() *cobra.Command {
	var input string
	cmd := &cobra.Command{
		Use:   "weights --input FILE.json",
		Short: "Turn float scores into the u16 weights the Bittensor SDK would set on chain",
		Long: `Turn a validator's float scores into the (uids, u16 weights) that the Bittensor SDK
would submit: process_weights_for_netuid (min-allowed fill, max-weight cap, uniform
fallback, float32 arithmetic as numpy does it) followed by convert_weights_and_uids_for_emit
(max-upscale to 65535, round half to even, zeros dropped). The result is bit-identical to
the SDK's.

The input file (use - for stdin) is one JSON object:

  {"uids":[0,1,2,3], "weights":[0.1,0.2,"NaN",0.4], "n":4,
   "min_allowed_weights":1, "max_weight_limit":0.1}

  uids                 uid of each score (same length as weights)
  weights              float scores; the string "NaN" stands for NaN
  n                    number of neurons on the subnet (metagraph.n)
  min_allowed_weights  the subnet's MinAllowedWeights
  max_weight_limit     the subnet's MaxWeightsLimit / 65535 (a fraction, e.g. 0.1)
  exclude_quantile     optional, process_weights' exclude_quantile (default 0)

Output on stdout: {"uids":[…],"weights":[…]}. Where the SDK raises (for example when every
score is +Inf, or n is 0), the command prints a one-line reason on stderr and exits 1.`,
		Example: `  subnetd weights --input scores.json
  echo '{"uids":[0,1],"weights":[1,3],"n":2,"min_allowed_weights":0,"max_weight_limit":1}' | subnetd weights --input -`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return weightsRun(input, cmd.InOrStdin(), cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&input, "input", "", "JSON file with uids, weights, n, min_allowed_weights, max_weight_limit (- for stdin)")
	_ = cmd.MarkFlagRequired("input")
	return cmd
}

// weightsRun reads the input document, computes the emitted weights and writes them as JSON.
func weightsRun(path string, stdin io.Reader, stdout io.Writer) error {
	var r io.Reader
	if path == "-" {
		r = stdin
	} else {
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("weights: %w", err)
		}
		defer f.Close()
		r = f
	}
	in, err := weights.DecodeInput(r)
	if err != nil {
		return fmt.Errorf("weights: %s: %w", path, err)
	}
	out, err := in.Run()
	if err != nil {
		return fmt.Errorf("weights: the SDK would raise: %w", err)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return fmt.Errorf("weights: encode output: %w", err)
	}
	if _, err := fmt.Fprintf(stdout, "%s\n", b); err != nil {
		return fmt.Errorf("weights: write output: %w", err)
	}
	return nil
}
