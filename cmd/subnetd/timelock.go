package main

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/subnetd/subnetd/chain/timelock"
)

// newTimelockCmd groups the drand quicknet timelock tools: the encryption
// Bittensor's timelocked commit-reveal uses, and its inverse for audits.
func newTimelockCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "timelock",
		Short: "Timelock-encrypt to drand quicknet rounds, and decrypt with a round signature",
		Long: `Timelocked commit-reveal (CRv3/CRv4) encrypts a validator's weights to a future drand
quicknet round; the chain decrypts them itself once that round's signature is stored.
These commands expose the same encryption (tle, BLS12-381 IBE + AES-256-GCM, in the
ark-serialize compressed format the chain reads) for tests and audits.

All byte arguments and outputs are hex (an optional 0x prefix is accepted).
Results go to stdout; errors to stderr with a non-zero exit.`,
		Example: `  subnetd timelock encrypt --round 1000 --plaintext 48656c6c6f
  subnetd timelock decrypt --round 1000 --signature b44679b9… --ciphertext af8873…
  subnetd timelock commit --round 1000 --hotkey d43593c7… --uids 0,1,2 --weights 100,65535,32768
  subnetd timelock reveal-round --netuid 1 --tempo 360 --block 4200000 --reveal-period 1`,
	}
	cmd.AddCommand(
		timelockEncryptCmd(),
		timelockDecryptCmd(),
		timelockVerifyCmd(),
		timelockPayloadCmd(),
		timelockCommitCmd(),
		timelockRevealRoundCmd(),
	)
	return cmd
}

func timelockEncryptCmd() *cobra.Command {
	var round uint64
	var plaintext string
	cmd := &cobra.Command{
		Use:   "encrypt --round R --plaintext HEX",
		Short: "Encrypt bytes to a quicknet round; prints the ciphertext hex",
		Long: `Encrypts the plaintext to drand quicknet round R with fresh randomness. The output
(len(plaintext)+244 bytes) opens only with quicknet's signature for round R, which drand
publishes at genesis + (R-1)*3 s. Two runs give different ciphertexts.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pt, err := timelockHex("plaintext", plaintext)
			if err != nil {
				return err
			}
			ct, err := timelock.Quicknet().Encrypt(rand.Reader, round, pt)
			if err != nil {
				return fmt.Errorf("encrypt to round %d: %w", round, err)
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), hex.EncodeToString(ct))
			return err
		},
	}
	cmd.Flags().Uint64Var(&round, "round", 0, "drand quicknet round to encrypt to (required)")
	cmd.Flags().StringVar(&plaintext, "plaintext", "", "plaintext bytes as hex (required; may be empty)")
	_ = cmd.MarkFlagRequired("round")
	_ = cmd.MarkFlagRequired("plaintext")
	return cmd
}

func timelockDecryptCmd() *cobra.Command {
	var round uint64
	var signature, ciphertext string
	cmd := &cobra.Command{
		Use:   "decrypt --round R --signature HEX --ciphertext HEX",
		Short: "Verify a round signature and decrypt a ciphertext; prints the plaintext hex",
		Long: `Checks that the signature is quicknet's BLS signature for round R (48-byte compressed
G1 point, as drand's /public/R endpoint or the chain's Drand.Pulses storage hold it), then
decrypts the ciphertext with it. Exits non-zero, naming the reason, when the signature does
not verify, the ciphertext is malformed, or it does not open (another round, tampered).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sig, err := timelockHex("signature", signature)
			if err != nil {
				return err
			}
			ct, err := timelockHex("ciphertext", ciphertext)
			if err != nil {
				return err
			}
			pt, err := timelock.Quicknet().Decrypt(round, sig, ct)
			if err != nil {
				return fmt.Errorf("decrypt for round %d: %w", round, err)
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), hex.EncodeToString(pt))
			return err
		},
	}
	cmd.Flags().Uint64Var(&round, "round", 0, "drand quicknet round the signature is for (required)")
	cmd.Flags().StringVar(&signature, "signature", "", "the round's BLS signature, hex (required)")
	cmd.Flags().StringVar(&ciphertext, "ciphertext", "", "the timelock ciphertext, hex (required)")
	for _, f := range []string{"round", "signature", "ciphertext"} {
		_ = cmd.MarkFlagRequired(f)
	}
	return cmd
}

func timelockVerifyCmd() *cobra.Command {
	var round uint64
	var signature string
	cmd := &cobra.Command{
		Use:   "verify --round R --signature HEX",
		Short: "Check a quicknet round signature; prints the round's randomness",
		Long: `Verifies the BLS signature for round R against quicknet's public key and prints the
round's randomness (sha256 of the signature). Exits non-zero when it does not verify.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sig, err := timelockHex("signature", signature)
			if err != nil {
				return err
			}
			if err := timelock.Quicknet().VerifySignature(round, sig); err != nil {
				return fmt.Errorf("round %d: %w", round, err)
			}
			r := sha256.Sum256(sig)
			_, err = fmt.Fprintln(cmd.OutOrStdout(), hex.EncodeToString(r[:]))
			return err
		},
	}
	cmd.Flags().Uint64Var(&round, "round", 0, "drand quicknet round (required)")
	cmd.Flags().StringVar(&signature, "signature", "", "the round's BLS signature, hex (required)")
	_ = cmd.MarkFlagRequired("round")
	_ = cmd.MarkFlagRequired("signature")
	return cmd
}

// timelockPayloadFlags are the flags shared by payload and commit.
type timelockPayloadFlags struct {
	hotkey, uids, weights, format string
	versionKey                    uint64
}

func (f *timelockPayloadFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.hotkey, "hotkey", "", "the committing hotkey's 32-byte public key, hex (required for --format v4)")
	cmd.Flags().StringVar(&f.uids, "uids", "", "comma-separated uids (required)")
	cmd.Flags().StringVar(&f.weights, "weights", "", "comma-separated u16 weights, one per uid; max-upscaled as the SDK does (required)")
	cmd.Flags().Uint64Var(&f.versionKey, "version-key", 0, "the subnet's weights version key")
	cmd.Flags().StringVar(&f.format, "format", "v4", "payload layout: v4 (with hotkey; commit_timelocked_*_weights) or legacy (CRv3; commit_crv3_weights)")
	_ = cmd.MarkFlagRequired("uids")
	_ = cmd.MarkFlagRequired("weights")
}

func (f *timelockPayloadFlags) parse() (timelock.Format, []byte, []uint16, []uint16, error) {
	var format timelock.Format
	switch f.format {
	case "v4":
		format = timelock.FormatV4
	case "legacy":
		format = timelock.FormatLegacy
	default:
		return 0, nil, nil, nil, fmt.Errorf("--format %q: want v4 or legacy", f.format)
	}
	hotkey, err := timelockHex("hotkey", f.hotkey)
	if err != nil {
		return 0, nil, nil, nil, err
	}
	uids, err := timelockU16List("uids", f.uids)
	if err != nil {
		return 0, nil, nil, nil, err
	}
	weights, err := timelockU16List("weights", f.weights)
	if err != nil {
		return 0, nil, nil, nil, err
	}
	return format, hotkey, uids, weights, nil
}

func timelockPayloadCmd() *cobra.Command {
	var f timelockPayloadFlags
	cmd := &cobra.Command{
		Use:   "payload --hotkey HEX --uids LIST --weights LIST [--version-key K] [--format v4|legacy]",
		Short: "Print the SCALE WeightsTlockPayload a commit encrypts, as hex",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, hotkey, uids, weights, err := f.parse()
			if err != nil {
				return err
			}
			p, err := timelock.NewPayload(format, hotkey, uids, weights, f.versionKey)
			if err != nil {
				return err
			}
			enc, err := p.Encode(format)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), hex.EncodeToString(enc))
			return err
		},
	}
	f.register(cmd)
	return cmd
}

func timelockCommitCmd() *cobra.Command {
	var f timelockPayloadFlags
	var round uint64
	cmd := &cobra.Command{
		Use:   "commit --round R --hotkey HEX --uids LIST --weights LIST [--version-key K] [--format v4|legacy]",
		Short: "Build the commit bytes of a timelocked weights commit; prints them as hex",
		Long: `Builds the payload (see 'timelock payload') and encrypts it to round R: the bytes a
commit_timelocked_(mechanism_)weights or commit_crv3_weights extrinsic carries with
reveal_round R. It does not submit anything.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, hotkey, uids, weights, err := f.parse()
			if err != nil {
				return err
			}
			ct, err := timelock.BuildCommit(rand.Reader, timelock.CommitRequest{
				Format: format, Hotkey: hotkey, Uids: uids, Weights: weights,
				VersionKey: f.versionKey, RevealRound: round,
			})
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), hex.EncodeToString(ct))
			return err
		},
	}
	cmd.Flags().Uint64Var(&round, "round", 0, "drand quicknet reveal round (required; see 'timelock reveal-round')")
	_ = cmd.MarkFlagRequired("round")
	f.register(cmd)
	return cmd
}

func timelockRevealRoundCmd() *cobra.Command {
	var s timelock.RevealSchedule
	var now int64
	cmd := &cobra.Command{
		Use:   "reveal-round --netuid N --tempo T --block B --reveal-period P [--block-time 12s] [--now UNIX]",
		Short: "Compute the drand round the SDK would encrypt a commit to; prints JSON",
		Long: `Computes reveal_round as the Bittensor SDK (bittensor-drand) does, from chain values:
the first block of the reveal epoch (legacy epoch formula), 3 blocks later, converted to
time with --block-time from now, then to the last quicknet round published by then.
Prints {"reveal_round":…,"first_reveal_block":…,"round_time":"…"}.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			at := time.Now()
			if cmd.Flags().Changed("now") {
				at = time.Unix(now, 0)
			}
			round := timelock.RevealRound(s, at)
			out, err := json.Marshal(struct {
				RevealRound      uint64 `json:"reveal_round"`
				FirstRevealBlock uint64 `json:"first_reveal_block"`
				RoundTime        string `json:"round_time"`
			}{round, s.FirstRevealBlock(), timelock.RoundTime(round).Format(time.RFC3339)})
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), string(out))
			return err
		},
	}
	cmd.Flags().Uint16Var(&s.Netuid, "netuid", 0, "subnet storage index: mecid*4096 + netuid (required)")
	cmd.Flags().Uint16Var(&s.Tempo, "tempo", 0, "the subnet's tempo (required)")
	cmd.Flags().Uint64Var(&s.CurrentBlock, "block", 0, "the current block (required)")
	cmd.Flags().Uint64Var(&s.RevealPeriodEpochs, "reveal-period", 1, "RevealPeriodEpochs of the subnet")
	cmd.Flags().DurationVar(&s.BlockTime, "block-time", timelock.DefaultBlockTime, "the chain's block time")
	cmd.Flags().Int64Var(&now, "now", 0, "unix time to compute from (default: the current time)")
	for _, f := range []string{"netuid", "tempo", "block"} {
		_ = cmd.MarkFlagRequired(f)
	}
	return cmd
}

// timelockHex decodes a hex flag value, accepting a 0x prefix and surrounding space.
func timelockHex(flag, s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("--%s: not hex: %w", flag, err)
	}
	return b, nil
}

// timelockU16List parses a comma-separated list of u16 values.
func timelockU16List(flag, s string) ([]uint16, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, fmt.Errorf("--%s: empty list", flag)
	}
	parts := strings.Split(s, ",")
	out := make([]uint16, 0, len(parts))
	for i, p := range parts {
		v, err := strconv.ParseUint(strings.TrimSpace(p), 10, 16)
		if err != nil {
			var ne *strconv.NumError
			if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) {
				return nil, fmt.Errorf("--%s: entry %d (%q) exceeds %d", flag, i, p, math.MaxUint16)
			}
			return nil, fmt.Errorf("--%s: entry %d (%q) is not an unsigned integer", flag, i, p)
		}
		out = append(out, uint16(v))
	}
	return out, nil
}
