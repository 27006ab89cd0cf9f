package runtime

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"

	"github.com/subnetd/subnetd/hostfns"
	"github.com/subnetd/subnetd/runtime/internal/linmem"
	"github.com/subnetd/subnetd/runtime/internal/meter"
	"github.com/subnetd/subnetd/runtime/internal/snapshot"
)

// Pre-initialisation (docs/METERING.md, "Pre-initialised instances"): a reactor's start-up (its
// start function and _initialize) is run once, when the module is loaded, and the state it left
// (memory, its size, the mutable globals) becomes the initial state of the module that every
// call instantiates. A call then starts where the start-up ended, without running it.
//
// It is done only where it provably changes nothing a call can observe. An instance's state is
// the module's code and tables, its memory and globals, and its Env (hostfns.Use lists all of
// the Env's state). The snapshot carries memory and globals; the code is unchanged; tables are
// unchanged unless the code has a table-writing instruction (then: no snapshot); of the Env, the
// monotonic clock is carried (ResumeMonotonic), and a start-up that wrote output, or that read
// the round's randomness or clock, is not snapshotted: those differ per call. Except in a module
// that exports subnetd_preinit, which declares that its start-up runs in the fixed start-up
// environment (hostfns.Env.BeginStartup), whether pre-initialised or not: then its start-up does
// not depend on the round by construction. Go's runtime seeds its maps' hashes and its random
// generator from random_get during _initialize, so a Go scorer is pre-initialised only with the
// export.
//
// Gas: the start-up's gas is measured once, at load, and every call is charged it on top of its
// own (its counter starts that much lower), so GasUsed and the point where a call runs out of
// gas are exactly what they are without the snapshot, and replay of old records is unchanged.

// preinit is what the calls of a pre-initialised module need to know about its start-up.
type preinit struct {
	gas  uint64 // the gas the start-up used, charged to every call
	mono uint64 // the monotonic clock's reading after the start-up
}

// preinitVersion names the snapshot format and rules; it is part of the cache path.
const preinitVersion = "preinit-v3"

// preinitMaxGas bounds the start-up run at load (or Limits.Gas, when lower): a start-up that
// needs more is run per call as before. Go's runtime needs about 0.7 M.
const preinitMaxGas = 1 << 28

// errNotSnapshotted marks the reasons a start-up is left to every call.
var errNotSnapshotted = errors.New("start-up not pre-initialised")

// preinitialize compiles the pre-initialised form of a metered reactor when its start-up can be
// snapshotted, or else the plain form (the prepared module: the same code with its globals
// exported). cached is the disk cache's verdict, if any (a snapshot in it was already tried).
// It returns a nil module when it compiled nothing (the module has no start-up, or the meter's
// view rules a snapshot out): the caller compiles the metered bytes as they are.
func (r *Runtime) preinitialize(ctx context.Context, key string, metered []byte, flags meteredFlags, info ModuleInfo, cached verdict) (compiledModule, *preinit, string, error) {
	switch {
	case !flags.hasStart && !info.HasInitialize:
		return nil, nil, "", nil // nothing to run
	case flags.writesTables:
		return nil, nil, "its code writes tables", nil
	}
	prepared, globals, err := snapshot.Prepare(metered)
	if err != nil {
		return nil, nil, err.Error(), nil
	}
	if cached.found && cached.pre == nil {
		cm, err := r.compilePlain(ctx, prepared, "")
		return cm, nil, cached.why, err
	}
	cm, err := r.compilePlain(ctx, prepared, "")
	if err != nil {
		return nil, nil, "", err
	}
	r.snapshots.Add(1)
	var snap []byte
	img, pre, err := r.runStartup(ctx, cm, nil, globals, flags, info)
	if err == nil {
		snap, err = snapshot.Build(prepared, globals, snapshot.Image{Memory: img.mem, Globals: img.values})
		if err != nil {
			err = fmt.Errorf("%w: %v", errNotSnapshotted, err)
		}
	}
	path := r.preinitCachePath(key)
	if err != nil {
		if errors.Is(err, errNotSnapshotted) {
			storePreinit(path, nil, nil, nil, nil, err.Error())
		}
		return cm, nil, err.Error(), nil
	}
	if pre.gas > r.limits.Gas {
		return cm, nil, "the start-up needs more gas than a call has", nil
	}
	scm, err := r.engCompile(ctx, snap, r.codeName(key, "snapshot"))
	if err != nil {
		return cm, nil, "compile the snapshot: " + err.Error(), nil // the plain module is right too
	}
	storePreinit(path, snap, nil, nil, pre, "")
	_ = cm.close(ctx)
	return scm, pre, "", nil
}

func (r *Runtime) compilePlain(ctx context.Context, wasm []byte, name string) (compiledModule, error) {
	cm, err := r.engCompile(ctx, wasm, name)
	if err != nil {
		return nil, fmt.Errorf("compile: %w", classifyCompile(err))
	}
	return cm, nil
}

// engCompile hands wasm to the engine's compiler, counting it. name is as for engine.compile.
func (r *Runtime) engCompile(ctx context.Context, wasm []byte, name string) (compiledModule, error) {
	r.engCompiles.Add(1)
	return r.eng.compile(ctx, wasm, name)
}

// codeName names, for the engine's disk cache, the bytes of a form of the module with key: the
// metered module ("metered", a function of the module and the meter's version and revision) or
// its pre-initialised snapshot ("snapshot", a function of what its preinit cache path names).
// It is empty (the engine hashes the bytes) without a cache directory, or when a test replaced
// the meter or the pre-initialisation: their bytes are then not what the name stands for.
func (r *Runtime) codeName(key, form string) string {
	if r.cacheDir == "" || r.opts.instrument != nil || r.opts.noPreinit {
		return ""
	}
	switch form {
	case "metered":
		return "metered-" + meter.Version + "-r" + meter.Revision + "-" + key
	case "snapshot":
		rel, err := filepath.Rel(r.cacheDir, r.preinitCachePath(key))
		if err != nil {
			return ""
		}
		sum := sha256.Sum256([]byte(filepath.ToSlash(rel)))
		return "snapshot-" + hex.EncodeToString(sum[:])
	}
	return ""
}

// runStartup runs the start-up of cm (the prepared module, or with start the prepared module
// compiled without its data, start being that data) once, as a call would, and returns the
// state it left: the memory and the values of globals. Reasons not to snapshot (wrapping
// errNotSnapshotted) are a function of the module's bytes and the memory cap; other errors (the
// backstop, the caller's context) are not kept.
func (r *Runtime) runStartup(ctx context.Context, cm compiledModule, start *memImage, globals []snapshot.Global, flags meteredFlags, info ModuleInfo) (*memImage, *preinit, error) {
	lim := r.limits
	env := hostfns.NewEnv(0, [32]byte{}, hostfns.NewLogBuffer(lim.Log))
	if info.PreInit {
		env.BeginStartup()
	}
	ctx, cancel := context.WithTimeout(ctx, lim.Timeout)
	defer cancel()
	i, err := cm.instantiate(ctx, env)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: instantiate: %v", errNotSnapshotted, err)
	}
	defer i.close(context.WithoutCancel(ctx))
	if start != nil {
		if err := i.(imageRestorer).restore(start); err != nil {
			return nil, nil, fmt.Errorf("%w: instantiate: %v", errNotSnapshotted, err)
		}
	}
	budget := int64(min(lim.Gas, preinitMaxGas))
	if err := i.setGas(budget); err != nil {
		return nil, nil, err
	}
	fail := func(what string, err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%w: %s: %v", errNotSnapshotted, what, firstLine(err.Error()))
	}
	if flags.hasStart {
		if _, err := i.call(ctx, meter.StartExport); err != nil {
			return nil, nil, fail("start function", err)
		}
	}
	if info.HasInitialize {
		if _, err := i.call(ctx, exportInitialize); err != nil {
			return nil, nil, fail("_initialize", err)
		}
	}
	left, err := i.gas()
	if err != nil {
		return nil, nil, err
	}
	if left < 0 {
		return nil, nil, fmt.Errorf("%w: the start-up needs more than %d gas", errNotSnapshotted, budget)
	}
	if d, err := i.depth(); err != nil || d != 0 {
		return nil, nil, fmt.Errorf("%w: call depth %d after the start-up", errNotSnapshotted, d)
	}
	u := env.Use()
	switch {
	case u.Output:
		return nil, nil, fmt.Errorf("%w: the start-up wrote output", errNotSnapshotted)
	case !info.PreInit && u.Random:
		return nil, nil, fmt.Errorf("%w: the start-up read the round's randomness (random_get) and the module does not export %s", errNotSnapshotted, exportPreinit)
	case !info.PreInit && u.Realtime:
		return nil, nil, fmt.Errorf("%w: the start-up read the round's clock and the module does not export %s", errNotSnapshotted, exportPreinit)
	}
	names := make([]string, len(globals))
	for k, g := range globals {
		names[k] = g.Export
	}
	mem, vals, err := i.image(names)
	if err != nil {
		return nil, nil, err
	}
	if len(mem)%65536 != 0 {
		return nil, nil, fmt.Errorf("%w: memory of %d bytes", errNotSnapshotted, len(mem))
	}
	img := &memImage{mem: mem, pages: uint32(len(mem) / 65536), globals: names, values: vals}
	return img, &preinit{gas: uint64(budget - left), mono: u.Monotonic}, nil
}

// memImage is an instance's initial memory and globals as the host writes them into a fresh
// instance of a module compiled without its data.
type memImage struct {
	mem     []byte         // the whole memory, as the start-up left it (until runs are taken from it)
	pages   uint32         // the memory's size
	runs    []snapshot.Run // its non-zero bytes
	globals []string       // exported mutable globals (snapshot.Prepare's) and their values
	values  []uint64
}

// imageEngine is an engine that pre-initialises by writing images into instances of one
// compiled module (wazero: a second compile would cost as much as the first) rather than by
// compiling a module with the image baked in (wasmtime: its copy-on-write data makes such a
// module the fastest to instantiate).
type imageEngine interface {
	restoresImages()
}

// imageKeeper is a module compiled by an imageEngine whose instances can be handed memory that
// holds the image already (wazero: linmem's Regions released for an Image).
type imageKeeper interface {
	keepImage(img *memImage)
}

// linear returns img as a linmem.Image (its runs shared, not copied), or nil when its runs are
// not in increasing, disjoint order (an Image's must be).
func (img *memImage) linear() *linmem.Image {
	li := &linmem.Image{Runs: make([]linmem.Run, len(img.runs))}
	for k, r := range img.runs {
		if uint64(r.Offset) < li.Size {
			return nil
		}
		li.Runs[k] = linmem.Run{Offset: uint64(r.Offset), Bytes: r.Bytes}
		li.Size = uint64(r.Offset) + uint64(len(r.Bytes))
	}
	return li
}

// imageRestorer is an instance of an imageEngine.
type imageRestorer interface {
	// restore grows the memory to img's size, writes its runs and sets its globals.
	restore(img *memImage) error
}

// preinitImage is preinitialize for an imageEngine: it compiles the prepared module without
// its data once, runs the start-up at load in an instance of it (the data written by the host),
// and sets e.image to what every call's instance starts from: the state the start-up left (with
// e.pre), or when that cannot be used, the module's own data (the start-up then runs per call).
// It reports false, having done nothing, for a module whose data the host cannot write exactly as
// an engine would: preinitialize handles those.
func (r *Runtime) preinitImage(ctx context.Context, key string, metered []byte, flags meteredFlags, info ModuleInfo, cached verdict, e *cacheEntry) (bool, error) {
	if (!flags.hasStart && !info.HasInitialize) || flags.writesTables {
		return false, nil
	}
	prepared, globals, err := snapshot.Prepare(metered)
	if err != nil {
		return false, nil
	}
	code, data, pages, err := snapshot.StripData(prepared)
	if err != nil {
		return false, nil
	}
	cm, err := r.compilePlain(ctx, code, "")
	if err != nil {
		return true, err
	}
	e.cm = cm
	start := &memImage{pages: pages, runs: data}
	switch {
	case cached.found && cached.pre == nil:
		e.image, e.preWhy = start, cached.why
		return true, nil
	case cached.found && cached.img != nil && cached.pre.gas <= r.limits.Gas:
		e.image, e.pre = cached.img, cached.pre
		return true, nil
	}
	r.snapshots.Add(1)
	img, pre, err := r.runStartup(ctx, cm, start, globals, flags, info)
	path := r.preinitCachePath(key)
	switch {
	case err != nil:
		if errors.Is(err, errNotSnapshotted) {
			storePreinit(path, nil, nil, nil, nil, err.Error())
		}
		e.image, e.preWhy = start, err.Error()
	case pre.gas > r.limits.Gas:
		e.image, e.preWhy = start, "the start-up needs more gas than a call has"
	default:
		img.runs = snapshot.Runs(img.mem)
		img.mem = nil // the runs keep what they need
		storePreinit(path, nil, img, code, pre, "")
		e.image, e.pre = img, pre
	}
	return true, nil
}

// The verdict of pre-initialising a module is cached on disk beside the meter's output: the
// snapshot is a function of the module's bytes (custom sections stripped), the meter, these
// rules, the engine that ran the start-up and the memory cap. A file holds: magic, a status byte
// (0 not snapshotted, 1 a snapshot module, 2 an image), the start-up's gas and monotonic clock
// (8 bytes each, little endian), the CRC-32C of the body, and the body (the reason it was not
// snapshotted, the snapshot module, or the module the image goes with, as length and bytes —
// the prepared module without its data, what the engine compiles, so that a cached load needs
// neither the meter's output nor snapshot.Prepare — followed by the image: its pages, its
// globals as count, then name length, name and value each, its runs as count, then offset,
// length and bytes each; every number 4 bytes little endian but the 8-byte values). A damaged
// file is ignored and rewritten.
// (A checksum finds damage; the cache directory is trusted like the engines' compiled code beside
// it, which no hash could vouch for.)
var preinitCacheMagic = []byte("subnetd-preinit\x02")

func (r *Runtime) preinitCachePath(key string) string {
	if r.cacheDir == "" {
		return ""
	}
	engine := fmt.Sprintf("%s-%s-pages%d", r.eng.name(), r.eng.version(), r.limits.MemoryPages)
	return filepath.Join(r.cacheDir, "preinit", preinitVersion, meter.Version+"-r"+meter.Revision, engine, key+".bin")
}

// verdict is what the disk cache says about pre-initialising a module.
type verdict struct {
	found bool
	snap  []byte    // the snapshot module (status 1)
	img   *memImage // the image (status 2)
	code  []byte    // the module the image goes with (status 2)
	pre   *preinit  // nil: not snapshotted, for the reason why
	why   string
}

// loadPreinit reads a cached verdict (found false when there is none, or it is damaged).
func loadPreinit(path string) verdict {
	if path == "" {
		return verdict{}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return verdict{}
	}
	status, pre, sum, ok := preinitHead(b)
	body := b[min(len(b), preinitHeadSize):]
	if !ok || crc32.Checksum(body, castagnoli) != sum {
		return verdict{}
	}
	switch status {
	case 0:
		return verdict{found: true, why: string(body)}
	case 1:
		return verdict{found: true, snap: body, pre: pre}
	case 2:
		if len(body) < 4 || uint64(len(body)-4) < uint64(binary.LittleEndian.Uint32(body)) {
			break
		}
		n := 4 + binary.LittleEndian.Uint32(body)
		if img, ok := decodeImage(body[n:]); ok {
			return verdict{found: true, img: img, code: body[4:n:n], pre: pre}
		}
	}
	return verdict{}
}

// loadPreinitHead reads only the head of a cached verdict that holds a snapshot module (status
// 1): the start-up's gas and clock, not the module or its checksum. It is for an engine that
// has the snapshot's code under its name already (the code, not these bytes, is what runs).
func loadPreinitHead(path string) (*preinit, bool) {
	if path == "" {
		return nil, false
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	b := make([]byte, preinitHeadSize)
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, false
	}
	status, pre, _, ok := preinitHead(b)
	return pre, ok && status == 1
}

// preinitHeadSize is the size of a verdict file's head: magic, status, gas, clock, checksum.
var preinitHeadSize = len(preinitCacheMagic) + 1 + 16 + 4

// preinitHead reads a verdict file's head from b: the status, the start-up's gas and clock, and
// the body's checksum (ok false when b is too short or not a verdict file).
func preinitHead(b []byte) (status byte, pre *preinit, sum uint32, ok bool) {
	if len(b) < preinitHeadSize || !bytes.Equal(b[:len(preinitCacheMagic)], preinitCacheMagic) {
		return 0, nil, 0, false
	}
	p := b[len(preinitCacheMagic):]
	pre = &preinit{gas: binary.LittleEndian.Uint64(p[1:]), mono: binary.LittleEndian.Uint64(p[9:])}
	return p[0], pre, binary.LittleEndian.Uint32(p[17:]), true
}

// storePreinit writes a verdict atomically: a snapshot module, an image and the module it goes
// with (code), or neither and the reason. Failures are ignored (the cache is an optimisation).
func storePreinit(path string, snap []byte, img *memImage, code []byte, pre *preinit, reason string) {
	if path == "" {
		return
	}
	b := append([]byte(nil), preinitCacheMagic...)
	body := []byte(reason)
	switch {
	case pre != nil && img != nil:
		b = append(b, 2)
		body = binary.LittleEndian.AppendUint32(nil, uint32(len(code)))
		body = append(append(body, code...), encodeImage(img)...)
	case pre != nil:
		b = append(b, 1)
		body = snap
	default:
		b = append(b, 0)
		pre = &preinit{}
	}
	b = binary.LittleEndian.AppendUint64(b, pre.gas)
	b = binary.LittleEndian.AppendUint64(b, pre.mono)
	b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(body, castagnoli))
	writeCacheFile(path, append(b, body...))
}

func encodeImage(img *memImage) []byte {
	b := binary.LittleEndian.AppendUint32(nil, img.pages)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(img.globals)))
	for k, name := range img.globals {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(name)))
		b = append(b, name...)
		b = binary.LittleEndian.AppendUint64(b, img.values[k])
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(len(img.runs)))
	for _, r := range img.runs {
		b = binary.LittleEndian.AppendUint32(b, r.Offset)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(r.Bytes)))
		b = append(b, r.Bytes...)
	}
	return b
}

// decodeImage reads encodeImage's output; the runs alias b.
func decodeImage(b []byte) (*memImage, bool) {
	u32 := func() (uint32, bool) {
		if len(b) < 4 {
			return 0, false
		}
		v := binary.LittleEndian.Uint32(b)
		b = b[4:]
		return v, true
	}
	take := func(n uint32) ([]byte, bool) {
		if uint64(len(b)) < uint64(n) {
			return nil, false
		}
		v := b[:n:n]
		b = b[n:]
		return v, true
	}
	img := &memImage{}
	var ok bool
	var n uint32
	if img.pages, ok = u32(); !ok {
		return nil, false
	}
	if n, ok = u32(); !ok {
		return nil, false
	}
	for range n {
		l, ok := u32()
		if !ok {
			return nil, false
		}
		name, ok := take(l)
		if !ok {
			return nil, false
		}
		v, ok := take(8)
		if !ok {
			return nil, false
		}
		img.globals = append(img.globals, string(name))
		img.values = append(img.values, binary.LittleEndian.Uint64(v))
	}
	if n, ok = u32(); !ok {
		return nil, false
	}
	for range n {
		off, ok1 := u32()
		l, ok2 := u32()
		data, ok3 := take(l)
		if !ok1 || !ok2 || !ok3 || uint64(off)+uint64(l) > uint64(img.pages)*65536 {
			return nil, false
		}
		img.runs = append(img.runs, snapshot.Run{Offset: off, Bytes: data})
	}
	return img, len(b) == 0
}
