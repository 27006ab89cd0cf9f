package audit

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/subnetd/subnetd/chain"
	"github.com/subnetd/subnetd/plugins"
	"github.com/subnetd/subnetd/records"
	"github.com/subnetd/subnetd/yuma"
)

// Chain is what an audit reads from the chain the validator ran on: its history of weights.
// chain/subtensor's Client (a node that keeps the blocks of the audited range: an archive node for
// old rounds) and chain/devnet's Node implement it.
type Chain interface {
	// CurrentBlock returns the number of the best block.
	CurrentBlock(ctx context.Context) (uint64, error)
	// Hyperparams returns a subnet's hyperparameters (tempo and reveal period bound how long
	// after a hash or timelocked commit its reveal can come).
	Hyperparams(ctx context.Context, netuid uint16) (chain.Hyperparams, error)
	// WeightsAt returns a subnet mechanism's weight matrix as it stood after block n.
	WeightsAt(ctx context.Context, netuid uint16, mecid uint8, n uint64) ([][]chain.UIDValue, error)
	// WeightEvents returns the weight settings the chain applied on a subnet in blocks from..to.
	WeightEvents(ctx context.Context, netuid uint16, from, to uint64) ([]chain.WeightsEvent, error)
}

// Pins is the optional part of a Chain that lets an audit check rounds against the scorer pinned
// on chain (plugins.Pin in a Commitments entry). When the Chain does not implement it, pins are
// not checked and the audit says so once.
type Pins interface {
	// SubnetOwnerHotkey returns the hotkey of the subnet's owner (whose pin a daemon with
	// `scorer: chain` follows).
	SubnetOwnerHotkey(ctx context.Context, netuid uint16) (chain.AccountID, error)
	// CommitmentAt returns a hotkey's commitment on a subnet as it stood after block n, or an
	// error wrapping chain.ErrNoCommitment when there was none.
	CommitmentAt(ctx context.Context, netuid uint16, hotkey chain.AccountID, n uint64) (*chain.Commitment, error)
}

// Options configure Run.
type Options struct {
	// From and To bound the audited rounds by block (inclusive); zero means the first (last)
	// recorded round's block.
	From, To uint64
	// Replay configures the replay of every round (engine, cache, the weights check:
	// validator.CheckWeights, which the CLI passes).
	Replay records.ReplayOptions
	// Publisher, when set, is the hotkey whose pin the validator followed (a daemon's
	// `subnets[].publisher`); nil means each subnet's owner.
	Publisher *chain.AccountID
	// Fetch bounds the download of each pinned manifest (plugins.FetchManifest; zero fields
	// take plugins' defaults).
	Fetch plugins.FetchOptions
}

// Kinds of findings. Mismatched, Unrecorded and Unpinned are counted in the summary; a Note is
// something the audit could not decide and says why.
const (
	Mismatched = "mismatched"
	Unrecorded = "unrecorded"
	Unpinned   = "unpinned"
	Note       = "note"
)

// Checks a finding comes from.
const (
	CheckReplay = "replay"
	CheckChain  = "chain"
	CheckPin    = "pin"
)

// Finding is one thing the audit found, one line of `subnetd audit`.
type Finding struct {
	// Kind is Mismatched, Unrecorded, Unpinned or Note; Check the check that found it.
	Kind  string `json:"finding"`
	Check string `json:"check"`
	// Round is the record's id (0 for a weight setting that has no record).
	Round int64 `json:"round,omitempty"`
	// Netuid, Block and Hotkey locate it: the round's block, or the block of the weight setting.
	Netuid uint16 `json:"netuid"`
	Block  uint64 `json:"block"`
	Hotkey string `json:"hotkey,omitempty"`
	// Detail says what differs, in one line.
	Detail string `json:"detail"`
}

// String is the finding as one human line.
func (f Finding) String() string {
	id := "no record"
	if f.Round != 0 {
		id = fmt.Sprintf("round %d", f.Round)
	}
	return fmt.Sprintf("%s (%s): %s, subnet %d, block %d: %s", f.Kind, f.Check, id, f.Netuid, f.Block, f.Detail)
}

// Summary counts what the audit found: the last line of `subnetd audit` (a pinned format).
type Summary struct {
	// Rounds is the number of recorded rounds in the range.
	Rounds int `json:"rounds"`
	// ReplayedIdentical is how many replayed bit for bit (records.Identical).
	ReplayedIdentical int `json:"replayed_identical"`
	// ChainVerified is how many rounds whose record says weights were accepted have exactly those
	// weights on chain where the record says.
	ChainVerified int `json:"chain_verified"`
	// Mismatched is how many rounds failed the replay or the chain check (a round counts once).
	Mismatched int `json:"mismatched"`
	// Unrecorded is how many weight settings by the records' hotkeys in the range have no record.
	Unrecorded int `json:"unrecorded"`
	// Unpinned is how many rounds were scored by a module other than the one pinned on chain at
	// their block.
	Unpinned int `json:"unpinned"`
}

// OK reports whether the audit passed: nothing mismatched and nothing unrecorded.
func (s Summary) OK() bool { return s.Mismatched == 0 && s.Unrecorded == 0 }

// ErrEmptyRange: no recorded round lies in the requested block range.
var ErrEmptyRange = errors.New("no recorded round in the block range")

// round is what the chain checks need of a record.
type round struct {
	id       int64
	netuid   uint16
	block    uint64
	hotkey   string
	account  chain.AccountID
	module   string
	tx       *records.Tx
	txError  string
	weights  *records.Weights
	accepted bool
}

// Run audits the rounds of src whose block lies in the range: it replays each one (as
// records.Replay does, with opts.Replay), checks every accepted weight submission against the
// chain's history, looks for weight settings by the records' hotkeys that have no record, and,
// when ch implements Pins, checks the module of each round against the pin at its block. It
// calls fn with every finding, ordered by block, and returns the summary; the error is non-nil
// only when the records or the chain cannot be read (a disagreement is a finding, not an error).
func Run(ctx context.Context, src records.Source, ch Chain, opts Options, fn func(Finding) error) (Summary, error) {
	var sum Summary
	rounds, outside, from, to, err := collect(ctx, src, opts.From, opts.To)
	if err != nil {
		return sum, err
	}
	best, err := ch.CurrentBlock(ctx)
	if err != nil {
		return sum, fmt.Errorf("audit: best block: %w", err)
	}
	if to > best {
		return sum, fmt.Errorf("audit: the records reach block %d but the chain is at block %d: is this the chain the validator ran on?", to, best)
	}
	a := &auditor{ch: ch, opts: opts, bad: map[int64]bool{}}
	sum.Rounds = len(rounds)

	// Replay, exactly as `subnetd replay` does, on the rounds in range.
	inRange := make(map[int64]bool, len(rounds))
	for _, r := range rounds {
		inRange[r.id] = true
	}
	_, err = records.Replay(ctx, rangeSource{src, inRange}, opts.Replay, func(res records.ReplayResult) error {
		if res.Match() {
			sum.ReplayedIdentical++
			return nil
		}
		a.bad[res.ID] = true
		a.add(Finding{Kind: Mismatched, Check: CheckReplay, Round: res.ID, Netuid: res.Netuid, Block: res.Block,
			Hotkey: res.Validator, Detail: fmt.Sprintf("replay %s: %s", res.Verdict, joinDiffs(res.Differences))})
		return nil
	})
	if err != nil {
		return sum, fmt.Errorf("audit: replay: %w", err)
	}

	// The chain, per subnet.
	byNetuid := map[uint16][]*round{}
	for _, r := range rounds {
		byNetuid[r.netuid] = append(byNetuid[r.netuid], r)
	}
	outsideBy := map[uint16][]*round{}
	for _, r := range outside {
		outsideBy[r.netuid] = append(outsideBy[r.netuid], r)
	}
	for _, netuid := range sortedKeys(byNetuid) {
		if err := a.subnet(ctx, netuid, byNetuid[netuid], outsideBy[netuid], from, to, best); err != nil {
			return sum, fmt.Errorf("audit: subnet %d: %w", netuid, err)
		}
	}

	// Pins.
	if p, ok := ch.(Pins); ok {
		if err := a.pins(ctx, p, rounds); err != nil {
			return sum, fmt.Errorf("audit: pins: %w", err)
		}
	} else {
		a.add(Finding{Kind: Note, Check: CheckPin, Netuid: rounds[0].netuid, Block: from,
			Detail: "pins not checked: this chain does not serve commitments at past blocks"})
	}

	sum.ChainVerified = a.verified
	sum.Mismatched = len(a.bad)
	sum.Unrecorded = a.unrecorded
	sum.Unpinned = a.unpinned
	slices.SortStableFunc(a.findings, func(x, y Finding) int {
		return cmp.Or(cmp.Compare(x.Block, y.Block), cmp.Compare(x.Round, y.Round))
	})
	if fn != nil {
		for _, f := range a.findings {
			if err := fn(f); err != nil {
				return sum, err
			}
		}
	}
	return sum, nil
}

// collect reads the rounds of src in from..to (zero: the first/last recorded block) and returns
// them, the accepted submissions of rounds outside the range (whose settings may land inside it),
// and the range.
func collect(ctx context.Context, src records.Source, from, to uint64) (in, outside []*round, _, _ uint64, _ error) {
	if from != 0 && to != 0 && to < from {
		return nil, nil, 0, 0, fmt.Errorf("audit: --from %d is after --to %d", from, to)
	}
	var all []*round
	var lo, hi uint64
	err := src.Each(ctx, func(r *records.Round) error {
		if len(all) == 0 || r.Block < lo {
			lo = r.Block
		}
		hi = max(hi, r.Block)
		acc, err := chain.ParseAccountID(r.ValidatorHotkey)
		if err != nil {
			return fmt.Errorf("round %d: validator hotkey %q: %w", r.ID, r.ValidatorHotkey, err)
		}
		rr := &round{id: r.ID, netuid: r.Netuid, block: r.Block, hotkey: r.ValidatorHotkey, account: acc,
			module: r.ModuleSHA256, tx: r.Tx, txError: r.TxError, weights: r.Weights}
		rr.accepted = r.Tx != nil && r.Tx.Result.State == chain.TxInBlock && r.TxError == "" &&
			r.Weights != nil && r.Weights.Error == ""
		all = append(all, rr)
		return nil
	})
	if err != nil {
		return nil, nil, 0, 0, fmt.Errorf("audit: read records: %w", err)
	}
	if len(all) == 0 {
		return nil, nil, 0, 0, fmt.Errorf("audit: the records hold no round: %w", ErrEmptyRange)
	}
	if from == 0 {
		from = lo
	}
	if to == 0 {
		to = hi
	}
	if to < from {
		return nil, nil, 0, 0, fmt.Errorf("audit: block range %d..%d is empty", from, to)
	}
	for _, r := range all {
		switch {
		case r.block >= from && r.block <= to:
			in = append(in, r)
		case r.accepted:
			outside = append(outside, r)
		}
	}
	if len(in) == 0 {
		return nil, nil, 0, 0, fmt.Errorf("audit: blocks %d..%d (records span %d..%d): %w", from, to, lo, hi, ErrEmptyRange)
	}
	return in, outside, from, to, nil
}

// rangeSource is a records.Source limited to some rounds.
type rangeSource struct {
	records.Source
	ids map[int64]bool
}

// Each implements records.Source.
func (s rangeSource) Each(ctx context.Context, fn func(*records.Round) error) error {
	return s.Source.Each(ctx, func(r *records.Round) error {
		if !s.ids[r.ID] {
			return nil
		}
		return fn(r)
	})
}

// auditor accumulates findings and counts.
type auditor struct {
	ch       Chain
	opts     Options
	findings []Finding
	bad      map[int64]bool // rounds counted as mismatched
	verified int
	// unrecorded and unpinned count findings of those kinds.
	unrecorded, unpinned int
}

func (a *auditor) add(f Finding) { a.findings = append(a.findings, f) }

func (a *auditor) mismatch(r *round, check, detail string, block uint64) {
	a.bad[r.id] = true
	a.add(Finding{Kind: Mismatched, Check: check, Round: r.id, Netuid: r.netuid, Block: block, Hotkey: r.hotkey, Detail: detail})
}

// event is a weight setting on chain and whether a record accounts for it.
type event struct {
	chain.WeightsEvent
	claimed bool
}

// subnet checks the rounds of one subnet against its weight history.
//
// Rounds in range are checked; outside holds the accepted submissions of rounds outside it, whose
// settings are matched (unchecked) only so that they are not reported as unrecorded.
func (a *auditor) subnet(ctx context.Context, netuid uint16, rounds, outside []*round, from, to, best uint64) error {
	hotkeys := map[chain.AccountID]bool{}
	var commits []*round
	lastTx, lastCommit := uint64(0), uint64(0)
	for _, r := range rounds {
		hotkeys[r.account] = true
		if r.accepted {
			lastTx = max(lastTx, r.tx.Result.Block)
			if r.tx.Kind != "set_weights" {
				commits = append(commits, r)
				lastCommit = max(lastCommit, r.tx.Result.Block)
			}
		}
	}
	// The weight settings in range, through the blocks the range's own submissions landed in
	// and (for commits) the latest block their reveal can come in.
	scanTo := min(best, max(to, lastTx))
	horizon := uint64(0)
	if len(commits) > 0 || slices.ContainsFunc(outside, func(r *round) bool { return r.tx.Kind != "set_weights" }) {
		hp, err := a.ch.Hyperparams(ctx, netuid)
		if err != nil {
			return fmt.Errorf("hyperparameters: %w", err)
		}
		horizon = revealHorizon(hp)
	}
	if len(commits) > 0 {
		scanTo = min(best, max(scanTo, lastCommit+horizon))
	}
	raw, err := a.ch.WeightEvents(ctx, netuid, from, scanTo)
	if err != nil {
		return fmt.Errorf("weight settings in blocks %d..%d: %w", from, scanTo, err)
	}
	var evs []*event
	for _, e := range raw {
		if hotkeys[e.Hotkey] {
			evs = append(evs, &event{WeightsEvent: e})
		}
	}

	// set_weights: the setting in the block the record names.
	for _, r := range rounds {
		if !r.accepted || r.tx.Kind != "set_weights" {
			continue
		}
		b := r.tx.Result.Block
		i := slices.IndexFunc(evs, func(e *event) bool {
			return !e.claimed && e.Block == b && e.Hotkey == r.account && e.Event == chain.EventWeightsSet && e.Extrinsic >= 0
		})
		if i < 0 {
			a.mismatch(r, CheckChain, fmt.Sprintf("the record says set_weights was included in block %d, the chain has no weight setting by this hotkey there", b), b)
			continue
		}
		evs[i].claimed = true
		if err := a.compare(ctx, r, evs, i); err != nil {
			return err
		}
	}

	// Commits: the reveal with the recorded weights, else the first reveal after the commit.
	revealOf := func(r *round, e *event) bool {
		if e.claimed || e.Hotkey != r.account || e.Block <= r.tx.Result.Block || e.Block > r.tx.Result.Block+horizon {
			return false
		}
		if r.tx.Kind == "commit_weights" {
			return e.Event == chain.EventWeightsSet && e.Extrinsic >= 0
		}
		return e.Event == chain.EventTimelockedWeightsRevealed
	}
	var unmatched []*round
	for _, r := range commits {
		found := false
		for i, e := range evs {
			if !revealOf(r, e) || !lastInBlock(evs, i) {
				continue
			}
			diff, err := a.diff(ctx, r, e)
			if err != nil {
				return err
			}
			if diff == "" {
				e.claimed, found = true, true
				a.verified++
				break
			}
		}
		if !found {
			unmatched = append(unmatched, r)
		}
	}
	for _, r := range unmatched {
		i := slices.IndexFunc(evs, func(e *event) bool { return revealOf(r, e) })
		if i >= 0 {
			evs[i].claimed = true
			if err := a.compare(ctx, r, evs, i); err != nil {
				return err
			}
			continue
		}
		c := r.tx.Result.Block
		var detail string
		switch {
		case best <= c:
			detail = fmt.Sprintf("%s in block %d: the chain has no later block yet to reveal it in", r.tx.Kind, c)
		case best < c+horizon:
			detail = fmt.Sprintf("%s in block %d: no reveal by this hotkey in blocks %d..%d yet (its reveal window may still be open)", r.tx.Kind, c, c+1, best)
		default:
			detail = fmt.Sprintf("%s in block %d: no reveal by this hotkey in blocks %d..%d (the commit expired unrevealed: the record cannot be checked against the chain)", r.tx.Kind, c, c+1, c+horizon)
		}
		a.add(Finding{Kind: Note, Check: CheckChain, Round: r.id, Netuid: r.netuid, Block: c, Hotkey: r.hotkey, Detail: detail})
	}

	// Settings that submissions of rounds outside the range account for.
	for _, r := range outside {
		if !hotkeys[r.account] {
			continue
		}
		i := slices.IndexFunc(evs, func(e *event) bool {
			if r.tx.Kind == "set_weights" {
				return !e.claimed && e.Block == r.tx.Result.Block && e.Hotkey == r.account && e.Event == chain.EventWeightsSet && e.Extrinsic >= 0
			}
			return revealOf(r, e)
		})
		if i >= 0 {
			evs[i].claimed = true
		}
	}

	// Settings in range that no record accounts for.
	for _, e := range evs {
		if e.claimed || e.Block < from || e.Block > to {
			continue
		}
		if r := failedAt(rounds, e); r != nil {
			a.mismatch(r, CheckChain, fmt.Sprintf("the record says the %s failed (%s), but the chain applied a %s by this hotkey in block %d",
				r.tx.Kind, r.txError, e.Event, e.Block), e.Block)
			continue
		}
		a.unrecorded++
		a.add(Finding{Kind: Unrecorded, Check: CheckChain, Netuid: netuid, Block: e.Block, Hotkey: e.Hotkey.String(),
			Detail: fmt.Sprintf("%s for uid %d (extrinsic %d) has no record", e.Event, e.UID, e.Extrinsic)})
	}
	return nil
}

// failedAt returns the round whose transaction the record says failed but was included in e's
// block, if any.
func failedAt(rounds []*round, e *event) *round {
	for _, r := range rounds {
		if !r.accepted && r.tx != nil && r.account == e.Hotkey && r.tx.Result.Block == e.Block && e.Extrinsic >= 0 {
			return r
		}
	}
	return nil
}

// revealHorizon is how many blocks after a commit its reveal can come: the reveal period in
// epochs (at least one) plus one, of tempo+1 blocks each.
func revealHorizon(hp chain.Hyperparams) uint64 {
	return (max(hp.RevealPeriodEpochs, 1) + 1) * (uint64(hp.Tempo) + 1)
}

// lastInBlock reports whether evs[i] is the last weight setting of its hotkey and mechanism in
// its block: only then does the row stored after the block show its weights.
func lastInBlock(evs []*event, i int) bool {
	e := evs[i]
	for _, o := range evs[i+1:] {
		if o.Block == e.Block && o.Hotkey == e.Hotkey && o.Mecid == e.Mecid {
			return false
		}
	}
	return true
}

// compare checks the chain's row after evs[i] against r's weights and counts the outcome. When a
// later setting by the same hotkey in the same block overwrote the row, the weights cannot be
// read back from storage: that is a note, neither verified nor mismatched.
func (a *auditor) compare(ctx context.Context, r *round, evs []*event, i int) error {
	e := evs[i]
	if !lastInBlock(evs, i) {
		a.add(Finding{Kind: Note, Check: CheckChain, Round: r.id, Netuid: r.netuid, Block: e.Block, Hotkey: r.hotkey,
			Detail: fmt.Sprintf("%s in block %d was overwritten by a later setting of the same hotkey in that block: the stored row cannot show its weights", e.Event, e.Block)})
		return nil
	}
	diff, err := a.diff(ctx, r, e)
	if err != nil {
		return err
	}
	if diff != "" {
		a.mismatch(r, CheckChain, fmt.Sprintf("%s in block %d: %s", e.Event, e.Block, diff), e.Block)
		return nil
	}
	a.verified++
	return nil
}

// diff describes how the chain's row for e's uid after e's block differs from the weights r
// recorded, max-upscaled as the chain stores them ("" when they are the same).
func (a *auditor) diff(ctx context.Context, r *round, e *event) (string, error) {
	rows, err := a.ch.WeightsAt(ctx, r.netuid, e.Mecid, e.Block)
	if err != nil {
		return "", fmt.Errorf("weights at block %d: %w", e.Block, err)
	}
	var got []chain.UIDValue
	if int(e.UID) < len(rows) {
		got = slices.Clone(rows[e.UID])
	}
	want := Stored(r.weights.UIDs, r.weights.Weights)
	slices.SortFunc(got, func(x, y chain.UIDValue) int { return cmp.Compare(x.UID, y.UID) })
	if slices.Equal(got, want) {
		return "", nil
	}
	return fmt.Sprintf("the record says uids %v weights %v were sent (stored as %v), the chain holds %v for uid %d",
		r.weights.UIDs, r.weights.Weights, want, got, e.UID), nil
}

// Stored returns the row the chain stores for a weight setting of uids and values: the values
// max-upscaled as subtensor's set_weights does (vec_u16_max_upscale_to_u16), ordered by uid.
func Stored(uids, values []uint16) []chain.UIDValue {
	up := yuma.MaxUpscaleU16(values)
	out := make([]chain.UIDValue, 0, len(uids))
	for i, u := range uids {
		if i < len(up) {
			out = append(out, chain.UIDValue{UID: u, Value: up[i]})
		}
	}
	slices.SortFunc(out, func(x, y chain.UIDValue) int { return cmp.Compare(x.UID, y.UID) })
	return out
}

func joinDiffs(d []string) string {
	if len(d) == 0 {
		return "no detail"
	}
	out := d[0]
	for _, s := range d[1:] {
		out += "; " + s
	}
	return out
}

func sortedKeys[V any](m map[uint16]V) []uint16 {
	out := make([]uint16, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
