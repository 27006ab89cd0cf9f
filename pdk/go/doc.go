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
//
// # Speed
//
// Go compiled to Wasm pays for every branch and call far more than native Go does (the
// compiler turns each function into a loop around one jump table), and reflection is all
// branches and calls: decoding the Round with encoding/json was most of a Go scorer's time.
// So the kit (2026-12-06) decodes the Round with a hand-written decoder that scans strings
// eight bytes at a time, reads numbers while checking them, recognises each key the host
// writes with two word compares and keeps miners' responses raw, copying the message once
// for all strings and once for all raw values; it writes the Scores without reflection too.
// Its results are encoding/json's by construction: on anything it does not handle itself
// (case-folded or repeated keys, escapes in keys, numbers out of range, wrong kinds, invalid
// JSON) it hands the whole message to encoding/json, whose result and error then stand; the
// tests compare the two on a table and under fuzzing. Float64Field, AppendJSONString and
// AppendJSONFloat give scorers the same for the JSON they read and write themselves. The
// native build (`subnetd plugin bench`) runs this same code, so the Wasm/native ratio still
// measures the sandbox. In the hot paths calls and branches are avoided, not just work (a word
// read with one load, plain strings found a word at a time, plain decimals read in one call):
// docs/scorers-go.md records what each change gave, and what was measured and left out.
package pdk
