package chain

import (
	"errors"
	"fmt"
)

// MaxRawCommitment is the size of a Raw field of the Commitments pallet (BoundedVec<u8, 128>).
const MaxRawCommitment = 128

// ErrNoCommitment: the hotkey has no commitment on the subnet.
var ErrNoCommitment = errors.New("no commitment")

// Commitment is what a hotkey committed on a subnet with the Commitments pallet's set_commitment
// (storage Commitments.CommitmentOf): the block of the commit and its fields.
type Commitment struct {
	// Netuid and Hotkey say whose commitment it is.
	Netuid uint16    `json:"netuid"`
	Hotkey AccountID `json:"hotkey"`
	// Block is the block the commitment was set in.
	Block uint64 `json:"block"`
	// Fields are the committed fields in order.
	Fields []CommitmentField `json:"fields"`
}

// CommitmentField is one field of a commitment: its Data variant's name ("Raw", "Sha256",
// "BigRaw", …) and its bytes. "None" and variants without bytes have empty Data.
type CommitmentField struct {
	Kind string `json:"kind"`
	Data []byte `json:"data"`
}

// RawFields returns the bytes of every field when all of them are Raw (the form a scorer pin
// takes), and an error naming the first field of another kind otherwise.
func (c *Commitment) RawFields() ([][]byte, error) {
	raw := make([][]byte, 0, len(c.Fields))
	for _, f := range c.Fields {
		if f.Kind != "Raw" {
			return nil, fmt.Errorf("a %s field", f.Kind)
		}
		raw = append(raw, f.Data)
	}
	return raw, nil
}

// Raw returns the bytes of the first field of kind "Raw", and whether there is one.
func (c *Commitment) Raw() ([]byte, bool) {
	for _, f := range c.Fields {
		if f.Kind == "Raw" {
			return f.Data, true
		}
	}
	return nil, false
}
