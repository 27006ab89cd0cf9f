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
			r := p.Get(tt.limit, nil)
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
	a := p.Get(reserve, nil)
	b := a.Reallocate(reserve)
	for _, off := range []int{0, 1 << 20, keepResident - 1, keepResident, reserve - 1} {
		b[off] = 0xff
	}
	a.Release()
	c := p.Get(reserve, nil)
	if c != a {
		t.Fatal("a released region was not reused")
	}
	if got := c.Reallocate(reserve); !allZero(got) {
		t.Fatal("a reused region is not zero")
	}
	d := p.Get(reserve, nil) // the pool is empty: a new mapping
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
	r := p.Get(1<<20, nil)
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

// TestRegion_ReleaseAs: a Region released for an Image holds exactly that image (its runs, zero
// between and after them, whatever the instance wrote), is handed out that way to a Get for the
// same Image, and zero-filled to a Get for none or for another Image.
func TestRegion_ReleaseAs(t *testing.T) {
	const reserve = 40 << 20
	imgA := &Image{Size: 3 << 16, Runs: []Run{{Offset: 8, Bytes: []byte("alpha")}, {Offset: 70000, Bytes: []byte("beta")}, {Offset: 3<<16 - 2, Bytes: []byte("zz")}}}
	imgB := &Image{Size: 1 << 16, Runs: []Run{{Offset: 100, Bytes: []byte("other")}}}
	holds := func(b []byte, img *Image) bool {
		var at uint64
		for _, run := range img.Runs {
			if !allZero(b[at:run.Offset]) || !bytes.Equal(b[run.Offset:run.Offset+uint64(len(run.Bytes))], run.Bytes) {
				return false
			}
			at = run.Offset + uint64(len(run.Bytes))
		}
		return allZero(b[at:])
	}
	scribble := func(r *Region) {
		b := r.Reallocate(reserve)
		for _, off := range []int{0, 9, 70001, 1 << 20, keepResident + 5, reserve - 1} {
			b[off] = 0xee
		}
	}
	tests := []struct {
		name string
		get  *Image // the Get after a release for imgA
		want *Image // what the Region must hold (nil: zeros)
	}{
		{"same image", imgA, imgA},
		{"no image", nil, nil},
		{"another image", imgB, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewPool(reserve, 1)
			defer p.Close()
			r := p.Get(reserve, imgA)
			if r.Imaged() != nil {
				t.Fatal("a new region claims an image")
			}
			scribble(r)
			r.ReleaseAs(imgA)
			r = p.Get(reserve, tt.get)
			if r.Imaged() != tt.want {
				t.Fatalf("Imaged() = %p, want %p", r.Imaged(), tt.want)
			}
			b := r.Reallocate(reserve)
			if tt.want != nil && !holds(b, tt.want) || tt.want == nil && !allZero(b) {
				t.Fatal("the region does not hold what Imaged says")
			}
			// Released again for another image after being handed out imaged: all of imgA goes.
			scribble(r)
			r.ReleaseAs(imgB)
			if r = p.Get(reserve, imgB); r.Imaged() != imgB || !holds(r.Reallocate(reserve), imgB) {
				t.Fatal("a region released for imgB does not hold it")
			}
			r.Release()
		})
	}
}
