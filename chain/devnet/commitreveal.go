package devnet

import (
	"crypto/sha256"
	"fmt"
	"slices"

	"github.com/subnetd/subnetd/chain"
	"github.com/subnetd/subnetd/yuma"
	"github.com/subnetd/subnetd/yuma/fixed"
)

// MaxUnrevealedCommits is how many hash commits a hotkey may have pending on a
// subnet, and how many timelocked commits it may have per epoch (subtensor's
// literal 10).
const MaxUnrevealedCommits = 10

// Bounds of RevealPeriodEpochs (subtensor's MIN_ and MAX_COMMIT_REVEAL_PEROIDS).
const (
	MinRevealPeriod = 1
	MaxRevealPeriod = 100
)

// HashCommit is one pending commit-reveal v2 commit as subtensor's
// WeightCommits keeps it: the hash, the block it was made in, and the
// inclusive block range of its reveal epoch (computed when it was made).
type HashCommit struct {
	Hash             [32]byte
	CommitBlock      uint64
	FirstRevealBlock uint64
	LastRevealBlock  uint64
}

// commitReveal is a subnet's commit-reveal state.
type commitReveal struct {
	revealPeriod uint64                  // RevealPeriodEpochs; 0 means the storage default 1
	commits      map[string][]HashCommit // WeightCommits: hotkey → queue, oldest first
	timelocked   map[uint64][]tlCommit   // TimelockedWeightCommits: commit epoch → queue
}

func (cr *commitReveal) period() uint64 {
	if cr.revealPeriod == 0 {
		return 1
	}
	return cr.revealPeriod
}

// AccountID is the 32-byte account a devnet hotkey stands for: the key of an
// SS58 address, or, for the free-form names test scenarios use, the sha256 of
// the name. Commit hashes are computed over it.
func AccountID(hotkey string) [32]byte {
	if a, err := chain.ParseAccountID(hotkey); err == nil {
		return a
	}
	return sha256.Sum256([]byte(hotkey))
}

// SetRevealPeriod sets the subnet's RevealPeriodEpochs (an admin call):
// a hash commit is revealed in epoch commit_epoch + epochs.
func (c *Chain) SetRevealPeriod(netuid uint16, epochs uint64) error {
	if epochs < MinRevealPeriod || epochs > MaxRevealPeriod {
		return fmt.Errorf("set reveal period %d on subnet %d: want %d..%d: %w", epochs, netuid, MinRevealPeriod, MaxRevealPeriod, ErrInvalidHyperparameter)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.subnet(netuid)
	if err != nil {
		return err
	}
	s.cr.revealPeriod = epochs
	return nil
}

// RevealPeriod returns the subnet's RevealPeriodEpochs (1 unless set).
func (c *Chain) RevealPeriod(netuid uint16) (uint64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.subnet(netuid)
	if err != nil {
		return 0, err
	}
	return s.cr.period(), nil
}

// epochIndex is the commit-reveal epoch of block on subnet s (subtensor's
// get_epoch_index before the stateful epoch counter, the same as chain.EpochIndex).
func (s *subnet) epochIndex(block uint64) uint64 {
	return chain.EpochIndex(s.netuid, s.hp.Tempo, block)
}

// commitExpired is is_commit_expired: the current epoch is past the commit's
// reveal epoch.
func (s *subnet) commitExpired(cur, commitEpoch uint64) bool {
	return s.epochIndex(cur) > satAdd(commitEpoch, s.cr.period())
}

// checkMinStake is the transaction pool's check on every weights call
// (check_weights_min_stake): the owner hotkey always passes.
func (s *subnet) checkMinStake(hotkey string) error {
	if s.cfg.OwnerHotkey != "" && hotkey == s.cfg.OwnerHotkey {
		return nil
	}
	if s.totalStake(hotkey).Cmp(fixed.I64F64FromU64(s.hp.StakeThreshold)) < 0 {
		return ErrNotEnoughStakeToSetWeights
	}
	return nil
}

// checkCommitRateLimit is check_rate_limit for a commit: LastUpdate 0 always
// passes, otherwise WeightsSetRateLimit blocks must have passed.
func (s *subnet) checkCommitRateLimit(uid uint16, block uint64) error {
	last := s.neurons[uid].lastUpdate
	if last != 0 && block-min(block, last) < s.hp.WeightsSetRateLimit {
		return ErrCommittingWeightsTooFast
	}
	return nil
}

// CommitWeights is a signed commit_weights (commit-reveal v2) from hotkey at
// the current block, checked as subtensor does: the pool's stake check
// (NotEnoughStakeToSetWeights), then CommitRevealDisabled,
// HotKeyNotRegisteredInSubNet, CommittingWeightsTooFast; expired commits are
// dropped from the front of the hotkey's queue, and TooManyUnrevealedCommits
// when 10 remain. On success the commit is queued with its reveal window and
// the uid's LastUpdate becomes the current block.
func (c *Chain) CommitWeights(netuid uint16, hotkey string, hash [32]byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.subnet(netuid)
	if err != nil {
		return err
	}
	wrap := func(e error) error { return fmt.Errorf("commit_weights by %q on subnet %d: %w", hotkey, netuid, e) }
	if err := s.checkMinStake(hotkey); err != nil {
		return wrap(err)
	}
	if !s.hp.CommitRevealEnabled {
		return wrap(ErrCommitRevealDisabled)
	}
	uid, ok := s.uids[hotkey]
	if !ok {
		return wrap(ErrHotKeyNotRegisteredInSubNet)
	}
	block := c.block
	if err := s.checkCommitRateLimit(uid, block); err != nil {
		return wrap(err)
	}
	q := s.cr.commits[hotkey]
	for len(q) > 0 && s.commitExpired(block, s.epochIndex(q[0].CommitBlock)) {
		q = q[1:]
	}
	if len(q) >= MaxUnrevealedCommits {
		return wrap(ErrTooManyUnrevealedCommits)
	}
	first, last := chain.RevealWindow(netuid, s.hp.Tempo, s.cr.period(), block)
	q = append(slices.Clone(q), HashCommit{Hash: hash, CommitBlock: block, FirstRevealBlock: first, LastRevealBlock: last})
	if s.cr.commits == nil {
		s.cr.commits = map[string][]HashCommit{}
	}
	s.cr.commits[hotkey] = q
	s.neurons[uid].lastUpdate = block
	return nil
}

// RevealWeights is a signed reveal_weights from hotkey at the current block,
// following subtensor's do_reveal_weights: CommitRevealDisabled; no queue
// gives NoWeightsCommitFound; expired commits are dropped from the front; the
// hash is chain.CommitHash over (account, netuid, uids, values, salt,
// versionKey). With nothing left it is ExpiredWeightCommit when the hash was
// among the expired ones, else NoWeightsCommitFound; a hash matching no
// remaining commit gives ExpiredWeightCommit or
// InvalidRevealCommitHashNotMatch the same way; a match outside its reveal
// epoch gives RevealTooEarly. A match in its epoch removes that commit and
// every older one, then sets the weights with set_weights' checks (without the
// rate limit and without moving LastUpdate while commit-reveal is on). Like a
// failed extrinsic, a failure changes nothing.
func (c *Chain) RevealWeights(netuid uint16, hotkey string, uids, values, salt []uint16, versionKey uint64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.subnet(netuid)
	if err != nil {
		return err
	}
	wrap := func(e error) error { return fmt.Errorf("reveal_weights by %q on subnet %d: %w", hotkey, netuid, e) }
	if err := s.checkMinStake(hotkey); err != nil {
		return wrap(err)
	}
	if !s.hp.CommitRevealEnabled {
		return wrap(ErrCommitRevealDisabled)
	}
	q, ok := s.cr.commits[hotkey]
	if !ok {
		return wrap(ErrNoWeightsCommitFound)
	}
	block := c.block
	var expired [][32]byte
	for len(q) > 0 && s.commitExpired(block, s.epochIndex(q[0].CommitBlock)) {
		expired = append(expired, q[0].Hash)
		q = q[1:]
	}
	hash := chain.CommitHash(AccountID(hotkey), chain.NetuidIndex(netuid, 0), uids, values, salt, versionKey)
	if len(q) == 0 {
		if slices.Contains(expired, hash) {
			return wrap(ErrExpiredWeightCommit)
		}
		return wrap(ErrNoWeightsCommitFound)
	}
	pos := slices.IndexFunc(q, func(hc HashCommit) bool { return hc.Hash == hash })
	if pos < 0 {
		if slices.Contains(expired, hash) {
			return wrap(ErrExpiredWeightCommit)
		}
		return wrap(ErrInvalidRevealCommitHashNotMatch)
	}
	if s.epochIndex(block) != satAdd(s.epochIndex(q[pos].CommitBlock), s.cr.period()) {
		return wrap(ErrRevealTooEarly)
	}
	if err := s.setWeights(block, hotkey, uids, values, versionKey); err != nil {
		return wrap(err)
	}
	if rest := q[pos+1:]; len(rest) > 0 {
		s.cr.commits[hotkey] = slices.Clone(rest)
	} else {
		delete(s.cr.commits, hotkey)
	}
	return nil
}

// PendingCommits returns the hash commits stored for hotkey on the subnet,
// oldest first, as WeightCommits holds them: expired commits stay until the
// hotkey's next commit or reveal drops them.
func (c *Chain) PendingCommits(netuid uint16, hotkey string) ([]HashCommit, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.subnet(netuid)
	if err != nil {
		return nil, err
	}
	return slices.Clone(s.cr.commits[hotkey]), nil
}

// commitBlock is the block of the uid's earliest commit that has not expired
// (hash or timelocked), which the epoch's commit-reveal mask compares with
// registration blocks; yuma.NoCommit when there is none.
func (s *subnet) commitBlock(hotkey string, block uint64) uint64 {
	cb := uint64(yuma.NoCommit)
	for _, hc := range s.cr.commits[hotkey] {
		if !s.commitExpired(block, s.epochIndex(hc.CommitBlock)) {
			cb = min(cb, hc.CommitBlock)
			break
		}
	}
	for epoch, q := range s.cr.timelocked {
		if s.commitExpired(block, epoch) {
			continue
		}
		for _, tc := range q {
			if tc.hotkey == hotkey {
				cb = min(cb, tc.block)
			}
		}
	}
	return cb
}
