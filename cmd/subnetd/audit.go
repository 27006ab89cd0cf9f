package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/subnetd/subnetd/audit"
	"github.com/subnetd/subnetd/chain"
	"github.com/subnetd/subnetd/chain/subtensor"
	"github.com/subnetd/subnetd/records"
	"github.com/subnetd/subnetd/runtime"
	"github.com/subnetd/subnetd/validator"
)

// errAuditFailed makes audit exit non-zero without repeating the summary.
var errAuditFailed = errors.New("audit: mismatched or unrecorded weight settings (see the findings above)")

// auditDialer connects to the chain an audit reads; the returned func closes it.
type auditDialer func(ctx context.Context, url string, stderr io.Writer) (audit.Chain, func(), error)

// dialSubtensor is the auditDialer of a real subtensor node.
func dialSubtensor(ctx context.Context, url string, stderr io.Writer) (audit.Chain, func(), error) {
	c, err := subtensor.Dial(ctx, url, subtensor.Options{Logf: func(format string, args ...any) {
		fmt.Fprintf(stderr, format+"\n", args...)
	}})
	if err != nil {
		return nil, nil, err
	}
	return c, func() { c.Close() }, nil
}

func newAuditCmd() *cobra.Command { return newAuditCmdWith(dialSubtensor) }

// newAuditCmdWith is the audit command reading the chain through dial (tests pass the devnet).
func newAuditCmdWith(dial auditDialer) *cobra.Command {
	var (
		path      string
		url       string
		from, to  uint64
		engine    string
		cacheDir  string
		publisher string
		timeout   time.Duration
	)
	cmd := &cobra.Command{
		Use:   "audit --records PATH --chain WS_URL [--from BLOCK] [--to BLOCK]",
		Short: "Replay recorded rounds and check them against what the validator put on chain",
		Long: `audit checks a validator's round records against the chain it ran on. It does what
"subnetd replay" does (every round re-run bit for bit on the recorded module, the weights
recomputed from the scores), and then reads the chain's history:

  - every round whose record says its weights were accepted must have put exactly the recorded
    uids and values on chain (max-upscaled, as the chain stores them) in the block the record
    names; for a hash commit, its reveal must carry them; for a timelocked commit, the weights
    the chain revealed;
  - every weight setting by the records' hotkeys on their subnets in the block range must have
    a record ("unrecorded" otherwise: weights set with the validator's key outside subnetd);
  - when the subnet owner (or --publisher) pinned a scorer on chain, every round must have been
    scored by the pinned module ("unpinned" otherwise; reported, not failed: a daemon swaps
    versions at a round boundary after it reads the pin, so the first rounds after a new pin
    still run the old one).

PATH is a records database (opened read-only) or an export file. WS_URL is a subtensor node
that still has the blocks of the range (an archive node for rounds older than a node prunes).
The range defaults to the first through the last recorded round.

stdout gets one JSON line per finding:
  {"finding":"mismatched","check":"chain","round":12,"netuid":2,"block":4810,"hotkey":"5F…","detail":"…"}
("finding" is mismatched, unrecorded, unpinned, or note for what could not be decided, with the
reason), and a last summary line:
  {"rounds":R,"replayed_identical":I,"chain_verified":V,"mismatched":M,"unrecorded":U,"unpinned":P}
A round counts as mismatched once, whether its replay or the chain disagreed. The exit status is
0 only when nothing mismatched and nothing is unrecorded. docs/AUDITING.md says what an audit
proves and what it cannot.`,
		Example: `  subnetd audit --records /var/lib/subnetd/records.db --chain wss://archive.chain.opentensor.ai:443
  subnetd audit --records audit-export.jsonl --chain ws://127.0.0.1:9944 --from 4800000 --to 4801000`,
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if path == "" {
				return errors.New("audit: --records PATH is required")
			}
			if url == "" {
				return errors.New("audit: --chain WS_URL is required")
			}
			if from != 0 && to != 0 && to < from {
				return fmt.Errorf("audit: --from %d is after --to %d", from, to)
			}
			opts := audit.Options{From: from, To: to,
				Replay: records.ReplayOptions{Engine: runtime.Engine(engine), CacheDir: cacheDir, Check: validator.CheckWeights}}
			if publisher != "" {
				p, err := chain.ParseAccountID(publisher)
				if err != nil {
					return fmt.Errorf("audit: --publisher: %w", err)
				}
				opts.Publisher = &p
			}
			ctx := chainCmdContext(cmd)
			if timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, timeout)
				defer cancel()
			}
			probe, err := runtime.New(ctx, runtime.Config{Engine: runtime.Engine(engine)})
			if err != nil {
				return fmt.Errorf("audit: %w", err)
			}
			probe.Close(ctx)
			src, closeSrc, err := openAuditRecords(ctx, path)
			if err != nil {
				return fmt.Errorf("audit: %w", err)
			}
			defer closeSrc()
			ch, closeChain, err := dial(ctx, url, cmd.ErrOrStderr())
			if err != nil {
				return fmt.Errorf("audit: chain %s: %w", url, err)
			}
			defer closeChain()
			enc := json.NewEncoder(cmd.OutOrStdout())
			sum, err := audit.Run(ctx, src, ch, opts, func(f audit.Finding) error {
				fmt.Fprintln(cmd.ErrOrStderr(), f)
				return enc.Encode(f)
			})
			if err != nil {
				return err
			}
			if err := enc.Encode(sum); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "audited %d rounds: %d replayed identically, %d verified on chain, %d mismatched, %d unrecorded settings, %d unpinned\n",
				sum.Rounds, sum.ReplayedIdentical, sum.ChainVerified, sum.Mismatched, sum.Unrecorded, sum.Unpinned)
			if !sum.OK() {
				return errAuditFailed
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&path, "records", "", "records database or export file (required)")
	cmd.Flags().StringVar(&url, "chain", "", "the subtensor node's JSON-RPC endpoint (ws://, wss://, http://, https://; required)")
	cmd.Flags().Uint64Var(&from, "from", 0, "first block of the range (default: the first recorded round's)")
	cmd.Flags().Uint64Var(&to, "to", 0, "last block of the range (default: the last recorded round's)")
	cmd.Flags().StringVar(&engine, "engine", string(runtime.EngineWazero), "Wasm engine to replay on: wazero (wasmtime needs a build with -tags wasmtime)")
	cmd.Flags().StringVar(&cacheDir, "cache-dir", daemonCacheDir(), "where compiled scorers are cached on disk (empty: no disk cache)")
	cmd.Flags().StringVar(&publisher, "publisher", "", "SS58 hotkey whose scorer pin the validator followed (default: each subnet's owner)")
	cmd.Flags().DurationVar(&timeout, "timeout", 30*time.Minute, "deadline for the whole audit (0: none)")
	return cmd
}

// openAuditRecords opens PATH without ever writing to it: a records database read-only, else an
// export file.
func openAuditRecords(ctx context.Context, path string) (records.Source, func(), error) {
	db, err := records.OpenReadOnly(ctx, path)
	if err == nil {
		return db, func() { db.Close() }, nil
	}
	if !errors.Is(err, records.ErrBadFormat) {
		return nil, nil, err
	}
	set, serr := records.ReadFile(path)
	if serr != nil {
		return nil, nil, fmt.Errorf("%s is neither a records database nor an export: %w", path, serr)
	}
	return set, func() {}, nil
}
