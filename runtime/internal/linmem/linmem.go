// Package linmem backs WebAssembly linear memories with anonymous memory mappings that are kept
// and reused from one instance to the next.
//
// Every scorer call runs in a fresh instance, so without it every call allocates its linear
// memory on the Go heap (megabytes, zeroed), copies all of it each time the guest grows it (the
// Go runtime in a guest grows its heap several times per call) and leaves it to the garbage
// collector. A Region instead reserves the memory's whole maximum as address space once, so
// growing never moves or copies it, and a released Region is zeroed and handed to the next
// instance. Zero pages and the reservation are the kernel's, outside the Go heap.
//
// A Region released for an Image (ReleaseAs) is left holding that image instead of zeros, and a
// Get for the same Image hands it out that way: an instance that would start by writing the
// image (a pre-initialised scorer's memory) then finds it written, and the bytes the release
// would have zeroed only to be overwritten are written once.
//
// A Region is released only by its owner (Release), never by the engine: an engine that frees
// an instance's memory while a call still runs in it (a runtime closed mid-call) must not give
// that memory to another instance. Region.Free, the engine's hook, does nothing for that reason.
package linmem

import (
	"sync"
)

// keepResident is how much of a released Region stays mapped in for the next instance; the
// rest of what the instance used is handed back to the kernel, so a pool of Regions holds at
// most this much each however large one call grew.
const keepResident = 16 << 20

// Pool hands out Regions of one reservation size and keeps released ones for reuse. It is safe
// for concurrent use.
type Pool struct {
	reserve uint64 // bytes of address space each Region reserves
	maxFree int    // Regions kept for reuse; more are unmapped on release

	mu     sync.Mutex
	free   []*Region
	closed bool
}

// NewPool returns a Pool whose Regions reserve reserve bytes each and which keeps at most
// maxFree released Regions.
func NewPool(reserve uint64, maxFree int) *Pool {
	return &Pool{reserve: reserve, maxFree: maxFree}
}

// An Image is what a released Region may hold instead of zeros: Runs of bytes at increasing,
// non-overlapping offsets, all below Size; every other byte is zero.
type Image struct {
	Size uint64
	Runs []Run
}

// Run is a stretch of an Image's bytes.
type Run struct {
	Offset uint64
	Bytes  []byte
}

// Get returns a Region able to grow to limit bytes (at most the pool's reservation): holding
// img (Imaged reports img) when a Region released for img is free, else zero-filled (img may be
// nil). When the system refuses a mapping it falls back to memory on the Go heap, which is
// correct and only slower.
func (p *Pool) Get(limit uint64, img *Image) *Region {
	if limit > p.reserve {
		return &Region{limit: limit, heap: true}
	}
	p.mu.Lock()
	if n := len(p.free); n > 0 {
		k := n - 1
		for j := n - 1; j >= 0; j-- {
			if p.free[j].img == img {
				k = j
				break
			}
		}
		r := p.free[k]
		p.free[k] = p.free[n-1]
		p.free = p.free[:n-1]
		p.mu.Unlock()
		if r.img != nil && r.img != img {
			clear(r.mem[:r.img.Size]) // holds another image: zero it
			r.img = nil
		}
		r.limit = limit
		return r
	}
	p.mu.Unlock()
	mem, err := mapRegion(p.reserve)
	if err != nil {
		return &Region{limit: limit, heap: true}
	}
	return &Region{pool: p, mem: mem, limit: limit}
}

// Close unmaps the kept Regions; Regions released later are unmapped at once.
func (p *Pool) Close() {
	p.mu.Lock()
	free := p.free
	p.free, p.closed = nil, true
	p.mu.Unlock()
	for _, r := range free {
		_ = unmapRegion(r.mem)
	}
}

// put takes back a zeroed Region, or unmaps it when the pool is full or closed.
func (p *Pool) put(r *Region) {
	p.mu.Lock()
	if !p.closed && len(p.free) < p.maxFree {
		p.free = append(p.free, r)
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	_ = unmapRegion(r.mem)
}

// Region is one linear memory. It implements wazero's experimental.LinearMemory.
type Region struct {
	pool  *Pool  // nil for a heap Region
	mem   []byte // the whole reservation (a mapped Region)
	limit uint64 // the instance's maximum, in bytes
	used  uint64 // the largest length handed out since the Region was zeroed or imaged
	img   *Image // what the Region holds beside zeros (nil: zeros only)
	heap  bool   // backed by the Go heap: mapping failed or the limit exceeds the reservation
	buf   []byte // a heap Region's memory
}

// Imaged returns the Image the Region held when it was handed out (nil: it was zero-filled).
func (r *Region) Imaged() *Image { return r.img }

// Reallocate returns the memory resized to size bytes, keeping its contents; new bytes are zero.
// It returns nil past the instance's limit, which the engine reports as a failed memory.grow.
func (r *Region) Reallocate(size uint64) []byte {
	if size > r.limit {
		return nil
	}
	if r.heap {
		if size > uint64(cap(r.buf)) {
			r.buf = append(r.buf[:cap(r.buf)], make([]byte, size-uint64(cap(r.buf)))...)
		}
		r.buf = r.buf[:size]
		return r.buf
	}
	if size > r.used {
		r.used = size
	}
	return r.mem[:size:size]
}

// Free is the engine's hook when it closes the instance. It does nothing: the Region goes back
// to its pool only through Release, by the owner that knows no call runs in it any more.
func (r *Region) Free() {}

// Release zeroes what the instance used and returns the Region to its pool. The Region must not
// be used afterwards.
func (r *Region) Release() { r.ReleaseAs(nil) }

// ReleaseAs is Release for a Region that the next instance will likely start from img: it leaves
// img's bytes in the Region and zeroes the rest of what the instance used (img nil, or larger
// than what a Region keeps resident: it zeroes everything, as Release).
func (r *Region) ReleaseAs(img *Image) {
	if r.heap {
		r.buf = nil
		return
	}
	if img != nil && img.Size > keepResident {
		img = nil
	}
	used := r.used
	if r.img != nil {
		used = max(used, r.img.Size) // it was handed out holding an image
	}
	r.used = 0
	keep := min(used, keepResident)
	var at uint64
	if img != nil {
		for _, run := range img.Runs {
			clear(r.mem[at:run.Offset])
			at = run.Offset + uint64(copy(r.mem[run.Offset:], run.Bytes))
		}
	}
	r.img = img
	if keep > at {
		clear(r.mem[at:keep])
	}
	if used > keep {
		if err := discard(r.mem[keep:used]); err != nil {
			// The kernel would not drop the pages: zero them here instead.
			clear(r.mem[keep:used])
		}
	}
	r.pool.put(r)
}
