package records

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/subnetd/subnetd/runtime"
)

// Verdicts of a replayed round.
const (
	// Identical: the scorer produced the recorded bytes (or failed with the recorded error).
	Identical = "identical"
	// Different: it ran and produced something else; Differences says what.
	Different = "different"
	// Failed: the round could not be replayed (missing module, corrupt record, refused module).
	Failed = "failed"
)

// ReplayOptions configure Replay.
type ReplayOptions struct {
	// Engine is the engine to replay on (default: wazero).
	Engine runtime.Engine
	// CacheDir keeps compiled modules between replays (optional).
	CacheDir string
	// Check, when set, is called for every round that replayed identically, with the Scores the
	// replay validated; each string it returns is a difference (e.g. weights that do not follow
	// from the scores). The validator package provides one that runs the live round's own emit
	// code (validator.CheckWeights).
	Check func(r *Round, scores runtime.Scores) []string
}

// ReplayResult is the verdict on one round.
type ReplayResult struct {
	// ID, Netuid, Block and Validator identify the round.
	ID        int64  `json:"id"`
	Netuid    uint16 `json:"netuid"`
	Block     uint64 `json:"block"`
	Validator string `json:"validator"`
	// Scorer and ModuleSHA256 name the module that ran.
	Scorer       string `json:"scorer"`
	ModuleSHA256 string `json:"module_sha256"`
	// Verdict is Identical, Different or Failed.
	Verdict string `json:"verdict"`
	// Differences explains a Different or Failed verdict, one item per difference.
	Differences []string `json:"differences,omitempty"`
}

// Match reports whether the round replayed identically.
func (r ReplayResult) Match() bool { return r.Verdict == Identical }

// ReplaySummary counts the verdicts.
type ReplaySummary struct {
	Rounds    int  `json:"rounds"`
	Identical int  `json:"identical"`
	Different int  `json:"different"`
	Failed    int  `json:"failed"`
	AllMatch  bool `json:"all_match"`
}

// Add counts one result.
func (s *ReplaySummary) Add(r ReplayResult) {
	s.Rounds++
	switch r.Verdict {
	case Identical:
		s.Identical++
	case Different:
		s.Different++
	default:
		s.Failed++
	}
	s.AllMatch = s.Different == 0 && s.Failed == 0
}

// Replay re-runs every round of src on its recorded module bytes, with its recorded limits, and
// calls fn with each verdict in ID order. It returns the summary; the error is non-nil only when
// src cannot be read or fn fails (a round that does not replay is a verdict, not an error).
func Replay(ctx context.Context, src Source, opts ReplayOptions, fn func(ReplayResult) error) (ReplaySummary, error) {
	rp := &replayer{src: src, opts: opts, runtimes: map[string]*runtime.Runtime{}, scorers: map[string]*runtime.Scorer{}}
	defer rp.close(ctx)
	var sum ReplaySummary
	sum.AllMatch = true
	err := src.Each(ctx, func(r *Round) error {
		res := rp.round(ctx, r)
		sum.Add(res)
		if fn != nil {
			return fn(res)
		}
		return nil
	})
	return sum, err
}

type replayer struct {
	src      Source
	opts     ReplayOptions
	runtimes map[string]*runtime.Runtime // by limits JSON
	scorers  map[string]*runtime.Scorer  // by limits JSON + module sha
}

func (rp *replayer) close(ctx context.Context) {
	for _, s := range rp.scorers {
		s.Close(ctx)
	}
	for _, rt := range rp.runtimes {
		rt.Close(ctx)
	}
}

func (rp *replayer) scorer(ctx context.Context, r *Round) (*runtime.Scorer, error) {
	key := string(r.Limits) + "\x00" + r.ModuleSHA256
	if s, ok := rp.scorers[key]; ok {
		return s, nil
	}
	rt, ok := rp.runtimes[string(r.Limits)]
	if !ok {
		var lim runtime.Limits
		if len(r.Limits) > 0 {
			if err := json.Unmarshal(r.Limits, &lim); err != nil {
				return nil, fmt.Errorf("recorded limits: %w", err)
			}
		}
		var err error
		rt, err = runtime.New(ctx, runtime.Config{Engine: rp.opts.Engine, Limits: lim, CacheDir: rp.opts.CacheDir})
		if err != nil {
			return nil, err
		}
		rp.runtimes[string(r.Limits)] = rt
	}
	wasm, err := rp.src.Module(ctx, r.ModuleSHA256)
	if err != nil {
		return nil, err
	}
	if got := SHA256Hex(wasm); got != r.ModuleSHA256 {
		return nil, fmt.Errorf("module bytes hash %s, recorded %s: %w", got, r.ModuleSHA256, ErrIntegrity)
	}
	s, err := rt.Load(ctx, r.Scorer, wasm)
	if err != nil {
		return nil, err
	}
	rp.scorers[key] = s
	return s, nil
}

func (rp *replayer) round(ctx context.Context, r *Round) ReplayResult {
	res := ReplayResult{ID: r.ID, Netuid: r.Netuid, Block: r.Block, Validator: r.ValidatorHotkey,
		Scorer: r.Scorer, ModuleSHA256: r.ModuleSHA256, Verdict: Identical}
	fail := func(err error) ReplayResult {
		res.Verdict = Failed
		res.Differences = append(res.Differences, err.Error())
		return res
	}
	if err := r.Check(); err != nil {
		return fail(err)
	}
	if len(r.RoundBytes) == 0 && len(r.ChallengeRequest) == 0 && r.Error != "" {
		// The host failed before the scorer read anything (its input could not be encoded):
		// nothing ran, so there is nothing to re-run, and the record says so.
		return res
	}
	s, err := rp.scorer(ctx, r)
	if err != nil {
		return fail(fmt.Errorf("load module: %w", err))
	}
	if len(r.ChallengeRequest) > 0 {
		meta, err := runtime.ParseRoundMeta(r.ChallengeRequest)
		if err != nil {
			return fail(fmt.Errorf("recorded challenge request: %w", err))
		}
		out, err := s.Challenge(ctx, r.ChallengeRequest, meta)
		if err == nil {
			if !bytes.Equal(out.Output, r.ChallengeOutput) {
				res.Differences = append(res.Differences, "challenge: "+byteDiff(r.ChallengeOutput, out.Output))
			}
			_, err = runtime.ParseChallenge(out.Output)
		}
		if err != nil {
			// The live round stops at a failed challenge (it queries and scores nothing), so the
			// record must show the same failure, and there is nothing further to replay.
			err = fmt.Errorf("challenge: %w", err)
			switch {
			case r.Error == "":
				res.Differences = append(res.Differences, "challenge: recorded a challenge, replay failed: "+err.Error())
			case !sameFailure(r, err):
				res.Differences = append(res.Differences, fmt.Sprintf("challenge: both failed, recorded %s, replay %s", failureName(r.ErrorCode, r.Error), failureName(ErrorCode(err), err.Error())))
			}
			if len(res.Differences) > 0 {
				res.Verdict = Different
			}
			return res
		}
	}
	meta, err := runtime.ParseRoundMeta(r.RoundBytes)
	if err != nil {
		return fail(fmt.Errorf("recorded round: %w", err))
	}
	out, err := s.Score(ctx, r.RoundBytes, meta)
	var got []byte
	if out != nil {
		got = out.Output
	}
	switch {
	case err != nil && r.Error == "":
		res.Differences = append(res.Differences, "scores: recorded a result, replay failed: "+err.Error())
	case err == nil && r.Error != "":
		res.Differences = append(res.Differences, "scores: recorded failure ("+r.Error+"), replay succeeded")
	case err != nil && r.Error != "":
		if !sameFailure(r, err) {
			res.Differences = append(res.Differences, fmt.Sprintf("scores: both failed, recorded %s, replay %s", failureName(r.ErrorCode, r.Error), failureName(ErrorCode(err), err.Error())))
		}
	default:
		if !bytes.Equal(got, r.ScoresBytes) {
			res.Differences = append(res.Differences, scoresDiff(r.ScoresBytes, got)...)
		}
	}
	if out != nil && r.MeterVersion != "" && out.GasUsed != r.GasUsed {
		res.Differences = append(res.Differences, fmt.Sprintf("gas: recorded %d, replay %d", r.GasUsed, out.GasUsed))
	}
	if len(res.Differences) == 0 && err == nil && rp.opts.Check != nil {
		res.Differences = append(res.Differences, rp.opts.Check(r, out.Scores)...)
	}
	if len(res.Differences) > 0 {
		res.Verdict = Different
	}
	return res
}

// sameFailure reports whether the replay's error err is the failure r recorded: the same
// sentinel when r stored one (ErrorCode), else (records from before schema version 1, or an error
// that wraps no sentinel) the same text, a timeout matching any recorded timeout.
func sameFailure(r *Round, err error) bool {
	if r.ErrorCode != "" {
		return ErrorCode(err) == r.ErrorCode
	}
	if err.Error() == r.Error {
		return true
	}
	return errors.Is(err, runtime.ErrTimeout) && strings.Contains(r.Error, runtime.ErrTimeout.Error())
}

// failureName quotes an error for a difference, with its code when it has one.
func failureName(code, text string) string {
	if code == "" {
		return strconv.Quote(text)
	}
	return code + " " + strconv.Quote(text)
}

// scoresMsg is a loose parse of a Scores message for explaining differences.
type scoresMsg struct {
	Scores []struct {
		UID   uint16  `json:"uid"`
		Score float64 `json:"score"`
	} `json:"scores"`
	State []byte `json:"state"`
}

// scoresDiff explains how two Scores messages differ: per uid, then state, then bytes.
func scoresDiff(rec, got []byte) []string {
	var a, b scoresMsg
	if json.Unmarshal(rec, &a) != nil || json.Unmarshal(got, &b) != nil {
		return []string{"scores: " + byteDiff(rec, got)}
	}
	var out []string
	am := map[uint16]float64{}
	bm := map[uint16]float64{}
	for _, s := range a.Scores {
		am[s.UID] = s.Score
	}
	for _, s := range b.Scores {
		bm[s.UID] = s.Score
	}
	var uids []int
	seen := map[uint16]bool{}
	for u := range am {
		seen[u] = true
	}
	for u := range bm {
		seen[u] = true
	}
	for u := range seen {
		uids = append(uids, int(u))
	}
	sort.Ints(uids)
	for _, ui := range uids {
		u := uint16(ui)
		x, okA := am[u]
		y, okB := bm[u]
		switch {
		case okA && !okB:
			out = append(out, fmt.Sprintf("uid %d: recorded score %v, replay left it out", u, x))
		case !okA && okB:
			out = append(out, fmt.Sprintf("uid %d: recorded no score, replay scored %v", u, y))
		case math.Float64bits(x) != math.Float64bits(y):
			out = append(out, fmt.Sprintf("uid %d: recorded score %v, replay %v", u, x, y))
		}
	}
	if !bytes.Equal(a.State, b.State) {
		out = append(out, "state: "+byteDiff(a.State, b.State))
	}
	if len(out) == 0 {
		out = append(out, "scores: same values, different encoding: "+byteDiff(rec, got))
	}
	return out
}

// byteDiff describes where two byte strings first differ.
func byteDiff(a, b []byte) string {
	n := min(len(a), len(b))
	i := 0
	for i < n && a[i] == b[i] {
		i++
	}
	return fmt.Sprintf("recorded %d bytes (sha256 %.16s…), replay %d bytes (sha256 %.16s…), first difference at byte %d",
		len(a), SHA256Hex(a), len(b), SHA256Hex(b), i)
}
