package devnet

import (
	"errors"
	"math/big"
	"math/rand/v2"
	"testing"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"

	"github.com/subnetd/subnetd/chain/timelock"
	"github.com/subnetd/subnetd/yuma"
)

// testDrand is a drand beacon whose secret the test knows, so it can sign any round.
type testDrand struct {
	beacon *timelock.Beacon
	secret *big.Int
}

func newTestDrand(t *testing.T) testDrand {
	t.Helper()
	s := big.NewInt(0x5eed)
	var pk bls12381.G2Affine
	pk.ScalarMultiplicationBase(s)
	pkb := pk.Bytes()
	b, err := timelock.NewBeacon(pkb[:])
	if err != nil {
		t.Fatal(err)
	}
	return testDrand{beacon: b, secret: s}
}

// sign returns the BLS signature of round: secret · H(sha256(round as u64 BE)).
func (d testDrand) sign(t *testing.T, round uint64) []byte {
	t.Helper()
	msg := timelock.RoundMessage(round)
	q, err := bls12381.HashToG1(msg[:], []byte(timelock.SignatureDST))
	if err != nil {
		t.Fatal(err)
	}
	var sig bls12381.G1Affine
	sig.ScalarMultiplication(&q, d.secret)
	b := sig.Bytes()
	return b[:]
}

// commit encrypts a weights payload to round.
func (d testDrand) commit(t *testing.T, f timelock.Format, hotkey string, uids, values []uint16, vk, round uint64) []byte {
	t.Helper()
	hk := AccountID(hotkey)
	ct, err := d.beacon.BuildCommit(rand.NewChaCha8([32]byte{byte(round)}), timelock.CommitRequest{
		Format: f, Hotkey: hk[:], Uids: uids, Weights: values, VersionKey: vk, RevealRound: round})
	if err != nil {
		t.Fatal(err)
	}
	return ct
}

// tlNet is crNet with timelocked commits (version 4) verified against d.
func tlNet(t *testing.T, d testDrand) *Chain {
	t.Helper()
	c := crNet(t)
	c.SetCommitRevealVersion(4)
	c.SetBeacon(d.beacon)
	return c
}

func TestChain_InjectPulse(t *testing.T) {
	d := newTestDrand(t)
	c := tlNet(t, d)
	if err := c.InjectPulse(7, d.sign(t, 8)); !errors.Is(err, ErrInvalidPulse) {
		t.Errorf("pulse with another round's signature = %v, want ErrInvalidPulse", err)
	}
	if err := c.InjectPulse(0, d.sign(t, 0)); !errors.Is(err, ErrInvalidPulse) {
		t.Errorf("round 0 = %v, want ErrInvalidPulse", err)
	}
	if err := c.InjectPulse(7, d.sign(t, 7)); err != nil {
		t.Fatal(err)
	}
	if err := c.InjectPulse(5, d.sign(t, 5)); err != nil {
		t.Fatal(err)
	}
	if r := c.LastStoredRound(); r != 7 {
		t.Errorf("LastStoredRound = %d, want 7", r)
	}
	// By default pulses are checked against drand quicknet, which did not sign with the test key.
	if err := New(1).InjectPulse(7, d.sign(t, 7)); !errors.Is(err, ErrInvalidPulse) {
		t.Errorf("test-key pulse on a quicknet devnet = %v, want ErrInvalidPulse", err)
	}
}

func TestChain_CommitTimelockedChecks(t *testing.T) {
	d := newTestDrand(t)
	tests := []struct {
		name    string
		prep    func(t *testing.T, c *Chain)
		hotkey  string
		round   uint64
		version uint16
		size    int
		want    error
	}{
		{"no timelock on this devnet", func(t *testing.T, c *Chain) { c.SetCommitRevealVersion(0) }, "hk1", 100, 4, 200, ErrTimelockNotAvailable},
		{"commit-reveal off", func(t *testing.T, c *Chain) {
			setHP(c, func(h *Hyperparameters) { h.CommitRevealEnabled = false })
		}, "hk1", 100, 4, 200, ErrCommitRevealDisabled},
		{"wrong version", nil, "hk1", 100, 3, 200, ErrIncorrectCommitRevealVersion},
		{"unregistered", nil, "nobody", 100, 4, 200, ErrHotKeyNotRegisteredInSubNet},
		{"round before the last pulse", func(t *testing.T, c *Chain) {
			if err := c.InjectPulse(101, d.sign(t, 101)); err != nil {
				t.Fatal(err)
			}
		}, "hk1", 100, 4, 200, ErrInvalidRevealRound},
		{"round of the last pulse", func(t *testing.T, c *Chain) {
			if err := c.InjectPulse(100, d.sign(t, 100)); err != nil {
				t.Fatal(err)
			}
		}, "hk1", 100, 4, 200, nil},
		{"stake below threshold (pool check)", func(t *testing.T, c *Chain) {
			setHP(c, func(h *Hyperparameters) { h.StakeThreshold = 200 })
		}, "hk0", 100, 4, 200, ErrNotEnoughStakeToSetWeights},
		{"rate limit", func(t *testing.T, c *Chain) {
			setHP(c, func(h *Hyperparameters) { h.WeightsSetRateLimit = 100 })
		}, "hk1", 100, 4, 200, ErrCommittingWeightsTooFast},
		{"too large", nil, "hk1", 100, 4, timelock.MaxCommitSize + 1, timelock.ErrCommitTooLarge},
		{"largest", nil, "hk1", 100, 4, timelock.MaxCommitSize, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tlNet(t, d)
			if tt.prep != nil {
				tt.prep(t, c)
			}
			mustAdvance(t, c, 5)
			err := c.CommitTimelocked(1, tt.hotkey, make([]byte, tt.size), tt.round, tt.version)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("CommitTimelocked = %v, want %v", err, tt.want)
			}
			got, _ := c.TimelockedCommits(1)
			if (tt.want == nil) != (len(got) == 1) {
				t.Errorf("stored commits %d after %v", len(got), err)
			}
		})
	}
}

func TestChain_CommitTimelockedEpochAndLimit(t *testing.T) {
	d := newTestDrand(t)
	c := tlNet(t, d)
	mustAdvance(t, c, 7)
	for i := range MaxUnrevealedCommits {
		if err := c.CommitTimelocked(1, "hk1", []byte{byte(i)}, 100, 4); err != nil {
			t.Fatalf("commit %d: %v", i, err)
		}
	}
	if err := c.CommitTimelocked(1, "hk1", []byte{99}, 100, 4); !errors.Is(err, ErrTooManyUnrevealedCommits) {
		t.Fatalf("11th commit in epoch 0 = %v, want TooManyUnrevealedCommits", err)
	}
	// Block 8 is the last of epoch 0, where the chain runs the epoch: commits there count for epoch 1.
	mustAdvance(t, c, 8)
	if err := c.CommitTimelocked(1, "hk1", []byte{99}, 100, 4); err != nil {
		t.Fatalf("commit on the epoch block: %v", err)
	}
	got, _ := c.TimelockedCommits(1)
	if len(got) != 11 || got[0].Epoch != 0 || got[0].CommitBlock != 7 || got[10].Epoch != 1 || got[10].CommitBlock != 8 {
		t.Errorf("stored %d commits; first %+v, last %+v; want 10 in epoch 0 (block 7) and 1 in epoch 1 (block 8)", len(got), got[0], got[len(got)-1])
	}
	ns, _ := c.Neurons(1)
	if ns[1].LastUpdate != 8 {
		t.Errorf("LastUpdate = %d, want 8", ns[1].LastUpdate)
	}
}

// TestChain_TimelockedReveal: a commit made in epoch 0 is revealed in epoch 1 (blocks 9..19) once
// its round's pulse is stored, with set_weights' checks, or disappears.
func TestChain_TimelockedReveal(t *testing.T) {
	d := newTestDrand(t)
	const round = 1000
	uids, vals := []uint16{0, 2}, []uint16{10, 20}
	upscaled := []yuma.Cell{{UID: 0, Value: 32768}, {UID: 2, Value: 65535}}
	tests := []struct {
		name        string
		format      timelock.Format
		payloadKey  string
		vk          uint64
		pulseAt     uint64 // 0: never
		revealedBy  uint64 // the block the weights land in; 0: never
		stillQueued uint64 // a block at which the commit is still stored
	}{
		{"pulse before the reveal epoch", timelock.FormatV4, "hk1", 0, 5, 9, 8},
		{"pulse in the middle of the reveal epoch", timelock.FormatV4, "hk1", 0, 15, 16, 15},
		{"pulse on the last block of the reveal epoch", timelock.FormatV4, "hk1", 0, 19, 0, 19},
		{"no pulse: expires with epoch 2", timelock.FormatV4, "hk1", 0, 0, 0, 19},
		{"legacy payload without hotkey", timelock.FormatLegacy, "hk1", 0, 5, 9, 8},
		{"payload of another hotkey is dropped", timelock.FormatV4, "hk0", 0, 5, 0, 8},
		{"failing set_weights check is dropped", timelock.FormatV4, "hk1", 4, 5, 0, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tlNet(t, d)
			setHP(c, func(h *Hyperparameters) { h.WeightsVersionKey = 5 })
			vk := tt.vk
			if vk == 0 {
				vk = 5
			}
			mustAdvance(t, c, 5)
			ct := d.commit(t, tt.format, tt.payloadKey, uids, vals, vk, round)
			if err := c.CommitTimelocked(1, "hk1", ct, round, 4); err != nil {
				t.Fatal(err)
			}
			weightsAt := func(b uint64) []yuma.Cell {
				mustAdvance(t, c, b)
				ns, _ := c.Neurons(1)
				return ns[1].Weights
			}
			if tt.pulseAt != 0 {
				if w := weightsAt(tt.pulseAt); w != nil {
					t.Fatalf("weights %v before the pulse", w)
				}
				if err := c.InjectPulse(round, d.sign(t, round)); err != nil {
					t.Fatal(err)
				}
			}
			if w := weightsAt(tt.stillQueued); w != nil {
				t.Fatalf("weights %v at block %d", w, tt.stillQueued)
			}
			if got, _ := c.TimelockedCommits(1); len(got) != 1 {
				t.Fatalf("commit not stored at block %d: %+v", tt.stillQueued, got)
			}
			if tt.revealedBy != 0 {
				w := weightsAt(tt.revealedBy)
				if len(w) != 2 || w[0] != upscaled[0] || w[1] != upscaled[1] {
					t.Fatalf("weights at block %d = %v, want %v", tt.revealedBy, w, upscaled)
				}
			}
			if w := weightsAt(40); (tt.revealedBy != 0) != (w != nil) {
				t.Errorf("weights at block 40 = %v", w)
			}
			if got, _ := c.TimelockedCommits(1); len(got) != 0 {
				t.Errorf("commit still stored after its reveal epoch: %+v", got)
			}
		})
	}
}

// TestChain_TimelockedRevealBeforeEpoch: with AutoEpoch, the reveal runs at the start of the
// block, so the epoch of that block already sees the revealed weights.
func TestChain_TimelockedRevealBeforeEpoch(t *testing.T) {
	d := newTestDrand(t)
	c := New(1)
	hp := testHP()
	hp.CommitRevealEnabled = true
	if err := c.CreateSubnet(1, SubnetConfig{Hyperparameters: hp, AutoEpoch: true, EmissionPerBlock: 1000}); err != nil {
		t.Fatal(err)
	}
	c.SetCommitRevealVersion(4)
	c.SetBeacon(d.beacon)
	for i, st := range []uint64{100, 300, 0} {
		hk := []string{"hk0", "hk1", "hk2"}[i]
		if _, err := c.AppendNeuron(1, hk, 1); err != nil {
			t.Fatal(err)
		}
		if err := c.SetStake(1, hk, Stake{Alpha: st}); err != nil {
			t.Fatal(err)
		}
	}
	// AutoEpoch runs epochs every 10 blocks from block 1: 11, 21, 31 … A commit at block 12
	// (commit-reveal epoch (12+2)/11 = 1) with a reveal period of 2 is revealed in epoch 3, at its
	// first block 31, which is also an epoch block.
	if err := c.SetRevealPeriod(1, 2); err != nil {
		t.Fatal(err)
	}
	mustAdvance(t, c, 12) // the epoch at 11 gives hk1 a permit
	if err := c.CommitTimelocked(1, "hk1", d.commit(t, timelock.FormatV4, "hk1", []uint16{2}, []uint16{1}, 0, 50), 50, 4); err != nil {
		t.Fatal(err)
	}
	if err := c.InjectPulse(50, d.sign(t, 50)); err != nil {
		t.Fatal(err)
	}
	eps, err := c.AdvanceTo(30)
	if err != nil {
		t.Fatal(err)
	}
	if len(eps) != 1 || eps[0].Block != 21 {
		t.Fatalf("epochs %+v, want one at 21", eps)
	}
	ns, _ := c.Neurons(1)
	if ns[1].Weights != nil {
		t.Fatalf("revealed before epoch 3: %v", ns[1].Weights)
	}
	eps, err = c.AdvanceTo(31)
	if err != nil {
		t.Fatal(err)
	}
	ns, _ = c.Neurons(1)
	if len(ns[1].Weights) != 1 || len(eps) != 1 || eps[0].Block != 31 {
		t.Fatalf("at block 31: weights %v, epochs %+v", ns[1].Weights, eps)
	}
	if in := eps[0].Output.Incentive; in[2] == 0 {
		t.Errorf("the epoch at 31 did not see the weights revealed at the start of block 31: incentive %v", in)
	}
}
