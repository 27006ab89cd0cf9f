package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/subnetd/subnetd/dendrite"
	"github.com/subnetd/subnetd/wallet"
)

// queryFlags are the flags of `subnetd query`.
type queryFlags struct {
	walletPath, walletName, walletHotkey string
	axon, axonHotkey, synapse, body      string
	hashFields                           string
	timeout                              time.Duration
}

// newQueryCmd is `subnetd query`: one signed dendrite request to one axon.
func newQueryCmd() *cobra.Command {
	var f queryFlags
	cmd := &cobra.Command{
		Use:   "query --axon IP:PORT --axon-hotkey SS58 --synapse NAME [--body JSON]",
		Short: "Send one signed synapse request to a miner's axon and print its answer",
		Long: `Send one request of Bittensor's synapse protocol to a miner, exactly as a Python validator's
dendrite would: POST http://IP:PORT/NAME with the body as the synapse JSON, bt_header_* headers
and an sr25519 signature by your hotkey over "nonce.your_hotkey.axon_hotkey.uuid.body_hash".

The hotkey is read from the Bittensor wallet layout: --wallet.path/--wallet.name/hotkeys/
--wallet.hotkey, the JSON keyfile the Bittensor CLI writes (unencrypted, as hotkeys are).

Output on stdout, one JSON line:

  {"status":200,"latency_ms":12.3,"response":{...the miner's synapse fields...}}

status is the axon's HTTP status, or the dendrite's code for a client-side failure (408
timeout, 503 connection refused, 422 unparseable answer, 413 answer too large); response is
null unless status is 200, and the reason goes to stderr. The exit status is 0 whenever an
outcome was printed, whatever the miner answered; it is 1 for bad flags or an unreadable
wallet.

--body is a JSON object with the synapse's own fields (use @FILE to read it from a file, or
- for stdin). Fields covered by the synapse's body hash (its required_hash_fields) go in
--hash-fields; most subnets declare none.`,
		Example: `  subnetd query --wallet.name validator --wallet.hotkey default \
      --axon 127.0.0.1:8091 --axon-hotkey 5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty \
      --synapse SumTask --body '{"task":"sum","id":"x","numbers":[1,2,3]}' --timeout 5s`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return queryRun(cmd.Context(), f, cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.walletPath, "wallet.path", wallet.DefaultWalletPath, "directory holding the wallets")
	fl.StringVar(&f.walletName, "wallet.name", "default", "wallet name (a directory under --wallet.path)")
	fl.StringVar(&f.walletHotkey, "wallet.hotkey", "default", "hotkey name (a file under NAME/hotkeys)")
	fl.StringVar(&f.axon, "axon", "", "the miner's axon address, IP:PORT ([IPv6]:PORT)")
	fl.StringVar(&f.axonHotkey, "axon-hotkey", "", "the miner's SS58 hotkey (it is part of the signed message)")
	fl.StringVar(&f.synapse, "synapse", "", "synapse class name, e.g. TextPrompt")
	fl.StringVar(&f.body, "body", "{}", "JSON object of the synapse's fields, @FILE, or - for stdin")
	fl.StringVar(&f.hashFields, "hash-fields", "", "comma-separated required_hash_fields of the synapse")
	fl.DurationVar(&f.timeout, "timeout", dendrite.DefaultTimeout, "request timeout, sent to the axon too")
	for _, name := range []string{"axon", "axon-hotkey", "synapse"} {
		_ = cmd.MarkFlagRequired(name)
	}
	return cmd
}

// queryOutput is the pinned JSON line.
type queryOutput struct {
	Status    int             `json:"status"`
	LatencyMs float64         `json:"latency_ms"`
	Response  json.RawMessage `json:"response"`
}

func queryRun(ctx context.Context, f queryFlags, stdin io.Reader, stdout, stderr io.Writer) error {
	if ctx == nil {
		ctx = context.Background()
	}
	host, portStr, err := net.SplitHostPort(f.axon)
	if err != nil {
		return fmt.Errorf("query: --axon %q: want IP:PORT: %w", f.axon, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port <= 0 || port > 65535 {
		return fmt.Errorf("query: --axon %q: port must be 1-65535", f.axon)
	}
	if net.ParseIP(host) == nil {
		ips, err := net.DefaultResolver.LookupIPAddr(ctx, host)
		if err != nil || len(ips) == 0 {
			return fmt.Errorf("query: --axon %q: %q is not an IP address and does not resolve", f.axon, host)
		}
		host = ips[0].IP.String()
	}
	if _, _, err := wallet.DecodeSS58(f.axonHotkey); err != nil {
		return fmt.Errorf("query: --axon-hotkey: %w", err)
	}
	if f.timeout <= 0 {
		return fmt.Errorf("query: --timeout %s must be positive", f.timeout)
	}
	body, err := queryReadBody(f.body, stdin)
	if err != nil {
		return fmt.Errorf("query: --body: %w", err)
	}
	kp, err := wallet.LoadHotkey(f.walletPath, f.walletName, f.walletHotkey)
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	for _, w := range kp.Warnings() {
		fmt.Fprintln(stderr, "subnetd query: warning:", w)
	}
	var hashFields []string
	if f.hashFields != "" {
		for _, h := range strings.Split(f.hashFields, ",") {
			if h = strings.TrimSpace(h); h != "" {
				hashFields = append(hashFields, h)
			}
		}
	}
	client, err := dendrite.New(kp, dendrite.Options{})
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	defer client.Close()
	resp, err := client.Query(ctx, dendrite.Target{IP: host, Port: port, Hotkey: f.axonHotkey},
		dendrite.Request{Synapse: f.synapse, Body: body, Timeout: f.timeout, RequiredHashFields: hashFields})
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	out := queryOutput{
		Status:    resp.Status,
		LatencyMs: math.Round(float64(resp.Latency.Microseconds())) / 1000,
		Response:  resp.Body,
	}
	if out.Response == nil {
		out.Response = json.RawMessage("null")
	}
	line, err := json.Marshal(out)
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	if resp.Status != dendrite.StatusOK {
		fmt.Fprintf(stderr, "subnetd query: axon %s answered %d: %s\n", f.axon, resp.Status, resp.Message)
	}
	_, err = fmt.Fprintf(stdout, "%s\n", line)
	return err
}

// queryReadBody returns the --body JSON: inline, @FILE, or - for stdin.
func queryReadBody(v string, stdin io.Reader) (json.RawMessage, error) {
	var data []byte
	switch {
	case v == "-":
		b, err := io.ReadAll(io.LimitReader(stdin, 64<<20))
		if err != nil {
			return nil, err
		}
		data = b
	case strings.HasPrefix(v, "@"):
		b, err := os.ReadFile(v[1:])
		if err != nil {
			return nil, err
		}
		data = b
	default:
		data = []byte(v)
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil || probe == nil {
		if err == nil {
			err = errors.New("null")
		}
		return nil, fmt.Errorf("not a JSON object: %v", err)
	}
	return json.RawMessage(data), nil
}
