// Package c holds the subnetd scorer kit for C (kit/subnetd.h and kit/subnetd.c; see
// docs/scorers-c.md) and embeds it, so that `subnetd plugin build` and `plugin new --lang c`
// carry the kit without this repository. The sources sit in kit/ because a Go package
// directory may not hold .c files without cgo.
package c

import "embed"

// Kit is the kit's two files, kit/subnetd.h and kit/subnetd.c.
//
//go:embed kit/subnetd.h kit/subnetd.c
var Kit embed.FS

// Header and Source are the kit's two files.
const (
	Header = "subnetd.h"
	Source = "subnetd.c"
)
