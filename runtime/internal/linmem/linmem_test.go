package linmem

import (
	"bytes"
	"testing"
)

func TestRegion_Reallocate(t *testing.T) {
	tests := []struct {
		name    string
		reserve uint64
		limit   uint64
		heap    bool
	}{
		{"mapped", 1 << 20, 1 << 20, false},
		{"limit below the reservation", 1 << 20, 256 << 10, false},
		{"limit past the reservation: heap", 64 << 10, 256 << 10, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewPool(tt.reserve, 1)
			defer p.Close()
			r := p.Get(tt.limit)
			defer r.Release()
			if r.heap != tt.heap {
				t.Fatalf("heap = %t, want %t", r.heap, tt.heap)
			}
			b := r.Reallocate(64 << 10)
			if len(b) != 64<<10 {
				t.Fatalf("len %d", len(b))
			}
			copy(b[100:], "kept")
			b = r.Reallocate(tt.limit)
			if len(b) != int(tt.limit) || !bytes.Equal(b[100:104], []byte("kept")) {
				t.Fatalf("grow to the limit: len %d, contents %q", len(b), b[100:104])
			}
			if !allZero(b[104:]) {
				t.Fatal("grown bytes are not zero")
			}
			if r.Reallocate(tt.limit+1) != nil {
				t.Fatal("grew past the limit")
			}
		})
	}
}

func TestPool_Get(t *testing.T) {
	const reserve = 40 << 20 // past keepResident, so Release also hands pages back
	p := NewPool(reserve, 1)
	defer p.Close()
	a := p.Get(reserve)
	b := a.Reallocate(reserve)
	for _, off := range []int{0, 1 << 20, keepResident - 1, keepResident, reserve - 1} {
		b[off] = 0xff
	}
	a.Release()
	c := p.Get(reserve)
	if c != a {
		t.Fatal("a released region was not reused")
	}
	if got := c.Reallocate(reserve); !allZero(got) {
		t.Fatal("a reused region is not zero")
	}
	d := p.Get(reserve) // the pool is empty: a new mapping
	if d == c {
		t.Fatal("one region handed out twice")
	}
	c.Release()
	d.Release() // past maxFree: unmapped
	if len(p.free) != 1 {
		t.Fatalf("pool keeps %d regions, want 1", len(p.free))
	}
}

func TestPool_Close(t *testing.T) {
	p := NewPool(1<<20, 4)
	r := p.Get(1 << 20)
	r.Reallocate(1 << 20)[7] = 1
	p.Close()
	r.Release() // after Close: unmapped, not kept
	if len(p.free) != 0 {
		t.Fatalf("a closed pool keeps %d regions", len(p.free))
	}
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
