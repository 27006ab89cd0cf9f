// Package scenario loads and runs Yuma scenarios in the
// subnetd-yuma-scenario/1 format (testdata/yuma/FORMAT.md at the repository root): it
// builds the subnet on an embedded chain/devnet chain, applies the steps in
// order, prints one JSON line per epoch step, and checks a run against the
// scenario's expectations the way subtensor's tests assert them.
package scenario
