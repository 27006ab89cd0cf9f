package runtime

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"

	"github.com/subnetd/subnetd/hostfns"
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
const preinitVersion = "preinit-v1"

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
		cm, err := r.compilePlain(ctx, prepared)
		return cm, nil, cached.why, err
	}
	cm, err := r.compilePlain(ctx, prepared)
	if err != nil {
		return nil, nil, "", err
	}
	r.snapshots.Add(1)
	snap, pre, err := r.runStartup(ctx, cm, prepared, globals, flags, info)
	path := r.preinitCachePath(key)
	if err != nil {
		if errors.Is(err, errNotSnapshotted) {
			storePreinit(path, nil, nil, err.Error())
		}
		return cm, nil, err.Error(), nil
	}
	if pre.gas > r.limits.Gas {
		return cm, nil, "the start-up needs more gas than a call has", nil
	}
	scm, err := r.eng.compile(ctx, snap)
	if err != nil {
		return cm, nil, "compile the snapshot: " + err.Error(), nil // the plain module is right too
	}
	storePreinit(path, snap, pre, "")
	_ = cm.close(ctx)
	return scm, pre, "", nil
}

func (r *Runtime) compilePlain(ctx context.Context, wasm []byte) (compiledModule, error) {
	cm, err := r.eng.compile(ctx, wasm)
	if err != nil {
		return nil, fmt.Errorf("compile: %w", classifyCompile(err))
	}
	return cm, nil
}

// runStartup runs the start-up of cm (the prepared module) once, as a call would, and builds
// the module that starts in the state it left. Reasons not to (wrapping errNotSnapshotted) are
// a function of the module's bytes and the memory cap; other errors (the backstop, the caller's
// context) are not kept.
func (r *Runtime) runStartup(ctx context.Context, cm compiledModule, prepared []byte, globals []snapshot.Global, flags meteredFlags, info ModuleInfo) ([]byte, *preinit, error) {
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
	snap, err := snapshot.Build(prepared, globals, snapshot.Image{Memory: mem, Globals: vals})
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", errNotSnapshotted, err)
	}
	return snap, &preinit{gas: uint64(budget - left), mono: u.Monotonic}, nil
}

// The verdict of pre-initialising a module is cached on disk beside the meter's output: the
// snapshot is a function of the module's bytes (custom sections stripped), the meter, these
// rules, the engine that ran the start-up and the memory cap. A file holds: magic, a status byte
// (1 snapshot, 0 not snapshotted), the start-up's gas and monotonic clock (8 bytes each, little
// endian), the CRC-32C of the body, and the body (the snapshot module, or the reason it was not
// made). A damaged file is ignored and rewritten. (A checksum finds damage; the cache directory
// is trusted like the engines' compiled code beside it, which no hash could vouch for.)
var preinitCacheMagic = []byte("subnetd-preinit\x01")

func (r *Runtime) preinitCachePath(key string) string {
	if r.cacheDir == "" {
		return ""
	}
	engine := fmt.Sprintf("%s-%s-pages%d", r.eng.name(), r.eng.version(), r.limits.MemoryPages)
	return filepath.Join(r.cacheDir, "preinit", preinitVersion, meter.Version, engine, key+".bin")
}

// verdict is what the disk cache says about pre-initialising a module.
type verdict struct {
	found bool
	snap  []byte   // the snapshot module, when pre is set
	pre   *preinit // nil: not snapshotted, for the reason why
	why   string
}

// loadPreinit reads a cached verdict (found false when there is none, or it is damaged).
func loadPreinit(path string) verdict {
	if path == "" {
		return verdict{}
	}
	b, err := os.ReadFile(path)
	head := len(preinitCacheMagic) + 1 + 16 + 4
	if err != nil || len(b) < head || !bytes.Equal(b[:len(preinitCacheMagic)], preinitCacheMagic) {
		return verdict{}
	}
	p := b[len(preinitCacheMagic):]
	status, body := p[0], b[head:]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(p[17:]) || status > 1 {
		return verdict{}
	}
	if status == 0 {
		return verdict{found: true, why: string(body)}
	}
	return verdict{found: true, snap: body, pre: &preinit{gas: binary.LittleEndian.Uint64(p[1:]), mono: binary.LittleEndian.Uint64(p[9:])}}
}

// storePreinit writes a verdict atomically; failures are ignored (the cache is an optimisation).
func storePreinit(path string, snap []byte, pre *preinit, reason string) {
	if path == "" {
		return
	}
	b := append([]byte(nil), preinitCacheMagic...)
	body := []byte(reason)
	if pre != nil {
		b = append(b, 1)
		b = binary.LittleEndian.AppendUint64(b, pre.gas)
		b = binary.LittleEndian.AppendUint64(b, pre.mono)
		body = snap
	} else {
		b = append(b, make([]byte, 17)...)
	}
	b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(body, castagnoli))
	writeCacheFile(path, append(b, body...))
}
