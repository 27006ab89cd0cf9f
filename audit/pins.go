package audit

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/subnetd/subnetd/chain"
	"github.com/subnetd/subnetd/plugins"
)

// pinned is what a pin at some block resolves to.
type pinned struct {
	pin    plugins.Pin
	module string // the module's sha256 the pinned manifest names ("" when unknown)
	name   string // "name version" of the pinned package
	err    error  // why the pin could not be resolved
}

// pins checks the module of every round against the scorer pinned on chain at its block.
func (a *auditor) pins(ctx context.Context, p Pins, rounds []*round) error {
	publisher := map[uint16]chain.AccountID{}
	noOwner := map[uint16]bool{}     // subnets whose owner cannot be read (noted once)
	resolved := map[string]*pinned{} // by manifest sha256 + URL
	for _, r := range rounds {
		if noOwner[r.netuid] {
			continue
		}
		who, ok := publisher[r.netuid]
		if !ok {
			if a.opts.Publisher != nil {
				who = *a.opts.Publisher
			} else {
				var err error
				if who, err = p.SubnetOwnerHotkey(ctx, r.netuid); err != nil {
					// No owner, no pin to follow: the other checks go on.
					a.add(Finding{Kind: Note, Check: CheckPin, Round: r.id, Netuid: r.netuid, Block: r.block,
						Detail: fmt.Sprintf("pins on subnet %d not checked: its owner cannot be read: %v", r.netuid, err)})
					noOwner[r.netuid] = true
					continue
				}
			}
			publisher[r.netuid] = who
		}
		cm, err := p.CommitmentAt(ctx, r.netuid, who, r.block)
		if errors.Is(err, chain.ErrNoCommitment) {
			continue // nothing pinned: any module may score
		}
		if err != nil {
			return fmt.Errorf("commitment of %s on subnet %d at block %d: %w", who, r.netuid, r.block, err)
		}
		fields, err := cm.RawFields()
		if err != nil {
			continue // not a scorer pin (a daemon refuses it too and keeps its version)
		}
		pin, err := plugins.ParsePin(fields)
		if err != nil {
			continue // the publisher committed something other than a scorer pin
		}
		key := hex.EncodeToString(pin.SHA256[:]) + " " + pin.URL
		pd, ok := resolved[key]
		if !ok {
			pd = a.resolve(ctx, pin)
			resolved[key] = pd
			if pd.err != nil {
				a.add(Finding{Kind: Note, Check: CheckPin, Round: r.id, Netuid: r.netuid, Block: r.block, Hotkey: who.String(),
					Detail: fmt.Sprintf("the pin set in block %d (manifest sha256 %x at %s) cannot be checked: %v", cm.Block, pin.SHA256, pin.URL, pd.err)})
			}
		}
		if pd.err != nil || pd.module == r.module {
			continue
		}
		a.unpinned++
		a.add(Finding{Kind: Unpinned, Check: CheckPin, Round: r.id, Netuid: r.netuid, Block: r.block, Hotkey: r.hotkey,
			Detail: fmt.Sprintf("scored by module %s, but %s pinned %s (module %s) in block %d, %d blocks before the round",
				r.module, who, pd.name, pd.module, cm.Block, r.block-min(r.block, cm.Block))})
	}
	return nil
}

// resolve fetches the pinned manifest (plugins.FetchManifest: checked against the pin, bounded)
// and reads its module's sha256.
func (a *auditor) resolve(ctx context.Context, pin plugins.Pin) *pinned {
	pd := &pinned{pin: pin}
	m, err := plugins.FetchManifest(ctx, pin, a.opts.Fetch)
	if err != nil {
		pd.err = err
		return pd
	}
	pd.module, pd.name = m.SHA256, m.Name+" "+m.Version
	return pd
}
