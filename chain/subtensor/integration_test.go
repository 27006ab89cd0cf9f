package subtensor

import (
	"errors"
	"slices"
	"testing"

	"github.com/subnetd/subnetd/chain"
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
