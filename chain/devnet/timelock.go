package devnet

import (
	"fmt"
	"slices"

	"github.com/subnetd/subnetd/chain/timelock"
)

// drand is the chain-wide timelock state: the CommitRevealWeightsVersion the
// runtime expects, the beacon pulses are verified against, and the pulses
// stored so far (the Drand pallet's Pulses and LastStoredRound).
type drand struct {
	version   uint16 // 0: the runtime has no timelocked commit call
	beacon    *timelock.Beacon
	pulses    map[uint64][]byte
	lastRound uint64
}

// tlCommit is one TimelockedWeightCommits entry.
type tlCommit struct {
	hotkey     string
	block      uint64
	ciphertext []byte
	round      uint64
}

// TimelockedCommit is a stored timelocked commit, as TimelockedWeightCommits
// keeps it under its commit epoch.
type TimelockedCommit struct {
	// Hotkey made the commit.
	Hotkey string
	// Epoch is the commit epoch it is stored under; it is revealed in epoch
	// Epoch + RevealPeriod.
	Epoch uint64
	// CommitBlock is the block it was made in.
	CommitBlock uint64
	// Ciphertext is the timelock ciphertext as submitted.
	Ciphertext []byte
	// RevealRound is the drand round whose pulse decrypts it.
	RevealRound uint64
}

// SetCommitRevealVersion sets the CommitRevealWeightsVersion timelocked
// commits must carry. 0 (the devnet's default) models a runtime without
// timelocked commits: CommitTimelocked answers ErrTimelockNotAvailable and
// validators fall back to hash commits. Subtensor's own default is 4.
func (c *Chain) SetCommitRevealVersion(v uint16) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.drand.version = v
}

// CommitRevealVersion returns the CommitRevealWeightsVersion (0: no timelocked commits).
func (c *Chain) CommitRevealVersion() uint16 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.drand.version
}

// SetBeacon replaces the drand beacon pulses are verified against (drand
// quicknet unless set), so tests can sign rounds with a key they know.
func (c *Chain) SetBeacon(b *timelock.Beacon) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.drand.beacon = b
}

// InjectPulse stores the drand pulse for round, as the Drand pallet does when
// its offchain worker submits one: the signature must verify for the round
// under the beacon's key (ErrInvalidPulse otherwise). The devnet fetches no
// pulses itself; without this call timelocked commits are never revealed and
// expire as on a chain whose drand feed stopped. Timelocked commits due in the
// current epoch are revealed from the next block on.
func (c *Chain) InjectPulse(round uint64, signature []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.drand.beacon
	if b == nil {
		b = timelock.Quicknet()
	}
	if round == 0 {
		return fmt.Errorf("pulse for round 0: %w", ErrInvalidPulse)
	}
	if err := b.VerifySignature(round, signature); err != nil {
		return fmt.Errorf("pulse for round %d: %w: %w", round, ErrInvalidPulse, err)
	}
	if c.drand.pulses == nil {
		c.drand.pulses = map[uint64][]byte{}
	}
	if _, ok := c.drand.pulses[round]; !ok {
		c.drand.pulses[round] = slices.Clone(signature)
	}
	c.drand.lastRound = max(c.drand.lastRound, round)
	return nil
}

// LastStoredRound returns the highest round InjectPulse stored (0 for none).
func (c *Chain) LastStoredRound() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.drand.lastRound
}

// shouldRunEpoch is subtensor's should_run_epoch with the tempo formula:
// blocks_until_next_epoch == 0, the last block of a commit-reveal epoch.
func (s *subnet) shouldRunEpoch(block uint64) bool {
	t := uint64(s.hp.Tempo)
	if t == 0 {
		return false
	}
	return (block+uint64(s.netuid)+1)%(t+1) == t
}

// CommitTimelocked is a signed commit_timelocked_weights from hotkey at the
// current block, checked as subtensor does: ciphertexts over
// timelock.MaxCommitSize bytes are refused, then the pool's checks
// (NotEnoughStakeToSetWeights, InvalidRevealRound for a round before
// LastStoredRound), then CommitRevealDisabled, IncorrectCommitRevealVersion,
// HotKeyNotRegisteredInSubNet, CommittingWeightsTooFast, and
// TooManyUnrevealedCommits when the hotkey has 10 commits in this epoch. The
// commit is stored under the current commit-reveal epoch (the next one on the
// block an epoch runs) and LastUpdate becomes the current block. The chain
// reveals it in epoch commit epoch + RevealPeriod once the round's pulse is
// stored (see InjectPulse), with set_weights' checks; a commit that cannot be
// decrypted, decoded or applied disappears without an error, as on chain.
func (c *Chain) CommitTimelocked(netuid uint16, hotkey string, ciphertext []byte, revealRound uint64, version uint16) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.subnet(netuid)
	if err != nil {
		return err
	}
	wrap := func(e error) error {
		return fmt.Errorf("commit_timelocked_weights by %q on subnet %d: %w", hotkey, netuid, e)
	}
	if c.drand.version == 0 {
		return wrap(ErrTimelockNotAvailable)
	}
	if len(ciphertext) > timelock.MaxCommitSize {
		return wrap(fmt.Errorf("%d bytes: %w", len(ciphertext), timelock.ErrCommitTooLarge))
	}
	if err := s.checkMinStake(hotkey); err != nil {
		return wrap(err)
	}
	if revealRound < c.drand.lastRound {
		return wrap(ErrInvalidRevealRound)
	}
	if !s.hp.CommitRevealEnabled {
		return wrap(ErrCommitRevealDisabled)
	}
	if version != c.drand.version {
		return wrap(ErrIncorrectCommitRevealVersion)
	}
	uid, ok := s.uids[hotkey]
	if !ok {
		return wrap(ErrHotKeyNotRegisteredInSubNet)
	}
	block := c.block
	if err := s.checkCommitRateLimit(uid, block); err != nil {
		return wrap(err)
	}
	epoch := s.epochIndex(block)
	if s.shouldRunEpoch(block) {
		epoch = satAdd(epoch, 1)
	}
	n := 0
	for _, tc := range s.cr.timelocked[epoch] {
		if tc.hotkey == hotkey {
			n++
		}
	}
	if n >= MaxUnrevealedCommits {
		return wrap(ErrTooManyUnrevealedCommits)
	}
	if s.cr.timelocked == nil {
		s.cr.timelocked = map[uint64][]tlCommit{}
	}
	s.cr.timelocked[epoch] = append(s.cr.timelocked[epoch], tlCommit{hotkey: hotkey, block: block,
		ciphertext: slices.Clone(ciphertext), round: revealRound})
	s.neurons[uid].lastUpdate = block
	return nil
}

// TimelockedCommits returns the subnet's stored timelocked commits, by
// epoch, then in commit order.
func (c *Chain) TimelockedCommits(netuid uint16) ([]TimelockedCommit, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.subnet(netuid)
	if err != nil {
		return nil, err
	}
	epochs := make([]uint64, 0, len(s.cr.timelocked))
	for e := range s.cr.timelocked {
		epochs = append(epochs, e)
	}
	slices.Sort(epochs)
	var out []TimelockedCommit
	for _, e := range epochs {
		for _, tc := range s.cr.timelocked[e] {
			out = append(out, TimelockedCommit{Hotkey: tc.hotkey, Epoch: e, CommitBlock: tc.block,
				Ciphertext: slices.Clone(tc.ciphertext), RevealRound: tc.round})
		}
	}
	return out, nil
}

// firstBlockOfEpoch is the first block whose commit-reveal epoch is epoch.
func (s *subnet) firstBlockOfEpoch(epoch uint64) uint64 {
	n1 := uint64(s.netuid) + 1
	v := satMul(epoch, uint64(s.hp.Tempo)+1)
	if v < n1 {
		return 0
	}
	return v - n1
}

// nextTimelockBlock returns the first block after `after` at which the
// subnet's timelocked reveal step (run at the start of every block) can change
// anything: a commit epoch's reveal epoch begins, a pulse stored meanwhile
// can be used, or an epoch's leftovers expire.
func (c *Chain) nextTimelockBlock(s *subnet, after uint64) (uint64, bool) {
	best, ok := uint64(0), false
	for e, q := range s.cr.timelocked {
		r := satAdd(e, s.cr.period())
		b := s.firstBlockOfEpoch(r)
		if b <= after {
			b = after + 1
			pulse := false
			for _, tc := range q {
				if _, has := c.drand.pulses[tc.round]; has {
					pulse = true
				}
			}
			if !pulse {
				b = max(b, s.firstBlockOfEpoch(satAdd(r, 1)))
			}
		}
		if !ok || b < best {
			best, ok = b, true
		}
	}
	return best, ok
}

// revealTimelocked is reveal_crv3_commits_for_subnet at block: commits of
// epochs before the reveal epoch are deleted; those of the reveal epoch whose
// pulse is stored are decrypted and applied as their committer's set_weights
// (failures dropped silently); those still waiting for a pulse stay.
func (c *Chain) revealTimelocked(s *subnet, block uint64) {
	period := s.cr.period()
	cur := s.epochIndex(block)
	revealEpoch := cur - min(cur, period)
	for e := range s.cr.timelocked {
		if e < revealEpoch {
			delete(s.cr.timelocked, e)
		}
	}
	if cur < period {
		return
	}
	entries := s.cr.timelocked[revealEpoch]
	delete(s.cr.timelocked, revealEpoch)
	var waiting []tlCommit
	for _, tc := range entries {
		sig, ok := c.drand.pulses[tc.round]
		if !ok {
			waiting = append(waiting, tc)
			continue
		}
		pt, err := timelock.DecryptWithSignature(sig, tc.ciphertext)
		if err != nil {
			continue
		}
		p, ok := decodeTlockPayload(pt, AccountID(tc.hotkey))
		if !ok {
			continue
		}
		if s.setWeights(block, tc.hotkey, p.Uids, p.Values, p.VersionKey) == nil {
			s.markTimelocked(tc.hotkey)
		}
	}
	if len(waiting) > 0 {
		s.cr.timelocked[revealEpoch] = waiting
	}
}

// decodeTlockPayload decodes a decrypted payload as the chain does: the v4
// layout, whose hotkey must be the committer; when that does not decode (or
// its hotkey is shorter than an account id) the legacy layout without hotkey.
func decodeTlockPayload(pt []byte, who [32]byte) (timelock.Payload, bool) {
	if p, err := timelock.DecodePayload(timelock.FormatV4, pt); err == nil && len(p.Hotkey) >= 32 {
		return p, [32]byte(p.Hotkey[:32]) == who
	}
	p, err := timelock.DecodePayload(timelock.FormatLegacy, pt)
	return p, err == nil
}
