//go:build !wasmtime

package runtime

import (
	"context"
	"errors"
)

func newWasmtime(context.Context, Limits, string, engineOptions) (engine, error) {
	return nil, errors.New("this binary was built without wasmtime (rebuild with: go build -tags wasmtime; needs cgo)")
}
