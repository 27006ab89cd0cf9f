package validator

import (
	"context"
	"fmt"

	"github.com/subnetd/subnetd/plugins"
)

// Reload screens, verifies, compiles and self-tests a new scorer package in the caller's
// goroutine (the subnet keeps scoring meanwhile) and, when every check passes, offers it for
// the next round boundary. A refused package changes nothing: the running version keeps
// scoring. Checks, in order: the package is for this subnet; its signature verifies with a
// pinned publisher key (when keys are pinned); it asks for no more than the subnet's limits; it
// is not the version already running; it screens and compiles on the subnet's runtime; its
// self-test vectors pass.
func (s *Subnet) Reload(ctx context.Context, p *plugins.Package, pins []plugins.PublicKey) (err error) {
	m := &p.Manifest
	defer func() {
		if err != nil {
			s.metrics.swap(s.cfg.Netuid, "refused")
			s.log.Warn("scorer package refused; the running version keeps scoring", "scorer", m.Name, "version", m.Version, "err", err)
		}
	}()
	if m.Netuid != s.cfg.Netuid {
		return fmt.Errorf("package %s %s is for subnet %d, not %d: %w", m.Name, m.Version, m.Netuid, s.cfg.Netuid, plugins.ErrBadManifest)
	}
	if err := p.Verify(pins); err != nil {
		return err
	}
	if err := m.CheckLimits(s.rt.Limits()); err != nil {
		return err
	}
	if cur := s.cur.Load(); cur != nil && cur.SHA256 == m.SHA256 && cur.Version == m.Version {
		return nil // already running
	}
	sc, err := s.LoadScorer(ctx, m.Name, m.Version, p.Wasm)
	if err != nil {
		return err
	}
	if err := plugins.RunSelfTests(ctx, sc.S, m); err != nil {
		sc.S.Close(ctx)
		return err
	}
	s.Offer(sc)
	s.metrics.swap(s.cfg.Netuid, "accepted")
	s.log.Info("scorer package accepted; it takes over at the next round boundary", "scorer", m.Name, "version", m.Version, "sha256", m.SHA256)
	return nil
}
