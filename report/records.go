package report

// This file is the only one that knows how round records look inside: it opens the database
// read-only through the records package and decodes the documents a round carries (the scorer's
// Scores message, the emitted weights, the Yuma preview). Everything else in the package works on
// the flat history built here.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"

	"github.com/subnetd/subnetd/records"
)

// ErrNoRounds is returned when the database (or the selected subnet and block range) holds no round.
var ErrNoRounds = errors.New("no rounds recorded")

// Outcome is how a round ended, as the daemon's subnetd_rounds_total metric counts it.
type Outcome int

// The outcomes of a round.
const (
	OutcomeOK          Outcome = iota // scored, weights computed and submitted
	OutcomeScorerError                // the scorer (challenge or score) failed
	OutcomeChainError                 // weights could not be computed or the chain refused them
)

// String returns the metric label of o.
func (o Outcome) String() string {
	switch o {
	case OutcomeScorerError:
		return "scorer_error"
	case OutcomeChainError:
		return "chain_error"
	}
	return "ok"
}

// UIDValue is one miner's value in one round.
type UIDValue struct {
	UID   uint16
	Value float64
}

// RoundPoint is what the report uses of one recorded round.
type RoundPoint struct {
	ID      int64
	Block   uint64
	Outcome Outcome
	// Scorer, Version and Module name the scorer that ran (Module is the module's sha256).
	Scorer, Version, Module string
	// Gas is the gas the scorer call used; WallMs the round's wall-clock time (query + score + submit).
	Gas    uint64
	WallMs int64
	// Scores are the scorer's scores by uid (nil when it failed).
	Scores []UIDValue
	// Weights are the emitted u16 weights by uid (nil when none were emitted).
	Weights []UIDValue
	// HasPreview reports a Yuma preview; Incentive (by uid, zeros left out), Dividends and
	// VTrust (the validator's) come from it.
	HasPreview bool
	Incentive  []UIDValue
	Dividends  float64
	VTrust     float64
}

// Key names one validator on one subnet: a section of the report.
type Key struct {
	Netuid uint16
	Hotkey string
}

// History is the rounds of one validator on one subnet, in record order.
type History struct {
	Key
	ValidatorUID uint16
	Rounds       []RoundPoint
}

// Filter selects rounds.
type Filter struct {
	// Netuid, when HasNetuid, keeps one subnet.
	Netuid    uint16
	HasNetuid bool
	// From and To keep rounds with From <= block <= To; To 0 means no upper bound.
	From, To uint64
}

func (f Filter) keep(r *records.Round) bool {
	if f.HasNetuid && r.Netuid != f.Netuid {
		return false
	}
	return r.Block >= f.From && (f.To == 0 || r.Block <= f.To)
}

// Load reads the rounds of the records database at path that f selects, grouped by subnet and
// validator (sorted by netuid, then hotkey). It opens the database read-only, so it never
// changes it and may run while the daemon writes. It returns ErrNoRounds when nothing matched.
func Load(ctx context.Context, path string, f Filter) ([]*History, error) {
	src, closeSrc, err := openSource(ctx, path)
	if err != nil {
		return nil, err
	}
	defer closeSrc()
	byKey := map[Key]*History{}
	total := 0
	// Decoding the documents is most of the work: rounds are decoded in batches, a batch's rounds
	// in parallel, and kept in record order.
	var batch []*records.Round
	flush := func() error {
		pts, err := decodeAll(batch)
		if err != nil {
			return err
		}
		for i, r := range batch {
			k := Key{r.Netuid, r.ValidatorHotkey}
			h := byKey[k]
			if h == nil {
				h = &History{Key: k}
				byKey[k] = h
			}
			h.ValidatorUID = r.ValidatorUID
			h.Rounds = append(h.Rounds, pts[i])
		}
		batch = batch[:0]
		return nil
	}
	err = src.Each(ctx, func(r *records.Round) error {
		total++
		if !f.keep(r) {
			return nil
		}
		r.RoundBytes, r.ChallengeRequest, r.ChallengeOutput = nil, nil, nil // not shown: let them go
		batch = append(batch, r)
		if len(batch) == decodeBatch {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return nil, fmt.Errorf("read records %s: %w", path, err)
	}
	if len(byKey) == 0 {
		if total == 0 {
			return nil, fmt.Errorf("records %s: %w", path, ErrNoRounds)
		}
		return nil, fmt.Errorf("records %s: %d rounds, none on the selected subnet and blocks: %w", path, total, ErrNoRounds)
	}
	out := make([]*History, 0, len(byKey))
	for _, h := range byKey {
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Netuid != out[j].Netuid {
			return out[i].Netuid < out[j].Netuid
		}
		return out[i].Hotkey < out[j].Hotkey
	})
	return out, nil
}

// decodeBatch is how many rounds are decoded together.
const decodeBatch = 256

// decodeAll turns rs into points, using every CPU; the result is in the order of rs.
func decodeAll(rs []*records.Round) ([]RoundPoint, error) {
	pts := make([]RoundPoint, len(rs))
	errs := make([]error, len(rs))
	workers := min(runtime.GOMAXPROCS(0), len(rs))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(rs); i += workers {
				pts[i], errs[i] = point(rs[i])
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			r := rs[i]
			return nil, fmt.Errorf("round %d (subnet %d, block %d): %w", r.ID, r.Netuid, r.Block, err)
		}
	}
	return pts, nil
}

// openSource opens a records database read-only, or reads an export file (JSON lines).
func openSource(ctx context.Context, path string) (records.Source, func(), error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, nil, fmt.Errorf("open records: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, nil, fmt.Errorf("open records %s: not a regular file", path)
	}
	if st.Size() == 0 {
		return nil, nil, fmt.Errorf("records %s: empty file: %w", path, ErrNoRounds)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("open records: %w", err)
	}
	magic := make([]byte, 16)
	n, _ := io.ReadFull(f, magic)
	f.Close()
	if n == len(magic) && string(magic) == "SQLite format 3\x00" {
		db, err := records.OpenReadOnly(ctx, path)
		if err != nil {
			return nil, nil, err
		}
		errProbe := errors.New("probe")
		perr := db.Each(ctx, func(*records.Round) error { return errProbe })
		if perr == nil || errors.Is(perr, errProbe) {
			return db, func() { db.Close() }, nil
		}
		db.Close()
		// The rounds cannot be read in place: a database of an older schema, which this build
		// reads only after migrating it (a write). Read a migrated copy; the original is untouched.
		// (A daemon of this build would have migrated it already, so none is writing it.)
		snap, cleanup, err := snapshot(ctx, path)
		if err != nil {
			return nil, nil, fmt.Errorf("read records %s: %w (and a copy could not be read: %w)", path, perr, err)
		}
		return snap, cleanup, nil
	}
	set, err := records.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("%s is neither a records database nor an export: %w", path, err)
	}
	return set, func() {}, nil
}

// snapshot copies the database (with its WAL) to a temporary directory and opens the copy with
// records.Open, which brings it to this build's schema; cleanup closes and removes it.
func snapshot(ctx context.Context, path string) (records.Source, func(), error) {
	dir, err := os.MkdirTemp("", "subnetd-report-")
	if err != nil {
		return nil, nil, err
	}
	copyFile := func(from, to string) error {
		in, err := os.Open(from)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(to)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	}
	dst := filepath.Join(dir, "records.db")
	err = copyFile(path, dst)
	if err == nil {
		if _, serr := os.Stat(path + "-wal"); serr == nil {
			err = copyFile(path+"-wal", dst+"-wal")
		}
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, fmt.Errorf("copy: %w", err)
	}
	db, err := records.Open(ctx, dst)
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	return db, func() { db.Close(); os.RemoveAll(dir) }, nil
}

// The stored documents, as far as the report reads them.
type (
	scoresDoc struct {
		Scores []struct {
			UID   uint16  `json:"uid"`
			Score float64 `json:"score"`
		} `json:"scores"`
	}
	weightsDoc struct {
		UIDs    []uint16 `json:"uids"`
		Weights []uint16 `json:"weights"`
	}
	previewDoc struct {
		ValidatorTrust float64 `json:"validator_trust"`
		Dividends      float64 `json:"dividends"`
		Incentive      []struct {
			UID   uint16  `json:"uid"`
			Value float64 `json:"value"`
		} `json:"incentive"`
	}
)

// point turns a record into a RoundPoint.
func point(r *records.Round) (RoundPoint, error) {
	p := RoundPoint{ID: r.ID, Block: r.Block, Scorer: r.Scorer, Version: r.ScorerVersion, Module: r.ModuleSHA256,
		Gas: r.GasUsed, WallMs: r.FinishedMs - r.StartedMs}
	switch {
	case r.Error != "":
		p.Outcome = OutcomeScorerError
	case r.TxError != "":
		p.Outcome = OutcomeChainError
	}
	if r.Error == "" && len(r.ScoresBytes) > 0 {
		var s scoresDoc
		if err := json.Unmarshal(r.ScoresBytes, &s); err != nil {
			return p, fmt.Errorf("scores message: %w", err)
		}
		p.Scores = make([]UIDValue, len(s.Scores))
		for i, v := range s.Scores {
			p.Scores[i] = UIDValue{v.UID, v.Score}
		}
		sortUV(p.Scores)
	}
	var w weightsDoc
	if ok, err := doc(r.Weights, &w); err != nil {
		return p, fmt.Errorf("weights document: %w", err)
	} else if ok && len(w.UIDs) == len(w.Weights) && len(w.UIDs) > 0 {
		p.Weights = make([]UIDValue, len(w.UIDs))
		for i := range w.UIDs {
			p.Weights[i] = UIDValue{w.UIDs[i], float64(w.Weights[i])}
		}
		sortUV(p.Weights)
	}
	var pv previewDoc
	ok, err := doc(r.Preview, &pv)
	if err != nil {
		return p, fmt.Errorf("preview document: %w", err)
	}
	if ok {
		p.HasPreview = true
		p.Dividends, p.VTrust = pv.Dividends, pv.ValidatorTrust
		p.Incentive = make([]UIDValue, len(pv.Incentive))
		for i, v := range pv.Incentive {
			p.Incentive[i] = UIDValue{v.UID, v.Value}
		}
		sortUV(p.Incentive)
	}
	return p, nil
}

// doc decodes a round document into dst and reports whether there was one. It takes the field
// as stored (raw JSON today; a typed document once records types them) by marshalling it first,
// so the field names of the stored format are the only contract.
func doc(field any, dst any) (bool, error) {
	var b []byte
	if raw, ok := field.(json.RawMessage); ok {
		b = raw // stored JSON as it is: no need to re-encode it
	} else {
		var err error
		if b, err = json.Marshal(field); err != nil {
			return false, err
		}
	}
	if len(b) == 0 || string(b) == "null" {
		return false, nil
	}
	return true, json.Unmarshal(b, dst)
}

func sortUV(v []UIDValue) {
	sort.Slice(v, func(i, j int) bool { return v[i].UID < v[j].UID })
}
