package main

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/spf13/cobra"

	"github.com/subnetd/subnetd/plugins"
	"github.com/subnetd/subnetd/runtime"
	"github.com/subnetd/subnetd/wallet"
)

// The scorer-authoring commands: plugin new, test, pack, sign and verify. They turn flags into
// calls of package plugins (languages, fixtures, Pack, the key file, Accept); docs/SCORERS.md
// is the guide.

var authorNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

func newPluginNewCmd() *cobra.Command {
	var (
		lang      string
		src       string
		noInstall bool
	)
	cmd := &cobra.Command{
		Use:   "new DIR",
		Short: "Create a scorer project (go, assemblyscript, python, rust or c) that passes its tests at once",
		Long: `new writes a ready scorer project in DIR (its base name is the scorer's name: lowercase
letters, digits, - and _). The project needs nothing but this binary and the language's
toolchain: the binary carries each language's kit and writes a copy into the project.

  go              main.go; outside the subnetd module also go.mod, whose replace directive
                  points at subnetd-pdk/ (the Go kit, pdk/go, written by this binary)
  assemblyscript  assembly/index.ts, package.json (the pinned compiler), asconfig.json,
                  subnetd-pdk/ (the kit), native/ (the same starter in Go: plugin bench's
                  counterpart); then npm installs the compiler (--no-install: the first
                  build does it)
  python          scorer.py (the subnetd module is packed in by the build, with CPython for
                  WASI fetched by npm on the first build and checked against its sha256)
  rust            Cargo.toml, src/lib.rs, subnetd-pdk/ (the pdk/rust crate)
  c               scorer.c, subnetd.h and subnetd.c (the kit)
  every language  fixtures/basic.round.json and fixtures/basic.scores.json (a Round and the
                  Scores the scorer must return for it), README.md, .gitignore

The starter scorer rewards miners that answer, and answer fast; its expected Scores are
computed by subnetd independently of the scorer. The project passes 'subnetd plugin test DIR'
as written; change the scorer, then the fixtures. A missing toolchain is named in one line.`,
		Example: `  subnetd plugin new myscorer
  subnetd plugin new ~/scorers/fast-ts --lang assemblyscript
  subnetd plugin test myscorer`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			dir := args[0]
			name := filepath.Base(filepath.Clean(dir))
			if !authorNameRE.MatchString(name) {
				return fmt.Errorf("plugin new: name %q (the directory's base name) must be 1-64 of [a-z0-9_-], starting with a letter or digit", name)
			}
			l, err := plugins.LanguageNamed(lang)
			if err != nil {
				return fmt.Errorf("plugin new: --lang: %w", err)
			}
			if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
				return fmt.Errorf("plugin new: %s exists and is not empty", dir)
			}
			if src != "" && l.Name() == plugins.LangGo {
				err = plugins.NewGoProject(dir, name, src)
			} else {
				err = l.New(ctx, dir, name)
			}
			if err != nil {
				return fmt.Errorf("plugin new: %w", err)
			}
			if inst, ok := l.(plugins.Installer); ok && !noInstall {
				if err := inst.Install(ctx, dir, cmd.ErrOrStderr()); err != nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "plugin new: %v; the first build will try again\n", err)
				}
			}
			if err := l.Toolchain(ctx, dir); err != nil {
				fmt.Fprintf(cmd.ErrOrStderr(), "note: %v\n", err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "created %s (%s). Next:\n  subnetd plugin test %s\n", dir, l.Name(), dir)
			_, err = fmt.Fprintln(cmd.OutOrStdout(), dir)
			return err
		},
	}
	cmd.Flags().StringVar(&lang, "lang", "go", "language: "+authorLangList())
	cmd.Flags().StringVar(&src, "subnetd-src", "", "Go: use this subnetd checkout for pdk/go instead of the copy the binary carries")
	cmd.Flags().BoolVar(&noInstall, "no-install", false, "do not fetch the language's pinned tools now (AssemblyScript's compiler); the first build does")
	return cmd
}

// authorLangList names the languages this build knows, in the documented order.
func authorLangList() string {
	var names []string
	for _, n := range plugins.LangNames {
		if _, err := plugins.LanguageNamed(string(n)); err == nil {
			names = append(names, string(n))
		}
	}
	return strings.Join(names, "|")
}

// ---- plugin test -----------------------------------------------------------------------

func newPluginTestCmd() *cobra.Command {
	var (
		rf     runtimeFlags
		update bool
	)
	cmd := &cobra.Command{
		Use:   "test DIR",
		Short: "Build the scorer in DIR (any language) and check it against DIR/fixtures",
		Long: `test builds the scorer in DIR (its language is detected: see 'plugin build --help'), loads it
exactly as the daemon does, and runs it on every fixtures/NAME.round.json:

  NAME.scores.json   the Scores it must return (compared in canonical form: uids ascending,
                     numbers as float64, state decoded)
  NAME.error.txt     or: a text the round's error must contain (a scorer that must refuse)

On a difference it prints what differs, uid by uid, and the state side by side. A fixture
without its .scores.json gets the scorer's output written there and fails once, so that you
check it. --update writes the scorer's current output as the expected Scores of every fixture
(check them!). The exit status is 0 only when every fixture passed.`,
		Example: `  subnetd plugin test examples/scorers/quality-as
  subnetd plugin test myscorer --update`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			dir := args[0]
			fixtures, err := plugins.ReadFixtures(dir)
			if err != nil {
				return fmt.Errorf("plugin test: %w", err)
			}
			tmp, err := os.MkdirTemp("", "subnetd-test")
			if err != nil {
				return err
			}
			defer os.RemoveAll(tmp)
			path, err := plugins.Build(ctx, dir, plugins.TargetWasm, filepath.Join(tmp, "scorer.wasm"))
			if err != nil {
				return fmt.Errorf("plugin test: %w", err)
			}
			wasm, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			rt, err := runtime.New(ctx, rf.config())
			if err != nil {
				return err
			}
			defer rt.Close(ctx)
			name, _ := plugins.Name(dir)
			s, err := rt.Load(ctx, name, wasm)
			if err != nil {
				return fmt.Errorf("plugin test: %w", err)
			}
			defer s.Close(ctx)
			out := cmd.ErrOrStderr()
			failed := 0
			for _, f := range fixtures {
				r := plugins.RunFixture(ctx, s, f, update)
				if r.Result != nil && (r.Problem != "" || r.Wrote) {
					printLogs(cmd, r.Result)
				}
				if r.Problem == "" {
					fmt.Fprintf(out, "ok   %s\n", f.Name)
					continue
				}
				failed++
				fmt.Fprintf(out, "FAIL %s: %s\n", f.Name, r.Problem)
			}
			fmt.Fprintf(out, "%d passed, %d failed\n", len(fixtures)-failed, failed)
			if failed > 0 {
				return fmt.Errorf("plugin test: %d of %d fixtures failed", failed, len(fixtures))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&update, "update", false, "write the scorer's current Scores as every fixture's expected Scores")
	rf.register(cmd)
	return cmd
}

// ---- plugin pack ------------------------------------------------------------------------

func newPluginPackCmd() *cobra.Command {
	var (
		opts     plugins.PackOptions
		cacheDir string
	)
	cmd := &cobra.Command{
		Use:   "pack DIR",
		Short: "Build the scorer in DIR (any language) into a scorer package with self-tests from its fixtures",
		Long: `pack builds the scorer in DIR and writes a scorer package directory (default
DIR/dist/NAME-VERSION):

  NAME.wasm       the module
  manifest.json   name, version, netuid, abi, module, sha256 of the module, the limits the
                  package asks for, and self_tests: every fixture that must score (Round and
                  expected Scores; fixtures expecting an error are left out)

A project needs at least one scoring fixture (fixtures/NAME.round.json + NAME.scores.json).
Validators run the self-tests before they swap a new version in, and refuse a package that
asks for more than their subnet allows. The limits written are the runtime defaults unless
you lower (or raise) them with the flags. Before writing anything, pack puts the package
through the same acceptance policy validators use (plugins.Accept: limits, screening, load,
self-tests) under exactly those limits. Sign the package with 'subnetd plugin sign'.`,
		Example: `  subnetd plugin pack examples/scorers/quality-as --version 1.0.0 --netuid 1
  subnetd plugin pack myscorer --version 0.2.0 --netuid 7 --memory-pages 256 --out /tmp/pkg`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Version == "" {
				return errors.New("plugin pack: --version is required (e.g. 1.0.0)")
			}
			opts.CacheDir = cacheDir
			out, m, err := plugins.Pack(cmd.Context(), args[0], opts)
			if err != nil {
				return fmt.Errorf("plugin %w", err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "packed %s %s: %s (sha256 %s, %d self-tests)\n", m.Name, m.Version, out, m.SHA256, len(m.SelfTests))
			_, err = fmt.Fprintln(cmd.OutOrStdout(), out)
			return err
		},
	}
	cmd.Flags().StringVar(&opts.Version, "version", "", "package version (required)")
	cmd.Flags().Uint16Var(&opts.Netuid, "netuid", 0, "the subnet the scorer is for")
	cmd.Flags().StringVar(&opts.Name, "name", "", "scorer name (default: DIR's base name)")
	cmd.Flags().StringVarP(&opts.Out, "out", "o", "", "package directory (default DIR/dist/NAME-VERSION)")
	cmd.Flags().Uint32Var(&opts.Limits.MemoryPages, "memory-pages", 0, "memory the package asks for, in 64 KiB pages (default 1024)")
	cmd.Flags().IntVar(&opts.Limits.MaxStateBytes, "max-state-bytes", 0, "state size the package asks for (default 1 MiB)")
	cmd.Flags().IntVar(&opts.Limits.MaxOutputBytes, "max-output-bytes", 0, "Scores size the package asks for (default 4 MiB)")
	cmd.Flags().Uint64Var(&opts.Limits.Gas, "gas", 0, "gas per call the package asks for (default runtime.DefaultGas)")
	cmd.Flags().StringVar(&cacheDir, "cache-dir", defaultCacheDir(), "where compiled scorers are cached on disk")
	_ = cmd.Flags().MarkHidden("cache-dir")
	return cmd
}

// ---- plugin sign / verify ------------------------------------------------------------------

// authorLoadKey reads the publisher key file, creating it when create is set and it is missing.
func authorLoadKey(cmd *cobra.Command, path string, create bool) (ed25519.PrivateKey, error) {
	priv, err := plugins.LoadKeyFile(path)
	if errors.Is(err, plugins.ErrNoKeyFile) {
		if !create {
			return nil, fmt.Errorf("%w (--new-key creates one)", err)
		}
		if priv, err = plugins.CreateKeyFile(path); err == nil {
			fmt.Fprintf(cmd.ErrOrStderr(), "created publisher key %s (keep it secret; mode 0600)\n", path)
		}
	}
	return priv, err
}

func newPluginSignCmd() *cobra.Command {
	var (
		keyPath                     string
		newKey                      bool
		walletPath, walletName, hot string
	)
	cmd := &cobra.Command{
		Use:   "sign PKGDIR",
		Short: "Sign a scorer package (manifest.sig) with an ed25519 key or a Bittensor hotkey",
		Long: `sign writes PKGDIR/manifest.sig: a signature over the exact bytes of manifest.json, which
carries the module's sha256, so it covers the module too. Sign with either

  --key FILE     an ed25519 publisher key file ({"scheme":"ed25519","seed":"0x…"}, mode 0600);
                 --new-key creates it when it does not exist
  --wallet.*     a Bittensor hotkey (sr25519, substrate signing context), e.g. the subnet owner's

It checks the package first (manifest valid, module hash matching) and prints the publisher
key to pin in validator configs (subnets[].publisher_keys) on stdout. The secret is never printed.`,
		Example: `  subnetd plugin sign dist/myscorer-0.1.0 --key publisher.key --new-key
  subnetd plugin sign dist/myscorer-0.1.0 --wallet.name owner --wallet.hotkey default`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pkg, err := plugins.ReadPackage(args[0])
			if err != nil {
				return fmt.Errorf("plugin sign: %w", err)
			}
			var sig *plugins.Signature
			switch {
			case keyPath != "" && walletName != "":
				return errors.New("plugin sign: give --key or --wallet.name, not both")
			case keyPath != "":
				priv, err := authorLoadKey(cmd, keyPath, newKey)
				if err != nil {
					return fmt.Errorf("plugin sign: %w", err)
				}
				sig = plugins.SignEd25519(priv, pkg.ManifestBytes)
			case walletName != "":
				kp, err := wallet.LoadHotkey(walletPath, walletName, hot)
				if err != nil {
					return fmt.Errorf("plugin sign: %w", err)
				}
				if sig, err = plugins.SignSr25519(kp, pkg.ManifestBytes); err != nil {
					return fmt.Errorf("plugin sign: %w", err)
				}
			default:
				return errors.New("plugin sign: give --key FILE (ed25519) or --wallet.name/--wallet.hotkey (sr25519)")
			}
			b, err := json.Marshal(sig)
			if err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(args[0], plugins.SignatureFile), append(b, '\n'), 0o644); err != nil {
				return fmt.Errorf("plugin sign: %w", err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "signed %s %s (%s)\n", pkg.Manifest.Name, pkg.Manifest.Version, filepath.Join(args[0], plugins.SignatureFile))
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s:%s\n", sig.Scheme, sig.PublicKey)
			return err
		},
	}
	cmd.Flags().StringVar(&keyPath, "key", "", "ed25519 publisher key file")
	cmd.Flags().BoolVar(&newKey, "new-key", false, "create the --key file (a new ed25519 key) when it does not exist")
	home, _ := os.UserHomeDir()
	cmd.Flags().StringVar(&walletPath, "wallet.path", filepath.Join(home, ".bittensor", "wallets"), "Bittensor wallets directory")
	cmd.Flags().StringVar(&walletName, "wallet.name", "", "wallet name (sign with its hotkey)")
	cmd.Flags().StringVar(&hot, "wallet.hotkey", "default", "hotkey name")
	return cmd
}

// authorVerifyReport is what plugin verify prints.
type authorVerifyReport struct {
	Name      string `json:"name"`
	Version   string `json:"version"`
	Netuid    uint16 `json:"netuid"`
	SHA256    string `json:"sha256"`
	SignedBy  string `json:"signed_by,omitempty"`
	Pinned    bool   `json:"pinned"`
	SelfTests int    `json:"self_tests"`
	OK        bool   `json:"ok"`
}

func newPluginVerifyCmd() *cobra.Command {
	var (
		keys   []string
		netuid int
		rf     runtimeFlags
	)
	cmd := &cobra.Command{
		Use:   "verify PKGDIR",
		Short: "Check a scorer package exactly as a validator does: hash, signature, limits, screening, self-tests",
		Long: `verify puts the package in PKGDIR through the acceptance policy the daemon applies before it
swaps a version in (plugins.Accept, one implementation for both): the manifest is valid and
the module's sha256 matches it; the signature passes the rule below; the package asks for no
more than the limits (the runtime defaults, or the --memory-pages/--gas/--timeout flags);
the module screens and compiles; every self-test passes. --netuid also checks the subnet.

Signatures (docs/SCORERS.md, "Acceptance"): with --key (repeatable: ed25519:0x…, sr25519:0x…
or sr25519:SS58), as with a validator's publisher_keys, the package must be signed by one of
those keys. Without pins an unsigned package passes ("signed_by" empty), but a signature
that is there must verify with the key it names: a broken signature is always refused.

It prints one JSON line and exits non-zero, with the reason on stderr, when anything fails.`,
		Example: `  subnetd plugin verify dist/myscorer-0.1.0 --key ed25519:0x3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			pkg, err := plugins.ReadPackage(args[0])
			if err != nil {
				return fmt.Errorf("plugin verify: %w", err)
			}
			var pol plugins.Policy
			for _, k := range keys {
				pk, err := plugins.ParsePublicKey(k)
				if err != nil {
					return fmt.Errorf("plugin verify: %w", err)
				}
				pol.Pins = append(pol.Pins, pk)
			}
			if cmd.Flags().Changed("netuid") {
				if netuid < 0 || netuid > 65535 {
					return fmt.Errorf("plugin verify: --netuid %d is not in 0..65535", netuid)
				}
				n := uint16(netuid)
				pol.Netuid = &n
			}
			rt, err := runtime.New(ctx, rf.config())
			if err != nil {
				return err
			}
			defer rt.Close(ctx)
			pol.Limits = rt.Limits()
			acc, err := plugins.Accept(ctx, pkg, pol, plugins.RuntimeLoader(rt))
			if err != nil {
				return fmt.Errorf("plugin verify: %w", err)
			}
			acc.Scorer.Close(ctx)
			m := &pkg.Manifest
			rep := authorVerifyReport{Name: m.Name, Version: m.Version, Netuid: m.Netuid, SHA256: m.SHA256,
				SignedBy: acc.SignedBy, Pinned: acc.Pinned, SelfTests: acc.SelfTests, OK: true}
			return json.NewEncoder(cmd.OutOrStdout()).Encode(rep)
		},
	}
	cmd.Flags().StringArrayVar(&keys, "key", nil, "pinned publisher key (repeatable)")
	cmd.Flags().IntVar(&netuid, "netuid", 0, "the subnet the package must be for (default: any)")
	rf.register(cmd)
	_ = cmd.Flags().MarkHidden("cache-dir")
	_ = cmd.Flags().MarkHidden("no-cache")
	return cmd
}
