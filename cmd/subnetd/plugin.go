package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/subnetd/subnetd/plugins"
)

func newPluginCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "plugin",
		Short: "Build and measure scorers",
		Long: `plugin groups the commands a scorer author uses: build a scorer from source, and
benchmark it against the same code compiled natively.`,
	}
	cmd.AddCommand(newPluginBuildCmd(), newPluginBenchCmd(),
		newPluginNewCmd(), newPluginTestCmd(), newPluginPackCmd(), newPluginSignCmd(), newPluginVerifyCmd())
	return cmd
}

func newPluginBuildCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "build DIR",
		Short: "Build the scorer in DIR (Go or AssemblyScript) to DIR/<name>.wasm",
		Long: `build compiles the scorer in DIR to DIR/<name>.wasm, then screens the result against ABI v1
so a module the daemon would refuse fails here. It prints the module's path on stdout.

A Go scorer is built with GOOS=wasip1 GOARCH=wasm -buildmode=c-shared -trimpath (the module
bytes are reproducible). An AssemblyScript project (asconfig.json, or a package.json that
depends on assemblyscript) is built with the project's own compiler from node_modules; run
npm install (or scripts/install-asc.sh for the examples) first.`,
		Example: `  subnetd plugin build examples/scorers/quality`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := plugins.Build(cmd.Context(), args[0], plugins.TargetWasm, out)
			if err != nil {
				return err
			}
			info, err := plugins.ScreenFile(path)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "built %s (%d bytes, sha256 %s)\n", path, info.Size, info.SHA256)
			_, err = fmt.Fprintln(cmd.OutOrStdout(), path)
			return err
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "output file (default DIR/<name>.wasm)")
	return cmd
}

func newPluginBenchCmd() *cobra.Command {
	var (
		opts plugins.BenchOptions
		rf   runtimeFlags
	)
	cmd := &cobra.Command{
		Use:   "bench DIR",
		Short: "Measure the scorer in DIR as Wasm against the same algorithm as native Go",
		Long: `bench builds the scorer in DIR as Wasm and its native counterpart (for a Go scorer, the
same source built natively; for an AssemblyScript project, the Go directory its package.json
names under "subnetd": {"native": DIR}), builds one synthetic Round of --miners miners, and
times the scorer call on those same bytes on both sides in one run. The Wasm side is the whole
call as the daemon makes it (fresh instance, gas metering on, Scores validated). It prints one
JSON line:

  {"miners":N,"wasm_ns_per_call":…,"native_ns_per_call":…,"ratio":…,
   "instantiate_ns":…,"compile_cold_ms":…,"compile_cached_ms":…}`,
		Example: `  subnetd plugin bench examples/scorers/quality --miners 256`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg := rf.config()
			opts.Engine, opts.Limits = cfg.Engine, cfg.Limits
			rep, err := plugins.Bench(cmd.Context(), args[0], opts)
			if err != nil {
				return err
			}
			return json.NewEncoder(cmd.OutOrStdout()).Encode(rep)
		},
	}
	cmd.Flags().IntVar(&opts.Miners, "miners", 4096, "synthetic miners in the Round")
	cmd.Flags().DurationVar(&opts.MinTime, "min-time", 0, "minimum measuring time per side (default 1s)")
	rf.register(cmd)
	_ = cmd.Flags().MarkHidden("cache-dir")
	_ = cmd.Flags().MarkHidden("no-cache")
	return cmd
}
