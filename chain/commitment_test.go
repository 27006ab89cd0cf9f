package chain

import (
	"strings"
	"testing"
)

func TestCommitment_RawFields(t *testing.T) {
	raw := func(s string) CommitmentField { return CommitmentField{Kind: "Raw", Data: []byte(s)} }
	tests := []struct {
		name   string
		fields []CommitmentField
		want   []string
		err    string
	}{
		{"none", nil, []string{}, ""},
		{"two raw", []CommitmentField{raw("a"), raw("bc")}, []string{"a", "bc"}, ""},
		{"a hash field", []CommitmentField{raw("a"), {Kind: "Sha256", Data: make([]byte, 32)}}, nil, "a Sha256 field"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := (&Commitment{Fields: tc.fields}).RawFields()
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || len(got) != len(tc.want) {
				t.Fatalf("RawFields() = %q, %v", got, err)
			}
			for i := range got {
				if string(got[i]) != tc.want[i] {
					t.Fatalf("field %d = %q, want %q", i, got[i], tc.want[i])
				}
			}
		})
	}
}
