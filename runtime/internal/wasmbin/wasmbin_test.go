package wasmbin

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestReader_ULEB(t *testing.T) {
	tests := []struct {
		in   []byte
		bits uint
		want uint64
		err  bool
	}{
		{[]byte{0x00}, 32, 0, false},
		{[]byte{0xe5, 0x8e, 0x26}, 32, 624485, false},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0x0f}, 32, 0xffffffff, false},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0x1f}, 32, 0, true},       // too large for 32 bits
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 32, 0, true}, // too long
		{[]byte{0x80}, 32, 0, true},                               // cut short
		{[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, 64, 1<<64 - 1, false},
	}
	for _, tc := range tests {
		r := Reader{B: tc.in}
		got, err := r.ULEB(tc.bits)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ULEB(% x, %d) = %d, %v", tc.in, tc.bits, got, err)
		}
		if err != nil && !errors.Is(err, ErrMalformed) {
			t.Errorf("error %v does not wrap ErrMalformed", err)
		}
	}
}

func TestReader_SLEB(t *testing.T) {
	tests := []struct {
		in   []byte
		want int64
	}{
		{[]byte{0x00}, 0},
		{[]byte{0x7f}, -1},
		{[]byte{0xc0, 0xbb, 0x78}, -123456},
		{[]byte{0x80, 0x7f}, -128},
	}
	for _, tc := range tests {
		r := Reader{B: tc.in}
		if got, err := r.SLEB(64); err != nil || got != tc.want {
			t.Errorf("SLEB(% x) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}

func TestReader_Limits(t *testing.T) {
	r := Reader{B: []byte{0x01, 0x02, 0x10, 0x00, 0x05, 0x08}}
	f, min, max, err := r.Limits()
	if err != nil || f != 1 || min != 2 || max != 16 {
		t.Fatalf("Limits = %d %d %d %v", f, min, max, err)
	}
	if _, _, _, err := r.Limits(); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := r.Limits(); err == nil {
		t.Fatal("flags 0x08 accepted")
	}
	if _, err := (&Reader{B: []byte{0x05, 'a'}}).Name(); err == nil {
		t.Fatal("short name accepted")
	}
}

func FuzzReader(f *testing.F) {
	f.Add([]byte{0x01, 0x80, 0x80})
	f.Fuzz(func(t *testing.T, b []byte) {
		r := Reader{B: b}
		for !r.Done() {
			before := r.Off
			_, _ = r.U32()
			_, _, _, _ = r.Limits()
			_, _ = r.Name()
			_, _ = r.SLEB(64)
			if r.Off == before {
				r.Off++
			}
		}
	})
}

func TestReader_entries(t *testing.T) {
	// (i32, i64) -> i32; import "m"."f" func type 3; import "m"."mem" memory {1, max 2}; export "x" func 7.
	r := Reader{B: []byte{0x60, 0x02, 0x7f, 0x7e, 0x01, 0x7f,
		0x01, 'm', 0x01, 'f', 0x00, 0x03,
		0x01, 'm', 0x03, 'm', 'e', 'm', 0x02, 0x01, 0x01, 0x02,
		0x01, 'x', 0x00, 0x07}}
	p, res, err := r.FuncType()
	if err != nil || string(p) != "\x7f\x7e" || string(res) != "\x7f" {
		t.Fatalf("FuncType = % x, % x, %v", p, res, err)
	}
	im, err := r.Import()
	if err != nil || im != (Import{Module: "m", Name: "f", Kind: KindFunc, Type: 3}) {
		t.Fatalf("Import = %+v, %v", im, err)
	}
	if im, err = r.Import(); err != nil || im.Kind != KindMemory || im.Name != "mem" {
		t.Fatalf("Import = %+v, %v", im, err)
	}
	e, err := r.Export()
	if err != nil || e != (Export{Name: "x", Kind: KindFunc, Index: 7}) || !r.Done() {
		t.Fatalf("Export = %+v, %v", e, err)
	}
	if _, _, err := (&Reader{B: []byte{0x5f}}).FuncType(); err == nil {
		t.Fatal("form 0x5f accepted")
	}
	if _, err := (&Reader{B: []byte{0x00, 0x00, 0x09}}).Import(); err == nil {
		t.Fatal("import kind 9 accepted")
	}
}

func TestReader_Section(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   []byte
		id   byte
		body string
		err  string
	}{
		{"whole", []byte{1, 3, 'a', 'b', 'c'}, 1, "abc", ""},
		{"empty body", []byte{0, 0}, 0, "", ""},
		{"padded size", []byte{10, 0x82, 0x80, 0x00, 'x', 'y'}, 10, "xy", ""},
		{"cut short", []byte{2, 5, 'a'}, 2, "", "section 2 is cut short"},
		{"no size", []byte{3}, 3, "", "section 3 size"},
		{"nothing", nil, 0, "", "unexpected end"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := Reader{B: tt.in}
			id, body, err := r.Section()
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want it to mention %q", err, tt.err)
				}
				return
			}
			if err != nil || id != tt.id || string(body) != tt.body || !r.Done() {
				t.Fatalf("Section() = %d, %q, %v (done %t)", id, body, err, r.Done())
			}
		})
	}
}

// TestAppend: what the writers append, the Reader reads back.
func TestAppend(t *testing.T) {
	for _, v := range []int64{0, 1, -1, 63, 64, -64, -65, 1 << 31, -(1 << 31), 1<<63 - 1, -1 << 63} {
		r := Reader{B: AppendSLEB(nil, v)}
		if got, err := r.SLEB(64); err != nil || got != v || !r.Done() {
			t.Fatalf("SLEB %d: read back %d, %v", v, got, err)
		}
		u := uint64(v)
		r = Reader{B: AppendULEB(nil, u)}
		if got, err := r.ULEB(64); err != nil || got != u || !r.Done() {
			t.Fatalf("ULEB %d: read back %d, %v", u, got, err)
		}
	}
	b := AppendSection(nil, 0, AppendName(nil, "name"))
	r := Reader{B: b}
	id, body, err := r.Section()
	if err != nil || id != 0 {
		t.Fatal(id, err)
	}
	br := Reader{B: body}
	if name, err := br.Name(); err != nil || name != "name" || !br.Done() {
		t.Fatalf("name %q %v", name, err)
	}
}

func TestReader_ConstExpr(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		n    int // bytes read; 0: an error
	}{
		{"i32.const", []byte{0x41, 0x80, 0x10, 0x0b, 0xff}, 4},
		{"i64.const", []byte{0x42, 0x7f, 0x0b}, 3},
		{"f32.const", []byte{0x43, 1, 2, 3, 4, 0x0b}, 6},
		{"f64.const", []byte{0x44, 1, 2, 3, 4, 5, 6, 7, 8, 0x0b}, 10},
		{"global.get", []byte{0x23, 0x05, 0x0b}, 3},
		{"ref.null", []byte{0xd0, 0x70, 0x0b}, 3},
		{"ref.func", []byte{0xd2, 0x81, 0x01, 0x0b}, 4},
		{"no end", []byte{0x41, 0x00}, 0},
		{"f64 cut short", []byte{0x44, 1, 2}, 0},
		{"not constant", []byte{0x6a, 0x0b}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Reader{B: tt.in}
			b, err := r.ConstExpr()
			if tt.n == 0 {
				if err == nil || !errors.Is(err, ErrMalformed) {
					t.Fatalf("ConstExpr = %x, %v; want ErrMalformed", b, err)
				}
				return
			}
			if err != nil || len(b) != tt.n || r.Off != tt.n {
				t.Fatalf("ConstExpr = %x (at %d), %v; want %d bytes", b, r.Off, err, tt.n)
			}
		})
	}
}

func TestDataSection(t *testing.T) {
	seg0 := []byte{0x00, 0x41, 0x00, 0x0b, 0x02, 'h', 'i'} // active at 0, "hi"
	seg1 := []byte{0x01, 0x01, 'x'}                        // passive, "x"
	seg2 := []byte{0x02, 0x00, 0x41, 0x08, 0x0b, 0x00}     // memory 0 at 8, empty
	cat := func(bs ...[]byte) []byte { return bytes.Join(bs, nil) }
	tests := []struct {
		name string
		body []byte
		ok   bool
	}{
		{"three kinds", cat([]byte{3}, seg0, seg1, seg2), true},
		{"none", []byte{0}, true},
		{"count past the bytes", []byte{0xff, 0xff, 0xff, 0xff, 0x0f}, false},
		{"at the limit", cat(AppendULEB(nil, MaxDataSegments), bytes.Repeat(seg1, MaxDataSegments)), true},
		{"over the limit", cat(AppendULEB(nil, MaxDataSegments+1), bytes.Repeat(seg1, MaxDataSegments+1)), false},
		{"bytes past the body", []byte{1, 0x01, 0xff, 0xff, 0xff, 0xff, 0x0f}, false},
		{"unknown flags", []byte{1, 0x03, 0x00}, false},
		{"trailing bytes", cat([]byte{1}, seg1, []byte{0}), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := DataSection(tt.body); (err == nil) != tt.ok {
				t.Fatalf("DataSection = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestTableSection(t *testing.T) {
	tests := []struct {
		name string
		body []byte
		want []Table // nil: an error
	}{
		{"two", []byte{2, 0x70, 0x00, 0x05, 0x6f, 0x01, 0x01, 0x02}, []Table{{0x70, 0, 5, 0}, {0x6f, 1, 1, 2}}},
		{"none", []byte{0}, []Table{}},
		{"count past the bytes", []byte{0xff, 0xff, 0xff, 0xff, 0x0f}, nil},
		{"trailing bytes", []byte{1, 0x70, 0x00, 0x05, 0x00}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := TableSection(tt.body)
			if tt.want == nil {
				if err == nil {
					t.Fatalf("TableSection = %v, want an error", got)
				}
				return
			}
			if err != nil || len(got) != len(tt.want) {
				t.Fatalf("TableSection = %v, %v; want %v", got, err, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("table %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}
