// Package plugins handles scorer packages, from source to a running version.
//
// Build compiles a scorer from source to Wasm (and natively, for Bench, which measures the two
// against each other on the same Round bytes). A package is a directory holding the module, a
// manifest.json (name, version, netuid, ABI version, the module's sha256, limits, optional
// self-test vectors) and an optional manifest.sig by a publisher key the validator pins per
// subnet (ed25519 or sr25519). ParsePackage and Verify check a package; the watcher picks new
// versions up from a directory so the validator can screen, compile and self-test them in the
// background and swap them in at a round boundary.
package plugins
