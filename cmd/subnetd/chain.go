package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/subnetd/subnetd/chain"
	"github.com/subnetd/subnetd/chain/subtensor"
	"github.com/subnetd/subnetd/chain/timelock"
	"github.com/subnetd/subnetd/wallet"
)

// newChainCmd is `subnetd chain`: read a subnet's metagraph and submit weights to a subtensor node.
func newChainCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "chain",
		Short: "Read a subnet from a subtensor node and submit weights to it",
		Long: `Talk to a real subtensor node over Substrate JSON-RPC (ws://, wss://, http:// or https://).

Call indices, storage layouts and signed extensions come from the node's own metadata, so the same
build works across runtime upgrades; transactions are signed with your hotkey (sr25519) and carry
a mortal era of 64 blocks, so one that does not land within it never will.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newChainMetagraphCmd(), newChainSetWeightsCmd(), newChainRevealCmd())
	return cmd
}

// chainCommon are the flags every chain subcommand has.
type chainCommon struct {
	url     string
	netuid  uint16
	timeout time.Duration
}

func (f *chainCommon) register(cmd *cobra.Command, timeout time.Duration) {
	cmd.Flags().StringVar(&f.url, "chain", "ws://127.0.0.1:9944", "the node's JSON-RPC endpoint (ws://, wss://, http://, https://)")
	cmd.Flags().Uint16Var(&f.netuid, "netuid", 0, "the subnet")
	cmd.Flags().DurationVar(&f.timeout, "timeout", timeout, "deadline for the whole command, waiting for inclusion included")
	_ = cmd.MarkFlagRequired("netuid")
}

func (f *chainCommon) dial(ctx context.Context, stderr io.Writer) (*subtensor.Client, error) {
	return subtensor.Dial(ctx, f.url, subtensor.Options{Logf: func(format string, args ...any) {
		fmt.Fprintf(stderr, format+"\n", args...)
	}})
}

func newChainMetagraphCmd() *cobra.Command {
	var f chainCommon
	cmd := &cobra.Command{
		Use:   "metagraph --chain URL --netuid N",
		Short: "Print a subnet's metagraph as JSON",
		Long: `Print the subnet's metagraph at the best block as one JSON object on stdout:

  {"netuid":N,"block":B,"block_hash":"0x…","owner_hotkey":"5…",
   "hyperparams":{"tempo":…,"weights_version":…,"weights_rate_limit":…,"min_allowed_weights":…,
                  "max_weights_limit":…,"commit_reveal_weights_enabled":…,"commit_reveal_period":…,…},
   "neurons":[{"uid":0,"hotkey":"5…","coldkey":"5…","stake":rao,"validator_permit":true,
               "last_update":B,"block_at_registration":B,"active":true,
               "axon":{"ip":"1.2.3.4","port":8091,…}},…]}

stake is the hotkey's alpha stake on the subnet in rao (1e-9). Keys print as SS58 (prefix 42).`,
		Example: `  subnetd chain metagraph --chain wss://entrypoint-finney.opentensor.ai:443 --netuid 1`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(chainCmdContext(cmd), f.timeout)
			defer cancel()
			c, err := f.dial(ctx, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			defer c.Close()
			mg, err := c.Metagraph(ctx, f.netuid)
			if err != nil {
				return err
			}
			return json.NewEncoder(cmd.OutOrStdout()).Encode(mg)
		},
	}
	f.register(cmd, time.Minute)
	return cmd
}

// chainSetFlags are the flags of `subnetd chain set-weights`.
type chainSetFlags struct {
	chainCommon
	walletPath, walletName, walletHotkey string
	uids, weights                        string
	versionKey                           uint64
	mecid                                uint8
	commit                               string
	revealRound                          uint64
	saltDir                              string
}

// chainSetOutput is the JSON line set-weights prints: the TxResult's fields plus these.
type chainSetOutput struct {
	// Action is "set_weights", "commit_weights" (hash) or the timelocked call's name.
	Action      string
	TxResult    chain.TxResult
	SaltFile    string
	RevealRound uint64
	Error       string
}

// MarshalJSON flattens the transaction result and the extra fields into one object.
func (o chainSetOutput) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(o.TxResult)
	if err != nil {
		return nil, err
	}
	m := map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	m["action"] = o.Action
	if o.SaltFile != "" {
		m["salt_file"] = o.SaltFile
	}
	if o.RevealRound != 0 {
		m["reveal_round"] = o.RevealRound
	}
	if o.Error != "" {
		m["error"] = o.Error
	}
	return json.Marshal(m)
}

func newChainSetWeightsCmd() *cobra.Command {
	var f chainSetFlags
	cmd := &cobra.Command{
		Use:   "set-weights --chain URL --netuid N --uids 0,1,2 --weights 65535,32768,100",
		Short: "Submit weights (or a commit of them, when the subnet uses commit-reveal)",
		Long: `Sign and submit your hotkey's weights for a subnet, wait for the block, and print the outcome.

--weights are the u16 values the chain stores (the output of "subnetd weights"), one per uid in
--uids. --version-key must be at least the subnet's weights_version.

When the subnet has commit-reveal off, this sends set_weights. When it is on, it commits instead
(--commit): "timelock" encrypts the weights to a drand quicknet round and the chain reveals them
itself; "hash" commits a salted hash and keeps the salt in --salt-dir so that "subnetd chain reveal"
(or the daemon) can reveal it in the reveal window, even after a restart; "auto" (default) picks
timelock where the runtime has it, as the SDK does, else hash.

Output on stdout, one JSON line:

  {"action":"set_weights","extrinsic_hash":"0x…","block_hash":"0x…","outcome":"SubtensorModule.WeightsSet",
   "state":"in_block","block":1234,"events":[…],"nonce":7}

outcome is the main event, or the pallet error's name (e.g. "SubtensorModule.SettingWeightsTooFast")
with a hint on stderr. The exit status is non-zero whenever the weights did not take effect.`,
		Example: `  subnetd chain set-weights --chain ws://127.0.0.1:9944 --netuid 2 \
      --wallet.name validator --wallet.hotkey default --uids 0,1,2 --weights 65535,32768,100`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return chainSetRun(chainCmdContext(cmd), f, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f.register(cmd, 2*time.Minute)
	fl := cmd.Flags()
	fl.StringVar(&f.walletPath, "wallet.path", wallet.DefaultWalletPath, "directory holding the wallets")
	fl.StringVar(&f.walletName, "wallet.name", "default", "wallet name (a directory under --wallet.path)")
	fl.StringVar(&f.walletHotkey, "wallet.hotkey", "default", "hotkey name (a file under NAME/hotkeys)")
	fl.StringVar(&f.uids, "uids", "", "comma-separated uids, e.g. 0,1,2")
	fl.StringVar(&f.weights, "weights", "", "comma-separated u16 weights, one per uid, e.g. 65535,32768,100")
	fl.Uint64Var(&f.versionKey, "version-key", 0, "weights version key (at least the subnet's weights_version)")
	fl.Uint8Var(&f.mecid, "mecid", 0, "mechanism id (0 = the subnet's main mechanism)")
	fl.StringVar(&f.commit, "commit", "auto", "on a commit-reveal subnet: auto, hash or timelock")
	fl.Uint64Var(&f.revealRound, "reveal-round", 0, "timelock: drand round to encrypt to (default: computed as the SDK does)")
	fl.StringVar(&f.saltDir, "salt-dir", chainDefaultSaltDir(), "hash commits: directory keeping the salts until the reveal")
	_ = cmd.MarkFlagRequired("uids")
	_ = cmd.MarkFlagRequired("weights")
	return cmd
}

func chainSetRun(ctx context.Context, f chainSetFlags, stdout, stderr io.Writer) error {
	uids, err := chainParseU16s("--uids", f.uids)
	if err != nil {
		return err
	}
	values, err := chainParseU16s("--weights", f.weights)
	if err != nil {
		return err
	}
	w := chain.WeightsCall{Netuid: f.netuid, Mecid: f.mecid, UIDs: uids, Values: values, VersionKey: f.versionKey}
	if err := w.Validate(); err != nil {
		return err
	}
	switch f.commit {
	case "auto", "hash", "timelock":
	default:
		return fmt.Errorf("--commit %q: want auto, hash or timelock", f.commit)
	}
	wl, err := wallet.Load(f.walletPath, f.walletName, f.walletHotkey)
	if err != nil {
		return err
	}
	for _, warn := range wl.Warnings {
		fmt.Fprintln(stderr, "warning:", warn)
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	c, err := f.dial(ctx, stderr)
	if err != nil {
		return err
	}
	defer c.Close()
	hp, err := c.Hyperparams(ctx, f.netuid)
	if err != nil {
		return err
	}
	if f.versionKey < hp.WeightsVersionKey {
		fmt.Fprintf(stderr, "warning: --version-key %d is below the subnet's weights_version %d; the chain will refuse it\n", f.versionKey, hp.WeightsVersionKey)
	}
	out := chainSetOutput{Action: "set_weights"}
	var res chain.TxResult
	switch {
	case !hp.CommitRevealEnabled:
		res, err = c.SetWeights(ctx, wl.Hotkey, w)
	default:
		mode := f.commit
		call, terr := c.TimelockedCall(ctx, f.mecid)
		if terr != nil {
			return terr
		}
		if mode == "auto" {
			mode = "hash"
			if call != "" {
				mode = "timelock"
			}
		}
		if mode == "timelock" {
			if call == "" {
				return fmt.Errorf("--commit timelock: the runtime has no timelocked commit call: %w", chain.ErrNotAvailable)
			}
			out.Action = call
			res, out.RevealRound, err = chainCommitTimelocked(ctx, c, wl.Hotkey, w, hp, call, f.revealRound)
		} else {
			out.Action = "commit_weights"
			store, serr := chain.OpenSaltStore(f.saltDir)
			if serr != nil {
				return serr
			}
			hc := &chain.HashCommitter{Chain: c, Store: store, Signer: wl.Hotkey}
			var p chain.PendingReveal
			res, p, err = hc.Commit(ctx, w)
			if h, herr := p.HashBytes(); herr == nil && (err == nil || errors.Is(err, chain.ErrTxPending)) {
				out.SaltFile = store.Path(h)
			}
		}
	}
	out.TxResult = res
	if err != nil {
		out.Error = oneLine(err)
	}
	if res.Hash != ([32]byte{}) {
		if jerr := json.NewEncoder(stdout).Encode(out); jerr != nil {
			return jerr
		}
		fmt.Fprintf(stderr, "%s 0x%s: %s", out.Action, hex.EncodeToString(res.Hash[:]), res.State)
		if res.Block > 0 {
			fmt.Fprintf(stderr, " in block %d", res.Block)
		}
		fmt.Fprintf(stderr, ": %s\n", res.Outcome())
		if out.SaltFile != "" {
			fmt.Fprintf(stderr, "salt kept in %s; reveal in the window with: subnetd chain reveal --chain %s --netuid %d "+
				"--wallet.path %s --wallet.name %s --wallet.hotkey %s --salt-dir %s\n",
				out.SaltFile, f.url, f.netuid, f.walletPath, f.walletName, f.walletHotkey, f.saltDir)
		}
	}
	return err
}

// chainCommitTimelocked encrypts the weights to a drand round and submits the timelocked commit.
func chainCommitTimelocked(ctx context.Context, c *subtensor.Client, s *wallet.Keypair, w chain.WeightsCall, hp chain.Hyperparams, call string, round uint64) (chain.TxResult, uint64, error) {
	if round == 0 {
		cur, err := c.CurrentBlock(ctx)
		if err != nil {
			return chain.TxResult{}, 0, err
		}
		round = timelock.RevealRound(timelock.RevealSchedule{
			Netuid: chain.NetuidIndex(w.Netuid, w.Mecid), Tempo: hp.Tempo, CurrentBlock: cur, RevealPeriodEpochs: hp.RevealPeriodEpochs,
		}, time.Now())
	}
	version := chain.TimelockVersion(hp.CommitRevealVersion)
	format := timelock.FormatLegacy
	if chain.TimelockWithHotkey(call, version) {
		format = timelock.FormatV4
	}
	pub := s.PublicKey()
	ct, err := timelock.BuildCommit(rand.Reader, timelock.CommitRequest{
		Format: format, Hotkey: pub[:], Uids: w.UIDs, Weights: w.Values, VersionKey: w.VersionKey, RevealRound: round,
	})
	if err != nil {
		return chain.TxResult{}, round, err
	}
	tc := chain.TimelockedCommit{Netuid: w.Netuid, Mecid: w.Mecid, Ciphertext: ct, RevealRound: round, Version: version}
	res, err := c.CommitTimelocked(ctx, s, tc)
	return res, round, err
}

func newChainRevealCmd() *cobra.Command {
	var f chainSetFlags
	cmd := &cobra.Command{
		Use:   "reveal --chain URL --netuid N --salt-dir DIR",
		Short: "Reveal the hash commits kept in --salt-dir whose reveal window is open",
		Long: `Look at every hash commit "set-weights --commit hash" kept in --salt-dir for your hotkey, and reveal
those whose reveal window contains the next block. Commits the chain no longer has (revealed, or
expired) are removed from the directory. Prints one JSON line per commit:

  {"hash":"0x…","action":"revealed|waiting|expired|gone|failed","window":[first,last],…}

The exit status is non-zero when a reveal failed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return chainRevealRun(chainCmdContext(cmd), f, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f.register(cmd, 2*time.Minute)
	fl := cmd.Flags()
	fl.StringVar(&f.walletPath, "wallet.path", wallet.DefaultWalletPath, "directory holding the wallets")
	fl.StringVar(&f.walletName, "wallet.name", "default", "wallet name (a directory under --wallet.path)")
	fl.StringVar(&f.walletHotkey, "wallet.hotkey", "default", "hotkey name (a file under NAME/hotkeys)")
	fl.StringVar(&f.saltDir, "salt-dir", chainDefaultSaltDir(), "directory the salts were kept in")
	return cmd
}

func chainRevealRun(ctx context.Context, f chainSetFlags, stdout, stderr io.Writer) error {
	wl, err := wallet.Load(f.walletPath, f.walletName, f.walletHotkey)
	if err != nil {
		return err
	}
	for _, warn := range wl.Warnings {
		fmt.Fprintln(stderr, "warning:", warn)
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	c, err := f.dial(ctx, stderr)
	if err != nil {
		return err
	}
	defer c.Close()
	store, err := chain.OpenSaltStore(f.saltDir)
	if err != nil {
		return err
	}
	hc := &chain.HashCommitter{Chain: c, Store: store, Signer: wl.Hotkey}
	outs, err := hc.RevealDue(ctx)
	enc := json.NewEncoder(stdout)
	var failed error
	for _, o := range outs {
		if o.Pending.Call.Netuid != f.netuid {
			continue
		}
		line := struct {
			Hash   string          `json:"hash"`
			Action string          `json:"action"`
			Window [2]uint64       `json:"window"`
			Result *chain.TxResult `json:"result,omitempty"`
			Error  string          `json:"error,omitempty"`
		}{Hash: o.Pending.Hash, Action: o.Action, Window: o.Window}
		if o.Result.Hash != ([32]byte{}) {
			r := o.Result
			line.Result = &r
		}
		if o.Err != nil {
			line.Error = oneLine(o.Err)
			if o.Action == "failed" {
				failed = o.Err
			}
		}
		if jerr := enc.Encode(line); jerr != nil {
			return jerr
		}
	}
	if err != nil {
		return err
	}
	return failed
}

// chainParseU16s parses "0,1,2".
func chainParseU16s(flag, s string) ([]uint16, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, fmt.Errorf("%s: empty list", flag)
	}
	parts := strings.Split(s, ",")
	out := make([]uint16, len(parts))
	for i, p := range parts {
		v, err := strconv.ParseUint(strings.TrimSpace(p), 10, 16)
		if err != nil {
			return nil, fmt.Errorf("%s: item %d (%q) is not an integer in 0..65535", flag, i+1, p)
		}
		out[i] = uint16(v)
	}
	return out, nil
}

// chainDefaultSaltDir is ~/.subnetd/salts (or ./.subnetd-salts without a home directory).
func chainDefaultSaltDir() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return ".subnetd-salts"
	}
	return filepath.Join(home, ".subnetd", "salts")
}

// chainCmdContext is the command's context, or Background when run without one.
func chainCmdContext(cmd *cobra.Command) context.Context {
	if ctx := cmd.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}
