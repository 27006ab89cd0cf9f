package timelock

import (
	"errors"
	"slices"
	"testing"
)

func TestBuildCommit(t *testing.T) {
	v := loadVectors(t)
	var sig1000 []byte
	for _, s := range v.Signatures {
		if s.Round == 1000 {
			sig1000 = mustHex(t, s.Signature)
		}
	}
	if sig1000 == nil {
		t.Skip("no round-1000 signature in vectors.json")
	}
	for _, f := range []Format{FormatV4, FormatLegacy} {
		t.Run(f.String(), func(t *testing.T) {
			req := CommitRequest{
				Format: f, Hotkey: alice, VersionKey: 7, RevealRound: 1000,
				Uids: []uint16{0, 1, 2, 3}, Weights: []uint16{50, 100, 0, 25},
			}
			ct, err := BuildCommit(seeded(3), req)
			if err != nil {
				t.Fatal(err)
			}
			pt, err := Quicknet().Decrypt(1000, sig1000, ct)
			if err != nil {
				t.Fatalf("decrypt own commit with the real round-1000 signature: %v", err)
			}
			p, err := DecodePayload(f, pt)
			if err != nil {
				t.Fatal(err)
			}
			// Max-upscaled (50/100 → 32767.5 → 32768), uid 2 dropped with its zero.
			if !slices.Equal(p.Uids, []uint16{0, 1, 3}) || !slices.Equal(p.Values, []uint16{32768, 65535, 16384}) || p.VersionKey != 7 {
				t.Fatalf("payload %+v", p)
			}
			if f == FormatV4 && !slices.Equal(p.Hotkey, alice) {
				t.Fatalf("hotkey %x", p.Hotkey)
			}
		})
	}
}

func TestBuildCommit_Errors(t *testing.T) {
	many := make([]uint16, 1200)
	for i := range many {
		many[i] = uint16(i)
	}
	cases := []struct {
		name  string
		req   CommitRequest
		errIs error
	}{
		{"too large", CommitRequest{Format: FormatV4, Hotkey: alice, Uids: many, Weights: many, RevealRound: 5}, ErrCommitTooLarge},
		{"bad hotkey", CommitRequest{Format: FormatV4, Hotkey: alice[:3], Uids: []uint16{1}, Weights: []uint16{1}, RevealRound: 5}, ErrInvalidPayload},
		{"all zero", CommitRequest{Format: FormatLegacy, Uids: []uint16{1}, Weights: []uint16{0}, RevealRound: 5}, ErrNoWeights},
		{"round 0", CommitRequest{Format: FormatLegacy, Uids: []uint16{1}, Weights: []uint16{1}}, ErrInvalidRound},
		{"no format", CommitRequest{Uids: []uint16{1}, Weights: []uint16{1}, RevealRound: 5}, ErrInvalidPayload},
	}
	for _, c := range cases {
		if _, err := BuildCommit(seeded(1), c.req); !errors.Is(err, c.errIs) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.errIs)
		}
	}
	// The largest v4 commit that fits: 33 + 2*(2+2n) + 8 + 244 <= 5000 → n = 1177
	// (4997 bytes); 1178 uids make 5001.
	req := CommitRequest{Format: FormatV4, Hotkey: alice, Uids: many[:1177], Weights: many[:1177], RevealRound: 5}
	req.Weights = slices.Clone(req.Weights)
	req.Weights[0] = 1 // uid 0 must keep a non-zero weight
	ct, err := BuildCommit(seeded(1), req)
	if err != nil || len(ct) != 4997 {
		t.Errorf("1177 uids: %d bytes, %v", len(ct), err)
	}
	req.Uids, req.Weights = many[:1178], append(req.Weights, 1)
	if _, err := BuildCommit(seeded(1), req); !errors.Is(err, ErrCommitTooLarge) {
		t.Errorf("1178 uids: %v", err)
	}
	// Legacy has no hotkey: 2*(2+2n) + 8 + 244 <= 5000 → n = 1186, exactly 5000 bytes.
	ones := slices.Repeat([]uint16{1}, 1187)
	req.Format, req.Uids, req.Weights = FormatLegacy, many[:1186], ones[:1186]
	if ct, err := BuildCommit(seeded(1), req); err != nil || len(ct) != MaxCommitSize {
		t.Errorf("legacy 1186 uids: %d bytes, %v", len(ct), err)
	}
	req.Uids, req.Weights = many[:1187], ones
	if _, err := BuildCommit(seeded(1), req); !errors.Is(err, ErrCommitTooLarge) {
		t.Errorf("legacy 1187 uids: %v", err)
	}
}
