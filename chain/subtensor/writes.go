package subtensor

import (
	"context"
	"fmt"

	"github.com/subnetd/subnetd/chain"
)

// SetWeights submits set_weights (mechanism 0) or set_mechanism_weights (mecid > 0, on runtimes that
// have mechanisms) and waits for the block.
func (c *Client) SetWeights(ctx context.Context, s chain.Signer, w chain.WeightsCall) (chain.TxResult, error) {
	if err := w.Validate(); err != nil {
		return chain.TxResult{}, err
	}
	n, h, rm, err := c.at(ctx)
	if err != nil {
		return chain.TxResult{}, err
	}
	var call []byte
	if w.Mecid == 0 {
		call, err = rm.encodeCall(pallet, "set_weights", uint64(w.Netuid), w.UIDs, w.Values, w.VersionKey)
	} else {
		call, err = rm.encodeCall(pallet, "set_mechanism_weights", uint64(w.Netuid), uint64(w.Mecid), w.UIDs, w.Values, w.VersionKey)
	}
	if err != nil {
		return chain.TxResult{}, err
	}
	return c.submit(ctx, s, rm, call, n, h, false)
}

// CommitWeights submits commit_weights (or commit_mechanism_weights) with a CommitHash.
func (c *Client) CommitWeights(ctx context.Context, s chain.Signer, netuid uint16, mecid uint8, hash [32]byte) (chain.TxResult, error) {
	n, h, rm, err := c.at(ctx)
	if err != nil {
		return chain.TxResult{}, err
	}
	var call []byte
	if mecid == 0 {
		call, err = rm.encodeCall(pallet, "commit_weights", uint64(netuid), hash)
	} else {
		call, err = rm.encodeCall(pallet, "commit_mechanism_weights", uint64(netuid), uint64(mecid), hash)
	}
	if err != nil {
		return chain.TxResult{}, err
	}
	return c.submit(ctx, s, rm, call, n, h, true)
}

// RevealWeights submits reveal_weights (or reveal_mechanism_weights).
func (c *Client) RevealWeights(ctx context.Context, s chain.Signer, w chain.WeightsCall, salt []uint16) (chain.TxResult, error) {
	if err := w.Validate(); err != nil {
		return chain.TxResult{}, err
	}
	n, h, rm, err := c.at(ctx)
	if err != nil {
		return chain.TxResult{}, err
	}
	var call []byte
	if w.Mecid == 0 {
		call, err = rm.encodeCall(pallet, "reveal_weights", uint64(w.Netuid), w.UIDs, w.Values, salt, w.VersionKey)
	} else {
		call, err = rm.encodeCall(pallet, "reveal_mechanism_weights", uint64(w.Netuid), uint64(w.Mecid), w.UIDs, w.Values, salt, w.VersionKey)
	}
	if err != nil {
		return chain.TxResult{}, err
	}
	return c.submit(ctx, s, rm, call, n, h, false)
}

// CommitTimelocked submits a timelocked commit with the newest call the runtime has:
// commit_timelocked_mechanism_weights, commit_timelocked_weights (mechanism 0), or the older
// commit_crv3_weights (no version argument).
func (c *Client) CommitTimelocked(ctx context.Context, s chain.Signer, tc chain.TimelockedCommit) (chain.TxResult, error) {
	if len(tc.Ciphertext) == 0 || len(tc.Ciphertext) > 5000 {
		return chain.TxResult{}, fmt.Errorf("timelocked commit: ciphertext of %d bytes (want 1..5000)", len(tc.Ciphertext))
	}
	n, h, rm, err := c.at(ctx)
	if err != nil {
		return chain.TxResult{}, err
	}
	var call []byte
	switch {
	case rm.hasCall(pallet, "commit_timelocked_mechanism_weights") && (tc.Mecid > 0 || !rm.hasCall(pallet, "commit_timelocked_weights")):
		call, err = rm.encodeCall(pallet, "commit_timelocked_mechanism_weights", uint64(tc.Netuid), uint64(tc.Mecid), tc.Ciphertext, tc.RevealRound, uint64(tc.Version))
	case tc.Mecid > 0:
		err = fmt.Errorf("runtime spec %d has no timelocked commit for mechanism %d: %w", rm.specVersion, tc.Mecid, chain.ErrNotAvailable)
	case rm.hasCall(pallet, "commit_timelocked_weights"):
		call, err = rm.encodeCall(pallet, "commit_timelocked_weights", uint64(tc.Netuid), tc.Ciphertext, tc.RevealRound, uint64(tc.Version))
	case rm.hasCall(pallet, "commit_crv3_weights"):
		call, err = rm.encodeCall(pallet, "commit_crv3_weights", uint64(tc.Netuid), tc.Ciphertext, tc.RevealRound)
	default:
		err = fmt.Errorf("runtime spec %d has no timelocked commit call: %w", rm.specVersion, chain.ErrNotAvailable)
	}
	if err != nil {
		return chain.TxResult{}, err
	}
	return c.submit(ctx, s, rm, call, n, h, true)
}

// TimelockedCall names the timelocked commit call CommitTimelocked would use for mechanism mecid on
// the runtime at the best block ("commit_timelocked_mechanism_weights", "commit_timelocked_weights" or
// the legacy "commit_crv3_weights", whose payload has no hotkey), or "" when the runtime has none.
func (c *Client) TimelockedCall(ctx context.Context, mecid uint8) (string, error) {
	_, _, rm, err := c.at(ctx)
	if err != nil {
		return "", err
	}
	switch {
	case rm.hasCall(pallet, "commit_timelocked_mechanism_weights") && (mecid > 0 || !rm.hasCall(pallet, "commit_timelocked_weights")):
		return "commit_timelocked_mechanism_weights", nil
	case mecid > 0:
		return "", nil
	case rm.hasCall(pallet, "commit_timelocked_weights"):
		return "commit_timelocked_weights", nil
	case rm.hasCall(pallet, "commit_crv3_weights"):
		return "commit_crv3_weights", nil
	}
	return "", nil
}

// TxStatus reports what became of a transaction this client submitted: it looks once more at the
// blocks since it was last checked. Hashes it never submitted give TxUnknown.
func (c *Client) TxStatus(ctx context.Context, hash [32]byte) (chain.TxResult, error) {
	c.mu.Lock()
	rec, ok := c.txs[hash]
	var cp txRecord
	if ok {
		cp = *rec
	}
	c.mu.Unlock()
	if !ok {
		return chain.TxResult{Hash: hash, State: chain.TxUnknown}, nil
	}
	if cp.result.State != chain.TxPending {
		return cp.result, cp.result.Err
	}
	done, err := c.check(ctx, &cp)
	c.mu.Lock()
	*rec = cp
	c.mu.Unlock()
	if !done {
		if err != nil {
			return cp.result, err
		}
		return cp.result, nil
	}
	return cp.result, cp.result.Err
}

// Sudo wraps palletName.callName(args...) in Sudo.sudo and submits it signed by s (the sudo key).
// Arguments are uint64 for any integer (encoded as the metadata's type asks), bool, [32]byte, []byte
// and []uint16. It exists for test chains and local tooling; a validator never needs it.
func (c *Client) Sudo(ctx context.Context, s chain.Signer, palletName, callName string, args ...any) (chain.TxResult, error) {
	n, h, rm, err := c.at(ctx)
	if err != nil {
		return chain.TxResult{}, err
	}
	inner, err := rm.encodeCall(palletName, callName, args...)
	if err != nil {
		return chain.TxResult{}, err
	}
	call, err := rm.encodeCall("Sudo", "sudo", rawArg(inner))
	if err != nil {
		return chain.TxResult{}, err
	}
	return c.submit(ctx, s, rm, call, n, h, false)
}
