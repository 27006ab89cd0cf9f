package devnet_test

import (
	"context"
	"errors"
	"math/big"
	"math/rand/v2"
	"testing"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"

	"github.com/subnetd/subnetd/chain"
	"github.com/subnetd/subnetd/chain/devnet"
	"github.com/subnetd/subnetd/chain/timelock"
	"github.com/subnetd/subnetd/wallet"
)

// crDevnet is a devnet subnet 1 (tempo 10, commit-reveal on, no rate limit) with //Alice as a
// permitted validator (uid 0) and two miners, at block 5. The commit-reveal epoch of block b is
// (b+2)/11: epoch 0 is blocks 0..8, epoch 1 is 9..19, epoch 2 is 20..30.
func crDevnet(t *testing.T) (*devnet.Node, *wallet.Keypair) {
	t.Helper()
	dc := devnet.New(1)
	hp := devnet.DefaultHyperparameters()
	hp.Tempo, hp.MinAllowedWeights, hp.WeightsSetRateLimit, hp.MaxAllowedValidators = 10, 1, 0, 1
	hp.CommitRevealEnabled = true
	if err := dc.CreateSubnet(1, devnet.SubnetConfig{Hyperparameters: hp}); err != nil {
		t.Fatal(err)
	}
	alice, err := wallet.FromURI("//Alice")
	if err != nil {
		t.Fatal(err)
	}
	for _, hk := range []string{alice.SS58(), "miner-1", "miner-2"} {
		if _, err := dc.AppendNeuron(1, hk, 1); err != nil {
			t.Fatal(err)
		}
	}
	if err := dc.SetStake(1, alice.SS58(), devnet.Stake{Alpha: 1000e9}); err != nil {
		t.Fatal(err)
	}
	if _, err := dc.RunEpoch(1, 1e9); err != nil {
		t.Fatal(err)
	}
	d := devnet.NewNode(dc)
	if _, err := d.Advance(4); err != nil {
		t.Fatal(err)
	}
	return d, alice
}

func advanceTo(t *testing.T, d *devnet.Node, block uint64) {
	t.Helper()
	if _, err := d.Devnet().AdvanceTo(block); err != nil {
		t.Fatal(err)
	}
}

// wantDispatch checks err is the SubtensorModule error name, matching the chain sentinel.
func wantDispatch(t *testing.T, what string, err error, sentinel error, name string) {
	t.Helper()
	var de *chain.DispatchError
	if !errors.Is(err, sentinel) || !errors.As(err, &de) || de.Pallet != "SubtensorModule" || de.Name != name {
		t.Errorf("%s: error %v, want SubtensorModule.%s", what, err, name)
	}
}

// TestNode_HashCommitter runs chain.HashCommitter over the devnet: the commit lands with
// its reveal window, an early reveal is refused, the reveal inside the window sets the weights,
// and a commit whose window passed is refused as expired.
func TestNode_HashCommitter(t *testing.T) {
	ctx := context.Background()
	d, alice := crDevnet(t)
	store, err := chain.OpenSaltStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	hc := &chain.HashCommitter{Chain: d, Store: store, Signer: alice, Rand: rand.NewChaCha8([32]byte{1})}
	call := chain.WeightsCall{Netuid: 1, UIDs: []uint16{1, 2}, Values: []uint16{65535, 32768}}

	res, p, err := hc.Commit(ctx, call)
	if err != nil || res.Outcome() != "SubtensorModule.WeightsCommitted" || res.Block != 5 {
		t.Fatalf("commit: %+v, %v", res, err)
	}
	hash, _ := p.HashBytes()
	if hash != chain.CommitHash(alice.PublicKey(), 1, call.UIDs, call.Values, p.Salt, 0) {
		t.Fatal("the stored hash is not CommitHash of the call")
	}
	pend, err := d.PendingCommits(ctx, 1, 0, chain.AccountID(alice.PublicKey()))
	want := chain.WeightCommit{Hash: hash, CommitBlock: 5, FirstRevealBlock: 9, LastRevealBlock: 19}
	if err != nil || len(pend) != 1 || pend[0] != want {
		t.Fatalf("PendingCommits = %+v, %v; want [%+v]", pend, err, want)
	}
	if first, last := chain.RevealWindow(1, 10, 1, 5); first != pend[0].FirstRevealBlock || last != pend[0].LastRevealBlock {
		t.Errorf("devnet window [%d,%d] differs from chain.RevealWindow [%d,%d]", pend[0].FirstRevealBlock, pend[0].LastRevealBlock, first, last)
	}

	// Too early: the devnet refuses it like the chain, and RevealDue waits.
	res, err = d.RevealWeights(ctx, alice, call, p.Salt)
	wantDispatch(t, "early reveal", err, chain.ErrRevealTooEarly, "RevealTooEarly")
	if res.State != chain.TxInBlock || res.Outcome() != "SubtensorModule.RevealTooEarly" {
		t.Errorf("early reveal result %+v", res)
	}
	outs, err := hc.RevealDue(ctx)
	if err != nil || len(outs) != 1 || outs[0].Action != "waiting" || outs[0].Window != [2]uint64{9, 19} {
		t.Fatalf("RevealDue at block 5 = %+v, %v", outs, err)
	}

	// In the window: revealed, weights on chain, salt file gone.
	advanceTo(t, d, 12)
	outs, err = hc.RevealDue(ctx)
	if err != nil || len(outs) != 1 || outs[0].Action != "revealed" || outs[0].Err != nil {
		t.Fatalf("RevealDue at block 12 = %+v, %v", outs, err)
	}
	if ev := outs[0].Result.Events; len(ev) != 3 || ev[1] != "SubtensorModule.WeightsRevealed" {
		t.Errorf("reveal events %v", ev)
	}
	w, err := d.Weights(ctx, 1, 0)
	if err != nil || len(w[0]) != 2 || w[0][0] != (chain.UIDValue{UID: 1, Value: 65535}) || w[0][1] != (chain.UIDValue{UID: 2, Value: 32768}) {
		t.Fatalf("weights after the reveal: %v, %v", w, err)
	}
	if left, _ := store.List(ctx, chain.AccountID(alice.PublicKey())); len(left) != 0 {
		t.Errorf("salt files left after the reveal: %+v", left)
	}
	if pend, _ := d.PendingCommits(ctx, 1, 0, chain.AccountID(alice.PublicKey())); len(pend) != 0 {
		t.Errorf("commits pending after the reveal: %+v", pend)
	}

	// A second commit at block 12 (epoch 1) can be revealed in 20..30; at 31 it has expired.
	call2 := chain.WeightsCall{Netuid: 1, UIDs: []uint16{2}, Values: []uint16{65535}}
	if _, p, err = hc.Commit(ctx, call2); err != nil {
		t.Fatal(err)
	}
	advanceTo(t, d, 31)
	_, err = d.RevealWeights(ctx, alice, call2, p.Salt)
	wantDispatch(t, "late reveal", err, chain.ErrExpiredWeightCommit, "ExpiredWeightCommit")
	outs, err = hc.RevealDue(ctx)
	if err != nil || len(outs) != 1 || outs[0].Action != "expired" {
		t.Fatalf("RevealDue at block 31 = %+v, %v", outs, err)
	}
	if w, _ := d.Weights(ctx, 1, 0); len(w[0]) != 2 {
		t.Errorf("the expired commit changed the weights: %v", w[0])
	}
}

func TestNode_CommitRevealErrors(t *testing.T) {
	ctx := context.Background()
	call := chain.WeightsCall{Netuid: 1, UIDs: []uint16{1}, Values: []uint16{1}}
	salt := []uint16{7}
	hashOf := func(kp *wallet.Keypair, s []uint16) [32]byte {
		return chain.CommitHash(kp.PublicKey(), 1, call.UIDs, call.Values, s, 0)
	}
	tests := []struct {
		name     string
		run      func(d *devnet.Node, kp *wallet.Keypair) error
		sentinel error
		errName  string
	}{
		{"commit with commit-reveal off", func(d *devnet.Node, kp *wallet.Keypair) error {
			hp, _ := d.Devnet().Hyperparameters(1)
			hp.CommitRevealEnabled = false
			_ = d.Devnet().SetHyperparameters(1, hp)
			_, err := d.CommitWeights(ctx, kp, 1, 0, hashOf(kp, salt))
			return err
		}, chain.ErrCommitRevealDisabled, "CommitRevealDisabled"},
		{"set_weights with commit-reveal on", func(d *devnet.Node, kp *wallet.Keypair) error {
			_, err := d.SetWeights(ctx, kp, call)
			return err
		}, chain.ErrCommitRevealEnabled, "CommitRevealEnabled"},
		{"commit too fast", func(d *devnet.Node, kp *wallet.Keypair) error {
			hp, _ := d.Devnet().Hyperparameters(1)
			hp.WeightsSetRateLimit = 10
			_ = d.Devnet().SetHyperparameters(1, hp)
			_, err := d.CommitWeights(ctx, kp, 1, 0, hashOf(kp, salt))
			return err
		}, chain.ErrCommittingWeightsTooFast, "CommittingWeightsTooFast"},
		{"eleventh commit", func(d *devnet.Node, kp *wallet.Keypair) error {
			for i := range 10 {
				if _, err := d.CommitWeights(ctx, kp, 1, 0, [32]byte{byte(i)}); err != nil {
					return err
				}
			}
			_, err := d.CommitWeights(ctx, kp, 1, 0, [32]byte{99})
			return err
		}, chain.ErrTooManyUnrevealedCommits, "TooManyUnrevealedCommits"},
		{"reveal without commit", func(d *devnet.Node, kp *wallet.Keypair) error {
			_, err := d.RevealWeights(ctx, kp, call, salt)
			return err
		}, chain.ErrNoWeightsCommitFound, "NoWeightsCommitFound"},
		{"reveal with another salt", func(d *devnet.Node, kp *wallet.Keypair) error {
			if _, err := d.CommitWeights(ctx, kp, 1, 0, hashOf(kp, salt)); err != nil {
				return err
			}
			advanceTo(t, d, 10)
			_, err := d.RevealWeights(ctx, kp, call, []uint16{8})
			return err
		}, chain.ErrInvalidRevealCommitHash, "InvalidRevealCommitHashNotMatch"},
		{"unregistered hotkey", func(d *devnet.Node, _ *wallet.Keypair) error {
			bob, err := wallet.FromURI("//Bob")
			if err != nil {
				return err
			}
			_, err = d.CommitWeights(ctx, bob, 1, 0, hashOf(bob, salt))
			return err
		}, chain.ErrHotKeyNotRegisteredInSubNet, "HotKeyNotRegisteredInSubNet"},
		{"mechanism 1", func(d *devnet.Node, kp *wallet.Keypair) error {
			_, err := d.CommitWeights(ctx, kp, 1, 1, hashOf(kp, salt))
			return err
		}, chain.ErrMechanismDoesNotExist, "MechanismDoesNotExist"},
		{"timelocked commit, wrong version", func(d *devnet.Node, kp *wallet.Keypair) error {
			d.Devnet().SetCommitRevealVersion(4)
			_, err := d.CommitTimelocked(ctx, kp, chain.TimelockedCommit{Netuid: 1, Ciphertext: []byte{1}, RevealRound: 9, Version: 3})
			return err
		}, chain.ErrIncorrectCommitRevealVersion, "IncorrectCommitRevealVersion"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, alice := crDevnet(t)
			wantDispatch(t, tt.name, tt.run(d, alice), tt.sentinel, tt.errName)
		})
	}
}

func TestNode_CommitRevealHyperparams(t *testing.T) {
	ctx := context.Background()
	d, alice := crDevnet(t)
	hp, err := d.Hyperparams(ctx, 1)
	if err != nil || !hp.CommitRevealEnabled || hp.RevealPeriodEpochs != 1 || hp.CommitRevealVersion != 0 {
		t.Fatalf("defaults: %+v, %v", hp, err)
	}
	_, err = d.CommitTimelocked(ctx, alice, chain.TimelockedCommit{Netuid: 1, Ciphertext: []byte{1}, RevealRound: 9, Version: 4})
	if !errors.Is(err, chain.ErrNotAvailable) {
		t.Errorf("timelocked commit on a devnet without timelock = %v, want ErrNotAvailable", err)
	}
	if err := d.Devnet().SetRevealPeriod(1, 3); err != nil {
		t.Fatal(err)
	}
	d.Devnet().SetCommitRevealVersion(4)
	mg, err := d.Metagraph(ctx, 1)
	if err != nil || mg.Hyperparams.RevealPeriodEpochs != 3 || mg.Hyperparams.CommitRevealVersion != 4 {
		t.Fatalf("after setting them: %+v, %v", mg.Hyperparams, err)
	}
}

// TestNode_CommitTimelocked: a commit built by chain/timelock for //Alice is revealed by
// the devnet in its reveal epoch once the round's pulse is injected.
func TestNode_CommitTimelocked(t *testing.T) {
	ctx := context.Background()
	d, alice := crDevnet(t)
	secret := big.NewInt(0xbeac0)
	var pk bls12381.G2Affine
	pk.ScalarMultiplicationBase(secret)
	pkb := pk.Bytes()
	beacon, err := timelock.NewBeacon(pkb[:])
	if err != nil {
		t.Fatal(err)
	}
	d.Devnet().SetBeacon(beacon)
	d.Devnet().SetCommitRevealVersion(4)

	const round = 4242
	pub := alice.PublicKey()
	ct, err := beacon.BuildCommit(rand.NewChaCha8([32]byte{2}), timelock.CommitRequest{Format: timelock.FormatV4,
		Hotkey: pub[:], Uids: []uint16{1, 2}, Weights: []uint16{100, 50}, RevealRound: round})
	if err != nil {
		t.Fatal(err)
	}
	res, err := d.CommitTimelocked(ctx, alice, chain.TimelockedCommit{Netuid: 1, Ciphertext: ct, RevealRound: round, Version: 4})
	if err != nil || res.Outcome() != "SubtensorModule.TimelockedWeightsCommitted" {
		t.Fatalf("commit: %+v, %v", res, err)
	}
	msg := timelock.RoundMessage(round)
	q, err := bls12381.HashToG1(msg[:], []byte(timelock.SignatureDST))
	if err != nil {
		t.Fatal(err)
	}
	var sig bls12381.G1Affine
	sig.ScalarMultiplication(&q, secret)
	sb := sig.Bytes()
	if err := d.Devnet().InjectPulse(round, sb[:]); err != nil {
		t.Fatal(err)
	}
	advanceTo(t, d, 8)
	if w, _ := d.Weights(ctx, 1, 0); len(w[0]) != 0 {
		t.Fatalf("weights before the reveal epoch: %v", w[0])
	}
	advanceTo(t, d, 9)
	w, err := d.Weights(ctx, 1, 0)
	if err != nil || len(w[0]) != 2 || w[0][0] != (chain.UIDValue{UID: 1, Value: 65535}) || w[0][1] != (chain.UIDValue{UID: 2, Value: 32768}) {
		t.Fatalf("weights at block 9: %v, %v", w, err)
	}
}

// TestNode_Hyperparams: the node reports the epoch's hyperparameters as the devnet holds them.
func TestNode_Hyperparams(t *testing.T) {
	dc := devnet.New(1)
	hp := devnet.DefaultHyperparameters()
	hp.Kappa, hp.BondsMovingAverage, hp.BondsPenalty = 30000, 975_000, 1000
	hp.LiquidAlphaOn, hp.AlphaLow, hp.AlphaHigh, hp.AlphaSigmoidSteepness, hp.Yuma3On = true, 1000, 60000, -300, true
	hp.StakeThreshold, hp.TaoWeight = 7, 99
	if err := dc.CreateSubnet(3, devnet.SubnetConfig{Hyperparameters: hp}); err != nil {
		t.Fatal(err)
	}
	got, err := devnet.NewNode(dc).Hyperparams(context.Background(), 3)
	if err != nil {
		t.Fatal(err)
	}
	want := chain.Hyperparams{Kappa: 30000, BondsMovingAverage: 975_000, BondsPenalty: 1000, LiquidAlphaOn: true,
		AlphaLow: 1000, AlphaHigh: 60000, AlphaSigmoidSteepness: -300, Yuma3On: true,
		ActivityCutoffFactorMilli: hp.ActivityCutoffFactorMilli, StakeThreshold: 7, TaoWeight: 99}
	got.Tempo, got.WeightsVersionKey, got.WeightsRateLimit, got.MinAllowedWeights, got.MaxWeightsLimit = 0, 0, 0, 0, 0
	got.CommitRevealEnabled, got.RevealPeriodEpochs, got.CommitRevealVersion, got.ImmunityPeriod = false, 0, 0, 0
	got.ActivityCutoff, got.MaxValidators, got.MaxUIDs, got.MechanismCount = 0, 0, 0, 0
	if got != want {
		t.Fatalf("Hyperparams =\n%+v\nwant\n%+v", got, want)
	}
}
