package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/subnetd/subnetd/runtime"
)

// runtimeFlags are the sandbox settings shared by score and plugin bench.
type runtimeFlags struct {
	engine      string
	cacheDir    string
	noCache     bool
	timeout     time.Duration
	memoryPages uint32
	gas         uint64
}

func (f *runtimeFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.engine, "engine", string(runtime.EngineWazero), "Wasm engine: wazero (wasmtime needs a build with -tags wasmtime)")
	cmd.Flags().StringVar(&f.cacheDir, "cache-dir", defaultCacheDir(), "where compiled scorers are cached on disk")
	cmd.Flags().BoolVar(&f.noCache, "no-cache", false, "do not read or write the on-disk compilation cache")
	cmd.Flags().Uint64Var(&f.gas, "gas", 0, "gas budget per call, the deterministic execution bound (default 10000000000, about one per Wasm instruction)")
	cmd.Flags().DurationVar(&f.timeout, "timeout", 0, "wall-clock backstop per call (default 60s)")
	cmd.Flags().Uint32Var(&f.memoryPages, "memory-pages", 0, "memory cap in 64 KiB pages (default 1024 = 64 MiB)")
}

func (f *runtimeFlags) config() runtime.Config {
	cfg := runtime.Config{Engine: runtime.Engine(f.engine), CacheDir: f.cacheDir}
	if f.noCache {
		cfg.CacheDir = ""
	}
	cfg.Limits.Timeout = f.timeout
	cfg.Limits.MemoryPages = f.memoryPages
	cfg.Limits.Gas = f.gas
	return cfg
}

func defaultCacheDir() string {
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "subnetd", "compiled")
}

func newScoreCmd() *cobra.Command {
	var (
		rf        runtimeFlags
		plugin    string
		roundPath string
	)
	cmd := &cobra.Command{
		Use:   "score --plugin FILE.wasm --round ROUND.json",
		Short: "Run a scorer once on a Round and print its Scores",
		Long: `score loads a scorer module (screened, compiled, sandboxed exactly as the daemon does),
runs subnetd_score on the Round message in ROUND.json, validates the result, and prints the
Scores JSON on stdout (uids ascending). The scorer's log lines go to stderr.

The exit status is 0 on success; when the module or its output is refused, it is non-zero
and stderr says why in one line.

The Round format is docs/ABI.md's. The guest's clock reads the Round's block_time_ms and its
random numbers come from the Round's seed, so the same files give the same bytes every run.`,
		Example: `  subnetd plugin build examples/scorers/latency
  subnetd score --plugin examples/scorers/latency/latency.wasm --round examples/rounds/latency.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			wasm, err := os.ReadFile(plugin)
			if err != nil {
				return fmt.Errorf("read plugin: %w", err)
			}
			round, err := os.ReadFile(roundPath)
			if err != nil {
				return fmt.Errorf("read round: %w", err)
			}
			meta, err := runtime.ParseRoundMeta(round)
			if err != nil {
				return err
			}
			rt, err := runtime.New(ctx, rf.config())
			if err != nil {
				return err
			}
			defer rt.Close(ctx)
			s, err := rt.Load(ctx, filepath.Base(plugin), wasm)
			if err != nil {
				return err
			}
			res, err := s.Score(ctx, round, meta)
			if res != nil {
				printLogs(cmd, res)
			}
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s\n", res.Scores.Canonical())
			return err
		},
	}
	cmd.Flags().StringVar(&plugin, "plugin", "", "scorer module (.wasm)")
	cmd.Flags().StringVar(&roundPath, "round", "", "Round message (JSON)")
	_ = cmd.MarkFlagRequired("plugin")
	_ = cmd.MarkFlagRequired("round")
	rf.register(cmd)
	return cmd
}

// printLogs writes a scorer's log lines to stderr as JSON lines.
func printLogs(cmd *cobra.Command, res *runtime.Result) {
	enc := json.NewEncoder(cmd.ErrOrStderr())
	for _, l := range res.Logs {
		_ = enc.Encode(map[string]any{"scorer_log": l.Text, "level": l.Level, "source": l.Source})
	}
	if res.LogsDropped > 0 {
		fmt.Fprintf(cmd.ErrOrStderr(), "scorer log: %d more lines dropped (limit reached)\n", res.LogsDropped)
	}
}
