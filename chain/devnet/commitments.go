package devnet

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/subnetd/subnetd/chain"
)

// The Commitments pallet, as far as the devnet models it: a hotkey registered on a subnet
// commits up to MaxCommitmentFields Raw fields of at most chain.MaxRawCommitment bytes each;
// the chain keeps the last commitment and the block it was made in. Like subtensor's pallet it
// charges each commitment's size (at least 100 bytes) against MaxCommitmentSpace per hotkey and
// epoch. Scorer pins live there (plugins.Pin).

// MaxCommitmentFields is subtensor's MaxCommitFields: the fields one commitment may hold.
const MaxCommitmentFields = 3

// MaxCommitmentSpace is the pallet's default MaxSpace: the bytes a hotkey may commit on a
// subnet per epoch (each commitment counts at least 100).
const MaxCommitmentSpace = 3100

// Errors of the Commitments pallet the devnet raises (as chain.DispatchError values, so a
// caller sees the name the real chain gives).
var (
	// ErrAccountNotAllowedCommit: the hotkey is not registered on the subnet.
	ErrAccountNotAllowedCommit = chain.NewDispatchError("Commitments", "AccountNotAllowedCommit")
	// ErrTooManyFieldsInCommitmentInfo: more than MaxCommitmentFields fields.
	ErrTooManyFieldsInCommitmentInfo = chain.NewDispatchError("Commitments", "TooManyFieldsInCommitmentInfo")
	// ErrSpaceLimitExceeded: the hotkey committed more than MaxCommitmentSpace bytes this epoch.
	ErrSpaceLimitExceeded = chain.NewDispatchError("Commitments", "SpaceLimitExceeded")
)

// commitments is one subnet's commitment storage: CommitmentOf and UsedSpaceOf by account.
type commitments struct {
	of   map[[32]byte]chain.Commitment
	hist map[[32]byte][]chain.Commitment // every commitment each hotkey set, oldest first
	used map[[32]byte]spaceUsage
}

type spaceUsage struct {
	epoch uint64
	bytes uint64
}

// SetCommitment is the pallet's set_commitment by hotkey on netuid: the fields (each a Raw
// field of at most chain.MaxRawCommitment bytes) replace the hotkey's commitment, made at the
// current block.
func (c *Chain) SetCommitment(netuid uint16, hotkey string, fields [][]byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.subnet(netuid)
	if err != nil {
		return err
	}
	if _, ok := s.uids[hotkey]; !ok {
		return fmt.Errorf("commitment of %s on subnet %d: %w", hotkey, netuid, ErrAccountNotAllowedCommit)
	}
	if len(fields) > MaxCommitmentFields {
		return fmt.Errorf("commitment of %s on subnet %d: %d fields: %w", hotkey, netuid, len(fields), ErrTooManyFieldsInCommitmentInfo)
	}
	size := uint64(0)
	for i, f := range fields {
		if len(f) > chain.MaxRawCommitment {
			// The real chain cannot even decode such a field (Data has Raw0…Raw128).
			return fmt.Errorf("commitment of %s on subnet %d: field %d is %d bytes, a Raw field holds at most %d: %w",
				hotkey, netuid, i, len(f), chain.MaxRawCommitment, chain.ErrNotAvailable)
		}
		size += uint64(len(f))
	}
	size = max(size, 100)
	id := AccountID(hotkey)
	if s.cm.of == nil {
		s.cm.of, s.cm.used, s.cm.hist = map[[32]byte]chain.Commitment{}, map[[32]byte]spaceUsage{}, map[[32]byte][]chain.Commitment{}
	}
	u := s.cm.used[id]
	if ep := s.epochIndex(c.block); u.epoch != ep {
		u = spaceUsage{epoch: ep}
	}
	if u.bytes+size > MaxCommitmentSpace {
		return fmt.Errorf("commitment of %s on subnet %d: %d bytes used this epoch: %w", hotkey, netuid, u.bytes, ErrSpaceLimitExceeded)
	}
	u.bytes += size
	s.cm.used[id] = u
	cm := chain.Commitment{Netuid: netuid, Hotkey: chain.AccountID(id), Block: c.block}
	for _, f := range fields {
		cm.Fields = append(cm.Fields, chain.CommitmentField{Kind: "Raw", Data: append([]byte{}, f...)})
	}
	s.cm.of[id] = cm
	s.cm.hist[id] = append(s.cm.hist[id], cm)
	return nil
}

// CommitmentAt returns a hotkey's commitment on a subnet as it stood after block n (the last
// one set in a block <= n), or an error wrapping chain.ErrNoCommitment when there was none.
func (c *Chain) CommitmentAt(netuid uint16, id [32]byte, n uint64) (*chain.Commitment, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.subnet(netuid)
	if err != nil {
		return nil, err
	}
	h := s.cm.hist[id]
	for i := len(h) - 1; i >= 0; i-- {
		if h[i].Block <= n {
			cm := h[i]
			cm.Fields = append([]chain.CommitmentField{}, cm.Fields...)
			return &cm, nil
		}
	}
	return nil, fmt.Errorf("%s on subnet %d at block %d: %w", chain.AccountID(id), netuid, n, chain.ErrNoCommitment)
}

// CommitmentOf returns the commitment of the account id on netuid; an error wrapping
// chain.ErrNoCommitment when there is none.
func (c *Chain) CommitmentOf(netuid uint16, id [32]byte) (*chain.Commitment, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.subnet(netuid)
	if err != nil {
		return nil, err
	}
	cm, ok := s.cm.of[id]
	if !ok {
		return nil, fmt.Errorf("%s on subnet %d: %w", chain.AccountID(id), netuid, chain.ErrNoCommitment)
	}
	cm.Fields = append([]chain.CommitmentField{}, cm.Fields...)
	return &cm, nil
}

// SetOwnerHotkey sets the subnet's SubnetOwnerHotkey (an owner's or root's call).
func (c *Chain) SetOwnerHotkey(netuid uint16, hotkey string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.subnet(netuid)
	if err != nil {
		return err
	}
	s.cfg.OwnerHotkey = hotkey
	return nil
}

// OwnerHotkey returns the subnet's SubnetOwnerHotkey ("" for none).
func (c *Chain) OwnerHotkey(netuid uint16) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.subnet(netuid)
	if err != nil {
		return "", err
	}
	return s.cfg.OwnerHotkey, nil
}

// SetCommitment is set_commitment signed by s: the Commitments pallet's rules (see
// Chain.SetCommitment). It has the signature of chain/subtensor's Client.SetCommitment.
func (n *Node) SetCommitment(ctx context.Context, s chain.Signer, netuid uint16, fields [][]byte) (chain.TxResult, error) {
	if err := ctx.Err(); err != nil {
		return chain.TxResult{}, err
	}
	body := binary.LittleEndian.AppendUint16(nil, netuid)
	for _, f := range fields {
		body = binary.LittleEndian.AppendUint32(body, uint32(len(f)))
		body = append(body, f...)
	}
	hotkey, res, err := n.signed(s, "set_commitment", body)
	if err != nil {
		return chain.TxResult{State: chain.TxDropped}, err
	}
	return n.finish(res, n.c.SetCommitment(netuid, hotkey, fields), "Commitments.Commitment")
}

// Commitment implements chain.Chain.
func (n *Node) Commitment(ctx context.Context, netuid uint16, hotkey chain.AccountID) (*chain.Commitment, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return n.c.CommitmentOf(netuid, hotkey)
}

// CommitmentAt returns a hotkey's commitment as it stood after block n (what an audit checks
// rounds against).
func (n *Node) CommitmentAt(ctx context.Context, netuid uint16, hotkey chain.AccountID, block uint64) (*chain.Commitment, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return n.c.CommitmentAt(netuid, hotkey, block)
}

// SubnetOwnerHotkey implements chain.Chain; a subnet created without an owner has none (an
// error saying so).
func (n *Node) SubnetOwnerHotkey(ctx context.Context, netuid uint16) (chain.AccountID, error) {
	if err := ctx.Err(); err != nil {
		return chain.AccountID{}, err
	}
	owner, err := n.c.OwnerHotkey(netuid)
	if err != nil {
		return chain.AccountID{}, err
	}
	if owner == "" {
		return chain.AccountID{}, fmt.Errorf("subnet %d has no owner hotkey on this devnet", netuid)
	}
	return chain.AccountID(AccountID(owner)), nil
}
