package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/subnetd/subnetd/chain"
	"github.com/subnetd/subnetd/plugins"
)

// MaxManifestBytes bounds a pinned manifest.json that FetchManifest reads.
const MaxManifestBytes = 8 << 20

// fetchTimeout bounds one manifest download (ctx may end it sooner).
const fetchTimeout = 30 * time.Second

// pinned is what a pin at some block resolves to.
type pinned struct {
	pin    plugins.Pin
	block  uint64 // the block the commitment was set in
	module string // the module's sha256 the pinned manifest names ("" when unknown)
	name   string // "name version" of the pinned package
	err    error  // why the pin could not be resolved
}

// pins checks the module of every round against the scorer pinned on chain at its block.
func (a *auditor) pins(ctx context.Context, p Pins, rounds []*round) error {
	publisher := map[uint16]chain.AccountID{}
	resolved := map[string]*pinned{} // by manifest sha256 + URL
	for _, r := range rounds {
		who, ok := publisher[r.netuid]
		if !ok {
			if a.opts.Publisher != nil {
				who = *a.opts.Publisher
			} else {
				var err error
				if who, err = p.SubnetOwnerHotkey(ctx, r.netuid); err != nil {
					return fmt.Errorf("owner of subnet %d: %w", r.netuid, err)
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
		var fields [][]byte
		for _, f := range cm.Fields {
			if f.Kind == "Raw" {
				fields = append(fields, f.Data)
			}
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

// resolve fetches the pinned manifest, checks it against the pin and reads its module's sha256.
func (a *auditor) resolve(ctx context.Context, pin plugins.Pin) *pinned {
	fetch := a.opts.FetchManifest
	if fetch == nil {
		fetch = FetchManifest
	}
	pd := &pinned{pin: pin}
	b, err := fetch(ctx, pin.URL)
	if err != nil {
		pd.err = err
		return pd
	}
	if got := sha256.Sum256(b); got != pin.SHA256 {
		pd.err = fmt.Errorf("manifest.json at %s has sha256 %x, the pin says %x", pin.URL, got, pin.SHA256)
		return pd
	}
	var m plugins.Manifest
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&m); err != nil {
		pd.err = fmt.Errorf("manifest.json at %s: %w", pin.URL, err)
		return pd
	}
	if err := m.Validate(); err != nil {
		pd.err = fmt.Errorf("manifest.json at %s: %w", pin.URL, err)
		return pd
	}
	pd.module, pd.name = m.SHA256, m.Name+" "+m.Version
	return pd
}

// FetchManifest reads the manifest.json of the package directory at u (an http://, https:// or
// file:// URL, as plugins.Pin allows), at most MaxManifestBytes.
func FetchManifest(ctx context.Context, u string) ([]byte, error) {
	pu, err := url.Parse(u)
	if err != nil {
		return nil, fmt.Errorf("pin URL %q: %w", u, err)
	}
	switch pu.Scheme {
	case "file":
		f, err := os.Open(strings.TrimSuffix(pu.Path, "/") + "/" + plugins.ManifestFile)
		if err != nil {
			return nil, fmt.Errorf("fetch manifest: %w", err)
		}
		defer f.Close()
		return readCapped(f, u)
	case "http", "https":
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(u, "/")+"/"+plugins.ManifestFile, nil)
		if err != nil {
			return nil, fmt.Errorf("fetch manifest from %s: %w", u, err)
		}
		resp, err := (&http.Client{Timeout: fetchTimeout}).Do(req)
		if err != nil {
			return nil, fmt.Errorf("fetch manifest: %w", err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("fetch manifest from %s: HTTP %s", u, resp.Status)
		}
		return readCapped(resp.Body, u)
	default:
		return nil, fmt.Errorf("pin URL %q: scheme %q is not http, https or file", u, pu.Scheme)
	}
}

func readCapped(r io.Reader, u string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxManifestBytes+1))
	if err != nil {
		return nil, fmt.Errorf("fetch manifest from %s: %w", u, err)
	}
	if len(b) > MaxManifestBytes {
		return nil, fmt.Errorf("fetch manifest from %s: larger than %d bytes", u, MaxManifestBytes)
	}
	return b, nil
}
