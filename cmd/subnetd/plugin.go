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
		Short: "Write, build, test, measure, package and check scorers (Go, AssemblyScript, Python, Rust, C)",
		Long: `plugin groups the commands a scorer author uses, for a project in any language this build
knows (see 'plugin new --help'):

  new DIR --lang L   a project that passes its own tests at once
  build DIR          the scorer as DIR/<name>.wasm, screened against ABI v1
  test DIR           build, then check every fixtures/NAME.round.json
  bench DIR          the Wasm scorer against its native counterpart, one JSON line
  pack DIR           a scorer package (module + manifest + self-tests)
  sign / verify      sign a package; check it exactly as a validator does
  publish PKGDIR     pin a package on chain (the Commitments pallet) for validators to follow

The language of DIR is detected from its files. A missing toolchain fails with one line
saying what to install. docs/SCORERS.md is the guide, a section per language.`,
	}
	cmd.AddCommand(newPluginBuildCmd(), newPluginBenchCmd(),
		newPluginNewCmd(), newPluginTestCmd(), newPluginPackCmd(), newPluginSignCmd(), newPluginVerifyCmd(), newPluginPublishCmd())
	return cmd
}

func newPluginBuildCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "build DIR",
		Short: "Build the scorer in DIR (any language) to DIR/<name>.wasm",
		Long: `build compiles the scorer in DIR to DIR/<name>.wasm, then screens the result against ABI v1
so a module the daemon would refuse fails here. It prints the module's path on stdout. The
language is detected from DIR's files:

  go              .go files (pdk/go): GOOS=wasip1 GOARCH=wasm -buildmode=c-shared -trimpath
  assemblyscript  asconfig.json, or a package.json depending on assemblyscript: the project's
                  pinned compiler from node_modules; when it is missing, build installs it
                  first (npm ci with a package-lock.json, else npm install), saying so on stderr
  python          scorer.py: CPython for WASI (fetched by npm on the first build, sha256
                  checked) with the kit and the project's .py files inside one command scorer
  rust            Cargo.toml: cargo build --target wasm32-wasi, a reactor (pdk/rust)
  c               a .c file including subnetd.h: clang --target=wasm32-wasi -mexec-model=reactor

Every language builds reproducibly: the same sources and toolchain give the same bytes.
A missing toolchain fails with one line saying what to install.`,
		Example: `  subnetd plugin build examples/scorers/quality`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := plugins.Build(cmd.Context(), args[0], plugins.TargetWasm, out)
			if err != nil {
				return fmt.Errorf("plugin %w", err)
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
		Short: "Measure the scorer in DIR (any language) as Wasm against its native counterpart",
		Long: `bench builds the scorer in DIR as Wasm and its native counterpart, builds one synthetic
Round of --miners miners (with the scorer's own challenge, when it makes one), and times
both on those same bytes in one run. The Wasm side is the whole call as the daemon makes it
(fresh instance, gas metering on, Scores validated). The native side is:

  go, rust, c     the same source built natively; the scorer call timed in-process
  assemblyscript  the Go scorer its package.json names under "subnetd": {"native": DIR} (or
                  native/), checked first to return the same Scores on the benchmark Round
  command scorers the same program run natively (Python: python3 on the same files), whole
                  processes fed the Round on stdin, start-up included, mean of several runs

It prints one JSON line ("lang" is the detected language):

  {"miners":N,"wasm_ns_per_call":…,"native_ns_per_call":…,"ratio":…,
   "instantiate_ns":…,"compile_cold_ms":…,"compile_cached_ms":…,"lang":"go"}`,
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
