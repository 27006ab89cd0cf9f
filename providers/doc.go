// Package providers runs feature providers: native programs that compute per-miner features a
// sandboxed scorer cannot (a reference model's output, embeddings, a lookup in a large dataset).
//
// A provider is a plugin process managed with github.com/hashicorp/go-plugin over gRPC, or a
// gRPC server already running at an address. After the miners answered and before the scorer
// runs, the host sends each provider the Round (as the scorer sees it, without state) and
// receives features per uid as JSON; the Round the scorer receives carries them in each
// miner's "features" object, and the round record keeps them, so the sandboxed scorer still
// replays bit for bit. A provider that fails, times out or answers malformed or oversized JSON
// costs only its own features for that round: every miner gets null for it and the failure is
// recorded.
//
// The wire protocol (docs/PROVIDERS.md, providers/proto/provider.proto): one unary method,
// /subnetd.provider.v1.Provider/Features, whose request and response are
// google.protobuf.BytesValue messages holding JSON — the Round in, {"features":{"<uid>":…}}
// out — plus the gRPC health service reporting "plugin" as SERVING. Write a provider in Go
// with Serve, in Python with providers/python/subnetd_provider.py, or in any language with gRPC.
package providers
