package validator

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"

	"github.com/subnetd/subnetd/providers"
	"github.com/subnetd/subnetd/records"
	"github.com/subnetd/subnetd/runtime"
)

// FeatureDrift is what re-running one provider on one recorded round gave, against the features
// recorded for that round (docs/PROVIDERS.md, `subnetd replay --recompute-features`).
type FeatureDrift struct {
	// ID, Netuid and Block name the round.
	ID     int64  `json:"id"`
	Netuid uint16 `json:"netuid"`
	Block  uint64 `json:"block"`
	// Provider is the provider's name.
	Provider string `json:"provider"`
	// Error is why the provider could not be asked again (its features then count as drifted).
	Error string `json:"error,omitempty"`
	// Exact counts the miners whose features came out byte for byte as recorded.
	Exact int `json:"exact"`
	// Drifted lists the others, by uid.
	Drifted []UIDDrift `json:"drifted,omitempty"`
}

// UIDDrift is one miner's drift: the largest numeric difference when the values have the same
// shape, else comparable false.
type UIDDrift struct {
	UID uint16 `json:"uid"`
	providers.Drift
}

// DriftSummary sums the drift per provider.
type DriftSummary struct {
	Provider   string  `json:"provider"`
	Rounds     int     `json:"rounds"`
	Miners     int     `json:"miners"`
	Exact      int     `json:"exact"`
	Comparable int     `json:"comparable"`
	Failed     int     `json:"failed"`
	MaxDiff    float64 `json:"max_diff"`
}

// RecomputeFeatures starts the providers the config gives each subnet, sends each recorded round
// of that subnet (its Round without features and state: exactly what the providers were sent
// then) to them again, and reports per round and provider how far the features drift from the
// recorded ones. Rounds of subnets without providers in the config are skipped.
func RecomputeFeatures(ctx context.Context, src records.Source, cfg *Config, log *slog.Logger, fn func(FeatureDrift) error) ([]DriftSummary, error) {
	bySubnet := map[uint16][]*providers.Provider{}
	defer func() {
		for _, ps := range bySubnet {
			for _, p := range ps {
				p.Close()
			}
		}
	}()
	for _, e := range cfg.Subnets {
		for _, pc := range cfg.subnetConfig(e).Providers {
			p, err := providers.Start(pc, log)
			if err != nil {
				return nil, fmt.Errorf("recompute features: subnet %d: %w", e.Netuid, err)
			}
			bySubnet[e.Netuid] = append(bySubnet[e.Netuid], p)
		}
	}
	for _, ps := range bySubnet {
		for _, p := range ps {
			if err := p.Ready(ctx); err != nil {
				return nil, fmt.Errorf("recompute features: %w", err)
			}
		}
	}
	sums := map[string]*DriftSummary{}
	err := src.Each(ctx, func(rec *records.Round) error {
		ps := bySubnet[rec.Netuid]
		if len(ps) == 0 || len(rec.RoundBytes) == 0 {
			return nil
		}
		r, err := runtime.DecodeRound(rec.RoundBytes)
		if err != nil {
			return fmt.Errorf("round %d: %w", rec.ID, err)
		}
		recorded := make([]map[string]json.RawMessage, len(r.Miners))
		for i := range r.Miners {
			recorded[i], r.Miners[i].Features = r.Miners[i].Features, nil
		}
		r.State = nil
		view, meta, err := r.Encode()
		if err != nil {
			return fmt.Errorf("round %d: %w", rec.ID, err)
		}
		for _, o := range providers.Collect(ctx, ps, view, meta.UIDs) {
			d := FeatureDrift{ID: rec.ID, Netuid: rec.Netuid, Block: rec.Block, Provider: o.Provider}
			s := sums[o.Provider]
			if s == nil {
				s = &DriftSummary{Provider: o.Provider}
				sums[o.Provider] = s
			}
			s.Rounds++
			if o.Err != nil {
				d.Error = oneLine(o.Err)
				s.Failed++
			}
			for i, m := range r.Miners {
				dr := providers.CompareFeatures(recorded[i][o.Provider], o.Features[m.UID])
				s.Miners++
				switch {
				case dr.Exact:
					d.Exact++
					s.Exact++
				case dr.Comparable:
					s.Comparable++
					s.MaxDiff = max(s.MaxDiff, dr.MaxDiff)
					d.Drifted = append(d.Drifted, UIDDrift{UID: m.UID, Drift: dr})
				default:
					d.Drifted = append(d.Drifted, UIDDrift{UID: m.UID, Drift: dr})
				}
			}
			if err := fn(d); err != nil {
				return err
			}
		}
		return nil
	})
	out := make([]DriftSummary, 0, len(sums))
	for _, s := range sums {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Provider < out[j].Provider })
	return out, err
}
