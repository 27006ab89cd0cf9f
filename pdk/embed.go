// Package pdk carries the sources of the Go scorer kit (pdk/go) inside the subnetd binary, so
// that `subnetd plugin new --lang go` can write a project that builds with nothing but the
// binary and a Go toolchain: the project gets a copy of the kit as a local module and a
// replace directive pointing at it (docs/SCORERS.md says why).
//
// The kit itself is package pdk/go; this package only embeds its files and is never linked
// into a scorer.
package pdk

import (
	"embed"
	"io/fs"
	"strings"
)

// goKit holds pdk/go's files (tests are skipped when written out).
//
//go:embed go/*.go
var goKit embed.FS

// GoModulePath is the module path a Go scorer imports the kit from.
const GoModulePath = "github.com/subnetd/subnetd"

// GoImportPath is the kit's import path.
const GoImportPath = GoModulePath + "/pdk/go"

// GoMinVersion is the go directive of a new project and of the kit copy: the oldest Go that
// builds the kit (//go:wasmexport needs 1.24).
const GoMinVersion = "1.24"

// GoKitFiles returns the kit's non-test source files, keyed by their path inside the module
// (pdk/go/NAME.go), in lexical order of their names.
func GoKitFiles() (map[string][]byte, error) {
	out := map[string][]byte{}
	err := fs.WalkDir(goKit, "go", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, "_test.go") {
			return err
		}
		b, err := goKit.ReadFile(p)
		if err != nil {
			return err
		}
		out["pdk/"+p] = b
		return nil
	})
	return out, err
}
