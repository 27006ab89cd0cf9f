// Package pdk is the Go plugin development kit for subnetd scorers.
//
// A scorer author writes one function and registers it:
//
//	package main
//
//	import pdk "github.com/subnetd/subnetd/pdk/go"
//
//	func init() { pdk.Register(pdk.Scorer{Score: Score}) }
//
//	func Score(r pdk.Round) (pdk.Scores, error) { ... }
//
//	func main() { pdk.Main() }
//
// Built with GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared (or `subnetd plugin build DIR`),
// the kit provides the ABI v1 exports (subnetd_alloc, subnetd_score, subnetd_challenge), decodes
// the Round, encodes the Scores and carries the scorer's state between rounds. main is never
// called inside Wasm; built natively, pdk.Main serves `subnetd plugin bench` so the same Score
// runs as native Go on the same Round bytes.
//
// The ABI itself is described in docs/ABI.md for authors of other languages.
package pdk
