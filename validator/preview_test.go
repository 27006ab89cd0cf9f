package validator

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/subnetd/subnetd/chain"
	"github.com/subnetd/subnetd/chain/subtensor"
	"github.com/subnetd/subnetd/records"
	"github.com/subnetd/subnetd/wallet"
	"github.com/subnetd/subnetd/weights"
	"github.com/subnetd/subnetd/yuma"
)

// exactRules is what chain/subtensor says of a runtime whose epoch it reads in full.
var exactRules = &chain.EpochRules{SpecVersion: 300, StakeInherited: true}

func testMetagraph() *chain.Metagraph {
	owner := chain.AccountID{1}
	return &chain.Metagraph{
		Netuid: 2, Block: 100, OwnerHotkey: &owner, LastStepBlock: 90,
		Hyperparams: chain.Hyperparams{
			Tempo: 10, ActivityCutoff: 5000, MaxValidators: 64, Kappa: 40000, BondsMovingAverage: 500_000,
			BondsPenalty: 20000, LiquidAlphaOn: true, AlphaLow: 30000, AlphaHigh: 60000, AlphaSigmoidSteepness: -300,
			Yuma3On: true, ActivityCutoffFactorMilli: 2500, StakeThreshold: 7, TaoWeight: 1 << 62,
		},
		Neurons: []chain.Neuron{
			{UID: 0, Hotkey: owner, Stake: 1000, TaoStake: 40, ValidatorPermit: true, LastUpdate: 95, BlockAtRegistration: 3},
			{UID: 1, Hotkey: chain.AccountID{2}, Stake: 5, TaoStake: 0, LastUpdate: 0, BlockAtRegistration: 50},
		},
		Epoch: exactRules,
	}
}

func TestEpochInput(t *testing.T) {
	w := [][]chain.UIDValue{{{UID: 0, Value: 65535}, {UID: 1, Value: 7}}, nil}
	b := [][]chain.UIDValue{{{UID: 1, Value: 300}}, {{UID: 0, Value: 1}}}
	base := yuma.Params{Tempo: 10, Kappa: 40000, BondsMovingAverage: 500_000, BondsPenalty: 20000, ActivityCutoff: 5000,
		LiquidAlphaOn: true, AlphaLow: 30000, AlphaHigh: 60000, AlphaSigmoidSteepness: -300, Yuma3On: true,
		MaxAllowedValidators: 64, StakeThreshold: 7, TaoWeight: 1 << 62}
	dyn := base
	dyn.ActivityCutoff = 25 // 2500‰ of tempo 10
	tests := []struct {
		name      string
		edit      func(mg *chain.Metagraph)
		params    yuma.Params
		lastStep  uint64
		why       string // a part of the reason; "" for exact
		defaulted bool
	}{
		{name: "spec 300", params: base},
		{name: "dynamic tempo", edit: func(mg *chain.Metagraph) { mg.Epoch = &chain.EpochRules{DynamicTempo: true, StakeInherited: true} },
			params: dyn, lastStep: 90},
		{name: "no epoch rules", edit: func(mg *chain.Metagraph) { mg.Epoch = nil }, why: "no epoch hyperparameters", defaulted: true},
		{name: "storage stake", edit: func(mg *chain.Metagraph) { mg.Epoch = &chain.EpochRules{} }, params: base, why: "inheritance"},
		{name: "commit-reveal without the mask", edit: func(mg *chain.Metagraph) { mg.Hyperparams.CommitRevealEnabled = true }, params: base},
		{name: "commit-reveal with the mask", edit: func(mg *chain.Metagraph) {
			mg.Hyperparams.CommitRevealEnabled = true
			mg.Epoch = &chain.EpochRules{CommitRevealMask: true, StakeInherited: true}
		}, params: base, why: "commit-reveal mask"},
		{name: "mechanisms", edit: func(mg *chain.Metagraph) { mg.Hyperparams.MechanismCount = 2 }, params: base, why: "2 mechanisms"},
		{name: "owner without permit", edit: func(mg *chain.Metagraph) { mg.Neurons[0].ValidatorPermit = false }, params: base, why: "no validator permit"},
		{name: "owner below threshold", edit: func(mg *chain.Metagraph) {
			mg.Hyperparams.StakeThreshold = 1011 // 1000 + floor(40 * 0.25) = 1010
		}, params: func() yuma.Params { p := base; p.StakeThreshold = 1011; return p }(), why: "stake threshold"},
		{name: "owner at threshold", edit: func(mg *chain.Metagraph) { mg.Hyperparams.StakeThreshold = 1010 },
			params: func() yuma.Params { p := base; p.StakeThreshold = 1010; return p }()},
		{name: "steep liquid alpha", edit: func(mg *chain.Metagraph) { mg.Hyperparams.AlphaSigmoidSteepness = -4001 },
			params: func() yuma.Params { p := base; p.AlphaSigmoidSteepness = -4001; return p }(), why: "steepness"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mg := testMetagraph()
			if tt.edit != nil {
				tt.edit(mg)
			}
			in, why := epochInput(mg, w, b, 101, 5000)
			if tt.why == "" && why != "" || tt.why != "" && !strings.Contains(why, tt.why) {
				t.Fatalf("why %q, want %q", why, tt.why)
			}
			want := tt.params
			if tt.defaulted {
				want = yuma.DefaultParams()
				want.Tempo, want.ActivityCutoff, want.MaxAllowedValidators = 10, 5000, 64
			}
			if in.Params != want {
				t.Fatalf("params\n%+v, want\n%+v", in.Params, want)
			}
			if in.Block != 101 || in.RaoEmission != 5000 || in.LastStepBlock != tt.lastStep || !in.HasOwner || in.OwnerUID != 0 || in.CommitReveal {
				t.Fatalf("input %+v", in)
			}
			n0 := yuma.Neuron{AlphaStake: 1000, TaoStake: 40, BlockAtRegistration: 3, LastUpdate: 95, ValidatorPermit: mg.Neurons[0].ValidatorPermit,
				Weights: []yuma.Cell{{UID: 0, Value: 65535}, {UID: 1, Value: 7}}, Bonds: []yuma.Cell{{UID: 1, Value: 300}}, CommitBlock: yuma.NoCommit}
			n1 := yuma.Neuron{AlphaStake: 5, BlockAtRegistration: 50, Bonds: []yuma.Cell{{UID: 0, Value: 1}}, CommitBlock: yuma.NoCommit}
			if len(in.Neurons) != 2 || !neuronEqual(in.Neurons[0], n0) || !neuronEqual(in.Neurons[1], n1) {
				t.Fatalf("neurons %+v", in.Neurons)
			}
		})
	}
}

func neuronEqual(a, b yuma.Neuron) bool {
	return a.AlphaStake == b.AlphaStake && a.TaoStake == b.TaoStake && a.BlockAtRegistration == b.BlockAtRegistration &&
		a.LastUpdate == b.LastUpdate && a.ValidatorPermit == b.ValidatorPermit && a.CommitBlock == b.CommitBlock &&
		slices.Equal(a.Weights, b.Weights) && slices.Equal(a.Bonds, b.Bonds)
}

func TestTotalStakeFloor(t *testing.T) {
	const max = ^uint64(0)
	tests := []struct {
		alpha, tao, weight, want uint64
	}{
		{1000, 40, 1 << 62, 1010}, // 2^62/(2^64-1) truncates to exactly 0.25 in U96F32
		{1000, 40, max, 1040},
		{1000, 40, 0, 1000},
		{0, 1 << 40, max / 2, 1<<39 - 256}, // just under 0.5: (2^31-1)/2^32
		{max, 1, max, max},                 // saturates
	}
	for _, tt := range tests {
		if got := totalStakeFloor(tt.alpha, tt.tao, tt.weight); got != tt.want {
			t.Errorf("totalStakeFloor(%d, %d, %d) = %d, want %d", tt.alpha, tt.tao, tt.weight, got, tt.want)
		}
	}
}

// devRPC is a bare JSON-RPC connection for chopsticks' dev_* methods, which chain/subtensor does not
// expose.
type devRPC struct {
	conn *websocket.Conn
	id   int
}

func dialDev(t *testing.T, ws string) *devRPC {
	t.Helper()
	conn, _, err := websocket.DefaultDialer.Dial(ws, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", ws, err)
	}
	t.Cleanup(func() { conn.Close() })
	return &devRPC{conn: conn}
}

func (d *devRPC) call(t *testing.T, method string, params ...any) {
	t.Helper()
	d.id++
	if err := d.conn.WriteJSON(map[string]any{"jsonrpc": "2.0", "id": d.id, "method": method, "params": params}); err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	d.conn.SetReadDeadline(time.Now().Add(5 * time.Minute))
	for {
		var resp struct {
			ID    int             `json:"id"`
			Error json.RawMessage `json:"error"`
		}
		if err := d.conn.ReadJSON(&resp); err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		if resp.ID != d.id {
			continue
		}
		if len(resp.Error) > 0 && string(resp.Error) != "null" {
			t.Fatalf("%s: %s", method, resp.Error)
		}
		return
	}
}

// TestEpochInput_subtensor checks the preview's input against the real runtime: from the state at the
// block before an epoch (no weights change in between), yuma.Epoch gives the Incentive, Dividends,
// Consensus, ValidatorTrust, Active, ValidatorPermit and Bonds the chain stores in the epoch's block,
// bit for bit, first with the original bond model and then with Yuma3 and liquid alpha, with every
// hyperparameter the epoch reads moved off its default.
func TestEpochInput_subtensor(t *testing.T) {
	ws, netuid := startSubtensor(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	c, err := subtensor.Dial(ctx, ws, subtensor.Options{PollInterval: 50 * time.Millisecond, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	dev := dialDev(t, ws)
	alice, err := wallet.FromURI("//Alice")
	if err != nil {
		t.Fatal(err)
	}
	bob, err := wallet.FromURI("//Bob")
	if err != nil {
		t.Fatal(err)
	}
	sudo := func(call string, args ...any) {
		t.Helper()
		if _, err := c.Sudo(ctx, alice, "AdminUtils", call, args...); err != nil {
			t.Fatalf("sudo %s%v: %v", call, args, err)
		}
	}
	n := uint64(netuid)
	hp, err := c.Hyperparams(ctx, netuid)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { // leave a shared chain as it was, for the tests that follow
		k := []any{netuid}
		dev.call(t, "dev_setStorage", map[string]any{"SubtensorModule": map[string]any{
			"Kappa": [][]any{{k, hp.Kappa}}, "BondsMovingAverage": [][]any{{k, hp.BondsMovingAverage}},
			"BondsPenalty": [][]any{{k, hp.BondsPenalty}}, "Yuma3On": [][]any{{k, hp.Yuma3On}},
			"LiquidAlphaOn": [][]any{{k, hp.LiquidAlphaOn}}, "AlphaValues": [][]any{{k, []any{hp.AlphaLow, hp.AlphaHigh}}},
			"AlphaSigmoidSteepness": [][]any{{k, hp.AlphaSigmoidSteepness}},
			"StakeThreshold":        fmt.Sprint(hp.StakeThreshold), "TaoWeight": fmt.Sprint(hp.TaoWeight),
		}})
	}()
	sudo("sudo_set_kappa", n, uint64(40000))
	sudo("sudo_set_bonds_moving_average", n, uint64(500_000))
	sudo("sudo_set_bonds_penalty", n, uint64(20000))
	sudo("sudo_set_stake_threshold", uint64(1_000_000_000))
	// Bob becomes a second validator with alpha and root stake; TaoWeight off its default.
	bobAddr := chain.AccountID(bob.PublicKey()).String()
	dev.call(t, "dev_setStorage", map[string]any{"SubtensorModule": map[string]any{
		"TaoWeight": "1234567890123456789",
		"TotalHotkeyAlpha": [][]any{
			{[]any{bobAddr, netuid}, "300000000000"},
			{[]any{bobAddr, 0}, "2000000000000"},
		},
	}})
	mg := advanceToEpoch(ctx, t, c, dev, netuid) // Bob gets his permit in this epoch
	dev.call(t, "dev_newBlock", map[string]any{"count": 1})
	if _, err := c.SetWeights(ctx, bob, chain.WeightsCall{Netuid: netuid, UIDs: []uint16{0, 1, 2}, Values: []uint16{20000, 65535, 40000},
		VersionKey: mg.Hyperparams.WeightsVersionKey}); err != nil {
		t.Fatalf("Bob's weights: %v", err)
	}
	// The daemon's own preview path, for Alice (uid 0) re-emitting her row: Subnet.preview over the client.
	db, err := records.Open(ctx, filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sn, err := NewSubnet(ctx, SubnetConfig{Netuid: netuid, Synapse: "Ping", Body: []byte(`{}`), QueryAll: true, Timeout: 2 * time.Second},
		SubnetDeps{Chain: c, Key: alice, Records: db, CacheDir: cacheDir})
	if err != nil {
		t.Fatal(err)
	}
	defer sn.Close(ctx)
	for epoch := range 4 {
		if epoch == 2 {
			sudo("sudo_set_yuma3_enabled", n, true)
			sudo("sudo_set_liquid_alpha_enabled", n, true)
			// set_alpha_values wants the owner's signature, not root's: storage it is.
			dev.call(t, "dev_setStorage", map[string]any{"SubtensorModule": map[string]any{
				"AlphaValues":           [][]any{{[]any{netuid}, []any{20000, 50000}}},
				"AlphaSigmoidSteepness": [][]any{{[]any{netuid}, -500}},
			}})
		}
		mg := advanceToEpoch(ctx, t, c, dev, netuid)
		checkEpoch(ctx, t, c, dev, mg, sn)
	}
}

// advanceToEpoch makes blocks up to the one before the subnet's next epoch and returns the metagraph
// there.
func advanceToEpoch(ctx context.Context, t *testing.T, c *subtensor.Client, dev *devRPC, netuid uint16) *chain.Metagraph {
	t.Helper()
	mg, err := c.Metagraph(ctx, netuid)
	if err != nil {
		t.Fatal(err)
	}
	// subtensor runs a subnet's epoch in the blocks where blocks_until_next_epoch is 0:
	// tempo - (block + netuid + 1) % (tempo + 1) == 0 (its doc comment says the remainder is 0; the
	// code, and the chain, say tempo).
	period := uint64(mg.Hyperparams.Tempo) + 1
	next := mg.Block + 1
	for (next+uint64(netuid)+1)%period != period-1 {
		next++
	}
	if next-1 > mg.Block {
		dev.call(t, "dev_newBlock", map[string]any{"count": next - 1 - mg.Block})
		if mg, err = c.Metagraph(ctx, netuid); err != nil {
			t.Fatal(err)
		}
	}
	if mg.Block != next-1 {
		t.Fatalf("at block %d, want %d", mg.Block, next-1)
	}
	return mg
}

// checkEpoch computes the epoch of the next block from mg (the state now), makes that block, and
// compares what the chain stored.
// sn's preview, with uid 0's stored row as the emitted one, must agree with it.
func checkEpoch(ctx context.Context, t *testing.T, c *subtensor.Client, dev *devRPC, mg *chain.Metagraph, sn *Subnet) {
	t.Helper()
	w, err := c.Weights(ctx, mg.Netuid, 0)
	if err != nil {
		t.Fatal(err)
	}
	var em weights.Emitted
	for _, c := range w[0] {
		em.UIDs, em.Weights = append(em.UIDs, c.UID), append(em.Weights, c.Value)
	}
	pv, err := sn.preview(ctx, mg, 0, em)
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Bonds(ctx, mg.Netuid, 0)
	if err != nil {
		t.Fatal(err)
	}
	in, why := epochInput(mg, w, b, mg.Block+1, 1_000_000_000)
	if why != "" {
		t.Fatalf("preview approximate on spec %d: %s", mg.Epoch.SpecVersion, why)
	}
	out, err := yuma.Epoch(in)
	if err != nil {
		t.Fatal(err)
	}
	dev.call(t, "dev_newBlock", map[string]any{"count": 1})
	got, err := c.EpochTerms(ctx, mg.Netuid)
	if err != nil {
		t.Fatal(err)
	}
	after, err := c.Bonds(ctx, mg.Netuid, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("epoch at %d (yuma3 %v): weights %v bonds %v → incentive %v dividends %v consensus %v", got.Block,
		in.Params.Yuma3On, w, b, got.Incentive, got.Dividends, got.Consensus)
	if got.Block != in.Block {
		t.Fatalf("terms read at %d, epoch at %d", got.Block, in.Block)
	}
	if !slices.ContainsFunc(got.Incentive, func(v uint16) bool { return v != 0 }) || !slices.ContainsFunc(got.Dividends, func(v uint16) bool { return v != 0 }) {
		t.Fatalf("the chain stored no incentive or no dividends (%v, %v): the epoch did not run at block %d", got.Incentive, got.Dividends, in.Block)
	}
	for _, f := range []struct {
		name      string
		got, want any
	}{
		{"Incentive", got.Incentive, out.Incentive},
		{"Dividends", got.Dividends, out.Dividends},
		{"Consensus", got.Consensus, out.Consensus},
		{"ValidatorTrust", got.ValidatorTrust, out.ValidatorTrust},
		{"Active", got.Active, out.Active},
		{"ValidatorPermit", got.ValidatorPermit, out.ValidatorPermit},
	} {
		if fmt.Sprint(f.got) != fmt.Sprint(f.want) {
			t.Errorf("block %d %s: chain %v, preview %v", in.Block, f.name, f.got, f.want)
		}
	}
	// The daemon's preview runs the epoch at the metagraph's block, one before the chain's: nothing here
	// depends on that block (every uid active, no registration near it).
	var inc []UIDFloat
	for uid, v := range got.Incentive {
		if v != 0 {
			inc = append(inc, UIDFloat{UID: uint16(uid), Value: float64(v) / 65535})
		}
	}
	if pv.Approximate || pv.Dividends != float64(got.Dividends[0])/65535 || !slices.Equal(pv.Incentive, inc) ||
		pv.ValidatorTrust != float64(got.ValidatorTrust[0])/65535 {
		t.Errorf("block %d: preview %+v; chain incentive %v, dividends %v, validator trust %v", in.Block, pv, got.Incentive, got.Dividends, got.ValidatorTrust)
	}
	for uid, permit := range out.ValidatorPermit {
		if !permit {
			continue
		}
		var want []chain.UIDValue
		for _, c := range out.Bonds[uid] {
			want = append(want, chain.UIDValue{UID: c.UID, Value: c.Value})
		}
		if fmt.Sprint(after[uid]) != fmt.Sprint(want) {
			t.Errorf("block %d Bonds[%d]: chain %v, preview %v", in.Block, uid, after[uid], want)
		}
	}
}
