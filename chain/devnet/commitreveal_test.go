package devnet

import (
	"crypto/sha256"
	"errors"
	"testing"

	"github.com/subnetd/subnetd/chain"
	"github.com/subnetd/subnetd/yuma"
)

// On the test subnet (netuid 1, tempo 10) the commit-reveal epoch of block b is
// (b+2)/11: epoch 0 is blocks 0..8, epoch 1 is 9..19, epoch 2 is 20..30.

// crNet is newNet with commit-reveal on, no rate limit, and permits for hk0 and hk1.
func crNet(t *testing.T) *Chain {
	t.Helper()
	c := newNet(t, nil)
	epoch(c)
	setHP(c, func(h *Hyperparameters) { h.CommitRevealEnabled = true })
	return c
}

// weightsHash is the commit hash of a reveal on subnet 1 by hotkey.
func weightsHash(hotkey string, uids, values, salt []uint16, vk uint64) [32]byte {
	return chain.CommitHash(AccountID(hotkey), 1, uids, values, salt, vk)
}

var (
	rUIDs = []uint16{0, 2}
	rVals = []uint16{10, 20}
	rSalt = []uint16{1, 2, 3}
)

func mustAdvance(t *testing.T, c *Chain, block uint64) {
	t.Helper()
	if _, err := c.AdvanceTo(block); err != nil {
		t.Fatal(err)
	}
}

func TestAccountID(t *testing.T) {
	alice := "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY" // //Alice
	a := AccountID(alice)
	if got := chain.AccountID(a).String(); got != alice {
		t.Errorf("AccountID(%s) prints as %s", alice, got)
	}
	if AccountID("hk1") != sha256.Sum256([]byte("hk1")) {
		t.Error("a free-form name is not hashed with sha256")
	}
}

func TestChain_CommitWeightsChecks(t *testing.T) {
	tests := []struct {
		name   string
		prep   func(c *Chain)
		block  uint64
		hotkey string
		want   error
	}{
		{"commit-reveal off", func(c *Chain) { setHP(c, func(h *Hyperparameters) { h.CommitRevealEnabled = false }) },
			5, "hk1", ErrCommitRevealDisabled},
		{"unregistered hotkey", nil, 5, "nobody", ErrHotKeyNotRegisteredInSubNet},
		{"stake below threshold (pool check)", func(c *Chain) { setHP(c, func(h *Hyperparameters) { h.StakeThreshold = 200 }) },
			5, "hk0", ErrNotEnoughStakeToSetWeights},
		{"rate limit: 99 blocks after registration", func(c *Chain) { setHP(c, func(h *Hyperparameters) { h.WeightsSetRateLimit = 100 }) },
			100, "hk1", ErrCommittingWeightsTooFast},
		{"rate limit: 100 blocks after registration", func(c *Chain) { setHP(c, func(h *Hyperparameters) { h.WeightsSetRateLimit = 100 }) },
			101, "hk1", nil},
		{"no permit needed to commit", nil, 5, "hk2", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := crNet(t)
			if tt.prep != nil {
				tt.prep(c)
			}
			mustAdvance(t, c, tt.block)
			err := c.CommitWeights(1, tt.hotkey, [32]byte{1})
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("CommitWeights = %v, want %v", err, tt.want)
			}
			pend, _ := c.PendingCommits(1, tt.hotkey)
			if tt.want != nil && len(pend) != 0 {
				t.Errorf("a refused commit was stored: %+v", pend)
			}
		})
	}
}

func TestChain_CommitWeightsStoresWindowAndLastUpdate(t *testing.T) {
	for _, tt := range []struct {
		period      uint64
		block       uint64
		first, last uint64
	}{
		{1, 5, 9, 19},   // epoch 0 → revealed in epoch 1
		{1, 9, 20, 30},  // first block of epoch 1 → epoch 2
		{1, 8, 9, 19},   // last block of epoch 0
		{3, 5, 31, 41},  // epoch 0 + 3
		{2, 19, 31, 41}, // epoch 1 + 2
	} {
		c := crNet(t)
		if err := c.SetRevealPeriod(1, tt.period); err != nil {
			t.Fatal(err)
		}
		mustAdvance(t, c, tt.block)
		if err := c.CommitWeights(1, "hk1", [32]byte{7}); err != nil {
			t.Fatal(err)
		}
		pend, err := c.PendingCommits(1, "hk1")
		want := HashCommit{Hash: [32]byte{7}, CommitBlock: tt.block, FirstRevealBlock: tt.first, LastRevealBlock: tt.last}
		if err != nil || len(pend) != 1 || pend[0] != want {
			t.Errorf("period %d, block %d: PendingCommits = %+v, %v; want [%+v]", tt.period, tt.block, pend, err, want)
		}
		ns, _ := c.Neurons(1)
		if ns[1].LastUpdate != tt.block {
			t.Errorf("LastUpdate = %d after a commit at %d", ns[1].LastUpdate, tt.block)
		}
	}
}

func TestChain_SetRevealPeriodBounds(t *testing.T) {
	c := crNet(t)
	for _, p := range []uint64{0, 101} {
		if err := c.SetRevealPeriod(1, p); !errors.Is(err, ErrInvalidHyperparameter) {
			t.Errorf("SetRevealPeriod(%d) = %v, want ErrInvalidHyperparameter", p, err)
		}
	}
	if p, _ := c.RevealPeriod(1); p != 1 {
		t.Errorf("default reveal period %d, want 1", p)
	}
	if err := c.SetRevealPeriod(9, 1); !errors.Is(err, ErrSubnetNotExists) {
		t.Errorf("SetRevealPeriod on a missing subnet = %v", err)
	}
}

func TestChain_TooManyUnrevealedCommits(t *testing.T) {
	c := crNet(t)
	mustAdvance(t, c, 5)
	for i := range MaxUnrevealedCommits {
		if err := c.CommitWeights(1, "hk1", [32]byte{byte(i)}); err != nil {
			t.Fatalf("commit %d: %v", i, err)
		}
	}
	if err := c.CommitWeights(1, "hk1", [32]byte{99}); !errors.Is(err, ErrTooManyUnrevealedCommits) {
		t.Fatalf("11th commit = %v, want TooManyUnrevealedCommits", err)
	}
	// Another hotkey has its own queue.
	if err := c.CommitWeights(1, "hk0", [32]byte{99}); err != nil {
		t.Fatalf("hk0's first commit: %v", err)
	}
	// In epoch 2 the ten have expired: the next commit drops them and is the only one left.
	mustAdvance(t, c, 20)
	if err := c.CommitWeights(1, "hk1", [32]byte{99}); err != nil {
		t.Fatalf("commit after expiry: %v", err)
	}
	if pend, _ := c.PendingCommits(1, "hk1"); len(pend) != 1 || pend[0].CommitBlock != 20 {
		t.Errorf("queue after expiry = %+v, want only the commit at block 20", pend)
	}
}

func TestChain_RevealWeightsChecks(t *testing.T) {
	good := weightsHash("hk1", rUIDs, rVals, rSalt, 0)
	tests := []struct {
		name    string
		prep    func(c *Chain)
		block   uint64
		hotkey  string
		salt    []uint16
		version uint64
		want    error
	}{
		{"same epoch: too early", nil, 8, "hk1", rSalt, 0, ErrRevealTooEarly},
		{"first block of the reveal epoch", nil, 9, "hk1", rSalt, 0, nil},
		{"last block of the reveal epoch", nil, 19, "hk1", rSalt, 0, nil},
		{"one block late: expired", nil, 20, "hk1", rSalt, 0, ErrExpiredWeightCommit},
		{"wrong salt", nil, 9, "hk1", []uint16{1, 2, 4}, 0, ErrInvalidRevealCommitHashNotMatch},
		{"wrong version key (it is hashed)", nil, 9, "hk1", rSalt, 1, ErrInvalidRevealCommitHashNotMatch},
		{"wrong salt after expiry", nil, 20, "hk1", []uint16{9}, 0, ErrNoWeightsCommitFound},
		{"hotkey without commits", nil, 9, "hk0", rSalt, 0, ErrNoWeightsCommitFound},
		{"commit-reveal switched off", func(c *Chain) { setHP(c, func(h *Hyperparameters) { h.CommitRevealEnabled = false }) },
			9, "hk1", rSalt, 0, ErrCommitRevealDisabled},
		{"set_weights checks apply", func(c *Chain) { setHP(c, func(h *Hyperparameters) { h.WeightsVersionKey = 5 }) },
			9, "hk1", rSalt, 0, ErrIncorrectWeightVersionKey},
		{"reveal period 2: epoch 1 is too early", func(c *Chain) { _ = c.SetRevealPeriod(1, 2) }, 19, "hk1", rSalt, 0, ErrRevealTooEarly},
		{"reveal period 2: epoch 2", func(c *Chain) { _ = c.SetRevealPeriod(1, 2) }, 20, "hk1", rSalt, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := crNet(t)
			mustAdvance(t, c, 5)
			if err := c.CommitWeights(1, "hk1", good); err != nil {
				t.Fatal(err)
			}
			if tt.prep != nil {
				tt.prep(c)
			}
			mustAdvance(t, c, tt.block)
			err := c.RevealWeights(1, tt.hotkey, rUIDs, rVals, tt.salt, tt.version)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("RevealWeights = %v, want %v", err, tt.want)
			}
			ns, _ := c.Neurons(1)
			pend, _ := c.PendingCommits(1, "hk1")
			if tt.want == nil {
				want := []yuma.Cell{{UID: 0, Value: 32768}, {UID: 2, Value: 65535}}
				if len(ns[1].Weights) != 2 || ns[1].Weights[0] != want[0] || ns[1].Weights[1] != want[1] {
					t.Errorf("weights row %v, want %v (max-upscaled)", ns[1].Weights, want)
				}
				if len(pend) != 0 {
					t.Errorf("revealed commit still pending: %+v", pend)
				}
				if ns[1].LastUpdate != 5 {
					t.Errorf("LastUpdate = %d, want 5 (the commit's block; a reveal does not move it)", ns[1].LastUpdate)
				}
				return
			}
			if ns[1].Weights != nil {
				t.Errorf("a failed reveal set weights %v", ns[1].Weights)
			}
			if len(pend) != 1 {
				t.Errorf("a failed reveal changed the queue: %+v", pend)
			}
		})
	}
}

func TestChain_RevealPopsOlderCommits(t *testing.T) {
	c := crNet(t)
	mustAdvance(t, c, 5)
	hashA := weightsHash("hk1", rUIDs, rVals, []uint16{1}, 0)
	hashB := weightsHash("hk1", rUIDs, rVals, []uint16{2}, 0)
	hashC := weightsHash("hk1", rUIDs, rVals, []uint16{3}, 0)
	for _, h := range [][32]byte{hashA, hashB, hashC} {
		if err := c.CommitWeights(1, "hk1", h); err != nil {
			t.Fatal(err)
		}
	}
	mustAdvance(t, c, 10)
	if err := c.RevealWeights(1, "hk1", rUIDs, rVals, []uint16{2}, 0); err != nil {
		t.Fatal(err)
	}
	pend, _ := c.PendingCommits(1, "hk1")
	if len(pend) != 1 || pend[0].Hash != hashC {
		t.Fatalf("after revealing the 2nd of 3 commits the queue is %+v, want only the 3rd", pend)
	}
	if err := c.RevealWeights(1, "hk1", rUIDs, rVals, []uint16{1}, 0); !errors.Is(err, ErrInvalidRevealCommitHashNotMatch) {
		t.Errorf("revealing the popped 1st commit = %v, want InvalidRevealCommitHashNotMatch", err)
	}
	if err := c.RevealWeights(1, "hk1", rUIDs, rVals, []uint16{3}, 0); err != nil {
		t.Errorf("revealing the 3rd: %v", err)
	}
	if err := c.RevealWeights(1, "hk1", rUIDs, rVals, []uint16{3}, 0); !errors.Is(err, ErrNoWeightsCommitFound) {
		t.Errorf("revealing twice = %v, want NoWeightsCommitFound", err)
	}
}

func TestChain_CommitMasksEpochInput(t *testing.T) {
	c := crNet(t)
	mustAdvance(t, c, 5)
	in, _ := c.EpochInput(1, 0)
	if in.Neurons[1].CommitBlock != yuma.NoCommit {
		t.Fatalf("CommitBlock %d before any commit", in.Neurons[1].CommitBlock)
	}
	if err := c.CommitWeights(1, "hk1", [32]byte{1}); err != nil {
		t.Fatal(err)
	}
	mustAdvance(t, c, 7)
	if err := c.CommitWeights(1, "hk1", [32]byte{2}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ block, want uint64 }{{7, 5}, {19, 5}, {20, yuma.NoCommit}} {
		mustAdvance(t, c, tt.block)
		in, _ := c.EpochInput(1, 0)
		if in.Neurons[1].CommitBlock != tt.want {
			t.Errorf("block %d: CommitBlock %d, want %d (earliest commit not expired)", tt.block, in.Neurons[1].CommitBlock, tt.want)
		}
	}
}

func TestChain_SetWeightsUnchangedByCommitReveal(t *testing.T) {
	// set_weights with commit-reveal off still applies the rate limit and moves LastUpdate.
	c := newNet(t, nil)
	epoch(c)
	setHP(c, func(h *Hyperparameters) { h.WeightsSetRateLimit = 3 })
	mustAdvance(t, c, 5)
	if err := c.SetWeights(1, "hk1", rUIDs, rVals, 0); err != nil {
		t.Fatal(err)
	}
	mustAdvance(t, c, 7)
	if err := c.SetWeights(1, "hk1", rUIDs, rVals, 0); !errors.Is(err, ErrSettingWeightsTooFast) {
		t.Fatalf("second set_weights = %v, want SettingWeightsTooFast", err)
	}
	if err := c.CommitWeights(1, "hk1", [32]byte{}); !errors.Is(err, ErrCommitRevealDisabled) {
		t.Errorf("commit with commit-reveal off = %v", err)
	}
}
