package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/subnetd/subnetd/records"
	"github.com/subnetd/subnetd/runtime"
	"github.com/subnetd/subnetd/validator"
)

// errReplayMismatch makes replay exit non-zero without repeating the summary.
var errReplayMismatch = errors.New("replay: not every round matched")

func newReplayCmd() *cobra.Command {
	var (
		path      string
		engine    string
		cacheDir  string
		quiet     bool
		export    string
		recompute bool
		config    string
	)
	cmd := &cobra.Command{
		Use:   "replay --records PATH [--engine wazero]",
		Short: "Re-run recorded rounds bit for bit and report any difference",
		Long: `replay re-runs every recorded round on the exact scorer module that scored it (stored by
sha256 with the records), with the recorded limits and the exact recorded Round bytes, and
compares what the scorer returns now with what it returned then: the Scores bytes (scores and
state), the challenge it generated, and the hashes recorded with each round. It also recomputes
the weights from the scores with the recorded subnet parameters, as the Bittensor SDK does,
and checks them against the weights the round emitted.

PATH is a records database (records.db, written by "subnetd run" and "subnetd demo") or an
export file (JSON lines, written by the same commands or by an operator for an auditor).

stdout gets one JSON line per round:
  {"id":1,"netuid":1,"block":40,"validator":"5F…","scorer":"quality","module_sha256":"…","verdict":"identical"}
and a last summary line:
  {"summary":{"rounds":N,"identical":N,"different":0,"failed":0,"all_match":true}}
A "different" round lists how it differs (which uid's score, the state bytes, the challenge).
The exit status is 0 only when every round matched.

--export FILE also writes a records database as the portable export (JSON lines, modules
included) that an auditor can take away; docs/AUDITING.md describes it.

Rounds of a subnet with feature providers replay from the features recorded in their Round, so
they match whatever the providers would say today. --recompute-features --config FILE also
starts the providers the daemon config gives each subnet, sends each recorded round to them
again (its Round without features and state, exactly what they were sent then), and prints,
per round and provider, a line
  {"feature_drift":{"id":1,"netuid":1,"block":40,"provider":"similarity","exact":11,
                    "drifted":[{"uid":3,"exact":false,"comparable":true,"max_diff":0.0012}]}}
and a summary per provider ("max_diff" is the largest numeric difference; "comparable":false
means the values differ in shape or in a non-numeric part). Drift is reported, not failed: the
exit status still says whether the scorer replayed identically (docs/PROVIDERS.md).`,
		Example: `  subnetd replay --records ./subnetd-demo/records.db
  subnetd replay --records ./subnetd-data/records.db --recompute-features --config subnetd.yaml
  subnetd replay --records audit-export.jsonl --engine wazero
  subnetd replay --records /var/lib/subnetd/records.db --export audit-export.jsonl`,
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if path == "" {
				return errors.New("replay: --records PATH is required")
			}
			if recompute && config == "" {
				return errors.New("replay: --recompute-features needs --config FILE (the daemon config naming each subnet's providers)")
			}
			ctx := cmd.Context()
			// Refuse an engine this build lacks once, not once per round.
			probe, err := runtime.New(ctx, runtime.Config{Engine: runtime.Engine(engine)})
			if err != nil {
				return fmt.Errorf("replay: %w", err)
			}
			probe.Close(ctx)
			src, closer, err := records.OpenSource(ctx, path)
			if err != nil {
				return fmt.Errorf("replay: %w", err)
			}
			defer closer.Close()
			if export != "" {
				db, ok := src.(*records.DB)
				if !ok {
					return fmt.Errorf("replay: --export needs a records database, %s is already an export", path)
				}
				if err := db.ExportFile(ctx, export); err != nil {
					return fmt.Errorf("replay: %w", err)
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "exported the records to %s\n", export)
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			sum, err := records.Replay(ctx, src, records.ReplayOptions{Engine: runtime.Engine(engine), CacheDir: cacheDir, Check: validator.CheckWeights},
				func(r records.ReplayResult) error {
					if !quiet && !r.Match() {
						fmt.Fprintf(cmd.ErrOrStderr(), "round %d (subnet %d, block %d): %s: %v\n", r.ID, r.Netuid, r.Block, r.Verdict, r.Differences)
					}
					return enc.Encode(r)
				})
			if err != nil {
				return fmt.Errorf("replay: %w", err)
			}
			if err := enc.Encode(struct {
				Summary records.ReplaySummary `json:"summary"`
			}{sum}); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "replayed %d rounds: %d identical, %d different, %d failed\n", sum.Rounds, sum.Identical, sum.Different, sum.Failed)
			if recompute {
				if err := replayFeatures(cmd, src, config, enc); err != nil {
					return fmt.Errorf("replay: %w", err)
				}
			}
			if !sum.AllMatch {
				return errReplayMismatch
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&path, "records", "", "records database or export file (required)")
	cmd.Flags().StringVar(&engine, "engine", string(runtime.EngineWazero), "Wasm engine to replay on: wazero (wasmtime needs a build with -tags wasmtime)")
	cmd.Flags().StringVar(&cacheDir, "cache-dir", daemonCacheDir(), "where compiled scorers are cached on disk (empty: no disk cache)")
	cmd.Flags().BoolVar(&quiet, "quiet", false, "do not explain differences on stderr")
	cmd.Flags().StringVar(&export, "export", "", "also write the records database as an export file (JSON lines) for auditors")
	cmd.Flags().BoolVar(&recompute, "recompute-features", false, "also re-run the configured feature providers on the recorded rounds and report how far their features drift")
	cmd.Flags().StringVar(&config, "config", "", "daemon config naming each subnet's feature providers (with --recompute-features)")
	return cmd
}

// daemonCacheDir is the default on-disk cache of compiled scorers for run, demo and replay.
func daemonCacheDir() string {
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return d + string(os.PathSeparator) + "subnetd" + string(os.PathSeparator) + "compiled"
}

// replayFeatures runs validator.RecomputeFeatures and prints its lines and summary.
func replayFeatures(cmd *cobra.Command, src records.Source, config string, enc *json.Encoder) error {
	cfg, err := validator.LoadConfig(config)
	if err != nil {
		return err
	}
	sums, err := validator.RecomputeFeatures(cmd.Context(), src, cfg, nil, func(d validator.FeatureDrift) error {
		return enc.Encode(struct {
			D validator.FeatureDrift `json:"feature_drift"`
		}{d})
	})
	if err != nil {
		return err
	}
	for _, s := range sums {
		fmt.Fprintf(cmd.ErrOrStderr(), "provider %s: %d rounds, %d miners: %d exact, %d drifted by at most %g, %d not comparable; %d calls failed\n",
			s.Provider, s.Rounds, s.Miners, s.Exact, s.Comparable, s.MaxDiff, s.Miners-s.Exact-s.Comparable, s.Failed)
	}
	return enc.Encode(struct {
		S []validator.DriftSummary `json:"feature_drift_summary"`
	}{sums})
}
