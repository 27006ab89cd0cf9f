package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/subnetd/subnetd/internal/demo"
	"github.com/subnetd/subnetd/report"
)

func newDemoCmd() *cobra.Command {
	cfg := demo.DefaultConfig()
	var (
		jsonOut bool
		verbose bool
	)
	cmd := &cobra.Command{
		Use:   "demo [--dir ./subnetd-demo]",
		Short: "Run a whole Bittensor network on this machine: chain, miners, validators, Yuma",
		Long: `demo starts an embedded network and runs the real validator daemon on it, with no chain,
no wallet and no setup:

  - a devnet chain (subtensor's rules and Yuma epochs, in process) with two subnets:
    subnet 1 scores answers with the example quality scorer (a seed-derived summing task),
    subnet 2 with the example latency scorer (a Ping);
  - twelve example miners on loopback: good, fair, bad, slow and dead ones;
  - three validators with different stakes; the third runs the latency scorer on subnet 1,
    so it disagrees with the other two there.

Every round is scored by a sandboxed WebAssembly scorer, turned into weights exactly as the
Bittensor SDK does, previewed with the Yuma engine, set on the devnet chain, and recorded in
DIR/records.db. After a few tempos the demo prints a table per miner (score, weight,
consensus, incentive, emission) and per validator (dividends, validator trust), exports the
records for auditors (DIR/records.jsonl), replays every recorded round bit for bit, and writes
a page of charts of the whole run (DIR/report/index.html, as 'subnetd report' does).

The example scorers are built from examples/scorers (found above the working directory, or
--scorers) once and cached in DIR/scorers. Progress goes to stderr, the tables to stdout.
The exit status is non-zero when a recorded round does not replay identically.`,
		Example: `  subnetd demo
  subnetd demo --dir /tmp/demo --tempos 6
  subnetd demo --json | jq .validators`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg.Progress = cmd.ErrOrStderr()
			if verbose {
				cfg.Logger = slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelInfo}))
			}
			res, err := demo.Run(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			if jsonOut {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				if err := enc.Encode(res); err != nil {
					return err
				}
			} else {
				demoPrintTables(cmd.OutOrStdout(), res)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "replay: %d rounds, %d identical, %d different, %d failed\n",
				res.Replay.Rounds, res.Replay.Identical, res.Replay.Different, res.Replay.Failed)
			fmt.Fprintf(cmd.ErrOrStderr(), "records: %s (export for auditors: %s); check them yourself: subnetd replay --records %s\n",
				res.Records, res.Export, res.Records)
			page, err := report.Write(cmd.Context(), report.Options{Records: res.Records, Out: filepath.Join(filepath.Dir(res.Records), "report")})
			if err != nil {
				return fmt.Errorf("demo: report: %w", err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "report: %s (open it in a browser: scores, weights, incentive and trust over the rounds)\n", page)
			fmt.Fprintf(cmd.ErrOrStderr(), "done in %s\n", res.Elapsed.Round(100*time.Millisecond))
			if !res.Replay.AllMatch {
				return errors.New("demo: some recorded rounds did not replay identically")
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Dir, "dir", cfg.Dir, "directory for records, the auditor export and built scorers")
	f.StringVar(&cfg.ScorersDir, "scorers", "", "directory holding the example scorers' sources (default: examples/scorers above the working directory)")
	f.IntVar(&cfg.Tempos, "tempos", cfg.Tempos, "number of epochs to run")
	f.Uint16Var(&cfg.Tempo, "tempo", cfg.Tempo, "blocks per epoch")
	f.DurationVar(&cfg.BlockTime, "block-time", cfg.BlockTime, "devnet block time")
	f.BoolVar(&jsonOut, "json", false, "print the result as JSON instead of tables")
	f.BoolVar(&verbose, "verbose", false, "print the daemon's structured logs on stderr")
	return cmd
}

func demoPrintTables(w io.Writer, res *demo.Result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "MINERS (score: mean of the validators' last scores; weight: mean normalised weight on chain; emission: alpha earned)")
	fmt.Fprintln(tw, "subnet\tuid\tminer\tscore\tweight\tconsensus\tincentive\temission\t")
	for _, m := range res.Miners {
		fmt.Fprintf(tw, "%d\t%d\t%s\t%.4f\t%.4f\t%.4f\t%.4f\t%.3f\t\n", m.Netuid, m.UID, m.Name, m.Score, m.Weight, m.Consensus, m.Incentive, m.Emission)
	}
	tw.Flush()
	fmt.Fprintln(w)
	fmt.Fprintln(w, "VALIDATORS (charlie runs the latency scorer on subnet 1: out of consensus there, it keeps less trust and earns less)")
	fmt.Fprintln(tw, "subnet\tuid\tvalidator\tscorer\tstake\tdividends\tvalidator_trust\temission\trounds\tfailed\t")
	for _, v := range res.Validators {
		fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%.1f\t%.4f\t%.4f\t%.3f\t%d\t%d\t\n", v.Netuid, v.UID, v.Name, v.Scorer, v.StakeTAO, v.Dividends, v.ValidatorTrust, v.Emission, v.Rounds, v.Failures)
	}
	tw.Flush()
}
