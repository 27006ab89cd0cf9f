package records

import (
	"context"
	"encoding/json"
	"fmt"
)

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

// PendingReveal is a hash commit waiting for its reveal window: the weights call and the salt the
// commitment was made with. Keeping it in the database lets a restarted validator still reveal.
type PendingReveal struct {
	// ID is assigned by PutPending.
	ID     int64
	Netuid uint16
	Hotkey string
	// Call is the weights call (JSON of chain.WeightsCall) that was committed.
	Call json.RawMessage
	// Salt is the commitment's salt.
	Salt []uint16
	// FirstBlock and LastBlock bound the reveal window (inclusive).
	FirstBlock, LastBlock uint64
}

// PutPending stores a pending reveal durably and sets p.ID.
func (d *DB) PutPending(ctx context.Context, p *PendingReveal) error {
	salt, _ := json.Marshal(p.Salt)
	if !json.Valid(p.Call) {
		return fmt.Errorf("pending reveal: call is not valid JSON")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	res, err := d.db.ExecContext(ctx, `INSERT INTO pending_reveals (netuid, hotkey, call, salt, first_block, last_block)
		VALUES (?, ?, ?, ?, ?, ?)`, p.Netuid, p.Hotkey, string(p.Call), string(salt), int64(p.FirstBlock), int64(p.LastBlock))
	if err != nil {
		return fmt.Errorf("store pending reveal: %w", err)
	}
	p.ID, err = res.LastInsertId()
	return err
}

// Pending returns the pending reveals of a hotkey on a subnet, oldest first.
func (d *DB) Pending(ctx context.Context, netuid uint16, hotkey string) ([]PendingReveal, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT id, netuid, hotkey, call, salt, first_block, last_block
		FROM pending_reveals WHERE netuid = ? AND hotkey = ? ORDER BY id`, netuid, hotkey)
	if err != nil {
		return nil, fmt.Errorf("pending reveals: %w", err)
	}
	defer rows.Close()
	var out []PendingReveal
	for rows.Next() {
		var p PendingReveal
		var call, salt string
		var first, last int64
		if err := rows.Scan(&p.ID, &p.Netuid, &p.Hotkey, &call, &salt, &first, &last); err != nil {
			return nil, fmt.Errorf("pending reveals: %w", err)
		}
		if err := json.Unmarshal([]byte(salt), &p.Salt); err != nil {
			return nil, fmt.Errorf("pending reveal %d: salt: %w", p.ID, err)
		}
		p.Call, p.FirstBlock, p.LastBlock = json.RawMessage(call), uint64(first), uint64(last)
		out = append(out, p)
	}
	return out, rows.Err()
}

// DeletePending removes a pending reveal (revealed or expired).
func (d *DB) DeletePending(ctx context.Context, id int64) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, err := d.db.ExecContext(ctx, `DELETE FROM pending_reveals WHERE id = ?`, id); err != nil {
		return fmt.Errorf("delete pending reveal %d: %w", id, err)
	}
	return nil
}
