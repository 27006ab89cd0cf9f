package records

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
)

// header is the first line of an export file.
type header struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
}

// line is every later line: exactly one of Module or Round.
type line struct {
	Module *Module `json:"module,omitempty"`
	Round  *Round  `json:"round,omitempty"`
}

// Export writes every module and round of d to w as JSON lines: a header
// {"format":"subnetd-records","version":1}, then {"module":{…}} lines, then {"round":{…}} lines
// in ID order. Byte fields are base64, so the file carries exact bytes.
func (d *DB) Export(ctx context.Context, w io.Writer) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	if err := enc.Encode(header{Format: FormatName, Version: FormatVersion}); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	err := d.Modules(ctx, func(m Module) error { return enc.Encode(line{Module: &m}) })
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := d.Each(ctx, func(r *Round) error { return enc.Encode(line{Round: r}) }); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

// ExportFile writes the export to path (atomically: a temporary file renamed into place).
func (d *DB) ExportFile(ctx context.Context, path string) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("export %s: %w", path, err)
	}
	if err := d.Export(ctx, f); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("export %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("export %s: %w", path, err)
	}
	return os.Rename(tmp, path)
}

// Set is a record set held in memory, read from an export file. It implements Source.
type Set struct {
	// Modules maps sha256 to module bytes.
	Modules map[string]Module
	// Rounds are the rounds in ID order.
	Rounds []*Round
}

// Module implements Source.
func (s *Set) Module(_ context.Context, sha256 string) ([]byte, error) {
	m, ok := s.Modules[sha256]
	if !ok {
		return nil, fmt.Errorf("module %s: %w", sha256, ErrNotFound)
	}
	return m.Wasm, nil
}

// Each implements Source.
func (s *Set) Each(ctx context.Context, fn func(*Round) error) error {
	for _, r := range s.Rounds {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// Read parses an export. A module whose bytes do not hash to its sha256 is refused.
func Read(r io.Reader) (*Set, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), 1<<30)
	set := &Set{Modules: map[string]Module{}}
	n := 0
	for sc.Scan() {
		n++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		if n == 1 {
			var h header
			if err := json.Unmarshal(b, &h); err != nil || h.Format != FormatName {
				return nil, fmt.Errorf("read records: line 1 is not a %s header: %w", FormatName, ErrBadFormat)
			}
			if h.Version != FormatVersion {
				return nil, fmt.Errorf("read records: version %d, this build reads %d: %w", h.Version, FormatVersion, ErrBadFormat)
			}
			continue
		}
		var l line
		if err := json.Unmarshal(b, &l); err != nil {
			return nil, fmt.Errorf("read records: line %d: %w", n, err)
		}
		switch {
		case l.Module != nil:
			if got := SHA256Hex(l.Module.Wasm); got != l.Module.SHA256 {
				return nil, fmt.Errorf("read records: line %d: module bytes hash %s, recorded %s: %w", n, got, l.Module.SHA256, ErrIntegrity)
			}
			set.Modules[l.Module.SHA256] = *l.Module
		case l.Round != nil:
			set.Rounds = append(set.Rounds, l.Round)
		default:
			return nil, fmt.Errorf("read records: line %d holds neither a module nor a round: %w", n, ErrBadFormat)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read records: %w", err)
	}
	if n == 0 {
		return nil, fmt.Errorf("read records: empty input: %w", ErrBadFormat)
	}
	sort.SliceStable(set.Rounds, func(i, j int) bool { return set.Rounds[i].ID < set.Rounds[j].ID })
	return set, nil
}

// ReadFile reads an export file.
func ReadFile(path string) (*Set, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read records: %w", err)
	}
	defer f.Close()
	s, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// Import adds the modules and rounds of an export to d in one transaction, keeping round IDs.
// It fails (and adds nothing) when an ID is already taken.
func (d *DB) Import(ctx context.Context, s *Set) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer tx.Rollback()
	shas := make([]string, 0, len(s.Modules))
	for k := range s.Modules {
		shas = append(shas, k)
	}
	sort.Strings(shas)
	for _, k := range shas {
		m := s.Modules[k]
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO modules (sha256, name, wasm) VALUES (?, ?, ?)`, m.SHA256, m.Name, m.Wasm); err != nil {
			return fmt.Errorf("import module %s: %w", m.SHA256, err)
		}
	}
	for _, r := range s.Rounds {
		if err := d.insertWithID(ctx, tx, r); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("import: commit: %w", err)
	}
	return nil
}

// sqliteMagic starts every SQLite database file.
var sqliteMagic = []byte("SQLite format 3\x00")

// OpenSource opens path as a records database or an export file, whichever it is. Close the
// returned closer when done.
func OpenSource(ctx context.Context, path string) (Source, io.Closer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("open records: %w", err)
	}
	magic := make([]byte, len(sqliteMagic))
	n, _ := io.ReadFull(f, magic)
	f.Close()
	if n == len(sqliteMagic) && bytes.Equal(magic, sqliteMagic) {
		db, err := Open(ctx, path)
		if err != nil {
			return nil, nil, err
		}
		return db, db, nil
	}
	set, err := ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	return set, io.NopCloser(nil), nil
}
