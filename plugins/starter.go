package plugins

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/subnetd/subnetd/runtime"
)

// The starter every `plugin new` project begins with: the same scorer ("reward miners that
// answer, and answer fast") in each language, and one fixture whose expected Scores are
// computed here, independently of the scorer, so that `plugin test` checks the new scorer.

// StarterRound is the Round of a new project's fixtures/basic.round.json.
func StarterRound() runtime.Round {
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

// StarterScores is the starter scorer's formula, written here independently of the scorer:
// 1/(1 + latency in seconds) for an answer (status 200 and a response other than null), else 0.
func StarterScores(r runtime.Round) runtime.Scores {
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

// starterCommon returns the files every new project has: the fixture pair, a README and a
// .gitignore. src is the scorer's source file, build one phrase on how it is built.
func starterCommon(name string, lang Lang, src, build string, extraIgnore []string) (map[string]string, error) {
	files, err := starterFixtures()
	if err != nil {
		return nil, err
	}
	files[".gitignore"] = strings.Join(append([]string{"*.wasm", "dist/"}, extraIgnore...), "\n") + "\n"
	files["README.md"] = starterReadme(name, lang, src, build)
	return files, nil
}

// starterFixtures returns fixtures/basic.round.json (StarterRound, indented) and
// fixtures/basic.scores.json (StarterScores of it), the fixture pair of every new project.
func starterFixtures() (map[string]string, error) {
	r := StarterRound()
	round, _, err := r.Encode()
	if err != nil {
		return nil, err
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, round, "", "  "); err != nil {
		return nil, err
	}
	return map[string]string{
		"fixtures/basic.round.json":  pretty.String() + "\n",
		"fixtures/basic.scores.json": string(StarterScores(r).Canonical()) + "\n",
	}, nil
}

func starterReadme(name string, lang Lang, src, build string) string {
	return fmt.Sprintf(`# %[1]s

A subnetd scorer written in %[2]s. The scorer is %[3]s: one function that turns a Round
(what every miner answered) into Scores. docs/SCORERS.md in the subnetd repository is the
guide; docs/ABI.md the contract. It is built with %[4]s.

    subnetd plugin test .            # build, then check every fixtures/*.round.json
    subnetd plugin build .           # -> %[1]s.wasm
    subnetd plugin bench .           # the Wasm scorer against its native counterpart
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
`, name, lang, src, build)
}

// writeProjectFiles writes files (slash-separated paths relative to dir) in a fixed order.
func writeProjectFiles(dir string, files map[string]string) error {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p := filepath.Join(dir, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("write %s: %w", p, err)
		}
		if err := os.WriteFile(p, []byte(files[n]), 0o644); err != nil {
			return fmt.Errorf("write %s: %w", p, err)
		}
	}
	return nil
}
