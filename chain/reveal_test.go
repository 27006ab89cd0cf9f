package chain

import (
	"bytes"
	"context"
	"os"
	"testing"
)

// fakeChain is a tiny in-memory chain for HashCommitter's tests: hash commits with subtensor's reveal
// window rules, nothing else.
type fakeChain struct {
	block   uint64
	tempo   uint16
	commits []WeightCommit
	store   *FileSaltStore
	refuse  error // CommitWeights fails with this, after the salt file was checked
	sawFile bool
	set     []WeightsCall
}

func (f *fakeChain) CurrentBlock(context.Context) (uint64, error)       { return f.block, nil }
func (f *fakeChain) BlockTimeMs(context.Context, uint64) (int64, error) { return 0, ErrNotAvailable }
func (f *fakeChain) Hyperparams(context.Context, uint16) (Hyperparams, error) {
	return Hyperparams{}, ErrNotAvailable
}
func (f *fakeChain) Metagraph(context.Context, uint16) (*Metagraph, error) {
	return nil, ErrNotAvailable
}
func (f *fakeChain) Weights(context.Context, uint16, uint8) ([][]UIDValue, error) {
	return nil, ErrNotAvailable
}
func (f *fakeChain) Bonds(context.Context, uint16, uint8) ([][]UIDValue, error) {
	return nil, ErrNotAvailable
}
func (f *fakeChain) SetWeights(context.Context, Signer, WeightsCall) (TxResult, error) {
	return TxResult{}, ErrNotAvailable
}
func (f *fakeChain) CommitTimelocked(context.Context, Signer, TimelockedCommit) (TxResult, error) {
	return TxResult{}, ErrNotAvailable
}
func (f *fakeChain) TxStatus(context.Context, [32]byte) (TxResult, error) { return TxResult{}, nil }
func (f *fakeChain) Commitment(context.Context, uint16, AccountID) (*Commitment, error) {
	return nil, ErrNotAvailable
}
func (f *fakeChain) SubnetOwnerHotkey(context.Context, uint16) (AccountID, error) {
	return AccountID{}, ErrNotAvailable
}

func (f *fakeChain) CommitWeights(_ context.Context, _ Signer, netuid uint16, _ uint8, hash [32]byte) (TxResult, error) {
	_, err := os.Stat(f.store.Path(hash))
	f.sawFile = err == nil
	if f.refuse != nil {
		return TxResult{State: TxDropped, Err: f.refuse}, f.refuse
	}
	f.block++
	first, last := RevealWindow(netuid, f.tempo, 1, f.block)
	f.commits = append(f.commits, WeightCommit{Hash: hash, CommitBlock: f.block, FirstRevealBlock: first, LastRevealBlock: last})
	return TxResult{State: TxInBlock, Block: f.block}, nil
}

func (f *fakeChain) RevealWeights(_ context.Context, s Signer, w WeightsCall, salt []uint16) (TxResult, error) {
	f.block++
	h := CommitHash(s.PublicKey(), NetuidIndex(w.Netuid, w.Mecid), w.UIDs, w.Values, salt, w.VersionKey)
	for i, c := range f.commits {
		if c.Hash != h {
			continue
		}
		if f.block < c.FirstRevealBlock {
			return TxResult{}, NewDispatchError("SubtensorModule", "RevealTooEarly")
		}
		f.commits = f.commits[i+1:]
		f.set = append(f.set, w)
		return TxResult{State: TxInBlock, Block: f.block}, nil
	}
	return TxResult{}, NewDispatchError("SubtensorModule", "InvalidRevealCommitHashNotMatch")
}

func (f *fakeChain) PendingCommits(context.Context, uint16, uint8, AccountID) ([]WeightCommit, error) {
	return append([]WeightCommit(nil), f.commits...), nil
}

type fixedSigner [32]byte

func (s fixedSigner) PublicKey() [32]byte         { return s }
func (s fixedSigner) Sign([]byte) ([]byte, error) { return make([]byte, 64), nil }

func TestHashCommitter_CommitAndReveal(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store, err := OpenSaltStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	fc := &fakeChain{block: 100, tempo: 10, store: store}
	signer := fixedSigner(alicePub)
	salt := bytes.NewReader([]byte{1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8, 0})
	hc := &HashCommitter{Chain: fc, Store: store, Signer: signer, Rand: salt}
	w := WeightsCall{Netuid: 2, UIDs: []uint16{0, 1, 2}, Values: []uint16{65535, 32768, 100}, VersionKey: 7}
	_, p, err := hc.Commit(ctx, w)
	if err != nil {
		t.Fatal(err)
	}
	if !fc.sawFile {
		t.Fatal("the salt file was not on disk when the commit was sent")
	}
	// Salt words are little-endian u16 from Rand; the hash is the known answer of TestCommitHash.
	if p.Hash != "0x046a73578a0ee66e3235ab9e2f2b43e024db04e911ff14a887e645d58635ea44" {
		t.Fatalf("hash = %s, salt %v", p.Hash, p.Salt)
	}
	if st, err := os.Stat(store.Path(mustHex32(p.Hash[2:]))); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("salt file: %v, mode %v", err, st.Mode())
	}

	outs, err := hc.RevealDue(ctx)
	if err != nil || len(outs) != 1 || outs[0].Action != "waiting" || outs[0].Window != [2]uint64{107, 117} {
		t.Fatalf("RevealDue before the window = %+v, %v", outs, err)
	}

	// Restart: a new store and committer on the same directory, in the window.
	fc.block = 106
	store2, _ := OpenSaltStore(dir)
	hc2 := &HashCommitter{Chain: fc, Store: store2, Signer: signer}
	outs, err = hc2.RevealDue(ctx)
	if err != nil || len(outs) != 1 || outs[0].Action != "revealed" {
		t.Fatalf("RevealDue in the window = %+v, %v", outs, err)
	}
	if len(fc.set) != 1 || fc.set[0].VersionKey != 7 {
		t.Fatalf("revealed %+v", fc.set)
	}
	if left, _ := store2.List(context.Background(), AccountID(alicePub)); len(left) != 0 {
		t.Fatalf("%d salt files left", len(left))
	}
}

func TestHashCommitter_Outcomes(t *testing.T) {
	ctx := context.Background()
	w := WeightsCall{Netuid: 2, UIDs: []uint16{1}, Values: []uint16{65535}}
	t.Run("refused commit leaves no file", func(t *testing.T) {
		store, _ := OpenSaltStore(t.TempDir())
		fc := &fakeChain{block: 10, tempo: 10, store: store, refuse: NewDispatchError("SubtensorModule", "CommitRevealDisabled")}
		hc := &HashCommitter{Chain: fc, Store: store, Signer: fixedSigner(alicePub)}
		if _, _, err := hc.Commit(ctx, w); err == nil || !fc.sawFile {
			t.Fatalf("err = %v, file seen %v", err, fc.sawFile)
		}
		if left, _ := store.List(context.Background(), AccountID(alicePub)); len(left) != 0 {
			t.Fatalf("%d salt files left after a refused commit", len(left))
		}
	})
	t.Run("pending commit keeps its file", func(t *testing.T) {
		store, _ := OpenSaltStore(t.TempDir())
		fc := &fakeChain{block: 10, tempo: 10, store: store, refuse: ErrTxPending}
		hc := &HashCommitter{Chain: fc, Store: store, Signer: fixedSigner(alicePub)}
		if _, _, err := hc.Commit(ctx, w); err == nil {
			t.Fatal("no error")
		}
		if left, _ := store.List(context.Background(), AccountID(alicePub)); len(left) != 1 {
			t.Fatalf("%d salt files, want 1 (the commit may still land)", len(left))
		}
	})
	t.Run("expired and gone", func(t *testing.T) {
		store, _ := OpenSaltStore(t.TempDir())
		fc := &fakeChain{block: 10, tempo: 10, store: store}
		hc := &HashCommitter{Chain: fc, Store: store, Signer: fixedSigner(alicePub)}
		if _, _, err := hc.Commit(ctx, w); err != nil {
			t.Fatal(err)
		}
		fc.block = 40 // past the window [19, 29]
		outs, _ := hc.RevealDue(ctx)
		if len(outs) != 1 || outs[0].Action != "expired" {
			t.Fatalf("outs = %+v", outs)
		}
		if _, _, err := hc.Commit(ctx, w); err != nil {
			t.Fatal(err)
		}
		fc.commits = nil // the chain forgot it
		fc.block += StaleAfter + 1
		outs, _ = hc.RevealDue(ctx)
		if len(outs) != 1 || outs[0].Action != "gone" {
			t.Fatalf("outs = %+v", outs)
		}
		if left, _ := store.List(context.Background(), AccountID(alicePub)); len(left) != 0 {
			t.Fatalf("%d salt files left", len(left))
		}
	})
}

func TestSaltStore_List(t *testing.T) {
	store, _ := OpenSaltStore(t.TempDir())
	other := AccountID{1}
	for i, hk := range []AccountID{AccountID(alicePub), other, AccountID(alicePub)} {
		h := CommitHash(hk, 1, []uint16{uint16(i)}, []uint16{1}, nil, 0)
		if err := store.Save(context.Background(), PendingReveal{Hotkey: hk, Hash: "0x" + hexOf(h)}); err != nil {
			t.Fatal(err)
		}
	}
	mine, err := store.List(context.Background(), AccountID(alicePub))
	if err != nil || len(mine) != 2 {
		t.Fatalf("List = %d, %v", len(mine), err)
	}
	if err := store.Save(context.Background(), PendingReveal{Hash: "0x12"}); err == nil {
		t.Fatal("saved a reveal with a malformed hash")
	}
	if err := os.WriteFile(store.Dir()+"/0xbad.json", []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := store.List(context.Background(), other); err == nil {
		t.Fatal("List read a corrupt file without complaint")
	}
}
