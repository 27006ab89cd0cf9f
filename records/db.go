package records

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
)

// Source is anything rounds can be read from: a DB or an exported file loaded with ReadFile.
type Source interface {
	// Module returns the module bytes stored under sha256 (hex).
	Module(ctx context.Context, sha256 string) ([]byte, error)
	// Each calls fn for every round in ID order and stops at fn's first error.
	Each(ctx context.Context, fn func(*Round) error) error
}

// schemaV0 is the schema every release before schema versions wrote (user_version 0). A new
// database is created at version 0 and migrated like an old one, so there is one path.
const schemaV0 = `
CREATE TABLE IF NOT EXISTS modules (
	sha256 TEXT PRIMARY KEY,
	name   TEXT NOT NULL,
	wasm   BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS rounds (
	id                INTEGER PRIMARY KEY AUTOINCREMENT,
	netuid            INTEGER NOT NULL,
	block             INTEGER NOT NULL,
	block_hash        TEXT NOT NULL,
	block_time_ms     INTEGER NOT NULL,
	seed              TEXT NOT NULL,
	validator_uid     INTEGER NOT NULL,
	validator_hotkey  TEXT NOT NULL,
	scorer            TEXT NOT NULL,
	scorer_version    TEXT NOT NULL,
	module_sha256     TEXT NOT NULL REFERENCES modules(sha256),
	engine            TEXT NOT NULL,
	engine_version    TEXT NOT NULL,
	limits            TEXT NOT NULL,
	synapse           TEXT NOT NULL,
	challenge_request BLOB,
	challenge_output  BLOB,
	round_bytes       BLOB NOT NULL,
	round_sha256      TEXT NOT NULL,
	scores_bytes      BLOB,
	scores_sha256     TEXT NOT NULL,
	error             TEXT NOT NULL,
	miners            INTEGER NOT NULL,
	answered          INTEGER NOT NULL,
	weights           TEXT,
	preview           TEXT,
	tx                TEXT,
	tx_outcome        TEXT NOT NULL,
	tx_error          TEXT NOT NULL,
	logs              TEXT,
	started_ms        INTEGER NOT NULL,
	finished_ms       INTEGER NOT NULL,
	meter_version     TEXT NOT NULL DEFAULT '',
	gas_used          INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS rounds_subnet ON rounds (netuid, validator_hotkey, id);
`

// SchemaVersion is the schema this build writes, kept in SQLite's user_version.
const SchemaVersion = 2

// migrations[i] takes a database from schema version i to i+1. Append only; never edit one
// that has shipped.
var migrations = []string{
	// 0 -> 1: the sentinel name of a round's error, compared by replay instead of the text; the
	// block a hash commit was sent in (chain.PendingReveal.SubmittedAt), taken for older rows
	// from the start of their reveal window, which is later (so they are kept longer, not less).
	`ALTER TABLE rounds ADD COLUMN error_code TEXT NOT NULL DEFAULT '';
	ALTER TABLE pending_reveals ADD COLUMN submitted_at INTEGER NOT NULL DEFAULT 0;
	UPDATE pending_reveals SET submitted_at = first_block;`,
	// 1 -> 2: the feature provider calls of a round (their features are in the round bytes).
	`ALTER TABLE rounds ADD COLUMN providers TEXT;`,
}

const roundColumns = `id, netuid, block, block_hash, block_time_ms, seed, validator_uid, validator_hotkey,
	scorer, scorer_version, module_sha256, engine, engine_version, limits, synapse, challenge_request,
	challenge_output, round_bytes, round_sha256, scores_bytes, scores_sha256, error, miners, answered,
	weights, preview, tx, tx_outcome, tx_error, logs, started_ms, finished_ms, meter_version, gas_used,
	error_code, providers`

// DB is a records database. It is safe for concurrent use: writes are serialised, and every
// Append is one durable transaction.
type DB struct {
	db   *sql.DB
	path string
	mu   sync.Mutex // serialises writers so no caller ever sees SQLITE_BUSY
}

// Open opens (creating if needed) the records database at path, in WAL mode with
// synchronous=FULL, so a committed round survives a crash of the process or the machine.
func Open(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("open records: empty path")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("open records %s: %w", path, err)
		}
	}
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open records %s: %w", path, err)
	}
	db.SetMaxOpenConns(4)
	if err := migrate(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("open records %s: %w", path, err)
	}
	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		db.Close()
		return nil, fmt.Errorf("open records %s: %w", path, err)
	}
	if mode != "wal" {
		db.Close()
		return nil, fmt.Errorf("open records %s: journal mode is %q, want wal", path, mode)
	}
	return &DB{db: db, path: path}, nil
}

// migrate brings the database to SchemaVersion in one transaction: it creates the version 0
// tables where they are missing, then applies each migration above the stored user_version. A
// database of a newer version is refused untouched.
func migrate(ctx context.Context, db *sql.DB) (err error) {
	var v int
	if err := db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil {
		return fmt.Errorf("schema version: %w", err)
	}
	if v == SchemaVersion {
		return nil // the common case: no write lock taken
	}
	if v > SchemaVersion {
		return fmt.Errorf("schema version %d, this build reads up to %d: %w", v, SchemaVersion, ErrNewerSchema)
	}
	// BEGIN IMMEDIATE takes the write lock before the version is read again, so two processes
	// opening the same old database wait for each other (busy_timeout) instead of one failing
	// to upgrade its read lock.
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("schema: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		return fmt.Errorf("schema: %w", err)
	}
	defer func() {
		if err != nil {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), `ROLLBACK`)
		}
	}()
	if err := conn.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil {
		return fmt.Errorf("schema version: %w", err)
	}
	if v > SchemaVersion {
		return fmt.Errorf("schema version %d, this build reads up to %d: %w", v, SchemaVersion, ErrNewerSchema)
	}
	if v == 0 {
		if _, err := conn.ExecContext(ctx, schemaV0+pendingSchema); err != nil {
			return fmt.Errorf("create schema: %w", err)
		}
	}
	for i := v; i < SchemaVersion; i++ {
		if _, err := conn.ExecContext(ctx, migrations[i]); err != nil {
			return fmt.Errorf("migrate schema %d to %d: %w", i, i+1, err)
		}
	}
	// PRAGMA takes no bound parameters; SchemaVersion is this package's own constant.
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, SchemaVersion)); err != nil {
		return fmt.Errorf("set schema version: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `COMMIT`); err != nil {
		return fmt.Errorf("migrate schema: commit: %w", err)
	}
	return nil
}

// SchemaVersion returns the database's schema version (SQLite user_version).
func (d *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	if err := d.db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil {
		return 0, fmt.Errorf("schema version: %w", err)
	}
	return v, nil
}

// Path returns the database file's path.
func (d *DB) Path() string { return d.path }

// Close checkpoints the WAL and closes the database.
func (d *DB) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, _ = d.db.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	return d.db.Close()
}

// PutModule stores module bytes under their sha256 (once) and returns the hex sha256.
func (d *DB) PutModule(ctx context.Context, name string, wasm []byte) (string, error) {
	sum := SHA256Hex(wasm)
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, err := d.db.ExecContext(ctx, `INSERT OR IGNORE INTO modules (sha256, name, wasm) VALUES (?, ?, ?)`, sum, name, wasm); err != nil {
		return "", fmt.Errorf("store module %s (%s): %w", name, sum, err)
	}
	return sum, nil
}

// Module returns the module bytes stored under sha256.
func (d *DB) Module(ctx context.Context, sha256 string) ([]byte, error) {
	var b []byte
	err := d.db.QueryRowContext(ctx, `SELECT wasm FROM modules WHERE sha256 = ?`, sha256).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("module %s: %w", sha256, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("module %s: %w", sha256, err)
	}
	return b, nil
}

// Modules calls fn for every stored module, by sha256.
func (d *DB) Modules(ctx context.Context, fn func(Module) error) error {
	rows, err := d.db.QueryContext(ctx, `SELECT sha256, name, wasm FROM modules ORDER BY sha256`)
	if err != nil {
		return fmt.Errorf("list modules: %w", err)
	}
	var mods []Module
	for rows.Next() {
		var m Module
		if err := rows.Scan(&m.SHA256, &m.Name, &m.Wasm); err != nil {
			rows.Close()
			return fmt.Errorf("list modules: %w", err)
		}
		mods = append(mods, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list modules: %w", err)
	}
	for _, m := range mods {
		if err := fn(m); err != nil {
			return err
		}
	}
	return nil
}

// Append seals r (fills its hashes), commits it in one transaction and sets r.ID. The module it
// names must have been stored with PutModule. When Append returns nil the round is durable.
func (d *DB) Append(ctx context.Context, r *Round) error {
	r.Seal()
	if len(r.Limits) > 0 && !json.Valid(r.Limits) {
		return fmt.Errorf("record round (subnet %d, block %d): limits is not valid JSON", r.Netuid, r.Block)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("record round (subnet %d, block %d): %w", r.Netuid, r.Block, err)
	}
	defer tx.Rollback()
	res, err := insertRound(ctx, tx, r, false)
	if err != nil {
		return fmt.Errorf("record round (subnet %d, block %d): %w", r.Netuid, r.Block, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("record round (subnet %d, block %d): %w", r.Netuid, r.Block, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("record round (subnet %d, block %d): commit: %w", r.Netuid, r.Block, err)
	}
	r.ID = id
	return nil
}

// insertWithID is Append for Import: it keeps the record's ID.
func (d *DB) insertWithID(ctx context.Context, tx *sql.Tx, r *Round) error {
	_, err := insertRound(ctx, tx, r, true)
	if err != nil {
		return fmt.Errorf("import round %d: %w", r.ID, err)
	}
	return nil
}

// docJSON encodes a round document for its column: NULL when absent.
func docJSON[T any](name string, v *T) (any, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", name, err)
	}
	return string(b), nil
}

// insertRound writes r in tx; keepID keeps r.ID (Import), else SQLite assigns the next one.
func insertRound(ctx context.Context, tx *sql.Tx, r *Round, keepID bool) (sql.Result, error) {
	var id any // NULL: SQLite assigns the next id
	if keepID {
		id = r.ID
	}
	w, err := docJSON("weights", r.Weights)
	if err != nil {
		return nil, err
	}
	pv, err := docJSON("preview", r.Preview)
	if err != nil {
		return nil, err
	}
	txd, err := docJSON("tx", r.Tx)
	if err != nil {
		return nil, err
	}
	var logs, provs any
	if r.Logs != nil {
		if logs, err = docJSON("logs", &r.Logs); err != nil {
			return nil, err
		}
	}
	if r.Providers != nil {
		if provs, err = docJSON("providers", &r.Providers); err != nil {
			return nil, err
		}
	}
	return tx.ExecContext(ctx, `INSERT INTO rounds (`+roundColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		id, r.Netuid, int64(r.Block), r.BlockHash, r.BlockTimeMs, r.Seed, r.ValidatorUID, r.ValidatorHotkey,
		r.Scorer, r.ScorerVersion, r.ModuleSHA256, r.Engine, r.EngineVersion, string(r.Limits), r.Synapse,
		r.ChallengeRequest, r.ChallengeOutput, r.RoundBytes, r.RoundSHA256, r.ScoresBytes, r.ScoresSHA256,
		r.Error, r.Miners, r.Answered, w, pv, txd,
		r.TxOutcome, r.TxError, logs, r.StartedMs, r.FinishedMs, r.MeterVersion, int64(r.GasUsed), r.ErrorCode, provs)
}

type scanner interface{ Scan(dest ...any) error }

func scanRound(s scanner) (*Round, error) {
	var r Round
	var block, gas int64
	var limits string
	var weights, preview, tx, logs, provs sql.NullString
	err := s.Scan(&r.ID, &r.Netuid, &block, &r.BlockHash, &r.BlockTimeMs, &r.Seed, &r.ValidatorUID,
		&r.ValidatorHotkey, &r.Scorer, &r.ScorerVersion, &r.ModuleSHA256, &r.Engine, &r.EngineVersion,
		&limits, &r.Synapse, &r.ChallengeRequest, &r.ChallengeOutput, &r.RoundBytes, &r.RoundSHA256,
		&r.ScoresBytes, &r.ScoresSHA256, &r.Error, &r.Miners, &r.Answered, &weights, &preview, &tx,
		&r.TxOutcome, &r.TxError, &logs, &r.StartedMs, &r.FinishedMs, &r.MeterVersion, &gas, &r.ErrorCode, &provs)
	if err != nil {
		return nil, err
	}
	r.Block = uint64(block)
	r.GasUsed = uint64(gas)
	if limits != "" {
		r.Limits = []byte(limits)
	}
	if err := decodeDoc(r.ID, "weights", weights, &r.Weights); err != nil {
		return nil, err
	}
	if err := decodeDoc(r.ID, "preview", preview, &r.Preview); err != nil {
		return nil, err
	}
	if err := decodeDoc(r.ID, "tx", tx, &r.Tx); err != nil {
		return nil, err
	}
	if logs.Valid && logs.String != "" {
		if err := json.Unmarshal([]byte(logs.String), &r.Logs); err != nil {
			return nil, fmt.Errorf("round %d: logs document: %w", r.ID, err)
		}
	}
	if provs.Valid && provs.String != "" && provs.String != "null" {
		if err := json.Unmarshal([]byte(provs.String), &r.Providers); err != nil {
			return nil, fmt.Errorf("round %d: providers document: %w", r.ID, err)
		}
	}
	return &r, nil
}

// decodeDoc reads a document column into *dst (left nil when the column is NULL, empty or null).
func decodeDoc[T any](id int64, name string, col sql.NullString, dst **T) error {
	if !col.Valid || col.String == "" || col.String == "null" {
		return nil
	}
	v := new(T)
	if err := json.Unmarshal([]byte(col.String), v); err != nil {
		return fmt.Errorf("round %d: %s document: %w", id, name, err)
	}
	*dst = v
	return nil
}

// Get returns the round with the given ID.
func (d *DB) Get(ctx context.Context, id int64) (*Round, error) {
	r, err := scanRound(d.db.QueryRowContext(ctx, `SELECT `+roundColumns+` FROM rounds WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("round %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("round %d: %w", id, err)
	}
	return r, nil
}

// Last returns the latest round of a validator hotkey on a subnet, or ErrNotFound.
func (d *DB) Last(ctx context.Context, netuid uint16, hotkey string) (*Round, error) {
	r, err := scanRound(d.db.QueryRowContext(ctx, `SELECT `+roundColumns+` FROM rounds
		WHERE netuid = ? AND validator_hotkey = ? ORDER BY id DESC LIMIT 1`, netuid, hotkey))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("last round of %s on subnet %d: %w", hotkey, netuid, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("last round of %s on subnet %d: %w", hotkey, netuid, err)
	}
	return r, nil
}

// LastState returns the scorer state of the latest successful round of a validator hotkey on a
// subnet (nil when there is none), so a restarted validator continues where it stopped.
func (d *DB) LastState(ctx context.Context, netuid uint16, hotkey string) ([]byte, error) {
	r, err := scanRound(d.db.QueryRowContext(ctx, `SELECT `+roundColumns+` FROM rounds
		WHERE netuid = ? AND validator_hotkey = ? AND error = '' ORDER BY id DESC LIMIT 1`, netuid, hotkey))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("last state of %s on subnet %d: %w", hotkey, netuid, err)
	}
	return r.State()
}

// Count returns the number of recorded rounds.
func (d *DB) Count(ctx context.Context) (int, error) {
	var n int
	if err := d.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM rounds`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count rounds: %w", err)
	}
	return n, nil
}

// Each calls fn for every round in ID order. Rounds are read in pages, so fn may use the DB.
func (d *DB) Each(ctx context.Context, fn func(*Round) error) error {
	const page = 64
	var after int64 = -1
	for {
		rows, err := d.db.QueryContext(ctx, `SELECT `+roundColumns+` FROM rounds WHERE id > ? ORDER BY id LIMIT ?`, after, page)
		if err != nil {
			return fmt.Errorf("read rounds: %w", err)
		}
		var batch []*Round
		for rows.Next() {
			r, err := scanRound(rows)
			if err != nil {
				rows.Close()
				return fmt.Errorf("read rounds: %w", err)
			}
			batch = append(batch, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read rounds: %w", err)
		}
		for _, r := range batch {
			if err := fn(r); err != nil {
				return err
			}
			after = r.ID
		}
		if len(batch) < page {
			return nil
		}
	}
}

// IntegrityCheck runs SQLite's integrity_check and returns an error unless it reports "ok".
func (d *DB) IntegrityCheck(ctx context.Context) error {
	var res string
	if err := d.db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&res); err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	if res != "ok" {
		return fmt.Errorf("integrity check: %s: %w", res, ErrIntegrity)
	}
	return nil
}
