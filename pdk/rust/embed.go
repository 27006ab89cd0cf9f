// Package rust holds the subnetd scorer kit for Rust (the crate subnetd-pdk: Cargo.toml and
// src/*.rs; see docs/scorers-rust.md) and embeds its sources, so that `subnetd plugin new
// --lang rust` writes a copy into a new project that builds without this repository.
package rust

import "embed"

// Kit is the crate's source tree: Cargo.toml and src/*.rs.
//
//go:embed Cargo.toml src/*.rs
var Kit embed.FS
