package plugins

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/url"
)

// A pin names a scorer package on chain, in a hotkey's commitment on the subnet (the
// Commitments pallet's Raw fields hold at most 128 bytes each): field 1 is PinMagic followed by
// the 32-byte sha256 of the package's manifest.json bytes (which carry the module's sha256),
// field 2 the URL the package is fetched from (https://, http:// — the package directory, so
// URL/manifest.json, URL/<module> and URL/manifest.sig — or file://).

// PinMagic starts the first field of a scorer pin.
const PinMagic = "sd-pin1:"

// ErrBadPin is wrapped by ParsePin's errors.
var ErrBadPin = errors.New("not a scorer pin")

// Pin is a scorer package pinned on chain.
type Pin struct {
	// SHA256 is the sha256 of the package's manifest.json bytes.
	SHA256 [32]byte
	// URL is where the package is fetched from.
	URL string
}

// PinOf returns the pin of package p served at u.
func PinOf(p *Package, u string) (Pin, error) {
	pin := Pin{SHA256: sha256.Sum256(p.ManifestBytes), URL: u}
	return pin, pin.check()
}

// Fields returns the commitment's two Raw fields.
func (p Pin) Fields() ([][]byte, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	return [][]byte{append([]byte(PinMagic), p.SHA256[:]...), []byte(p.URL)}, nil
}

// ParsePin reads a pin from a commitment's Raw fields.
func ParsePin(fields [][]byte) (Pin, error) {
	if len(fields) < 2 {
		return Pin{}, fmt.Errorf("%w: %d fields, want 2", ErrBadPin, len(fields))
	}
	f := fields[0]
	if len(f) != len(PinMagic)+32 || !bytes.HasPrefix(f, []byte(PinMagic)) {
		return Pin{}, fmt.Errorf("%w: first field is not %q and a sha256", ErrBadPin, PinMagic)
	}
	var p Pin
	copy(p.SHA256[:], f[len(PinMagic):])
	p.URL = string(fields[1])
	return p, p.check()
}

// check validates the URL: a scheme the daemon fetches, at most 128 bytes.
func (p Pin) check() error {
	if len(p.URL) > 128 {
		return fmt.Errorf("%w: URL of %d bytes (a commitment field holds 128)", ErrBadPin, len(p.URL))
	}
	u, err := url.Parse(p.URL)
	if err != nil {
		return fmt.Errorf("%w: URL: %v", ErrBadPin, err)
	}
	switch u.Scheme {
	case "https", "http":
		if u.Host == "" {
			return fmt.Errorf("%w: URL %q has no host", ErrBadPin, p.URL)
		}
	case "file":
		if u.Path == "" {
			return fmt.Errorf("%w: URL %q has no path", ErrBadPin, p.URL)
		}
	default:
		return fmt.Errorf("%w: URL scheme %q (want https, http or file)", ErrBadPin, u.Scheme)
	}
	return nil
}
