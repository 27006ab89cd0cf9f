package meter

import (
	"bytes"
	"testing"

	"github.com/subnetd/subnetd/runtime/internal/wasmbin"
)

// dataSection encodes active memory-0 segments at i32.const offsets.
func dataSection(segs ...struct {
	off  int32
	data string
}) []byte {
	out := appendU32(nil, uint32(len(segs)))
	for _, s := range segs {
		out = append(out, 0x00, 0x41)
		out = wasmbin.AppendSLEB(out, int64(s.off))
		out = append(out, 0x0b)
		out = appendU32(out, uint32(len(s.data)))
		out = append(out, s.data...)
	}
	return out
}

type seg = struct {
	off  int32
	data string
}

func TestCoalesceData(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want []byte // nil: unchanged
	}{
		{"adjacent", dataSection(seg{0, "ab"}, seg{2, "cd"}), dataSection(seg{0, "abcd"})},
		{"small gap filled with zeros", dataSection(seg{10, "ab"}, seg{14, "cd"}), dataSection(seg{10, "ab\x00\x00cd"})},
		{"out of order but disjoint", dataSection(seg{100, "z"}, seg{0, "a"}, seg{1, "b"}), dataSection(seg{0, "ab"}, seg{100, "z"})},
		{"gap too large", dataSection(seg{0, "a"}, seg{1000, "b"}), dataSection(seg{0, "a"}, seg{1000, "b"})},
		{"overlapping: later write wins, left alone", dataSection(seg{0, "abc"}, seg{1, "X"}), nil},
		{"passive segment", append(appendU32(nil, 1), 0x01, 0x01, 'a'), nil},
		{"global offset", append(appendU32(nil, 1), 0x00, 0x23, 0x00, 0x0b, 0x01, 'a'), nil},
		{"truncated", dataSection(seg{0, "abcd"})[:5], nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := coalesceData(tc.in)
			want := tc.want
			if want == nil {
				want = tc.in
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("coalesceData = % x, want % x", got, want)
			}
		})
	}
}
