package devnet

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/subnetd/subnetd/chain"
	"github.com/subnetd/subnetd/wallet"
)

func TestNode_SetCommitment(t *testing.T) {
	ctx := context.Background()
	c := New(1)
	hp := DefaultHyperparameters()
	hp.Tempo = 10
	alice, _ := wallet.FromURI("//Alice")
	bob, _ := wallet.FromURI("//Bob")
	if err := c.CreateSubnet(3, SubnetConfig{Hyperparameters: hp, OwnerHotkey: alice.SS58()}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Register(3, alice.SS58()); err != nil {
		t.Fatal(err)
	}
	n := NewNode(c)
	big := bytes.Repeat([]byte{'x'}, chain.MaxRawCommitment+1)
	tests := []struct {
		name   string
		signer *wallet.Keypair
		netuid uint16
		fields [][]byte
		want   error
	}{
		{"not registered", bob, 3, [][]byte{[]byte("a")}, ErrAccountNotAllowedCommit},
		{"no subnet", alice, 4, [][]byte{[]byte("a")}, chain.ErrSubNetworkDoesNotExist},
		{"four fields", alice, 3, [][]byte{{1}, {2}, {3}, {4}}, ErrTooManyFieldsInCommitmentInfo},
		{"field too long", alice, 3, [][]byte{big}, chain.ErrNotAvailable},
		{"ok", alice, 3, [][]byte{[]byte("sd-pin1:abc"), []byte("https://example.org/p/")}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := n.SetCommitment(ctx, tc.signer, tc.netuid, tc.fields)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if err == nil && res.Outcome() != "Commitments.Commitment" {
				t.Fatalf("outcome %q", res.Outcome())
			}
		})
	}
	owner, err := n.SubnetOwnerHotkey(ctx, 3)
	if err != nil || owner != chain.AccountID(alice.PublicKey()) {
		t.Fatalf("owner %s %v", owner, err)
	}
	cm, err := n.Commitment(ctx, 3, owner)
	if err != nil {
		t.Fatal(err)
	}
	if cm.Block != 1 || len(cm.Fields) != 2 || string(cm.Fields[1].Data) != "https://example.org/p/" || cm.Fields[0].Kind != "Raw" {
		t.Fatalf("commitment %+v", cm)
	}
	if _, err := n.Commitment(ctx, 3, chain.AccountID(bob.PublicKey())); !errors.Is(err, chain.ErrNoCommitment) {
		t.Fatalf("bob's commitment: %v", err)
	}
	// Each commitment counts at least 100 bytes against 3100 per epoch: the 31st in the same
	// epoch is refused, and a new epoch starts afresh.
	var last error
	count := 1 // the one above
	for ; count < 40; count++ {
		if _, last = n.SetCommitment(ctx, alice, 3, [][]byte{{byte(count)}}); last != nil {
			break
		}
	}
	if !errors.Is(last, ErrSpaceLimitExceeded) || count != MaxCommitmentSpace/100 {
		t.Fatalf("after %d commitments: %v", count, last)
	}
	if _, err := n.Advance(11); err != nil {
		t.Fatal(err)
	}
	if _, err := n.SetCommitment(ctx, alice, 3, [][]byte{{1}}); err != nil {
		t.Fatalf("next epoch: %v", err)
	}
}

func TestNode_CommitmentAt(t *testing.T) {
	ctx := context.Background()
	c := New(1)
	alice, _ := wallet.FromURI("//Alice")
	if err := c.CreateSubnet(3, SubnetConfig{Hyperparameters: DefaultHyperparameters(), OwnerHotkey: alice.SS58()}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Register(3, alice.SS58()); err != nil {
		t.Fatal(err)
	}
	n := NewNode(c)
	set := map[uint64]string{} // block → the field set in it
	for _, v := range []string{"v1", "v2", "v3"} {
		if _, err := c.AdvanceTo(c.Block() + 2); err != nil {
			t.Fatal(err)
		}
		if _, err := n.SetCommitment(ctx, alice, 3, [][]byte{[]byte(v)}); err != nil {
			t.Fatal(err)
		}
		set[c.Block()] = v
	}
	id := chain.AccountID(alice.PublicKey())
	tests := []struct {
		block uint64
		want  string // "" : none yet
	}{{1, ""}, {2, ""}, {3, "v1"}, {4, "v1"}, {5, "v2"}, {7, "v3"}, {100, "v3"}}
	for _, tc := range tests {
		cm, err := n.CommitmentAt(ctx, 3, id, tc.block)
		if tc.want == "" {
			if !errors.Is(err, chain.ErrNoCommitment) {
				t.Fatalf("block %d: %v, want ErrNoCommitment", tc.block, err)
			}
			continue
		}
		if err != nil || string(cm.Fields[0].Data) != tc.want || set[cm.Block] != tc.want {
			t.Fatalf("block %d: %+v %v, want %s", tc.block, cm, err, tc.want)
		}
	}
}
