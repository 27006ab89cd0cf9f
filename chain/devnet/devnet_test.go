package devnet

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/subnetd/subnetd/yuma"
)

func testHP() Hyperparameters {
	hp := DefaultHyperparameters()
	hp.Tempo = 10
	hp.MinAllowedWeights = 1
	hp.WeightsSetRateLimit = 0
	hp.MaxAllowedValidators = 2
	hp.MaxAllowedUids = 4
	hp.TaoWeight = 0
	return hp
}

// newNet returns a chain at block 1 with subnet 1 holding v0, v1 (staked) and m2.
func newNet(t *testing.T, mod func(*SubnetConfig)) *Chain {
	t.Helper()
	c := New(1)
	cfg := SubnetConfig{Hyperparameters: testHP()}
	if mod != nil {
		mod(&cfg)
	}
	if err := c.CreateSubnet(1, cfg); err != nil {
		t.Fatal(err)
	}
	for i, st := range []uint64{100, 300, 0} {
		hk := fmt.Sprintf("hk%d", i)
		if _, err := c.AppendNeuron(1, hk, 1); err != nil {
			t.Fatal(err)
		}
		if err := c.SetStake(1, hk, Stake{Alpha: st}); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func TestChain_SetWeightsChecks(t *testing.T) {
	tests := []struct {
		name    string
		prep    func(c *Chain)
		hotkey  string
		uids    []uint16
		values  []uint16
		version uint64
		want    error
	}{
		{"unequal lengths", nil, "hk0", []uint16{1, 2}, []uint16{1}, 0, ErrWeightVecNotEqualSize},
		{"more uids than n", nil, "hk0", []uint16{0, 1, 2, 3}, []uint16{1, 1, 1, 1}, 0, ErrUidsLengthExceedUidsInSubNet},
		{"unregistered hotkey", nil, "nobody", []uint16{1}, []uint16{1}, 0, ErrHotKeyNotRegisteredInSubNet},
		{"stake threshold", func(c *Chain) { setHP(c, func(h *Hyperparameters) { h.StakeThreshold = 1000 }) },
			"hk0", []uint16{2}, []uint16{1}, 0, ErrNotEnoughStakeToSetWeights},
		{"version key", func(c *Chain) { setHP(c, func(h *Hyperparameters) { h.WeightsVersionKey = 5 }) },
			"hk0", []uint16{0}, []uint16{1}, 4, ErrIncorrectWeightVersionKey},
		{"rate limit", func(c *Chain) { setHP(c, func(h *Hyperparameters) { h.WeightsSetRateLimit = 100 }) },
			"hk0", []uint16{0}, []uint16{1}, 0, ErrSettingWeightsTooFast},
		{"no permit for non-self weights", nil, "hk0", []uint16{2}, []uint16{1}, 0, ErrNeuronNoValidatorPermit},
		{"self weight needs no permit", nil, "hk2", []uint16{2}, []uint16{7}, 0, nil},
		{"duplicate uids", epoch, "hk0", []uint16{2, 2}, []uint16{1, 1}, 0, ErrDuplicateUids},
		{"invalid uid", epoch, "hk0", []uint16{2, 3}, []uint16{1, 1}, 0, ErrUidVecContainInvalidOne},
		{"too few weights", func(c *Chain) {
			epoch(c)
			setHP(c, func(h *Hyperparameters) { h.MinAllowedWeights = 2 })
		}, "hk0", []uint16{2}, []uint16{1}, 0, ErrWeightVecLengthIsLow},
		{"max weight limit", func(c *Chain) {
			epoch(c)
			setHP(c, func(h *Hyperparameters) { h.MaxWeightsLimit = 40000 })
		}, "hk0", []uint16{1, 2}, []uint16{65535, 1}, 0, ErrMaxWeightExceeded},
		{"commit-reveal on", func(c *Chain) { setHP(c, func(h *Hyperparameters) { h.CommitRevealEnabled = true }) },
			"hk0", []uint16{0}, []uint16{1}, 0, ErrCommitRevealEnabled},
		{"valid after a permit", epoch, "hk0", []uint16{2, 1}, []uint16{10, 20}, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newNet(t, nil)
			if _, err := c.AdvanceTo(2); err != nil {
				t.Fatal(err)
			}
			if tt.prep != nil {
				tt.prep(c)
			}
			err := c.SetWeights(1, tt.hotkey, tt.uids, tt.values, tt.version)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func setHP(c *Chain, f func(*Hyperparameters)) {
	hp, _ := c.Hyperparameters(1)
	f(&hp)
	if err := c.SetHyperparameters(1, hp); err != nil {
		panic(err)
	}
}

// epoch runs one manual epoch so the staked uids get permits.
func epoch(c *Chain) {
	if _, err := c.RunEpoch(1, 1000); err != nil {
		panic(err)
	}
}

func TestChain_SetWeightsStoresUpscaledRow(t *testing.T) {
	c := newNet(t, nil)
	c.AdvanceTo(5)
	epoch(c)
	if err := c.SetWeights(1, "hk1", []uint16{2, 0}, []uint16{0, 3}, 0); err != nil {
		t.Fatal(err)
	}
	nrs, _ := c.Neurons(1)
	want := []yuma.Cell{{UID: 2, Value: 0}, {UID: 0, Value: 65535}}
	if fmt.Sprint(nrs[1].Weights) != fmt.Sprint(want) || nrs[1].LastUpdate != 5 {
		t.Fatalf("row %v last update %d", nrs[1].Weights, nrs[1].LastUpdate)
	}
}

func TestChain_ReplaceNeuronClears(t *testing.T) {
	c := newNet(t, nil)
	c.AdvanceTo(3)
	epoch(c)
	if err := c.SetWeights(1, "hk1", []uint16{2, 0}, []uint16{1, 1}, 0); err != nil {
		t.Fatal(err)
	}
	c.AdvanceTo(4)
	epoch(c)
	before, _ := c.Neurons(1)
	if len(before[1].Bonds) == 0 || !before[1].ValidatorPermit {
		t.Fatalf("setup: uid 1 should hold bonds and a permit: %+v", before[1])
	}
	c.AdvanceTo(6)
	if err := c.ReplaceNeuron(1, 1, "new"); err != nil {
		t.Fatal(err)
	}
	after, _ := c.Neurons(1)
	nr := after[1]
	if nr.Hotkey != "new" || nr.Weights != nil || nr.Bonds != nil || nr.ValidatorPermit || nr.Emission != 0 ||
		nr.Dividends != 0 || nr.BlockAtRegistration != 6 || nr.LastUpdate != 6 {
		t.Fatalf("replaced uid not cleared: %+v", nr)
	}
	if _, ok := c.UID(1, "hk1"); ok {
		t.Error("old hotkey still registered")
	}
	// Other rows keep their entry on the replaced uid, with value 0.
	c2 := newNet(t, nil)
	c2.AdvanceTo(3)
	epoch(c2)
	c2.SetWeights(1, "hk1", []uint16{2, 0}, []uint16{1, 1}, 0)
	c2.ReplaceNeuron(1, 2, "miner")
	nrs, _ := c2.Neurons(1)
	if fmt.Sprint(nrs[1].Weights) != fmt.Sprint([]yuma.Cell{{UID: 2, Value: 0}, {UID: 0, Value: 65535}}) {
		t.Errorf("weights pointing at the replaced uid: %v", nrs[1].Weights)
	}
}

func TestChain_RegisterPrunesWhenFull(t *testing.T) {
	c := newNet(t, func(cfg *SubnetConfig) { cfg.Hyperparameters.ImmunityPeriod = 0 })
	if uid, err := c.Register(1, "hk3"); err != nil || uid != 3 {
		t.Fatalf("append: uid %d err %v", uid, err)
	}
	if _, err := c.Register(1, "hk3"); !errors.Is(err, ErrHotKeyAlreadyRegisteredInSubNet) {
		t.Fatalf("duplicate: %v", err)
	}
	c.AdvanceTo(5)
	epoch(c) // no weights: emission goes to stake, so uids 2 and 3 earn 0
	uid, err := c.Register(1, "late")
	if err != nil || uid != 2 {
		t.Fatalf("prune: uid %d err %v (want the lowest-emission, earliest uid 2)", uid, err)
	}
}

func TestChain_ResetBonds(t *testing.T) {
	for _, on := range []bool{false, true} {
		c := newNet(t, func(cfg *SubnetConfig) { cfg.Hyperparameters.BondsResetOn = on })
		c.AdvanceTo(3)
		epoch(c)
		c.SetWeights(1, "hk1", []uint16{2}, []uint16{1}, 0)
		c.AdvanceTo(4)
		epoch(c)
		if err := c.ResetBonds(1, "hk2"); err != nil {
			t.Fatal(err)
		}
		nrs, _ := c.Neurons(1)
		has := len(nrs[1].Bonds) > 0
		if has == on {
			t.Errorf("bonds_reset_on=%v: bond row after reset %v", on, nrs[1].Bonds)
		}
	}
}

func TestChain_AutoEpochsAndDistribution(t *testing.T) {
	c := newNet(t, func(cfg *SubnetConfig) {
		cfg.AutoEpoch, cfg.EmissionPerBlock, cfg.Distribute = true, 1000, true
	})
	if err := c.CreateSubnet(2, SubnetConfig{Hyperparameters: testHP()}); err != nil {
		t.Fatal(err)
	}
	res, err := c.AdvanceTo(35)
	if err != nil {
		t.Fatal(err)
	}
	var blocks []uint64
	for _, r := range res {
		if r.Netuid != 1 || r.RaoEmission != 10_000 {
			t.Errorf("epoch %+v", r)
		}
		blocks = append(blocks, r.Block)
	}
	if fmt.Sprint(blocks) != "[11 21 31]" || c.Block() != 35 {
		t.Fatalf("epochs at %v, block %d", blocks, c.Block())
	}
	st0, _ := c.StakeOf(1, "hk0")
	st1, _ := c.StakeOf(1, "hk1")
	if st0.Alpha+st1.Alpha < 100+300+29_990 {
		t.Errorf("distributed stake %d + %d", st0.Alpha, st1.Alpha)
	}
	if _, err := c.AdvanceTo(3); !errors.Is(err, ErrBlockInPast) {
		t.Errorf("advance backwards: %v", err)
	}
}

func TestChain_Errors(t *testing.T) {
	c := New(0)
	if err := c.SetStake(9, "x", Stake{}); !errors.Is(err, ErrSubnetNotExists) {
		t.Error(err)
	}
	if err := c.CreateSubnet(1, SubnetConfig{Hyperparameters: testHP()}); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateSubnet(1, SubnetConfig{Hyperparameters: testHP()}); !errors.Is(err, ErrSubnetExists) {
		t.Error(err)
	}
	bad := testHP()
	bad.AlphaLow, bad.AlphaHigh = 2, 1
	if err := c.SetHyperparameters(1, bad); !errors.Is(err, ErrInvalidHyperparameter) {
		t.Error(err)
	}
	if err := c.ReplaceNeuron(1, 0, "x"); !errors.Is(err, ErrUidNotFound) {
		t.Error(err)
	}
	for i := 0; i < 4; i++ {
		c.AppendNeuron(1, fmt.Sprint(i), 0)
	}
	// The owner hotkey is never pruned, so a full subnet holding only the
	// owner refuses a registration.
	c2 := New(0)
	hp := testHP()
	hp.MaxAllowedUids = 1
	c2.CreateSubnet(1, SubnetConfig{Hyperparameters: hp, OwnerHotkey: "owner"})
	c2.AppendNeuron(1, "owner", 0)
	if _, err := c2.Register(1, "late"); !errors.Is(err, ErrNoNeuronIdAvailable) {
		t.Error(err)
	}
}

func TestChain_Concurrent(t *testing.T) {
	c := newNet(t, func(cfg *SubnetConfig) { cfg.AutoEpoch, cfg.EmissionPerBlock = true, 10 })
	start := c.Block()
	before, err := c.Neurons(1)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var setOK, readErrs atomic.Int32
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				switch g {
				case 0:
					c.AdvanceTo(c.Block() + 1)
				case 1:
					if c.SetWeights(1, "hk2", []uint16{2}, []uint16{1}, 0) == nil {
						setOK.Add(1)
					}
				case 2:
					c.SetStake(1, "hk0", Stake{Alpha: uint64(i)})
				default:
					if _, err := c.Neurons(1); err != nil {
						readErrs.Add(1)
					}
					if _, err := c.EpochInput(1, 1); err != nil {
						readErrs.Add(1)
					}
				}
			}
		}(g)
	}
	wg.Wait()
	// Every write of every goroutine landed exactly once, and no reader saw a broken state.
	if got := c.Block(); got != start+50 {
		t.Errorf("block %d after 50 advances from %d", got, start)
	}
	if readErrs.Load() != 0 || setOK.Load() == 0 {
		t.Errorf("%d failed reads, %d accepted set_weights", readErrs.Load(), setOK.Load())
	}
	after, err := c.Neurons(1)
	if err != nil || len(after) != len(before) {
		t.Fatalf("neurons %d → %d (%v)", len(before), len(after), err)
	}
	for _, n := range after {
		if n.Hotkey == "hk0" && n.Stake.Alpha != 49 {
			t.Errorf("hk0's stake %+v, want the last one set (49)", n.Stake)
		}
		if n.Hotkey == "hk2" && (len(n.Weights) != 1 || n.Weights[0].UID != 2 || n.Weights[0].Value != 65535) {
			t.Errorf("hk2's weights %+v, want {2: 65535}", n.Weights)
		}
	}
}

// FuzzChain_SetWeights: arbitrary calls never panic and a rejected call
// leaves the stored row untouched.
func FuzzChain_SetWeights(f *testing.F) {
	f.Add([]byte{0, 2, 1, 255, 255, 0, 0})
	f.Add([]byte{1, 3, 2, 2, 0, 1, 0, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		c := newNet(t, nil)
		c.AdvanceTo(2)
		epoch(c)
		for len(data) >= 2 {
			hk := fmt.Sprintf("hk%d", data[0]%4)
			k := int(data[1] % 6)
			data = data[2:]
			uids, vals := make([]uint16, 0, k), make([]uint16, 0, k)
			for i := 0; i < k && len(data) >= 2; i++ {
				uids = append(uids, uint16(data[0]%6))
				vals = append(vals, uint16(data[1])<<8|uint16(data[1]))
				data = data[2:]
			}
			before, _ := c.Neurons(1)
			err := c.SetWeights(1, hk, uids, vals, 0)
			after, _ := c.Neurons(1)
			if err != nil && fmt.Sprint(before) != fmt.Sprint(after) {
				t.Fatalf("rejected call changed state: %v", err)
			}
			if err == nil {
				uid, _ := c.UID(1, hk)
				if len(after[uid].Weights) != len(uids) {
					t.Fatalf("stored %d weights for %d uids", len(after[uid].Weights), len(uids))
				}
			}
		}
		if _, err := c.RunEpoch(1, 1_000); err != nil {
			t.Fatal(err)
		}
	})
}
