package records

import (
	"context"
	"database/sql"
	"fmt"
	"os"
)

// OpenReadOnly opens an existing records database for reading only: it never creates the file,
// the schema or anything else, and never writes to it (SQLite mode=ro, query_only). It works
// while a daemon is appending to the same database: WAL lets a reader see every committed round
// without blocking the writer. (immutable=1 would be wrong here: it tells SQLite the file cannot
// change, so it skips locking and the WAL and may read torn or stale pages.) Writing methods on
// the returned DB fail.
func OpenReadOnly(ctx context.Context, path string) (*DB, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("open records %s read-only: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("open records %s read-only: not a regular file", path)
	}
	dsn := "file:" + path + "?mode=ro&_pragma=busy_timeout(10000)&_pragma=query_only(1)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open records %s read-only: %w", path, err)
	}
	db.SetMaxOpenConns(4)
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'rounds'`).Scan(&n); err != nil {
		db.Close()
		return nil, fmt.Errorf("open records %s read-only: %w (%w)", path, ErrBadFormat, err)
	}
	if n != 1 {
		db.Close()
		return nil, fmt.Errorf("open records %s read-only: no rounds table: %w", path, ErrBadFormat)
	}
	return &DB{db: db, path: path}, nil
}
