package subtensor

import (
	"context"
	"crypto/rand"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/subnetd/subnetd/chain"
	"github.com/subnetd/subnetd/chain/timelock"
)

func TestClient_SetWeights(t *testing.T) {
	c, netuid := testChain(t)
	ctx := ctxT(t)
	alice := devKey(t, "//Alice")
	w := chain.WeightsCall{Netuid: netuid, UIDs: []uint16{0, 1, 2}, Values: []uint16{100, 65535, 7}}
	res, err := c.SetWeights(ctx, alice, w)
	if err != nil {
		t.Fatalf("SetWeights: %v (result %+v)", err, res)
	}
	if res.State != chain.TxInBlock || res.Block == 0 || !slices.Contains(res.Events, "SubtensorModule.WeightsSet") {
		t.Fatalf("result = %+v, want in a block with SubtensorModule.WeightsSet", res)
	}
	rows, err := c.Weights(ctx, netuid, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []chain.UIDValue{{UID: 0, Value: 100}, {UID: 1, Value: 65535}, {UID: 2, Value: 7}}
	if !slices.Equal(rows[0], want) {
		t.Fatalf("Weights row 0 = %v, want %v", rows[0], want)
	}
	st, err := c.TxStatus(ctx, res.Hash)
	if err != nil || st.State != chain.TxInBlock || st.Block != res.Block {
		t.Fatalf("TxStatus = %+v, %v", st, err)
	}
	t.Logf("set_weights %x in block %d: %s", res.Hash, res.Block, res.Outcome())

	// The same over HTTP (chopsticks serves both on one port).
	hc, err := Dial(ctx, "http"+strings.TrimPrefix(harnessWS, "ws"), Options{PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer hc.Close()
	w.Values = []uint16{65535, 1, 2}
	if res, err := hc.SetWeights(ctx, alice, w); err != nil || res.State != chain.TxInBlock {
		t.Fatalf("over http: %+v, %v", res, err)
	}
	rows, err = hc.Weights(ctx, netuid, 0)
	want = []chain.UIDValue{{UID: 0, Value: 65535}, {UID: 1, Value: 1}, {UID: 2, Value: 2}}
	if err != nil || !slices.Equal(rows[0], want) {
		t.Fatalf("Weights row 0 over http = %v, %v; want %v", rows[0], err, want)
	}
}

func TestClient_Errors(t *testing.T) {
	c, netuid := testChain(t)
	ctx := ctxT(t)
	alice, bob := devKey(t, "//Alice"), devKey(t, "//Bob")
	w := chain.WeightsCall{Netuid: netuid, UIDs: []uint16{1, 2}, Values: []uint16{65535, 1000}}

	t.Run("bad signature", func(t *testing.T) {
		_, err := c.SetWeights(ctx, badSigner{alice}, w)
		if !errors.Is(err, chain.ErrBadSignature) {
			t.Fatalf("err = %v, want ErrBadSignature", err)
		}
	})
	t.Run("no validator permit", func(t *testing.T) {
		// Miners earn stake and so permits over time; pin the permits so only uid 0 (Alice) has one.
		setStorage(t, c, "ValidatorPermit", []byte{0x0c, 1, 0, 0}, u16Key(netuid))
		setStorage(t, c, "MaxAllowedValidators", u16Key(1), u16Key(netuid))
		_, err := c.SetWeights(ctx, bob, chain.WeightsCall{Netuid: netuid, UIDs: []uint16{0, 2}, Values: []uint16{65535, 1}})
		if !errors.Is(err, chain.ErrNeuronNoValidatorPermit) {
			t.Fatalf("err = %v, want NeuronNoValidatorPermit", err)
		}
	})
	t.Run("wrong version key", func(t *testing.T) {
		sudo(t, c, alice, "sudo_set_weights_version_key", uint64(netuid), uint64(5))
		defer sudo(t, c, alice, "sudo_set_weights_version_key", uint64(netuid), uint64(0))
		bad := w
		bad.VersionKey = 4
		_, err := c.SetWeights(ctx, alice, bad)
		if !errors.Is(err, chain.ErrIncorrectWeightVersionKey) {
			t.Fatalf("err = %v, want IncorrectWeightVersionKey", err)
		}
		good := w
		good.VersionKey = 5
		if _, err := c.SetWeights(ctx, alice, good); err != nil {
			t.Fatalf("version key equal to the subnet's: %v", err)
		}
	})
	t.Run("rate limit", func(t *testing.T) {
		sudo(t, c, alice, "sudo_set_weights_set_rate_limit", uint64(netuid), uint64(100))
		defer sudo(t, c, alice, "sudo_set_weights_set_rate_limit", uint64(netuid), uint64(0))
		if _, err := c.SetWeights(ctx, alice, w); err != nil && !errors.Is(err, chain.ErrSettingWeightsTooFast) {
			t.Fatalf("first set: %v", err)
		}
		_, err := c.SetWeights(ctx, alice, w)
		if !errors.Is(err, chain.ErrSettingWeightsTooFast) {
			t.Fatalf("err = %v, want SettingWeightsTooFast", err)
		}
		var de *chain.DispatchError
		if !errors.As(err, &de) || de.Hint == "" {
			t.Fatalf("err = %#v, want a *DispatchError with a hint", err)
		}
	})
}

func sudo(t *testing.T, c *Client, s chain.Signer, call string, args ...any) {
	t.Helper()
	res, err := c.Sudo(ctxT(t), s, "AdminUtils", call, args...)
	if err != nil {
		t.Fatalf("sudo %s: %v (%+v)", call, err, res)
	}
}

// setStorage writes a raw SubtensorModule storage value through chopsticks' dev_setStorage.
func setStorage(t *testing.T, c *Client, item string, value []byte, keys ...[]byte) {
	t.Helper()
	ctx := ctxT(t)
	_, h, rm, err := c.at(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_ = h
	k, _, err := rm.storageKey(pallet, item, keys...)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.rpc.Call(ctx, nil, "dev_setStorage", [][]string{{hexOf(k), hexOf(value)}}); err != nil {
		t.Fatalf("dev_setStorage %s: %v", item, err)
	}
}

func TestClient_Metagraph(t *testing.T) {
	c, netuid := testChain(t)
	ctx := ctxT(t)
	mg, err := c.Metagraph(ctx, netuid)
	if err != nil {
		t.Fatal(err)
	}
	if len(mg.Neurons) != 3 || mg.Block == 0 {
		t.Fatalf("metagraph has %d neurons at block %d, want 3 (Alice, Bob, Charlie)", len(mg.Neurons), mg.Block)
	}
	want := []string{"//Alice", "//Bob", "//Charlie"}
	for uid, uri := range want {
		n := mg.Neurons[uid]
		if n.UID != uint16(uid) || n.Hotkey != chain.AccountID(devKey(t, uri).PublicKey()) {
			t.Errorf("uid %d: hotkey %s, want %s", uid, n.Hotkey, uri)
		}
		if n.BlockAtRegistration == 0 || n.Axon.Serving() {
			t.Errorf("uid %d: registered at %d, axon %+v", uid, n.BlockAtRegistration, n.Axon)
		}
	}
	alice := mg.Neurons[0]
	// setup_subnet.mjs registered the subnet with Alice as owner, coldkey and hotkey, and staked 1000 TAO.
	if alice.Coldkey != alice.Hotkey || alice.Stake == 0 || !alice.ValidatorPermit || mg.OwnerHotkey == nil || *mg.OwnerHotkey != alice.Hotkey {
		t.Errorf("Alice = %+v, owner %v", alice, mg.OwnerHotkey)
	}
	if mg.Neurons[1].Coldkey != mg.Neurons[1].Hotkey {
		t.Errorf("Bob's coldkey %s, want his own key (burned_register signed by Bob)", mg.Neurons[1].Coldkey)
	}
	hp := mg.Hyperparams
	if hp.Tempo != 10 || hp.CommitRevealEnabled || hp.WeightsRateLimit != 0 || hp.MechanismCount != 1 || hp.RevealPeriodEpochs == 0 {
		t.Errorf("hyperparams = %+v, want tempo 10, commit-reveal off, rate limit 0 (setup_subnet.mjs)", hp)
	}
	hp2, err := c.Hyperparams(ctx, netuid)
	if err != nil || hp2 != hp {
		t.Errorf("Hyperparams = %+v, %v; want %+v", hp2, err, hp)
	}
	// The runtime API and the storage path agree, at the same block.
	_, h, rm, err := c.at(ctx)
	if err != nil {
		t.Fatal(err)
	}
	am := c.apis(ctx, rm, h)
	if am == nil {
		t.Fatal("spec 300 has V15 metadata, but no runtime APIs were read")
	}
	if _, ok := am.methods["SubnetInfoRuntimeApi_get_metagraph"]; !ok {
		t.Fatal("no SubnetInfoRuntimeApi_get_metagraph in the runtime's API list")
	}
	sc, err := Dial(ctx, harnessWS, Options{StorageMetagraph: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	compared := false
	for range 3 { // a block may land between the two reads; try again then
		a, err1 := c.Metagraph(ctx, netuid)
		b, err2 := sc.Metagraph(ctx, netuid)
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if a.Block != b.Block {
			continue
		}
		if !slices.Equal(a.Neurons, b.Neurons) {
			t.Fatalf("runtime API neurons %+v\nstorage neurons %+v", a.Neurons, b.Neurons)
		}
		compared = true
		break
	}
	if !compared {
		t.Fatal("the chain moved between every pair of reads")
	}

	if _, err := c.Metagraph(ctx, 999); !errors.Is(err, chain.ErrSubNetworkDoesNotExist) {
		t.Errorf("Metagraph(999) err = %v, want SubNetworkDoesNotExist", err)
	}
	if _, err := c.Bonds(ctx, netuid, 0); err != nil {
		t.Errorf("Bonds: %v", err)
	}
}

func TestClient_CommitReveal(t *testing.T) {
	c, netuid := testChain(t)
	ctx := ctxT(t)
	alice := devKey(t, "//Alice")
	sudo(t, c, alice, "sudo_set_commit_reveal_weights_enabled", uint64(netuid), true)
	defer sudo(t, c, alice, "sudo_set_commit_reveal_weights_enabled", uint64(netuid), false)
	// A short tempo keeps the reveal window a few blocks away.
	sudo(t, c, alice, "sudo_set_tempo", uint64(netuid), uint64(3))
	defer sudo(t, c, alice, "sudo_set_tempo", uint64(netuid), uint64(10))

	w := chain.WeightsCall{Netuid: netuid, UIDs: []uint16{0, 1, 2}, Values: []uint16{65535, 12345, 3}}
	if _, err := c.SetWeights(ctx, alice, w); !errors.Is(err, chain.ErrCommitRevealEnabled) {
		t.Fatalf("SetWeights with commit-reveal on: err = %v, want CommitRevealEnabled", err)
	}

	// Commit in the first block of an epoch, so the next block is certainly too early for a reveal.
	cur, err := c.CurrentBlock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if k := (4 - (cur+1+uint64(netuid)+1)%4) % 4; k > 0 {
		newBlocks(t, c, int(k))
	}
	store, err := chain.OpenSaltStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	hc := &chain.HashCommitter{Chain: c, Store: store, Signer: alice}
	res, p, err := hc.Commit(ctx, w)
	if err != nil {
		t.Fatalf("Commit: %v", err)
	}
	if !slices.Contains(res.Events, "SubtensorModule.WeightsCommitted") {
		t.Fatalf("commit events %v", res.Events)
	}
	hash, _ := p.HashBytes()
	pending, err := c.PendingCommits(ctx, netuid, 0, chain.AccountID(alice.PublicKey()))
	if err != nil || len(pending) == 0 || pending[len(pending)-1].Hash != hash {
		t.Fatalf("PendingCommits = %+v, %v; want the commit %x (the chain's hash equals CommitHash)", pending, err, hash)
	}
	wc := pending[len(pending)-1]
	first, last := chain.RevealWindow(netuid, 3, 1, wc.CommitBlock)
	if wc.FirstRevealBlock != first || wc.LastRevealBlock != last {
		t.Errorf("chain window [%d,%d], RevealWindow gives [%d,%d]", wc.FirstRevealBlock, wc.LastRevealBlock, first, last)
	}

	// Too early: the runtime refuses.
	if _, err := c.RevealWeights(ctx, alice, w, p.Salt); !errors.Is(err, chain.ErrRevealTooEarly) {
		t.Fatalf("early reveal: err = %v, want RevealTooEarly", err)
	}
	outs, err := hc.RevealDue(ctx)
	if err != nil || len(outs) != 1 || outs[0].Action != "waiting" {
		t.Fatalf("RevealDue before the window = %+v, %v", outs, err)
	}

	// Move to the block before the window, then "restart": a new client and store on the same directory.
	cur, err = c.CurrentBlock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if wc.FirstRevealBlock > cur+1 {
		newBlocks(t, c, int(wc.FirstRevealBlock-cur-1))
	}
	c2, _ := testChain(t)
	store2, err := chain.OpenSaltStore(store.Dir())
	if err != nil {
		t.Fatal(err)
	}
	hc2 := &chain.HashCommitter{Chain: c2, Store: store2, Signer: alice}
	outs, err = hc2.RevealDue(ctx)
	if err != nil || len(outs) != 1 || outs[0].Action != "revealed" {
		t.Fatalf("RevealDue in the window = %+v, %v", outs, err)
	}
	if !slices.Contains(outs[0].Result.Events, "SubtensorModule.WeightsRevealed") {
		t.Errorf("reveal events %v", outs[0].Result.Events)
	}
	rows, err := c2.Weights(ctx, netuid, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []chain.UIDValue{{UID: 0, Value: 65535}, {UID: 1, Value: 12345}, {UID: 2, Value: 3}}
	if !slices.Equal(rows[0], want) {
		t.Fatalf("weights after reveal = %v, want %v", rows[0], want)
	}
	if left, _ := store2.List(ctx, chain.AccountID(alice.PublicKey())); len(left) != 0 {
		t.Errorf("salt files left after the reveal: %d", len(left))
	}

	// The timelocked path: spec 300 has only commit_crv3_weights, which takes the legacy payload.
	call, err := c.TimelockedCall(ctx, 0)
	if err != nil || call != "commit_crv3_weights" {
		t.Fatalf("TimelockedCall = %q, %v", call, err)
	}
	round := timelock.RoundAt(time.Now()) + 100
	ct, err := timelock.BuildCommit(rand.Reader, timelock.CommitRequest{
		Format: timelock.FormatLegacy, Uids: w.UIDs, Weights: w.Values, VersionKey: w.VersionKey, RevealRound: round})
	if err != nil {
		t.Fatal(err)
	}
	res, err = c.CommitTimelocked(ctx, alice, chain.TimelockedCommit{Netuid: netuid, Ciphertext: ct, RevealRound: round, Version: 4})
	if err != nil || !slices.Contains(res.Events, "SubtensorModule.CRV3WeightsCommitted") {
		t.Fatalf("CommitTimelocked = %+v, %v", res, err)
	}
}

// Two goroutines submit at once with the same key: the client hands out consecutive nonces (the
// harness node's accountNextIndex does not see its pool) and neither collides. chopsticks builds a
// block from whatever is in its pool and drops a transaction whose nonce is still in the future, which
// a real node would keep; the test then walks the recovery a validator would: TxStatus until the fate
// is known, and a new send only once the transaction is known to be dropped.
func TestClient_ConcurrentSubmits(t *testing.T) {
	c, netuid := testChain(t)
	alice := devKey(t, "//Alice")
	type out struct {
		res chain.TxResult
		err error
	}
	results := make(chan out, 2)
	for i := range 2 {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			w := chain.WeightsCall{Netuid: netuid, UIDs: []uint16{0, 1}, Values: []uint16{65535, uint16(100 + i)}}
			res, err := c.SetWeights(ctx, alice, w)
			results <- out{res, err}
		}()
	}
	a, b := <-results, <-results
	if d := int64(a.res.Nonce) - int64(b.res.Nonce); d != 1 && d != -1 {
		t.Fatalf("nonces %d and %d, want consecutive", a.res.Nonce, b.res.Nonce)
	}
	ctx := ctxT(t)
	for _, o := range []out{a, b} {
		if o.err == nil {
			continue
		}
		if !errors.Is(o.err, chain.ErrTxPending) && !errors.Is(o.err, chain.ErrTxDropped) {
			t.Fatalf("nonce %d: %v", o.res.Nonce, o.err)
		}
		t.Logf("nonce %d: %v; following it up", o.res.Nonce, o.err)
		res := o.res
		for res.State == chain.TxPending {
			newBlocks(t, c, 1) // chopsticks builds blocks only on demand
			res, _ = c.TxStatus(ctx, res.Hash)
			if ctx.Err() != nil {
				t.Fatal("fate never known")
			}
		}
		if res.State == chain.TxDropped {
			var next uint64
			if err := c.call(ctx, &next, "system_accountNextIndex", chain.AccountID(alice.PublicKey()).String()); err != nil {
				t.Fatal(err)
			}
			if next > res.Nonce {
				t.Fatalf("reported dropped, but nonce %d is used (next %d)", res.Nonce, next)
			}
			w := chain.WeightsCall{Netuid: netuid, UIDs: []uint16{0, 1}, Values: []uint16{65535, 7}}
			if _, err := c.SetWeights(ctx, alice, w); err != nil {
				t.Fatalf("sending again after a drop: %v", err)
			}
		}
	}
}

// A deadline that ends before inclusion gives ErrTxPending and the hash; TxStatus then finds the
// transaction without it ever being sent twice.
func TestClient_TxStatusAfterDeadline(t *testing.T) {
	c, netuid := testChain(t)
	alice := devKey(t, "//Alice")
	var before uint64
	if err := c.call(ctxT(t), &before, "system_accountNextIndex", chain.AccountID(alice.PublicKey()).String()); err != nil {
		t.Fatal(err)
	}
	// The deadline must end after the send but likely before the block; on a busy machine the send
	// itself can take long, so grow it until a transaction was sent.
	var res chain.TxResult
	var err error
	for _, d := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second} {
		short, cancel := context.WithTimeout(context.Background(), d)
		res, err = c.SetWeights(short, alice, chain.WeightsCall{Netuid: netuid, UIDs: []uint16{0}, Values: []uint16{65535}})
		cancel()
		if res.Hash != ([32]byte{}) {
			break
		}
	}
	if err != nil && !errors.Is(err, chain.ErrTxPending) && res.State != chain.TxDropped {
		t.Fatalf("SetWeights: %v", err)
	}
	if err == nil {
		t.Log("landed within the short deadline")
	}
	ctx := ctxT(t)
	for res.State == chain.TxPending {
		time.Sleep(200 * time.Millisecond)
		res, err = c.TxStatus(ctx, res.Hash)
		if err != nil && res.State == chain.TxPending {
			t.Fatalf("TxStatus: %v", err)
		}
		if ctx.Err() != nil {
			t.Fatal("fate never known")
		}
	}
	nonce := func() uint64 {
		var n uint64
		if err := c.call(ctx, &n, "system_accountNextIndex", chain.AccountID(alice.PublicKey()).String()); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if res.State == chain.TxDropped {
		// Dropped for sure (on chopsticks: a full block); nothing landed, so sending again is safe.
		t.Logf("dropped: %v; sending again", err)
		if n := nonce(); n != before {
			t.Fatalf("reported dropped, but the account nonce moved from %d to %d", before, n)
		}
		if _, err := c.SetWeights(ctx, alice, chain.WeightsCall{Netuid: netuid, UIDs: []uint16{0}, Values: []uint16{65535}}); err != nil {
			t.Fatalf("sending again: %v", err)
		}
	}
	if after := nonce(); after != before+1 {
		t.Fatalf("account nonce went from %d to %d: want exactly one transaction", before, after)
	}
}
