// Package dendrite speaks Bittensor's synapse protocol: the HTTP requests a validator (the
// "dendrite") sends to miners (their "axons"), wire-compatible with the Python SDK.
//
// A request is POST http://IP:PORT/<SynapseName> with the synapse as JSON and bt_header_* headers; the
// validator signs "{nonce}.{dendrite_hotkey}.{axon_hotkey}.{dendrite_uuid}.{body_hash}" with its
// sr25519 hotkey. The body hash is sha3-256 over the sha3-256 of Python's str() of each required hash
// field (BodyHash, PyStr), so subnets that declare such fields are hashed exactly as Python does.
//
// Client is the validator side: Query sends one request, QueryMany fans one synapse out to many
// miners at once with a per-request timeout, an overall deadline (the context), a response size cap
// and connection reuse. Every outcome is a Response with a status: the axon's HTTP status, or the SDK's
// synthetic codes for client-side failures (408 timeout, 503 connection refused, 422 unparseable, 413
// too large, 500 other). A misbehaving miner only ever spoils its own Response.
//
// Axon is the miner side, for the example miner and for tests: it checks the path (404 for an unknown
// synapse), runs the blacklist hook (403), verifies the nonce per hotkey:uuid and the signature (401),
// admits requests by priority when a concurrency cap is set, checks the body hash, runs the synapse's
// Handler and answers with the synapse JSON and bt_header_axon_* headers.
//
// docs/DENDRITE.md explains the protocol choices and where this package deliberately differs from
// the SDK (it requires a signature where the SDK skips a missing one, and applies the nonce window to
// all versions).
package dendrite
