package validator

import (
	"context"

	"github.com/subnetd/subnetd/plugins"
	"github.com/subnetd/subnetd/runtime"
)

// Reload puts a new scorer package through the acceptance policy (plugins.Accept: for this
// subnet; signature rule against the pinned publisher keys; no more than the subnet's limits;
// screening, compiling on the subnet's runtime, self-tests) in the caller's goroutine (the
// subnet keeps scoring meanwhile) and, when it is accepted, offers it for the next round
// boundary. A package identical to the running version (same sha256 and version) changes
// nothing. A refused package changes nothing either: the running version keeps scoring.
func (s *Subnet) Reload(ctx context.Context, p *plugins.Package, pins []plugins.PublicKey) (err error) {
	m := &p.Manifest
	if cur := s.cur.Load(); cur != nil && cur.SHA256 == m.SHA256 && cur.Version == m.Version {
		return nil // already running
	}
	defer func() {
		if err != nil {
			s.metrics.swap(s.cfg.Netuid, "refused")
			s.log.Warn("scorer package refused; the running version keeps scoring", "scorer", m.Name, "version", m.Version, "err", err)
		}
	}()
	sc, err := s.accept(ctx, p, pins)
	if err != nil {
		return err
	}
	s.Offer(sc)
	s.metrics.swap(s.cfg.Netuid, "accepted")
	s.log.Info("scorer package accepted; it takes over at the next round boundary", "scorer", m.Name, "version", m.Version, "sha256", m.SHA256)
	return nil
}

// accept applies plugins.Accept for this subnet (its netuid, the given pins, its runtime's
// limits) and returns the compiled scorer, ready for SetScorer or Offer. The daemon's initial
// load and Reload both go through it.
func (s *Subnet) accept(ctx context.Context, p *plugins.Package, pins []plugins.PublicKey) (*Scorer, error) {
	netuid := s.cfg.Netuid
	var sc *Scorer
	load := func(ctx context.Context, m *plugins.Manifest, wasm []byte) (*runtime.Scorer, error) {
		var err error
		if sc, err = s.LoadScorer(ctx, m.Name, m.Version, wasm); err != nil {
			return nil, err
		}
		return sc.S, nil
	}
	if _, err := plugins.Accept(ctx, p, plugins.Policy{Netuid: &netuid, Pins: pins, Limits: s.rt.Limits()}, load); err != nil {
		return nil, err
	}
	return sc, nil
}
