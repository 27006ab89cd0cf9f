package records

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/subnetd/subnetd/chain"
)

// pendingSchema is the pending_reveals table of schema version 0. first_block and last_block were
// the reveal window the daemon computed at commit time; since schema version 1 the committer asks
// the chain for the window (chain.HashCommitter), new rows hold 0 there, and submitted_at is the
// best block when the commit was sent.
const pendingSchema = `
CREATE TABLE IF NOT EXISTS pending_reveals (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	netuid       INTEGER NOT NULL,
	hotkey       TEXT NOT NULL,
	call         TEXT NOT NULL,
	salt         TEXT NOT NULL,
	first_block  INTEGER NOT NULL,
	last_block   INTEGER NOT NULL
);`

// The DB is the daemon's chain.SaltStore: a hash commit's salt is committed to the same database
// as the rounds, before the commit is sent, so a restarted validator still reveals it.
var _ chain.SaltStore = (*DB)(nil)

// Save stores a pending reveal durably.
func (d *DB) Save(ctx context.Context, p chain.PendingReveal) error {
	if _, err := p.HashBytes(); err != nil {
		return err
	}
	call, err := json.Marshal(p.Call)
	if err != nil {
		return fmt.Errorf("store pending reveal %s: %w", p.Hash, err)
	}
	salt, _ := json.Marshal(p.Salt)
	d.mu.Lock()
	defer d.mu.Unlock()
	_, err = d.db.ExecContext(ctx, `INSERT INTO pending_reveals (netuid, hotkey, call, salt, first_block, last_block, submitted_at)
		VALUES (?, ?, ?, ?, 0, 0, ?)`, p.Call.Netuid, p.Hotkey.String(), string(call), string(salt), int64(p.SubmittedAt))
	if err != nil {
		return fmt.Errorf("store pending reveal %s: %w", p.Hash, err)
	}
	return nil
}

// List returns the pending reveals of hotkey, oldest first. The hash of each is recomputed from
// its hotkey, call and salt (rows written before schema version 1 kept no hash).
func (d *DB) List(ctx context.Context, hotkey chain.AccountID) ([]chain.PendingReveal, error) {
	rows, err := d.pending(ctx, `WHERE hotkey = ?`, hotkey.String())
	if err != nil {
		return nil, err
	}
	out := make([]chain.PendingReveal, len(rows))
	for i, r := range rows {
		out[i] = r.p
	}
	return out, nil
}

// Remove deletes the pending reveal with this hash (no error if it is already gone).
func (d *DB) Remove(ctx context.Context, hash [32]byte) error {
	rows, err := d.pending(ctx, "")
	if err != nil {
		return err
	}
	want := "0x" + hex.EncodeToString(hash[:])
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, r := range rows {
		if r.p.Hash != want {
			continue
		}
		if _, err := d.db.ExecContext(ctx, `DELETE FROM pending_reveals WHERE id = ?`, r.id); err != nil {
			return fmt.Errorf("delete pending reveal %s: %w", want, err)
		}
	}
	return nil
}

type pendingRow struct {
	id int64
	p  chain.PendingReveal
}

// pending reads the pending_reveals rows matching where (with args), by id.
func (d *DB) pending(ctx context.Context, where string, args ...any) ([]pendingRow, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT id, hotkey, call, salt, submitted_at FROM pending_reveals `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("pending reveals: %w", err)
	}
	defer rows.Close()
	var out []pendingRow
	for rows.Next() {
		var r pendingRow
		var hotkey, call, salt string
		var submitted int64
		if err := rows.Scan(&r.id, &hotkey, &call, &salt, &submitted); err != nil {
			return nil, fmt.Errorf("pending reveals: %w", err)
		}
		if r.p.Hotkey, err = chain.ParseAccountID(hotkey); err != nil {
			return nil, fmt.Errorf("pending reveal %d: hotkey: %w", r.id, err)
		}
		if err := json.Unmarshal([]byte(call), &r.p.Call); err != nil {
			return nil, fmt.Errorf("pending reveal %d: call: %w", r.id, err)
		}
		if err := json.Unmarshal([]byte(salt), &r.p.Salt); err != nil {
			return nil, fmt.Errorf("pending reveal %d: salt: %w", r.id, err)
		}
		c := r.p.Call
		h := chain.CommitHash(r.p.Hotkey, chain.NetuidIndex(c.Netuid, c.Mecid), c.UIDs, c.Values, r.p.Salt, c.VersionKey)
		r.p.Hash, r.p.SubmittedAt = "0x"+hex.EncodeToString(h[:]), uint64(submitted)
		out = append(out, r)
	}
	return out, rows.Err()
}
