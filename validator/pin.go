package validator

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/subnetd/subnetd/chain"
	"github.com/subnetd/subnetd/plugins"
	"github.com/subnetd/subnetd/runtime"
)

// A subnet with `scorer: chain` follows the scorer package pinned on chain: the subnet owner's
// commitment (or Publisher's), a plugins.Pin. Its PinFollower re-reads the commitment every few
// blocks; a new pin is fetched (plugins.Fetch: checked against the pinned hash, then the module
// against the manifest) and handed to Subnet.Reload (acceptance, then a swap at the next round
// boundary). A pin that cannot be fetched is retried with a growing delay; a pin refused for
// its content (it does not match its hash, or acceptance refuses it) is not fetched again until
// the pin changes. Either way the running version keeps scoring. docs/OPERATIONS.md
// ("Following a scorer pinned on chain") tells the operator's side.

// Pin states of PinStatus.State.
const (
	PinNone      = "none"      // the hotkey has no commitment (yet)
	PinFollowing = "following" // the pinned package is the one accepted
	PinRetrying  = "retrying"  // the pinned package could not be fetched; retried later
	PinRefused   = "refused"   // the pinned package was refused for its content; the previous one scores
)

// ErrNoPin: a subnet with `scorer: chain` starts while the hotkey it follows has pinned nothing.
var ErrNoPin = errors.New("no scorer pinned on chain")

// PinStatus is what a subnet following a pin reports in /healthz.
type PinStatus struct {
	// Publisher is the hotkey whose commitment is followed.
	Publisher string `json:"publisher,omitempty"`
	// SHA256 and URL are the pin last read (the manifest's sha256, hex).
	SHA256 string `json:"sha256,omitempty"`
	URL    string `json:"url,omitempty"`
	// Block is the block the commitment was made in.
	Block uint64 `json:"block,omitempty"`
	// State is a Pin* constant; Error says why the last pin was refused or is being retried.
	State string `json:"state"`
	Error string `json:"error,omitempty"`
	// Retries counts failed fetches of the current pin.
	Retries int `json:"retries,omitempty"`
}

// PinOptions configure a PinFollower.
type PinOptions struct {
	// Publisher is the hotkey to follow; nil follows the subnet's owner hotkey (re-read each time).
	Publisher *chain.AccountID
	// Every is how often the pin is re-read, in blocks (default DefaultPinEvery).
	Every uint64
	// Poll is how often the chain's block is read (default DefaultPoll).
	Poll time.Duration
	// Fetch bounds the fetches; its CacheDir is required. MaxModuleBytes defaults to the
	// subnet's runtime limit.
	Fetch plugins.FetchOptions
	// Keys are the publisher keys a package must be signed with (empty: unsigned allowed).
	Keys []plugins.PublicKey
	// MinBackoff and MaxBackoff bound the delay before a failed fetch is tried again
	// (defaults 10 s and 10 min); it doubles with each failure.
	MinBackoff, MaxBackoff time.Duration
}

// PinFollower keeps a Subnet on the scorer package pinned on chain.
type PinFollower struct {
	s    *Subnet
	ch   chain.Chain
	opts PinOptions
	log  *slog.Logger

	// The loop's own state (Check is called from one goroutine at a time).
	lastCheck uint64
	checked   bool
	current   plugins.Pin            // the pin whose package was accepted
	refused   map[plugins.Pin]string // pins refused for their content, by reason
	badBlock  uint64                 // the block of a malformed commitment already reported
	failing   plugins.Pin            // the pin being retried
	failures  int
	retryAt   time.Time

	mu     sync.Mutex
	status PinStatus
}

// NewPinFollower returns a follower of the pin for s, reading ch.
func NewPinFollower(s *Subnet, ch chain.Chain, opts PinOptions) *PinFollower {
	if opts.Every == 0 {
		opts.Every = DefaultPinEvery
	}
	if opts.Poll <= 0 {
		opts.Poll = DefaultPoll
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = 10 * time.Second
	}
	if opts.MaxBackoff < opts.MinBackoff {
		opts.MaxBackoff = max(10*time.Minute, opts.MinBackoff)
	}
	if opts.Fetch.MaxModuleBytes <= 0 {
		opts.Fetch.MaxModuleBytes = int64(s.rt.Limits().MaxModuleBytes)
	}
	return &PinFollower{s: s, ch: ch, opts: opts, log: s.log.With("component", "pin"), refused: map[plugins.Pin]string{},
		status: PinStatus{State: PinNone}}
}

// Status returns the pin last read and what became of it.
func (f *PinFollower) Status() PinStatus {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.status
}

func (f *PinFollower) setStatus(fn func(st *PinStatus)) {
	f.mu.Lock()
	fn(&f.status)
	f.mu.Unlock()
}

// read returns the followed hotkey's pin and the block of its commitment.
func (f *PinFollower) read(ctx context.Context) (chain.AccountID, *chain.Commitment, error) {
	hk := chain.AccountID{}
	if f.opts.Publisher != nil {
		hk = *f.opts.Publisher
	} else {
		owner, err := f.ch.SubnetOwnerHotkey(ctx, f.s.Netuid())
		if err != nil {
			return hk, nil, fmt.Errorf("owner hotkey of subnet %d: %w", f.s.Netuid(), err)
		}
		hk = owner
	}
	f.setStatus(func(st *PinStatus) { st.Publisher = hk.String() })
	cm, err := f.ch.Commitment(ctx, f.s.Netuid(), hk)
	return hk, cm, err
}

// pinOf reads a pin from a commitment's Raw fields.
func pinOf(cm *chain.Commitment) (plugins.Pin, error) {
	raw, err := cm.RawFields()
	if err != nil {
		return plugins.Pin{}, fmt.Errorf("%w: %v", plugins.ErrBadPin, err)
	}
	return plugins.ParsePin(raw)
}

// LoadInitial reads the pin, fetches and accepts its package, and installs it as the running
// scorer (before the first round). It fails, naming the reason, when nothing is pinned
// (ErrNoPin) or the pinned package cannot be fetched or is refused.
func (f *PinFollower) LoadInitial(ctx context.Context) (*Scorer, error) {
	hk, cm, err := f.read(ctx)
	if errors.Is(err, chain.ErrNoCommitment) {
		return nil, fmt.Errorf("scorer: chain: %s has pinned no scorer on subnet %d (publish one with 'subnetd plugin publish'): %w", hk, f.s.Netuid(), ErrNoPin)
	}
	if err != nil {
		return nil, fmt.Errorf("scorer: chain: read the pin: %w", err)
	}
	pin, err := pinOf(cm)
	if err != nil {
		return nil, fmt.Errorf("scorer: chain: the commitment of %s at block %d: %w", hk, cm.Block, err)
	}
	f.showPin(pin, cm.Block)
	p, err := plugins.Fetch(ctx, pin, f.opts.Fetch)
	if err != nil {
		return nil, fmt.Errorf("scorer: chain: pin of %s at block %d: %w", hk, cm.Block, err)
	}
	sc, err := f.s.accept(ctx, p, f.opts.Keys)
	if err != nil {
		return nil, fmt.Errorf("scorer: chain: pin of %s at block %d (%s): %w", hk, cm.Block, pin.URL, err)
	}
	f.s.SetScorer(sc)
	f.current = pin
	f.s.metrics.pinAccept(f.s.Netuid())
	f.setStatus(func(st *PinStatus) { st.State, st.Error, st.Retries = PinFollowing, "", 0 })
	return sc, nil
}

func (f *PinFollower) showPin(pin plugins.Pin, block uint64) {
	f.setStatus(func(st *PinStatus) {
		st.SHA256, st.URL, st.Block = hex.EncodeToString(pin.SHA256[:]), pin.URL, block
	})
}

// Run checks the pin every Every blocks until ctx ends.
func (f *PinFollower) Run(ctx context.Context) {
	t := time.NewTicker(f.opts.Poll)
	defer t.Stop()
	for {
		f.Check(ctx, time.Now())
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Check re-reads the pin when Every blocks have passed since the last read, and follows a new
// one: fetch, verify, Reload. now is the wall clock, for the retry delay only.
func (f *PinFollower) Check(ctx context.Context, now time.Time) {
	b, err := f.ch.CurrentBlock(ctx)
	if err != nil {
		return // the subnet loop logs an unreachable chain
	}
	if f.checked && b < f.lastCheck+f.opts.Every {
		return
	}
	f.checked, f.lastCheck = true, b
	f.CheckNow(ctx, now)
}

// CheckNow re-reads the pin now and follows it (see Check).
func (f *PinFollower) CheckNow(ctx context.Context, now time.Time) {
	netuid := f.s.Netuid()
	hk, cm, err := f.read(ctx)
	if errors.Is(err, chain.ErrNoCommitment) {
		f.setStatus(func(st *PinStatus) { st.State, st.SHA256, st.URL, st.Block = PinNone, "", "", 0 })
		return
	}
	if err != nil {
		if ctx.Err() == nil {
			f.s.metrics.chainError(netuid, "commitment")
			f.log.Warn("could not read the scorer pin", "err", err)
		}
		return
	}
	pin, err := pinOf(cm)
	if err != nil {
		if f.badBlock != cm.Block {
			f.badBlock = cm.Block
			f.refuse("bad_pin", fmt.Errorf("the commitment of %s at block %d: %w", hk, cm.Block, err))
		}
		return
	}
	if pin == f.current {
		if st := f.Status(); st.State != PinFollowing {
			f.showPin(pin, cm.Block)
			f.setStatus(func(st *PinStatus) { st.State, st.Error, st.Retries = PinFollowing, "", 0 })
		}
		return
	}
	if _, ok := f.refused[pin]; ok {
		return // refused for its content: not fetched again until the pin changes
	}
	if pin == f.failing && now.Before(f.retryAt) {
		return
	}
	if pin != f.failing {
		f.failing, f.failures = pin, 0
	}
	f.showPin(pin, cm.Block)
	log := f.log.With("publisher", hk.String(), "pin_block", cm.Block, "sha256", hex.EncodeToString(pin.SHA256[:]), "url", pin.URL)
	p, err := plugins.Fetch(ctx, pin, f.opts.Fetch)
	if err == nil {
		err = f.s.Reload(ctx, p, f.opts.Keys)
	}
	if err != nil && ctx.Err() != nil {
		return // shutting down: neither a refusal nor a failure of the pin
	}
	switch {
	case err == nil:
		f.current, f.failing, f.failures = pin, plugins.Pin{}, 0
		f.s.metrics.pinAccept(netuid)
		f.setStatus(func(st *PinStatus) { st.State, st.Error, st.Retries = PinFollowing, "", 0 })
		log.Info("scorer pin followed; the package takes over at the next round boundary", "version", p.Manifest.Version)
	case errors.Is(err, plugins.ErrFetchFailed):
		f.failures++
		delay := f.opts.MinBackoff << min(f.failures-1, 20)
		if delay > f.opts.MaxBackoff || delay <= 0 {
			delay = f.opts.MaxBackoff
		}
		f.retryAt = now.Add(delay)
		reason := PinReason(err)
		f.s.metrics.pinRefuse(netuid, reason)
		f.setStatus(func(st *PinStatus) { st.State, st.Error, st.Retries = PinRetrying, oneLine(err), f.failures })
		log.Warn("scorer pin could not be fetched; the running version keeps scoring; retrying later", "reason", reason, "retry_in", delay, "err", err)
	default:
		f.refused[pin] = PinReason(err)
		f.failing, f.failures = plugins.Pin{}, 0
		f.refuse(PinReason(err), err, "publisher", hk.String(), "pin_block", cm.Block, "url", pin.URL)
	}
}

// refuse counts, logs and shows a pin refused for its content.
func (f *PinFollower) refuse(reason string, err error, args ...any) {
	f.s.metrics.pinRefuse(f.s.Netuid(), reason)
	f.setStatus(func(st *PinStatus) { st.State, st.Error, st.Retries = PinRefused, oneLine(err), 0 })
	f.log.Warn("scorer pin refused; the running version keeps scoring", append([]any{"reason", reason, "err", err}, args...)...)
}

// PinReason is a pin refusal's metric label and log reason.
func PinReason(err error) string {
	switch {
	case errors.Is(err, plugins.ErrBadPin):
		return "bad_pin"
	case errors.Is(err, plugins.ErrPinMismatch):
		return "pin_mismatch"
	case errors.Is(err, plugins.ErrHashMismatch):
		return "module_mismatch"
	case errors.Is(err, plugins.ErrFetchTooLarge):
		return "too_large"
	case errors.Is(err, plugins.ErrFetchRedirect):
		return "redirect"
	case errors.Is(err, plugins.ErrBadArchive):
		return "bad_archive"
	case errors.Is(err, plugins.ErrFetchFailed) && errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, plugins.ErrFetchFailed):
		return "unreachable"
	case errors.Is(err, plugins.ErrBadManifest), errors.Is(err, plugins.ErrABIVersion):
		return "bad_manifest"
	case errors.Is(err, plugins.ErrUnsigned), errors.Is(err, plugins.ErrBadSignature):
		return "signature"
	case errors.Is(err, plugins.ErrSelfTest):
		return "self_test"
	case errors.Is(err, runtime.ErrInvalidModule), errors.Is(err, runtime.ErrModuleTooLarge):
		return "bad_module"
	}
	return "rejected"
}
