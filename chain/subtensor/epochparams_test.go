package subtensor

import (
	"encoding/binary"
	"slices"
	"testing"

	"github.com/subnetd/subnetd/chain"
)

func TestSetI16(t *testing.T) {
	tests := []struct {
		in      any
		want    int16
		wantErr bool
	}{
		{uint64(1000), 1000, false},
		{uint64(0xfe0c), -500, false}, // the decoder gives an i16 as its u16 bit pattern
		{uint64(0x8000), -32768, false},
		{uint64(0x7fff), 32767, false},
		{&composite{values: []any{uint64(0xffff)}}, -1, false}, // a newtype around it
		{uint64(0x10000), 0, true},
		{"x", 0, true},
	}
	for _, tt := range tests {
		var got int16
		err := setI16(&got)(tt.in)
		if (err != nil) != tt.wantErr || !tt.wantErr && got != tt.want {
			t.Errorf("setI16(%v) = %d, %v; want %d (error %v)", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestSetU16Pair(t *testing.T) {
	var lo, hi uint16
	if err := setU16Pair(&lo, &hi)([]any{uint64(45875), uint64(58982)}); err != nil || lo != 45875 || hi != 58982 {
		t.Fatalf("got %d %d %v", lo, hi, err)
	}
	for _, bad := range []any{[]any{uint64(1)}, []any{uint64(1), uint64(70000)}, uint64(3)} {
		if err := setU16Pair(&lo, &hi)(bad); err == nil {
			t.Errorf("setU16Pair(%v): no error", bad)
		}
	}
}

func TestSetU16s(t *testing.T) {
	var got []uint16
	if err := setU16s(&got)([]any{uint64(0), uint64(65535), uint64(7)}); err != nil || !slices.Equal(got, []uint16{0, 65535, 7}) {
		t.Fatalf("got %v %v", got, err)
	}
	if err := setU16s(&got)([]any{uint64(65536)}); err == nil {
		t.Fatal("65536 taken as a u16")
	}
}

func TestSetU32(t *testing.T) {
	var got uint32
	if err := setU32(&got)(uint64(13_889)); err != nil || got != 13_889 {
		t.Fatalf("got %d %v", got, err)
	}
	if err := setU32(&got)(uint64(1) << 32); err == nil {
		t.Fatal("2^32 taken as a u32")
	}
}

// TestClient_epochParams reads every hyperparameter the epoch uses after moving each off its default,
// in the units the runtime stores, and says which epoch spec 300 runs.
func TestClient_epochParams(t *testing.T) {
	c, netuid := testChain(t)
	ctx := ctxT(t)
	before, err := c.Hyperparams(ctx, netuid)
	if err != nil {
		t.Fatal(err)
	}
	// The chain's defaults (yuma-spec.md §11), as spec 300 stores them, on a chain of our own (another
	// package's tests may have moved them on a shared one).
	if harnessPID > 0 && (before.Kappa != 32767 || before.BondsMovingAverage != 900_000 || before.BondsPenalty != 65535 ||
		before.AlphaLow != 45875 || before.AlphaHigh != 58982 || before.AlphaSigmoidSteepness != 1000 || before.Yuma3On ||
		before.LiquidAlphaOn || before.ActivityCutoff != 5000 || before.ActivityCutoffFactorMilli != 0) {
		t.Errorf("defaults = %+v", before)
	}
	// Raw storage writes, in the units the runtime stores (no transactions: a loaded machine makes
	// chopsticks slow to include them, and what is tested here is the reading).
	k := u16Key(netuid)
	set := func(hp chain.Hyperparams) {
		setStorage(t, c, "Kappa", u16Key(hp.Kappa), k)
		setStorage(t, c, "BondsMovingAverage", binary.LittleEndian.AppendUint64(nil, hp.BondsMovingAverage), k)
		setStorage(t, c, "BondsPenalty", u16Key(hp.BondsPenalty), k)
		setStorage(t, c, "LiquidAlphaOn", boolByte(hp.LiquidAlphaOn), k)
		setStorage(t, c, "Yuma3On", boolByte(hp.Yuma3On), k)
		setStorage(t, c, "ActivityCutoff", u16Key(hp.ActivityCutoff), k)
		setStorage(t, c, "AlphaValues", binary.LittleEndian.AppendUint16(u16Key(hp.AlphaLow), hp.AlphaHigh), k)
		setStorage(t, c, "AlphaSigmoidSteepness", u16Key(uint16(hp.AlphaSigmoidSteepness)), k)
		setStorage(t, c, "TaoWeight", binary.LittleEndian.AppendUint64(nil, hp.TaoWeight))
		setStorage(t, c, "StakeThreshold", binary.LittleEndian.AppendUint64(nil, hp.StakeThreshold))
	}
	want := before
	want.Kappa, want.BondsMovingAverage, want.BondsPenalty, want.LiquidAlphaOn, want.Yuma3On = 40000, 500_000, 20000, true, true
	want.AlphaLow, want.AlphaHigh, want.AlphaSigmoidSteepness, want.TaoWeight, want.StakeThreshold = 20000, 50000, -500, 1234567890123456789, 3
	want.ActivityCutoff = 4000
	set(want)
	defer set(before)
	// The steepness as the runtime stores -500, written by hand once.
	setStorage(t, c, "AlphaSigmoidSteepness", []byte{0x0c, 0xfe}, k)
	mg, err := c.Metagraph(ctx, netuid)
	if err != nil {
		t.Fatal(err)
	}
	hp := mg.Hyperparams
	if hp != want {
		t.Errorf("hyperparameters\n%+v, want\n%+v", hp, want)
	}
	if hp2, err := c.Hyperparams(ctx, netuid); err != nil || hp2 != want {
		t.Errorf("Hyperparams = %+v, %v", hp2, err)
	}
	// Spec 300: ActivityCutoff in blocks, no commit-reveal mask, stake from the runtime API.
	if r := mg.Epoch; r == nil || *r != (chain.EpochRules{SpecVersion: 300, StakeInherited: true}) {
		t.Errorf("epoch rules %+v", r)
	}
	if mg.LastStepBlock == 0 || mg.LastStepBlock > mg.Block {
		t.Errorf("last step block %d at block %d", mg.LastStepBlock, mg.Block)
	}
	alice0 := mg.Neurons[0]
	if alice0.Stake == 0 || alice0.TaoStake != 0 {
		t.Errorf("Alice's stake %d alpha, %d root: want alpha only (setup_subnet.mjs staked on the subnet)", alice0.Stake, alice0.TaoStake)
	}
	sc, err := Dial(ctx, harnessWS, Options{StorageMetagraph: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	smg, err := sc.Metagraph(ctx, netuid)
	if err != nil {
		t.Fatal(err)
	}
	if r := smg.Epoch; r == nil || r.StakeInherited {
		t.Errorf("storage path epoch rules %+v, want StakeInherited false", r)
	}
	terms, err := c.EpochTerms(ctx, netuid)
	if err != nil {
		t.Fatal(err)
	}
	if k := len(mg.Neurons); len(terms.Incentive) != k || len(terms.Dividends) != k || len(terms.Consensus) != k ||
		len(terms.ValidatorTrust) != k || len(terms.Emission) != k || len(terms.Active) != k || len(terms.ValidatorPermit) != k {
		t.Errorf("epoch terms %+v for %d uids", terms, k)
	}
	if !slices.Equal(terms.ValidatorPermit, []bool{mg.Neurons[0].ValidatorPermit, mg.Neurons[1].ValidatorPermit, mg.Neurons[2].ValidatorPermit}) {
		t.Errorf("permits %v, metagraph's %+v", terms.ValidatorPermit, mg.Neurons)
	}
}

func boolByte(b bool) []byte {
	if b {
		return []byte{1}
	}
	return []byte{0}
}
