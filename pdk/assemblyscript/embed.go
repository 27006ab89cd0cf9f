// Package assemblyscript holds the AssemblyScript kit for subnetd scorers (an npm-style package:
// package.json, assembly/*.ts; see README.md) and embeds its sources, so that
// `subnetd plugin new --lang assemblyscript` can write a copy into a new project that builds
// without this repository.
package assemblyscript

import "embed"

// Kit is the kit's source tree: package.json, index.ts, README.md and assembly/*.ts.
//
//go:embed package.json index.ts README.md assembly/*.ts
var Kit embed.FS

// ASCVersion is the exact AssemblyScript compiler version the kit is built and tested with.
const ASCVersion = "0.28.20"
