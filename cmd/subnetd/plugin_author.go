package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"

	aspdk "github.com/subnetd/subnetd/pdk/assemblyscript"
	"github.com/subnetd/subnetd/plugins"
	"github.com/subnetd/subnetd/runtime"
	"github.com/subnetd/subnetd/wallet"
)

// The scorer-authoring commands: plugin new, test, pack, sign and verify. See docs/SCORERS.md.

// authorModule is the Go module path of subnetd, whose pdk/go a Go scorer imports.
const authorModule = "github.com/subnetd/subnetd"

var authorNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

func newPluginNewCmd() *cobra.Command {
	var (
		lang      string
		src       string
		noInstall bool
	)
	cmd := &cobra.Command{
		Use:   "new DIR",
		Short: "Create a scorer project (Go or AssemblyScript) that builds and passes its tests",
		Long: `new writes a ready scorer project in DIR (its base name is the scorer's name: lowercase
letters, digits, - and _):

  Go:             main.go (pdk/go), go.mod when DIR is outside the subnetd module
  AssemblyScript: assembly/index.ts, package.json, asconfig.json, subnetd-pdk/ (a copy of
                  the kit), then npm install of the pinned assemblyscript compiler
  both:           fixtures/basic.round.json and fixtures/basic.scores.json (a Round and the
                  Scores the scorer must return for it), README.md, .gitignore

The example scorer rewards miners that answer, and answer fast. The project passes
'subnetd plugin test DIR' as written; change the scorer, then the fixtures.

A Go scorer imports github.com/subnetd/subnetd/pdk/go. Outside the subnetd repository, the
project's go.mod points at a local subnetd checkout (--subnetd-src, found automatically
when the current directory or this binary lives in one).`,
		Example: `  subnetd plugin new myscorer
  subnetd plugin new ~/scorers/fast-ts --lang assemblyscript
  subnetd plugin test myscorer`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := args[0]
			name := filepath.Base(filepath.Clean(dir))
			if !authorNameRE.MatchString(name) {
				return fmt.Errorf("plugin new: name %q (the directory's base name) must be 1-64 of [a-z0-9_-], starting with a letter or digit", name)
			}
			if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
				return fmt.Errorf("plugin new: %s exists and is not empty", dir)
			}
			var err error
			switch lang {
			case "go":
				err = authorNewGo(dir, name, src)
			case "assemblyscript", "as", "ts":
				err = authorNewAS(cmd, dir, name, noInstall)
			default:
				return fmt.Errorf("plugin new: --lang %q: want go or assemblyscript", lang)
			}
			if err != nil {
				return fmt.Errorf("plugin new: %w", err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "created %s (%s). Next:\n  subnetd plugin test %s\n", dir, lang, dir)
			_, err = fmt.Fprintln(cmd.OutOrStdout(), dir)
			return err
		},
	}
	cmd.Flags().StringVar(&lang, "lang", "go", "language: go or assemblyscript")
	cmd.Flags().StringVar(&src, "subnetd-src", "", "subnetd source checkout for a Go project outside it (default: found from the current directory or this binary)")
	cmd.Flags().BoolVar(&noInstall, "no-install", false, "AssemblyScript: do not run npm install (run it yourself before building)")
	return cmd
}

// authorFixtureRound is the example Round every new project starts with.
func authorFixtureRound() runtime.Round {
	r := runtime.Round{Netuid: 1, Block: 4_521_000, BlockHash: "0x" + strings.Repeat("ab", 32), BlockTimeMs: 1_764_000_000_000,
		Validator: runtime.Validator{UID: 0, Hotkey: "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"},
		Challenge: json.RawMessage(`{"prompt":"say hello"}`)}
	for i := range r.Seed {
		r.Seed[i] = byte(i + 1)
	}
	r.Miners = []runtime.Miner{
		{UID: 1, Hotkey: "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty", Stake: 12.5, Status: 200, LatencyMs: 250, Response: json.RawMessage(`{"text":"hello"}`)},
		{UID: 2, Hotkey: "5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y", Stake: 3, Status: 200, LatencyMs: 1000, Response: json.RawMessage(`{"text":"hi"}`)},
		{UID: 3, Hotkey: "5DAAnrj7VHTznn2AWBemMuyBwZWs6FNFjdyVXUeYum3PTXFy", Stake: 0, Status: 408, LatencyMs: 12000},
		{UID: 4, Hotkey: "5HGjWAeFDfFCWPsjFQdVV2Msvz2XtMktvgocEZcCj68kUMaw", Stake: 1, Status: 200, LatencyMs: 333.3, Response: json.RawMessage(`null`)},
		{UID: 5, Hotkey: "5CiPPseXPECbkjWCa6MnjNokrgYjMqmKndv2rSnekmSK2DjL", Stake: 7.25, Status: 200, LatencyMs: 80.5, Response: json.RawMessage(`{"text":"hey"}`)},
	}
	return r
}

// authorExampleScore is the example scorer's formula, computed here independently of the
// scorer so that the fixture checks the scorer: 1/(1 + latency in seconds) for an answer
// (status 200 and a response other than null), else 0.
func authorExampleScore(r runtime.Round) runtime.Scores {
	var s runtime.Scores
	for _, m := range r.Miners {
		q := 0.0
		if m.Status == 200 && len(m.Response) > 0 && string(m.Response) != "null" {
			q = 1 / (1 + m.LatencyMs/1000)
		}
		s.Scores = append(s.Scores, runtime.Score{UID: m.UID, Score: q})
	}
	return s
}

// authorWriteCommon writes the fixtures, README and .gitignore every project has.
func authorWriteCommon(dir, name, lang string, extraIgnore []string) error {
	r := authorFixtureRound()
	round, _, err := r.Encode()
	if err != nil {
		return err
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, round, "", "  "); err != nil {
		return err
	}
	files := map[string]string{
		"fixtures/basic.round.json":  pretty.String() + "\n",
		"fixtures/basic.scores.json": string(authorExampleScore(r).Canonical()) + "\n",
		".gitignore":                 strings.Join(append([]string{"*.wasm", "dist/"}, extraIgnore...), "\n") + "\n",
		"README.md":                  authorReadme(name, lang),
	}
	return authorWriteFiles(dir, files)
}

func authorWriteFiles(dir string, files map[string]string) error {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p := filepath.Join(dir, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(files[n]), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func authorReadme(name, lang string) string {
	src := "main.go"
	build := "Go (`GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared`)"
	if lang == "assemblyscript" {
		src = "assembly/index.ts"
		build = "AssemblyScript (the compiler pinned in package.json; `npm install` first)"
	}
	return fmt.Sprintf(`# %[1]s

A subnetd scorer written in %[2]s. The scorer is %[3]s: one function that turns a Round
(what every miner answered) into Scores. docs/SCORERS.md in the subnetd repository is the
guide; docs/ABI.md the contract.

    subnetd plugin test .            # build, then check every fixtures/*.round.json
    subnetd plugin build .           # -> %[1]s.wasm
    subnetd score --plugin %[1]s.wasm --round fixtures/basic.round.json
    subnetd plugin pack . --version 0.1.0 --netuid 1
    subnetd plugin sign dist/%[1]s-0.1.0 --key publisher.key --new-key
    subnetd plugin verify dist/%[1]s-0.1.0 --key ed25519:0x…

fixtures/NAME.round.json is a Round; fixtures/NAME.scores.json the Scores the scorer must
return for it (NAME.error.txt instead: a text the round's error must contain). When you
change the scoring, write the new expected Scores by hand or after checking the output
(`+"`subnetd plugin test . --update`"+` rewrites them from the scorer's current output). pack
turns the fixtures into the package's self-tests, which every validator runs before it
swaps your version in.
`, name, build, src)
}

// authorFindSource finds a subnetd source checkout: a directory whose go.mod declares
// authorModule, at or above start.
func authorFindSource(start string) string {
	abs, err := filepath.Abs(start)
	if err != nil {
		return ""
	}
	for d := abs; ; d = filepath.Dir(d) {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil {
			if authorModuleLine(b) == authorModule {
				return d
			}
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

func authorModuleLine(gomod []byte) string {
	for _, l := range strings.Split(string(gomod), "\n") {
		if f := strings.Fields(l); len(f) == 2 && f[0] == "module" {
			return strings.Trim(f[1], `"`)
		}
	}
	return ""
}

// authorNearestModule returns the module path of the go.mod nearest above dir ("" if none).
func authorNearestModule(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	for d := abs; ; d = filepath.Dir(d) {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil {
			return authorModuleLine(b)
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

const authorGoMain = `// Command %[1]s is a subnetd scorer: it rewards miners that answer, and answer fast.
//
// Build it with 'subnetd plugin build .'; test it with 'subnetd plugin test .'.
package main

import pdk "github.com/subnetd/subnetd/pdk/go"

func init() { pdk.Register(pdk.Scorer{Score: Score}) }

// Score gives every miner that answered (status 200, a response other than null)
// 1/(1 + latency in seconds), and 0 to the others.
func Score(r pdk.Round) (pdk.Scores, error) {
	s := pdk.Scores{Scores: make([]pdk.Score, 0, len(r.Miners))}
	for _, m := range r.Miners {
		q := 0.0
		if m.Status == 200 && len(m.Response) > 0 && string(m.Response) != "null" {
			q = 1 / (1 + m.LatencyMs/1000)
		}
		s.Scores = append(s.Scores, pdk.Score{UID: m.UID, Score: q})
	}
	return s, nil
}

func main() { pdk.Main() }
`

func authorNewGo(dir, name, src string) error {
	files := map[string]string{"main.go": fmt.Sprintf(authorGoMain, name)}
	parent := filepath.Dir(filepath.Clean(dir))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	if authorNearestModule(parent) != authorModule {
		// Outside the subnetd module: a module of its own that uses a local subnetd checkout.
		if src == "" {
			src = authorFindSource(".")
		}
		if src == "" {
			if exe, err := os.Executable(); err == nil {
				src = authorFindSource(filepath.Dir(exe))
			}
		}
		if src == "" {
			return errors.New("a Go scorer outside the subnetd repository needs a subnetd checkout for pdk/go: pass --subnetd-src DIR")
		}
		abs, err := filepath.Abs(src)
		if err != nil {
			return err
		}
		gomod, err := os.ReadFile(filepath.Join(abs, "go.mod"))
		if err != nil || authorModuleLine(gomod) != authorModule {
			return fmt.Errorf("--subnetd-src %s: no go.mod for %s there", src, authorModule)
		}
		goVersion := "1.26"
		for _, l := range strings.Split(string(gomod), "\n") {
			if f := strings.Fields(l); len(f) == 2 && f[0] == "go" {
				goVersion = f[1] // at least the checkout's, or go wants to update go.mod
			}
		}
		files["go.mod"] = fmt.Sprintf("module %s\n\ngo %s\n\nrequire %s v0.0.0\n\nreplace %s => %s\n", name, goVersion, authorModule, authorModule, abs)
		// The checkout's go.sum covers every module its go.mod lists, so the build needs no network.
		if sum, err := os.ReadFile(filepath.Join(abs, "go.sum")); err == nil {
			files["go.sum"] = string(sum)
		}
	}
	if err := authorWriteFiles(dir, files); err != nil {
		return err
	}
	return authorWriteCommon(dir, name, "go", nil)
}

const authorASIndex = `// %[1]s is a subnetd scorer: it rewards miners that answer, and answer fast.
//
// Build it with 'subnetd plugin build .'; test it with 'subnetd plugin test .'.

import { Round, Scores, register } from "@subnetd/pdk";
export * from "@subnetd/pdk/assembly/abi";

/** score gives every miner that answered (status 200, a response other than null) 1/(1 + latency in seconds), and 0 to the others. */
function score(r: Round): Scores {
  let s = new Scores();
  for (let i = 0; i < r.miners.length; i++) {
    let m = r.miners[i];
    let q: f64 = 0;
    if (m.status == 200 && !m.response.isAbsent() && !m.response.isNull()) {
      q = 1 / (1 + m.latencyMs / 1000);
    }
    s.add(m.uid, q);
  }
  return s;
}

register(score);
`

const authorASConfig = `{
  "entries": ["assembly/index.ts"],
  "targets": {
    "release": {
      "optimizeLevel": 3,
      "shrinkLevel": 0,
      "runtime": "stub",
      "use": ["abort=~lib/@subnetd/pdk/assembly/index/onAbort"]
    }
  },
  "options": {}
}
`

func authorNewAS(cmd *cobra.Command, dir, name string, noInstall bool) error {
	pkg := map[string]any{
		"name":    name,
		"version": "0.1.0",
		"private": true,
		"scripts": map[string]string{"build": "subnetd plugin build .", "test": "subnetd plugin test ."},
		"devDependencies": map[string]string{
			"@subnetd/pdk":   "file:subnetd-pdk",
			"assemblyscript": aspdk.ASCVersion,
		},
	}
	pj, err := json.MarshalIndent(pkg, "", "  ")
	if err != nil {
		return err
	}
	files := map[string]string{
		"assembly/index.ts": fmt.Sprintf(authorASIndex, name),
		"asconfig.json":     authorASConfig,
		"package.json":      string(pj) + "\n",
	}
	// A copy of the kit: the project builds without the subnetd repository.
	err = fs.WalkDir(aspdk.Kit, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := aspdk.Kit.ReadFile(p)
		if err != nil {
			return err
		}
		files["subnetd-pdk/"+p] = string(b)
		return nil
	})
	if err != nil {
		return err
	}
	if err := authorWriteFiles(dir, files); err != nil {
		return err
	}
	if err := authorWriteCommon(dir, name, "assemblyscript", []string{"node_modules/"}); err != nil {
		return err
	}
	if noInstall {
		return nil
	}
	if _, err := exec.LookPath("npm"); err != nil {
		fmt.Fprintf(cmd.ErrOrStderr(), "npm not found: install Node.js 18+, then run npm install in %s\n", dir)
		return nil
	}
	npm := exec.CommandContext(cmd.Context(), "npm", "install", "--no-audit", "--no-fund")
	npm.Dir = dir
	npm.Stdout, npm.Stderr = cmd.ErrOrStderr(), cmd.ErrOrStderr()
	if err := npm.Run(); err != nil {
		return fmt.Errorf("npm install in %s: %w (run it again there once the network is back)", dir, err)
	}
	return nil
}

// ---- plugin test -----------------------------------------------------------------------

// authorFixture is one Round file and what its scorer must do with it.
type authorFixture struct {
	name      string
	roundPath string
	round     []byte
	expect    []byte // expected Scores (nil when expectErr is set)
	expectErr string // a text the error must contain
	expPath   string
}

// authorReadFixtures reads DIR/fixtures/*.round.json and their .scores.json / .error.txt.
func authorReadFixtures(dir string) ([]authorFixture, error) {
	rounds, _ := filepath.Glob(filepath.Join(dir, "fixtures", "*.round.json"))
	if len(rounds) == 0 {
		return nil, fmt.Errorf("no fixtures: add %s (a Round) and NAME.scores.json (the Scores it must give)", filepath.Join(dir, "fixtures", "NAME.round.json"))
	}
	var out []authorFixture
	for _, rp := range rounds {
		name := strings.TrimSuffix(filepath.Base(rp), ".round.json")
		round, err := os.ReadFile(rp)
		if err != nil {
			return nil, err
		}
		var c bytes.Buffer
		if err := json.Compact(&c, round); err != nil {
			return nil, fmt.Errorf("%s: not JSON: %w", rp, err)
		}
		f := authorFixture{name: name, roundPath: rp, round: c.Bytes()}
		base := strings.TrimSuffix(rp, ".round.json")
		if b, err := os.ReadFile(base + ".error.txt"); err == nil {
			f.expectErr, f.expPath = strings.TrimSpace(string(b)), base+".error.txt"
		} else if b, err := os.ReadFile(base + ".scores.json"); err == nil {
			f.expect, f.expPath = b, base+".scores.json"
		} else {
			f.expPath = base + ".scores.json"
		}
		out = append(out, f)
	}
	return out, nil
}

func newPluginTestCmd() *cobra.Command {
	var (
		rf     runtimeFlags
		update bool
	)
	cmd := &cobra.Command{
		Use:   "test DIR",
		Short: "Build the scorer in DIR and check it against DIR/fixtures",
		Long: `test builds the scorer in DIR (Go or AssemblyScript), loads it exactly as the daemon does,
and runs it on every fixtures/NAME.round.json:

  NAME.scores.json   the Scores it must return (compared in canonical form: uids ascending,
                     numbers as float64, state decoded)
  NAME.error.txt     or: a text the round's error must contain (a scorer that must refuse)

On a difference it prints what differs, uid by uid, and the state side by side. --update
writes the scorer's current output as the expected Scores of every fixture (check them!).
The exit status is 0 only when every fixture passed.`,
		Example: `  subnetd plugin test examples/scorers/quality-as
  subnetd plugin test myscorer --update`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			dir := args[0]
			fixtures, err := authorReadFixtures(dir)
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
			out := cmd.ErrOrStderr()
			failed := 0
			for _, f := range fixtures {
				msg := authorRunFixture(cmd, s, f, update, rt.Limits().MaxStateBytes)
				if msg == "" {
					fmt.Fprintf(out, "ok   %s\n", f.name)
					continue
				}
				failed++
				fmt.Fprintf(out, "FAIL %s: %s\n", f.name, msg)
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

// authorRunFixture runs one fixture and returns "" when it passed, else what went wrong.
func authorRunFixture(cmd *cobra.Command, s *runtime.Scorer, f authorFixture, update bool, maxState int) string {
	ctx := cmd.Context()
	meta, err := runtime.ParseRoundMeta(f.round)
	if err != nil {
		return fmt.Sprintf("%s: %v", f.roundPath, err)
	}
	res, err := s.Score(ctx, f.round, meta)
	if res != nil && (err != nil || f.expect == nil) {
		printLogs(cmd, res)
	}
	if f.expectErr != "" {
		switch {
		case err == nil:
			return fmt.Sprintf("the scorer returned %s, but %s expects an error containing %q", res.Scores.Canonical(), f.expPath, f.expectErr)
		case !strings.Contains(err.Error(), f.expectErr):
			return fmt.Sprintf("error %q does not contain %q (%s)", err, f.expectErr, f.expPath)
		}
		return ""
	}
	if err != nil {
		return err.Error()
	}
	got := res.Scores.Canonical()
	if update || f.expect == nil {
		if err := os.WriteFile(f.expPath, append(got, '\n'), 0o644); err != nil {
			return err.Error()
		}
		if !update {
			return fmt.Sprintf("no %s: wrote the scorer's output there; check it, then run again", f.expPath)
		}
		return ""
	}
	want, err := runtime.ValidateScores(bytes.TrimSpace(f.expect), meta.UIDs, math.MaxInt32)
	if err != nil {
		return fmt.Sprintf("%s: %v", f.expPath, err)
	}
	if bytes.Equal(got, want.Canonical()) {
		return ""
	}
	return "Scores differ from " + f.expPath + "\n" + authorDiff(res.Scores, want)
}

// authorDiff describes how got differs from want, uid by uid.
func authorDiff(got, want runtime.Scores) string {
	var b strings.Builder
	g := map[uint16]float64{}
	for _, s := range got.Scores {
		g[s.UID] = s.Score
	}
	w := map[uint16]float64{}
	for _, s := range want.Scores {
		w[s.UID] = s.Score
	}
	var uids []int
	for u := range g {
		uids = append(uids, int(u))
	}
	for u := range w {
		if _, ok := g[u]; !ok {
			uids = append(uids, int(u))
		}
	}
	sort.Ints(uids)
	num := func(v float64) string { x, _ := json.Marshal(v); return string(x) }
	for _, ui := range uids {
		u := uint16(ui)
		gv, gok := g[u]
		wv, wok := w[u]
		switch {
		case gok && !wok:
			fmt.Fprintf(&b, "    uid %d: got %s, expected no entry\n", u, num(gv))
		case !gok && wok:
			fmt.Fprintf(&b, "    uid %d: no entry, want %s\n", u, num(wv))
		case gv != wv:
			fmt.Fprintf(&b, "    uid %d: got %s, want %s (difference %s)\n", u, num(gv), num(wv), num(gv-wv))
		}
	}
	if !bytes.Equal(got.State, want.State) {
		fmt.Fprintf(&b, "    state: got  %s\n           want %s\n", authorShowState(got.State), authorShowState(want.State))
	}
	return strings.TrimRight(b.String(), "\n")
}

func authorShowState(b []byte) string {
	if len(b) == 0 {
		return "(none)"
	}
	s := string(b)
	if !utf8.ValidString(s) {
		s = "0x" + hex.EncodeToString(b)
	}
	if len(s) > 400 {
		s = s[:400] + "…"
	}
	return s
}

// ---- plugin pack ------------------------------------------------------------------------

func newPluginPackCmd() *cobra.Command {
	var (
		out, version, name string
		netuid             uint16
		lim                runtime.Limits
		cacheDir           string
	)
	cmd := &cobra.Command{
		Use:   "pack DIR",
		Short: "Build the scorer in DIR into a scorer package (module + manifest, self-tests from the fixtures)",
		Long: `pack builds the scorer in DIR and writes a scorer package directory (default
DIR/dist/NAME-VERSION):

  NAME.wasm       the module
  manifest.json   name, version, netuid, abi, module, sha256 of the module, the limits the
                  package asks for, and self_tests: every fixture (Round and expected Scores)

Validators run the self-tests before they swap a new version in, and refuse a package that
asks for more than their subnet allows. The limits written are the runtime defaults unless
you lower (or raise) them with the flags; pack runs the self-tests under exactly those
limits before writing anything. Sign the package with 'subnetd plugin sign'.`,
		Example: `  subnetd plugin pack examples/scorers/quality-as --version 1.0.0 --netuid 1
  subnetd plugin pack myscorer --version 0.2.0 --netuid 7 --memory-pages 256 --out /tmp/pkg`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			dir := args[0]
			if name == "" {
				n, err := plugins.Name(dir)
				if err != nil {
					return err
				}
				name = n
			}
			if version == "" {
				return errors.New("plugin pack: --version is required (e.g. 1.0.0)")
			}
			fixtures, err := authorReadFixtures(dir)
			if err != nil {
				return fmt.Errorf("plugin pack: %w", err)
			}
			tmp, err := os.MkdirTemp("", "subnetd-pack")
			if err != nil {
				return err
			}
			defer os.RemoveAll(tmp)
			path, err := plugins.Build(ctx, dir, plugins.TargetWasm, filepath.Join(tmp, "scorer.wasm"))
			if err != nil {
				return fmt.Errorf("plugin pack: %w", err)
			}
			wasm, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			limits := runtime.DefaultLimits()
			if lim.MemoryPages > 0 {
				limits.MemoryPages = lim.MemoryPages
			}
			if lim.MaxStateBytes > 0 {
				limits.MaxStateBytes = lim.MaxStateBytes
			}
			if lim.MaxOutputBytes > 0 {
				limits.MaxOutputBytes = lim.MaxOutputBytes
			}
			if lim.Gas > 0 {
				limits.Gas = lim.Gas
			}
			// Ask only for what the daemon compares (CheckLimits); the wall-clock backstop and
			// the input size are the validator's business.
			ask := runtime.Limits{MemoryPages: limits.MemoryPages, MaxStateBytes: limits.MaxStateBytes,
				MaxOutputBytes: limits.MaxOutputBytes, MaxModuleBytes: len(wasm), Gas: limits.Gas}
			m := plugins.Manifest{Name: name, Version: version, Netuid: netuid, ABI: runtime.ABIVersion,
				Module: name + ".wasm", SHA256: authorSHA256(wasm), Limits: &ask}
			for _, f := range fixtures {
				if f.expectErr != "" {
					continue // self-tests hold Rounds the scorer must score
				}
				if f.expect == nil {
					return fmt.Errorf("plugin pack: fixture %s has no %s (run subnetd plugin test first)", f.name, filepath.Base(f.expPath))
				}
				var e bytes.Buffer
				if err := json.Compact(&e, f.expect); err != nil {
					return fmt.Errorf("plugin pack: %s: %w", f.expPath, err)
				}
				m.SelfTests = append(m.SelfTests, plugins.SelfTest{Name: f.name, Round: f.round, Expect: e.Bytes()})
			}
			if err := m.Validate(); err != nil {
				return fmt.Errorf("plugin pack: %w", err)
			}
			// Run the self-tests now, under the limits the package asks for.
			rt, err := runtime.New(ctx, runtime.Config{Limits: limits, CacheDir: cacheDir})
			if err != nil {
				return err
			}
			defer rt.Close(ctx)
			s, err := rt.Load(ctx, name, wasm)
			if err != nil {
				return fmt.Errorf("plugin pack: %w", err)
			}
			if err := plugins.RunSelfTests(ctx, s, &m); err != nil {
				return fmt.Errorf("plugin pack: %w", err)
			}
			mb, err := json.MarshalIndent(m, "", "  ")
			if err != nil {
				return err
			}
			if out == "" {
				out = filepath.Join(dir, "dist", name+"-"+version)
			}
			if err := plugins.WritePackage(out, append(mb, '\n'), wasm, nil, m.ModuleFile()); err != nil {
				return fmt.Errorf("plugin pack: %w", err)
			}
			_ = os.Remove(filepath.Join(out, plugins.SignatureFile)) // a stale signature would not verify
			fmt.Fprintf(cmd.ErrOrStderr(), "packed %s %s: %s (sha256 %s, %d self-tests)\n", name, version, out, m.SHA256, len(m.SelfTests))
			_, err = fmt.Fprintln(cmd.OutOrStdout(), out)
			return err
		},
	}
	cmd.Flags().StringVar(&version, "version", "", "package version (required)")
	cmd.Flags().Uint16Var(&netuid, "netuid", 0, "the subnet the scorer is for")
	cmd.Flags().StringVar(&name, "name", "", "scorer name (default: DIR's base name)")
	cmd.Flags().StringVarP(&out, "out", "o", "", "package directory (default DIR/dist/NAME-VERSION)")
	cmd.Flags().Uint32Var(&lim.MemoryPages, "memory-pages", 0, "memory the package asks for, in 64 KiB pages (default 1024)")
	cmd.Flags().IntVar(&lim.MaxStateBytes, "max-state-bytes", 0, "state size the package asks for (default 1 MiB)")
	cmd.Flags().IntVar(&lim.MaxOutputBytes, "max-output-bytes", 0, "Scores size the package asks for (default 4 MiB)")
	cmd.Flags().Uint64Var(&lim.Gas, "gas", 0, "gas per call the package asks for (default runtime.DefaultGas)")
	cmd.Flags().StringVar(&cacheDir, "cache-dir", defaultCacheDir(), "where compiled scorers are cached on disk")
	_ = cmd.Flags().MarkHidden("cache-dir")
	return cmd
}

func authorSHA256(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// ---- plugin sign / verify ------------------------------------------------------------------

// authorKeyFile is the publisher key file 'plugin sign --key' reads: the ed25519 seed in hex.
type authorKeyFile struct {
	Scheme    string `json:"scheme"`
	Seed      string `json:"seed"`
	PublicKey string `json:"public_key"`
}

func authorLoadEd25519(path string, create bool, cmd *cobra.Command) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && create {
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		kf := authorKeyFile{Scheme: plugins.SchemeEd25519, Seed: "0x" + hex.EncodeToString(priv.Seed()), PublicKey: "0x" + hex.EncodeToString(pub)}
		out, _ := json.MarshalIndent(kf, "", "  ")
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, fmt.Errorf("create key %s: %w", path, err)
		}
		if _, err := f.Write(append(out, '\n')); err != nil {
			f.Close()
			return nil, err
		}
		if err := f.Close(); err != nil {
			return nil, err
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "created publisher key %s (keep it secret; mode 0600)\n", path)
		return priv, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read key %s: %w (--new-key creates one)", path, err)
	}
	var kf authorKeyFile
	if err := json.Unmarshal(b, &kf); err != nil || kf.Scheme != plugins.SchemeEd25519 {
		return nil, fmt.Errorf("key %s: not a publisher key file ({\"scheme\":\"ed25519\",\"seed\":\"0x…\"})", path)
	}
	seed, err := hex.DecodeString(strings.TrimPrefix(kf.Seed, "0x"))
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("key %s: seed is not 32 bytes of hex", path)
	}
	return ed25519.NewKeyFromSeed(seed), nil
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
				priv, err := authorLoadEd25519(keyPath, newKey, cmd)
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
		keys []string
		rf   runtimeFlags
	)
	cmd := &cobra.Command{
		Use:   "verify PKGDIR",
		Short: "Check a scorer package as a validator would: hash, signature, limits, self-tests",
		Long: `verify checks the package in PKGDIR the way a validator does before it swaps a version in:
the manifest is valid, the module's sha256 matches it, the signature verifies over the exact
manifest bytes, the package asks for no more than the limits (the runtime defaults, or the
--memory-pages/--timeout flags), and every self-test passes on the module.

With --key (repeatable: ed25519:0x…, sr25519:0x… or sr25519:SS58) the signature must be by one
of those keys, as with a validator's publisher_keys; without, a signature must at least
verify with the key it names, and an unsigned package passes with "signed_by" empty.
It prints one JSON line and exits non-zero when anything fails.`,
		Example: `  subnetd plugin verify dist/myscorer-0.1.0 --key ed25519:0x3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			pkg, err := plugins.ReadPackage(args[0])
			if err != nil {
				return fmt.Errorf("plugin verify: %w", err)
			}
			m := &pkg.Manifest
			rep := authorVerifyReport{Name: m.Name, Version: m.Version, Netuid: m.Netuid, SHA256: m.SHA256, SelfTests: len(m.SelfTests)}
			var pins []plugins.PublicKey
			for _, k := range keys {
				pk, err := plugins.ParsePublicKey(k)
				if err != nil {
					return fmt.Errorf("plugin verify: %w", err)
				}
				pins = append(pins, pk)
			}
			if pkg.Signature != nil {
				rep.SignedBy = pkg.Signature.Scheme + ":" + pkg.Signature.PublicKey
				if len(pins) == 0 {
					// No pins: check the signature against the key it names.
					own, err := plugins.ParsePublicKey(rep.SignedBy)
					if err != nil {
						return fmt.Errorf("plugin verify: %w", errors.Join(plugins.ErrBadSignature, err))
					}
					if err := pkg.Verify([]plugins.PublicKey{own}); err != nil {
						return fmt.Errorf("plugin verify: %w", err)
					}
				}
			}
			if len(pins) > 0 {
				if err := pkg.Verify(pins); err != nil {
					return fmt.Errorf("plugin verify: %w", err)
				}
				rep.Pinned = true
			}
			rt, err := runtime.New(ctx, rf.config())
			if err != nil {
				return err
			}
			defer rt.Close(ctx)
			if err := m.CheckLimits(rt.Limits()); err != nil {
				return fmt.Errorf("plugin verify: %w", err)
			}
			s, err := rt.Load(ctx, m.Name, pkg.Wasm)
			if err != nil {
				return fmt.Errorf("plugin verify: %w", err)
			}
			if err := plugins.RunSelfTests(ctx, s, m); err != nil {
				return fmt.Errorf("plugin verify: %w", err)
			}
			rep.OK = true
			return json.NewEncoder(cmd.OutOrStdout()).Encode(rep)
		},
	}
	cmd.Flags().StringArrayVar(&keys, "key", nil, "pinned publisher key (repeatable)")
	rf.register(cmd)
	_ = cmd.Flags().MarkHidden("cache-dir")
	_ = cmd.Flags().MarkHidden("no-cache")
	return cmd
}
