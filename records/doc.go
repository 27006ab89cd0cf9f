// Package records keeps every validator round durably and replays it.
//
// A DB is an SQLite database (the pure-Go modernc.org/sqlite driver, WAL journal, synchronous=FULL)
// holding one row per round with everything an auditor needs to re-run it bit for bit: the exact
// Round message the scorer read, the exact Scores message it returned (or its error), the scorer
// module's sha256 and name, the engine and its version, the limits, the seed, block and block time,
// the weights emitted, the Yuma preview, the chain transaction and its outcome, and the scorer's
// logs. Module bytes are stored once per sha256 in the same database, so a record set is
// self-contained.
//
// The documents a round carries (weights, preview, transaction, logs) are typed (Weights, Preview,
// Tx, LogLine) and stored as JSON whose shape every earlier release wrote, and a failed round stores
// the name of the sentinel its error wraps (ErrorCode), which replay compares. The database carries
// its schema version in SQLite's user_version: Open migrates an older database in one transaction
// and refuses a newer one (ErrNewerSchema). The same database keeps the daemon's hash-commit salts
// (DB implements chain.SaltStore).
//
// Append commits a round in its own transaction before it returns; the validator calls it before
// the next round begins, so a crash (even kill -9) loses at most the round in flight and never
// leaves a half-written one.
//
// Export writes a JSON-lines file an auditor can take away (a header line, then one line per
// module, then one line per round); Import and ReadFile read it back. Replay re-runs each round on
// its recorded module bytes and reports it identical or different, and how (which uid's score,
// which state bytes, which challenge bytes).
package records
