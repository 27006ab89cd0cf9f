package plugins

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/subnetd/subnetd/runtime"
)

// A project's fixtures are DIR/fixtures/NAME.round.json files (a Round message), each with
// NAME.scores.json (the Scores the scorer must return for it, compared in canonical form) or
// NAME.error.txt (a text the round's error must contain: a scorer that must refuse).
// `plugin test` runs them; `plugin pack` turns the scoring ones into the package's self-tests.

// ErrNoFixtures is returned by ReadFixtures when a project has no fixtures/*.round.json.
var ErrNoFixtures = errors.New("no fixtures")

// Fixture is one Round file of a project and what its scorer must do with it.
type Fixture struct {
	// Name is the file's base name without .round.json.
	Name string
	// RoundPath is the Round file; Round its compacted bytes.
	RoundPath string
	Round     []byte
	// Expect is the expected Scores (nil when ExpectErr is set or the file is missing).
	Expect []byte
	// ExpectErr is a text the error must contain ("" when the scorer must score).
	ExpectErr string
	// ExpectPath is the .scores.json (also when missing) or .error.txt file.
	ExpectPath string
}

// ReadFixtures reads dir/fixtures/*.round.json and their .scores.json / .error.txt, in file
// name order.
func ReadFixtures(dir string) ([]Fixture, error) {
	rounds, _ := filepath.Glob(filepath.Join(dir, "fixtures", "*.round.json"))
	if len(rounds) == 0 {
		return nil, fmt.Errorf("%w: add %s (a Round) and NAME.scores.json (the Scores it must give)", ErrNoFixtures, filepath.Join(dir, "fixtures", "NAME.round.json"))
	}
	sort.Strings(rounds)
	var out []Fixture
	for _, rp := range rounds {
		round, err := os.ReadFile(rp)
		if err != nil {
			return nil, fmt.Errorf("fixture: %w", err)
		}
		var c bytes.Buffer
		if err := json.Compact(&c, round); err != nil {
			return nil, fmt.Errorf("fixture %s: not JSON: %w", rp, err)
		}
		f := Fixture{Name: strings.TrimSuffix(filepath.Base(rp), ".round.json"), RoundPath: rp, Round: c.Bytes()}
		base := strings.TrimSuffix(rp, ".round.json")
		if b, err := os.ReadFile(base + ".error.txt"); err == nil {
			f.ExpectErr, f.ExpectPath = strings.TrimSpace(string(b)), base+".error.txt"
		} else if b, err := os.ReadFile(base + ".scores.json"); err == nil {
			f.Expect, f.ExpectPath = b, base+".scores.json"
		} else {
			f.ExpectPath = base + ".scores.json"
		}
		out = append(out, f)
	}
	return out, nil
}

// FixtureResult is the outcome of one fixture.
type FixtureResult struct {
	// Problem is "" when the fixture passed, else what went wrong (several lines for a diff).
	Problem string
	// Wrote is true when the scorer's output was written to ExpectPath (update, or missing).
	Wrote bool
	// Result is the scorer call's result (its logs), nil when the call never ran.
	Result *runtime.Result
}

// RunFixture runs f on s. With update, or when the expected Scores file is missing, it writes
// the scorer's canonical output there (a missing file still fails, asking to check it).
func RunFixture(ctx context.Context, s *runtime.Scorer, f Fixture, update bool) FixtureResult {
	meta, err := runtime.ParseRoundMeta(f.Round)
	if err != nil {
		return FixtureResult{Problem: fmt.Sprintf("%s: %v", f.RoundPath, err)}
	}
	res, err := s.Score(ctx, f.Round, meta)
	r := FixtureResult{Result: res}
	if f.ExpectErr != "" {
		switch {
		case err == nil:
			r.Problem = fmt.Sprintf("the scorer returned %s, but %s expects an error containing %q", res.Scores.Canonical(), f.ExpectPath, f.ExpectErr)
		case !strings.Contains(err.Error(), f.ExpectErr):
			r.Problem = fmt.Sprintf("error %q does not contain %q (%s)", err, f.ExpectErr, f.ExpectPath)
		}
		return r
	}
	if err != nil {
		r.Problem = err.Error()
		return r
	}
	got := res.Scores.Canonical()
	if update || f.Expect == nil {
		if err := os.WriteFile(f.ExpectPath, append(got, '\n'), 0o644); err != nil {
			r.Problem = err.Error()
			return r
		}
		r.Wrote = true
		if !update {
			r.Problem = fmt.Sprintf("no %s: wrote the scorer's output there; check it, then run again", f.ExpectPath)
		}
		return r
	}
	want, err := runtime.ValidateScores(bytes.TrimSpace(f.Expect), meta.UIDs, math.MaxInt32)
	if err != nil {
		r.Problem = fmt.Sprintf("%s: %v", f.ExpectPath, err)
		return r
	}
	if !bytes.Equal(got, want.Canonical()) {
		r.Problem = "Scores differ from " + f.ExpectPath + "\n" + DiffScores(res.Scores, want)
	}
	return r
}

// SelfTestsFrom turns the fixtures that must score into a package's self-tests (fixtures that
// expect an error are skipped: self-tests hold Rounds the scorer must score). A fixture
// without its expected Scores is an error.
func SelfTestsFrom(fixtures []Fixture) ([]SelfTest, error) {
	var out []SelfTest
	for _, f := range fixtures {
		if f.ExpectErr != "" {
			continue
		}
		if f.Expect == nil {
			return nil, fmt.Errorf("fixture %s has no %s (run subnetd plugin test first)", f.Name, filepath.Base(f.ExpectPath))
		}
		var e bytes.Buffer
		if err := json.Compact(&e, f.Expect); err != nil {
			return nil, fmt.Errorf("fixture %s: %w", f.ExpectPath, err)
		}
		out = append(out, SelfTest{Name: f.Name, Round: f.Round, Expect: e.Bytes()})
	}
	return out, nil
}

// DiffScores describes how got differs from want, uid by uid, then the state side by side.
func DiffScores(got, want runtime.Scores) string {
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
		fmt.Fprintf(&b, "    state: got  %s\n           want %s\n", showState(got.State), showState(want.State))
	}
	return strings.TrimRight(b.String(), "\n")
}

func showState(b []byte) string {
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
