package chain

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// PendingReveal is what a validator must keep between a hash commit and its reveal: the call, the
// salt, and the commit hash they give. The salt is not a secret once revealed, but until then it
// hides the weights. It is the one pending-reveal type of the CLI's salt files and the daemon's
// records database.
type PendingReveal struct {
	Hotkey AccountID   `json:"hotkey"`
	Call   WeightsCall `json:"call"`
	Salt   []uint16    `json:"salt"`
	// Hash is the commit hash, 0x-hex.
	Hash string `json:"hash"`
	// SubmittedAt is the best block when the commit was sent.
	SubmittedAt uint64 `json:"submitted_at"`
}

// HashBytes returns Hash as bytes.
func (p PendingReveal) HashBytes() ([32]byte, error) {
	var h [32]byte
	b, err := hex.DecodeString(strings.TrimPrefix(p.Hash, "0x"))
	if err != nil || len(b) != 32 {
		return h, fmt.Errorf("pending reveal: hash %q is not 32 bytes of hex", p.Hash)
	}
	copy(h[:], b)
	return h, nil
}

// SaltStore keeps PendingReveals durably between a hash commit and its reveal. The CLI keeps them in
// files (FileSaltStore); the daemon in its records database (records.DB).
type SaltStore interface {
	// Save stores p durably (replacing a pending reveal with the same hash).
	Save(ctx context.Context, p PendingReveal) error
	// List returns the pending reveals of hotkey, in a stable order.
	List(ctx context.Context, hotkey AccountID) ([]PendingReveal, error)
	// Remove deletes the pending reveal with this hash (no error if it is already gone).
	Remove(ctx context.Context, hash [32]byte) error
}

// FileSaltStore is a SaltStore in a directory, one JSON file per commit named by its hash, written
// with write-to-temp, fsync, rename, so a crash never leaves half a file; files are mode 0600.
type FileSaltStore struct {
	dir string
}

// OpenSaltStore creates dir (0700) if needed and returns a file store in it.
func OpenSaltStore(dir string) (*FileSaltStore, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("salt store %s: %w", dir, err)
	}
	return &FileSaltStore{dir: dir}, nil
}

// Dir returns the store's directory.
func (s *FileSaltStore) Dir() string { return s.dir }

// Path returns the file a pending reveal with this hash is kept in.
func (s *FileSaltStore) Path(hash [32]byte) string {
	return filepath.Join(s.dir, "0x"+hex.EncodeToString(hash[:])+".json")
}

// Save writes p durably to Path(its hash).
func (s *FileSaltStore) Save(_ context.Context, p PendingReveal) error {
	h, err := p.HashBytes()
	if err != nil {
		return err
	}
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	path := s.Path(h)
	if err := writeFileSync(s.dir, path, append(data, '\n')); err != nil {
		return fmt.Errorf("salt store: write %s: %w", path, err)
	}
	return nil
}

// writeFileSync writes data to path atomically (temp file, fsync, rename, directory fsync), mode 0600.
func writeFileSync(dir, path string, data []byte) error {
	tmp, err := os.CreateTemp(dir, ".salt-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	err = tmp.Chmod(0o600)
	if err == nil {
		_, err = tmp.Write(data)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// List returns the pending reveals of a hotkey, ordered by file name.
func (s *FileSaltStore) List(_ context.Context, hotkey AccountID) ([]PendingReveal, error) {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("salt store: %w", err)
	}
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		if !e.IsDir() && strings.HasPrefix(e.Name(), "0x") && strings.HasSuffix(e.Name(), ".json") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	var out []PendingReveal
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join(s.dir, n))
		if err != nil {
			return nil, fmt.Errorf("salt store: %w", err)
		}
		var p PendingReveal
		if err := json.Unmarshal(data, &p); err != nil {
			return nil, fmt.Errorf("salt store: %s: %w", n, err)
		}
		if p.Hotkey == hotkey {
			out = append(out, p)
		}
	}
	return out, nil
}

// Remove deletes the pending reveal with this hash (no error if it is already gone).
func (s *FileSaltStore) Remove(_ context.Context, hash [32]byte) error {
	if err := os.Remove(s.Path(hash)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("salt store: %w", err)
	}
	return nil
}

// SaltLen is the number of u16 words of salt a HashCommitter draws.
const SaltLen = 8

// StaleAfter is how many blocks after its submission a stored commit that the chain does not know is
// kept (the commit may still be on its way); after that it is deleted.
const StaleAfter = 256

// HashCommitter runs commit-reveal v2 for one hotkey over any Chain: Commit draws a salt, stores it
// durably before the commit is sent, and commits the hash; RevealDue reveals each stored commit in its
// reveal window. A restarted process calls RevealDue again and carries on from the files.
type HashCommitter struct {
	Chain  Chain
	Store  SaltStore
	Signer Signer
	// Rand is the salt's source (crypto/rand when nil).
	Rand io.Reader
}

// Commit commits w's hash. The salt file is written before the transaction is sent and removed only
// if the chain certainly did not take the commit.
func (h *HashCommitter) Commit(ctx context.Context, w WeightsCall) (TxResult, PendingReveal, error) {
	if err := w.Validate(); err != nil {
		return TxResult{}, PendingReveal{}, err
	}
	src := h.Rand
	if src == nil {
		src = rand.Reader
	}
	var raw [2 * SaltLen]byte
	if _, err := io.ReadFull(src, raw[:]); err != nil {
		return TxResult{}, PendingReveal{}, fmt.Errorf("commit: salt: %w", err)
	}
	salt := make([]uint16, SaltLen)
	for i := range salt {
		salt[i] = binary.LittleEndian.Uint16(raw[2*i:])
	}
	pub := h.Signer.PublicKey()
	hash := CommitHash(pub, NetuidIndex(w.Netuid, w.Mecid), w.UIDs, w.Values, salt, w.VersionKey)
	cur, err := h.Chain.CurrentBlock(ctx)
	if err != nil {
		return TxResult{}, PendingReveal{}, err
	}
	p := PendingReveal{Hotkey: pub, Call: w, Salt: salt, Hash: "0x" + hex.EncodeToString(hash[:]), SubmittedAt: cur}
	if err := h.Store.Save(ctx, p); err != nil {
		return TxResult{}, p, err
	}
	res, err := h.Chain.CommitWeights(ctx, h.Signer, w.Netuid, w.Mecid, hash)
	if err != nil && !errors.Is(err, ErrTxPending) && res.State != TxPending {
		// Refused, dropped, or landed with an error: the chain holds no such commit.
		_ = h.Store.Remove(ctx, hash)
	}
	return res, p, err
}

// RevealOutcome is what RevealDue did with one stored commit.
type RevealOutcome struct {
	Pending PendingReveal
	// Action is "revealed", "waiting" (window not open yet), "expired", "gone" (the chain has no such
	// commit: revealed earlier, expired, or never landed) or "failed".
	Action string
	// Window is the commit's reveal window when the chain knows the commit.
	Window [2]uint64
	Result TxResult
	Err    error
}

// RevealDue reveals every stored commit of the signer whose reveal window contains the next block,
// drops the files of commits the chain no longer has, and reports what it did with each.
func (h *HashCommitter) RevealDue(ctx context.Context) ([]RevealOutcome, error) {
	pub := AccountID(h.Signer.PublicKey())
	stored, err := h.Store.List(ctx, pub)
	if err != nil || len(stored) == 0 {
		return nil, err
	}
	cur, err := h.Chain.CurrentBlock(ctx)
	if err != nil {
		return nil, err
	}
	type key struct {
		netuid uint16
		mecid  uint8
	}
	onChain := map[key][]WeightCommit{}
	var out []RevealOutcome
	for _, p := range stored {
		k := key{p.Call.Netuid, p.Call.Mecid}
		if _, ok := onChain[k]; !ok {
			wc, err := h.Chain.PendingCommits(ctx, k.netuid, k.mecid, pub)
			if err != nil {
				return out, err
			}
			onChain[k] = wc
		}
		hash, err := p.HashBytes()
		if err != nil {
			out = append(out, RevealOutcome{Pending: p, Action: "failed", Err: err})
			continue
		}
		o := RevealOutcome{Pending: p}
		var found *WeightCommit
		for i := range onChain[k] {
			if onChain[k][i].Hash == hash {
				found = &onChain[k][i]
			}
		}
		next := cur + 1 // the block a transaction sent now lands in
		switch {
		case found == nil:
			o.Action = "waiting"
			if cur > p.SubmittedAt+StaleAfter {
				o.Action = "gone"
				o.Err = h.Store.Remove(ctx, hash)
			}
		case next < found.FirstRevealBlock:
			o.Action, o.Window = "waiting", [2]uint64{found.FirstRevealBlock, found.LastRevealBlock}
		case next > found.LastRevealBlock:
			o.Action, o.Window = "expired", [2]uint64{found.FirstRevealBlock, found.LastRevealBlock}
			o.Err = h.Store.Remove(ctx, hash)
		default:
			o.Window = [2]uint64{found.FirstRevealBlock, found.LastRevealBlock}
			o.Result, o.Err = h.Chain.RevealWeights(ctx, h.Signer, p.Call, p.Salt)
			switch {
			case o.Err == nil:
				o.Action = "revealed"
				_ = h.Store.Remove(ctx, hash)
			case errors.Is(o.Err, ErrExpiredWeightCommit) || errors.Is(o.Err, ErrNoWeightsCommitFound):
				o.Action = "gone"
				_ = h.Store.Remove(ctx, hash)
			default:
				o.Action = "failed" // kept: the next call tries again while the window lasts
			}
		}
		out = append(out, o)
	}
	return out, nil
}
