package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/subnetd/subnetd/chain"
	"github.com/subnetd/subnetd/chain/devnet"
	"github.com/subnetd/subnetd/chain/subtensor"
	"github.com/subnetd/subnetd/internal/demo"
	"github.com/subnetd/subnetd/validator"
	"github.com/subnetd/subnetd/wallet"
)

func newRunCmd() *cobra.Command {
	var path string
	cmd := &cobra.Command{
		Use:   "run --config subnetd.yaml",
		Short: "Run the validator daemon for every subnet in the config",
		Long: `run is the validator daemon. For every subnet in the config it runs rounds aligned to the
chain's blocks (respecting the weights rate limit): snapshot the metagraph, challenge and query
the serving miners, score the answers in the subnet's sandboxed WebAssembly scorer, compute
SDK-identical weights, preview the epoch with Yuma, set (or commit) the weights, and record the
round in the records database before the next one starts. Each subnet runs in its own goroutine
with its own limits, so a slow or failing subnet never delays another.

New scorer versions are picked up from each subnet's watch directory (and from the admin
endpoint), screened, verified against the pinned publisher keys, compiled and self-tested in
the background, and swapped in at a round boundary; a bad version is refused and the old one
keeps running.

HTTP (config "listen"): /metrics (Prometheus), /healthz (JSON), POST /admin/scorers (bearer
token from "admin_token_file"). Logs are structured (log/slog) on stderr. SIGINT or SIGTERM
stops the daemon gracefully: every subnet finishes and records its round in flight.

"chain: {endpoint: devnet}" runs on the embedded devnet with example miners, for trying a
config out. docs/OPERATIONS.md describes every config field; examples/configs has examples.`,
		Example: `  subnetd run --config examples/configs/devnet.yaml
  subnetd run --config /etc/subnetd/subnetd.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if path == "" {
				return fmt.Errorf("run: --config FILE is required")
			}
			cfg, err := validator.LoadConfig(path)
			if err != nil {
				return err
			}
			log := runLogger(cmd, cfg.Log)
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()

			key, err := runKey(cfg.Wallet)
			if err != nil {
				return err
			}
			var ch chain.Chain
			if cfg.Chain.Endpoint == "devnet" {
				net, err := runDevnet(ctx, cfg, key, log)
				if err != nil {
					return err
				}
				defer net.Close()
				ch = net.Chain
			} else {
				dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				c, err := subtensor.Dial(dctx, cfg.Chain.Endpoint, subtensor.Options{Logf: func(format string, args ...any) {
					log.Info(fmt.Sprintf(format, args...), "component", "chain")
				}})
				cancel()
				if err != nil {
					return fmt.Errorf("run: connect %s: %w", cfg.Chain.Endpoint, err)
				}
				defer c.Close()
				ch = c
			}
			d, err := validator.NewDaemon(ctx, cfg, ch, key, log)
			if err != nil {
				return err
			}
			log.Info("subnetd running", "hotkey", key.SS58(), "chain", cfg.Chain.Endpoint, "subnets", len(cfg.Subnets))
			runErr := d.Run(ctx)
			if err := d.Close(context.Background()); err != nil && runErr == nil {
				runErr = err
			}
			log.Info("subnetd stopped")
			return runErr
		},
	}
	cmd.Flags().StringVar(&path, "config", "", "YAML config file (required)")
	return cmd
}

// runLogger builds the slog logger the config asks for, on stderr.
func runLogger(cmd *cobra.Command, lc validator.LogConfig) *slog.Logger {
	var level slog.Level
	switch strings.ToLower(lc.Level) {
	case "debug":
		level = slog.LevelDebug
	case "warn":
		level = slog.LevelWarn
	case "error":
		level = slog.LevelError
	default:
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	if strings.ToLower(lc.Format) == "json" {
		return slog.New(slog.NewJSONHandler(cmd.ErrOrStderr(), opts))
	}
	return slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), opts))
}

// runKey loads the validator's hotkey: a wallet file, or a development URI.
func runKey(wc validator.WalletConfig) (*wallet.Keypair, error) {
	if wc.URI != "" {
		kp, err := wallet.FromURI(wc.URI)
		if err != nil {
			return nil, fmt.Errorf("run: wallet.uri: %w", err)
		}
		return kp, nil
	}
	kp, err := wallet.LoadHotkey(wc.Path, wc.Name, wc.Hotkey) // ParseConfig filled the default path
	if err != nil {
		return nil, fmt.Errorf("run: wallet: %w", err)
	}
	return kp, nil
}

// runDevnet starts the embedded chain of a devnet config: the configured subnets, our hotkey
// registered and staked, example miners, and block production.
func runDevnet(ctx context.Context, cfg *validator.Config, key *wallet.Keypair, log *slog.Logger) (*demo.Devnet, error) {
	dv := cfg.Chain.Devnet // ParseConfig filled the defaults
	miners, err := demo.ProfileSpecs(dv.Miners)
	if err != nil {
		return nil, fmt.Errorf("run: devnet: %w", err)
	}
	var netuids []uint16
	for _, s := range cfg.Subnets {
		netuids = append(netuids, s.Netuid)
	}
	net, err := demo.StartDevnet(ctx, demo.DevnetOptions{Netuids: netuids, Tempo: dv.Tempo, RateLimit: 1,
		Validators: []demo.DevnetValidator{{Hotkey: key.SS58(), StakeTAO: dv.StakeTAO}}, Miners: miners})
	if err != nil {
		return nil, fmt.Errorf("run: %w", err)
	}
	go net.Chain.Produce(ctx, dv.BlockTime, func(eps []devnet.EpochResult) {
		for _, ep := range eps {
			log.Info("devnet epoch", "netuid", ep.Netuid, "block", ep.Block)
		}
	})
	log.Info("devnet started", "subnets", netuids, "miners", len(miners), "block_time", dv.BlockTime, "tempo", dv.Tempo)
	return net, nil
}
