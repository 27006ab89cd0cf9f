//go:build !unix

package linmem

import "errors"

var errNoMapping = errors.New("linmem: no anonymous mappings on this system")

// mapRegion fails here, so every Region lives on the Go heap.
func mapRegion(uint64) ([]byte, error) { return nil, errNoMapping }

func unmapRegion([]byte) error { return nil }

func discard([]byte) error { return errNoMapping }
