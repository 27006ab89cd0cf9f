package devnet

import (
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/subnetd/subnetd/yuma"
	"github.com/subnetd/subnetd/yuma/fixed"
)

// SubnetConfig creates a subnet.
type SubnetConfig struct {
	// Hyperparameters are the subnet's initial settings.
	Hyperparameters Hyperparameters
	// OwnerHotkey is SubnetOwnerHotkey ("" for none). While registered, its
	// uid keeps a validator permit, passes the stake threshold and may weight itself.
	OwnerHotkey string
	// AutoEpoch runs an epoch whenever the tempo schedules one while blocks
	// advance. Off, epochs run only through RunEpoch (as in subtensor's tests).
	AutoEpoch bool
	// EmissionPerBlock is the alpha (rao) a scheduled epoch distributes per
	// block elapsed since the previous one.
	EmissionPerBlock uint64
	// Distribute adds each scheduled epoch's server and validator emission to
	// the receiving hotkey's alpha stake (no owner cut, no root dividends).
	Distribute bool
}

// Stake is a hotkey's stake on a subnet in rao.
type Stake struct {
	// Alpha is the (inherited) alpha stake on the subnet.
	Alpha uint64
	// Tao is the (inherited) root TAO stake.
	Tao uint64
}

type neuron struct {
	hotkey         string
	registeredAt   uint64
	lastUpdate     uint64
	permit         bool
	weights        []yuma.Cell // nil: no Weights row
	bonds          []yuma.Cell // nil: no Bonds row
	active         bool
	emission       uint64
	consensus      uint16
	incentive      uint16
	dividends      uint16
	validatorTrust uint16
	stakeWeight    uint16
}

type subnet struct {
	netuid         uint16
	cfg            SubnetConfig
	hp             Hyperparameters
	neurons        []neuron
	uids           map[string]uint16
	stake          map[string]Stake
	lastEpochBlock uint64
	lastStepBlock  uint64 // LastMechansimStepBlock
	cr             commitReveal
	cm             commitments // the Commitments pallet (commitments.go)
	history        []rowChange // every change of a Weights row (history.go)
}

// Chain is the embedded chain: a current block and its subnets.
type Chain struct {
	mu      sync.Mutex
	block   uint64
	subnets map[uint16]*subnet
	drand   drand
}

// New returns a chain at block genesisBlock with no subnets.
func New(genesisBlock uint64) *Chain {
	return &Chain{block: genesisBlock, subnets: map[uint16]*subnet{}}
}

// Block returns the current block.
func (c *Chain) Block() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.block
}

// Netuids returns the existing subnets in ascending order.
func (c *Chain) Netuids() []uint16 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.netuidsLocked()
}

func (c *Chain) netuidsLocked() []uint16 {
	ids := make([]uint16, 0, len(c.subnets))
	for id := range c.subnets {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// CreateSubnet adds an empty subnet at netuid.
func (c *Chain) CreateSubnet(netuid uint16, cfg SubnetConfig) error {
	if err := cfg.Hyperparameters.Validate(); err != nil {
		return fmt.Errorf("create subnet %d: %w", netuid, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.subnets[netuid]; ok {
		return fmt.Errorf("create subnet %d: %w", netuid, ErrSubnetExists)
	}
	c.subnets[netuid] = &subnet{
		netuid: netuid, cfg: cfg, hp: cfg.Hyperparameters, uids: map[string]uint16{}, stake: map[string]Stake{},
		lastEpochBlock: c.block,
	}
	return nil
}

func (c *Chain) subnet(netuid uint16) (*subnet, error) {
	s, ok := c.subnets[netuid]
	if !ok {
		return nil, fmt.Errorf("subnet %d: %w", netuid, ErrSubnetNotExists)
	}
	return s, nil
}

// Hyperparameters returns the subnet's current settings.
func (c *Chain) Hyperparameters(netuid uint16) (Hyperparameters, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.subnet(netuid)
	if err != nil {
		return Hyperparameters{}, err
	}
	return s.hp, nil
}

// SetHyperparameters replaces the subnet's settings (an admin call).
func (c *Chain) SetHyperparameters(netuid uint16, hp Hyperparameters) error {
	if err := hp.Validate(); err != nil {
		return fmt.Errorf("set hyperparameters on subnet %d: %w", netuid, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.subnet(netuid)
	if err != nil {
		return err
	}
	s.hp = hp
	return nil
}

// SetStake sets (not adds) a hotkey's stake on the subnet. The hotkey need
// not be registered; only registered hotkeys count in an epoch.
func (c *Chain) SetStake(netuid uint16, hotkey string, st Stake) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.subnet(netuid)
	if err != nil {
		return err
	}
	s.stake[hotkey] = st
	return nil
}

// StakeOf returns a hotkey's stake on the subnet.
func (c *Chain) StakeOf(netuid uint16, hotkey string) (Stake, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.subnet(netuid)
	if err != nil {
		return Stake{}, err
	}
	return s.stake[hotkey], nil
}

// AppendNeuron is subtensor's append_neuron with an explicit registration
// block (genesis import, test setups): the next uid, BlockAtRegistration =
// LastUpdate = registeredAt, no permit, no weights, no bonds. Like
// append_neuron it does not check MaxAllowedUids (Register does); it only
// refuses past 65535 uids.
func (c *Chain) AppendNeuron(netuid uint16, hotkey string, registeredAt uint64) (uint16, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.subnet(netuid)
	if err != nil {
		return 0, err
	}
	if _, ok := s.uids[hotkey]; ok {
		return 0, fmt.Errorf("append %q to subnet %d: %w", hotkey, netuid, ErrHotKeyAlreadyRegisteredInSubNet)
	}
	if len(s.neurons) >= math.MaxUint16 {
		return 0, fmt.Errorf("append %q to subnet %d: 65535 uids: %w", hotkey, netuid, ErrNoNeuronIdAvailable)
	}
	return s.append(hotkey, registeredAt), nil
}

func (s *subnet) append(hotkey string, block uint64) uint16 {
	uid := uint16(len(s.neurons))
	s.neurons = append(s.neurons, neuron{hotkey: hotkey, registeredAt: block, lastUpdate: block, active: true})
	s.uids[hotkey] = uid
	return uid
}

// Register registers hotkey at the current block: appended while the subnet
// has room, otherwise replacing the uid subtensor's pruning rule picks (lowest
// emission, then earliest registration, then lowest uid; non-immune uids
// first; never the owner hotkey).
func (c *Chain) Register(netuid uint16, hotkey string) (uint16, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.subnet(netuid)
	if err != nil {
		return 0, err
	}
	if _, ok := s.uids[hotkey]; ok {
		return 0, fmt.Errorf("register %q on subnet %d: %w", hotkey, netuid, ErrHotKeyAlreadyRegisteredInSubNet)
	}
	if len(s.neurons) < int(s.hp.MaxAllowedUids) && len(s.neurons) < math.MaxUint16 {
		return s.append(hotkey, c.block), nil
	}
	uid, ok := s.pruneCandidate(c.block)
	if !ok {
		return 0, fmt.Errorf("register %q on subnet %d: %w", hotkey, netuid, ErrNoNeuronIdAvailable)
	}
	s.replace(uid, hotkey, c.block)
	return uid, nil
}

func (s *subnet) pruneCandidate(block uint64) (uint16, bool) {
	best, bestImmune := -1, -1
	better := func(a, b int) bool {
		na, nb := &s.neurons[a], &s.neurons[b]
		if na.emission != nb.emission {
			return na.emission < nb.emission
		}
		if na.registeredAt != nb.registeredAt {
			return na.registeredAt < nb.registeredAt
		}
		return a < b
	}
	for i := range s.neurons {
		nr := &s.neurons[i]
		if s.cfg.OwnerHotkey != "" && nr.hotkey == s.cfg.OwnerHotkey {
			continue
		}
		immune := block-min(block, nr.registeredAt) < s.hp.ImmunityPeriod
		if immune {
			if bestImmune < 0 || better(i, bestImmune) {
				bestImmune = i
			}
		} else if best < 0 || better(i, best) {
			best = i
		}
	}
	if best >= 0 {
		return uint16(best), true
	}
	if bestImmune >= 0 {
		return uint16(bestImmune), true
	}
	return 0, false
}

// ReplaceNeuron is subtensor's replace_neuron at the current block: hotkey
// takes uid; the uid's Weights and Bonds rows are removed, every other
// weight pointing at it is set to 0 (the entry stays), its permit and
// Emission/Consensus/Incentive/Dividends/ValidatorTrust/StakeWeight are
// cleared, and BlockAtRegistration = LastUpdate = the current block. The
// owner hotkey is never replaced (the call is then a no-op, like the chain's).
func (c *Chain) ReplaceNeuron(netuid, uid uint16, hotkey string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.subnet(netuid)
	if err != nil {
		return err
	}
	if int(uid) >= len(s.neurons) {
		return fmt.Errorf("replace uid %d on subnet %d: %w", uid, netuid, ErrUidNotFound)
	}
	if other, ok := s.uids[hotkey]; ok && other != uid {
		return fmt.Errorf("replace uid %d with %q on subnet %d: %w", uid, hotkey, netuid, ErrHotKeyAlreadyRegisteredInSubNet)
	}
	s.replace(uid, hotkey, c.block)
	return nil
}

func (s *subnet) replace(uid uint16, hotkey string, block uint64) {
	nr := &s.neurons[uid]
	if s.cfg.OwnerHotkey != "" && nr.hotkey == s.cfg.OwnerHotkey {
		return
	}
	delete(s.uids, nr.hotkey)
	s.neurons[uid] = neuron{hotkey: hotkey, registeredAt: block, lastUpdate: block, active: true}
	s.uids[hotkey] = uid
	for i := range s.neurons {
		for k := range s.neurons[i].weights {
			if s.neurons[i].weights[k].UID == uid {
				s.neurons[i].weights[k].Value = 0
			}
		}
	}
	s.noteReplaced(block, uid)
}

// SetWeights is a signed set_weights from hotkey (commit-reveal off),
// checked in the chain's order: CommitRevealEnabled, WeightVecNotEqualSize,
// UidsLengthExceedUidsInSubNet, HotKeyNotRegisteredInSubNet,
// NotEnoughStakeToSetWeights, IncorrectWeightVersionKey,
// SettingWeightsTooFast, NeuronNoValidatorPermit, DuplicateUids,
// UidVecContainInvalidOne, WeightVecLengthIsLow, then the values are
// max-upscaled and MaxWeightExceeded is checked. On success the row is
// stored in the submitted order (zeros included) and LastUpdate = block.
func (c *Chain) SetWeights(netuid uint16, hotkey string, uids, values []uint16, versionKey uint64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.subnet(netuid)
	if err != nil {
		return err
	}
	if s.hp.CommitRevealEnabled {
		return fmt.Errorf("set_weights by %q on subnet %d: %w", hotkey, netuid, ErrCommitRevealEnabled)
	}
	if err := s.setWeights(c.block, hotkey, uids, values, versionKey); err != nil {
		return fmt.Errorf("set_weights by %q on subnet %d: %w", hotkey, netuid, err)
	}
	return nil
}

// setWeights is subtensor's do_set_weights at block: set_weights, reveals
// and timelocked reveals share it. While commit-reveal is on it checks no rate
// limit and leaves LastUpdate alone (the commit moved it).
func (s *subnet) setWeights(block uint64, hotkey string, uids, values []uint16, versionKey uint64) error {
	hp := &s.hp
	if len(uids) != len(values) {
		return ErrWeightVecNotEqualSize
	}
	n := len(s.neurons)
	if len(uids) > n {
		return ErrUidsLengthExceedUidsInSubNet
	}
	uid, ok := s.uids[hotkey]
	if !ok {
		return ErrHotKeyNotRegisteredInSubNet
	}
	isOwner := s.cfg.OwnerHotkey != "" && hotkey == s.cfg.OwnerHotkey
	if !isOwner && s.totalStake(hotkey).Cmp(fixed.I64F64FromU64(hp.StakeThreshold)) < 0 {
		return ErrNotEnoughStakeToSetWeights
	}
	if hp.WeightsVersionKey != 0 && versionKey < hp.WeightsVersionKey {
		return ErrIncorrectWeightVersionKey
	}
	nr := &s.neurons[uid]
	if !hp.CommitRevealEnabled && nr.lastUpdate != 0 && block-min(block, nr.lastUpdate) < hp.WeightsSetRateLimit {
		return ErrSettingWeightsTooFast
	}
	selfWeight := len(values) == 1 && len(uids) > 0 && uids[0] == uid
	if !selfWeight && !isOwner && !nr.permit {
		return ErrNeuronNoValidatorPermit
	}
	for i, u := range uids {
		if slices.Contains(uids[:i], u) {
			return ErrDuplicateUids
		}
	}
	for _, u := range uids {
		if int(u) >= n {
			return ErrUidVecContainInvalidOne
		}
	}
	if !selfWeight && len(values) < min(int(hp.MinAllowedWeights), n) {
		return ErrWeightVecLengthIsLow
	}
	up := yuma.MaxUpscaleU16(values)
	if !selfWeight && hp.MaxWeightsLimit != math.MaxUint16 && !yuma.MaxLimited(up, hp.MaxWeightsLimit) {
		return ErrMaxWeightExceeded
	}
	row := make([]yuma.Cell, len(uids))
	for i := range uids {
		row[i] = yuma.Cell{UID: uids[i], Value: up[i]}
	}
	nr.weights = row
	s.noteWeights(block, uid, hotkey)
	if !hp.CommitRevealEnabled {
		nr.lastUpdate = block
	}
	return nil
}

func (s *subnet) totalStake(hotkey string) fixed.I64F64 {
	st := s.stake[hotkey]
	tw := fixed.TaoWeight(s.hp.TaoWeight).ToI64F64()
	return fixed.I64F64FromU64(st.Alpha).Add(fixed.I64F64FromU64(st.Tao).Mul(tw))
}

// ResetBonds is do_reset_bonds for the uid hotkey holds: when BondsResetOn,
// that uid's column is removed from every stored Bonds row; otherwise nothing.
func (c *Chain) ResetBonds(netuid uint16, hotkey string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.subnet(netuid)
	if err != nil {
		return err
	}
	if !s.hp.BondsResetOn {
		return nil
	}
	uid, ok := s.uids[hotkey]
	if !ok {
		return nil // the chain logs and skips
	}
	for i := range s.neurons {
		if s.neurons[i].bonds != nil {
			s.neurons[i].bonds = slices.DeleteFunc(s.neurons[i].bonds, func(c yuma.Cell) bool { return c.UID == uid })
		}
	}
	return nil
}
