//go:build !wasmtime

package runtime

import (
	"context"
	"errors"
)

// wasmtimeBuilt reports whether this binary has the wasmtime engine.
const wasmtimeBuilt = false

func newWasmtime(context.Context, Limits, string, engineOptions) (engine, error) {
	return nil, errors.New("this binary was built without wasmtime (rebuild with: go build -tags wasmtime; needs cgo)")
}
