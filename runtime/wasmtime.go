//go:build wasmtime

package runtime

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sync"
	"unsafe"

	"github.com/bytecodealliance/wasmtime-go/v37"

	"github.com/subnetd/subnetd/hostfns"
	"github.com/subnetd/subnetd/runtime/internal/meter"
)

// wasmtimeConfigKey names the engine settings in the disk cache path: serialized code is only
// ever read back by the same wasmtime version with the same settings.
const wasmtimeConfigKey = "nan-canonical simd=off threads=off memory64=off multi-memory=off tail-call=off gc=off fuel=off epoch=off stack=1MiB"

// wasmtimeMaxStack is the native stack wasm code may use.
const wasmtimeMaxStack = 1 << 20

type wasmtimeEngine struct {
	eng      *wasmtime.Engine
	linker   *wasmtime.Linker
	limits   Limits
	ver      string
	cacheDir string

	mu    sync.Mutex
	insts map[uintptr]*wasmtimeInstance // by store context, for the host functions
}

// newWasmtime builds the wasmtime engine: Cranelift with NaN canonicalisation, ABI v1's
// features only, no fuel and no epochs (the meter bounds execution), and a linker serving
// hostfns' functions and the meter's yield. wasmtime's own WASI is never linked.
func newWasmtime(_ context.Context, limits Limits, cacheDir string, _ engineOptions) (engine, error) {
	cfg := wasmtime.NewConfig()
	cfg.SetCraneliftNanCanonicalization(true)
	cfg.SetWasmSIMD(false)
	cfg.SetWasmRelaxedSIMD(false)
	cfg.SetWasmThreads(false)
	cfg.SetWasmMemory64(false)
	cfg.SetWasmMultiMemory(false)
	cfg.SetWasmTailCall(false)
	cfg.SetWasmGC(false)
	cfg.SetWasmFunctionReferences(false)
	cfg.SetWasmWideArithmetic(false)
	cfg.SetWasmReferenceTypes(true)
	cfg.SetWasmBulkMemory(true)
	cfg.SetWasmMultiValue(true)
	cfg.SetConsumeFuel(false)
	cfg.SetEpochInterruption(false)
	// The meter's depth limit (meter.MaxDepth calls) must trap before the native stack runs
	// out; 1 MiB leaves 256 bytes a frame, and fits the 2 MiB or more of a cgo thread.
	cfg.SetMaxWasmStack(wasmtimeMaxStack)
	e := &wasmtimeEngine{
		eng:    wasmtime.NewEngineWithConfig(cfg),
		limits: limits,
		ver:    moduleVersion("github.com/bytecodealliance/wasmtime-go/v37"),
		insts:  map[uintptr]*wasmtimeInstance{},
	}
	if cacheDir != "" {
		key := sha256.Sum256([]byte(wasmtimeConfigKey))
		e.cacheDir = filepath.Join(cacheDir, "wasmtime-"+e.ver, hex.EncodeToString(key[:8]))
	}
	e.linker = wasmtime.NewLinker(e.eng)
	if err := e.defineHost(); err != nil {
		e.linker.Close()
		e.eng.Close()
		return nil, err
	}
	return e, nil
}

func storeKey(s wasmtime.Storelike) uintptr { return uintptr(unsafe.Pointer(s.Context())) }

// instanceOf finds the instance a host function was called from.
func (e *wasmtimeEngine) instanceOf(c *wasmtime.Caller) *wasmtimeInstance {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.insts[storeKey(c)]
}

func valKinds(ts []hostfns.ValType) []*wasmtime.ValType {
	out := make([]*wasmtime.ValType, len(ts))
	for i, t := range ts {
		k := wasmtime.KindI32
		if t == hostfns.I64 {
			k = wasmtime.KindI64
		}
		out[i] = wasmtime.NewValType(k)
	}
	return out
}

// defineHost puts every hostfns function and the meter's yield into the linker.
func (e *wasmtimeEngine) defineHost() error {
	for _, f := range hostfns.Funcs() {
		f := f
		ty := wasmtime.NewFuncType(valKinds(f.Params), valKinds(f.Results))
		err := e.linker.FuncNew(f.Module, f.Name, ty, func(c *wasmtime.Caller, args []wasmtime.Val) ([]wasmtime.Val, *wasmtime.Trap) {
			i := e.instanceOf(c)
			if i == nil {
				return nil, wasmtime.NewTrap("host function " + f.Module + "." + f.Name + " called outside a scorer call")
			}
			stack := make([]uint64, max(len(f.Params), len(f.Results)))
			for k, a := range args {
				if a.Kind() == wasmtime.KindI64 {
					stack[k] = uint64(a.I64())
				} else {
					stack[k] = uint64(uint32(a.I32()))
				}
			}
			mem := countingMemory{mem: byteMemory(i.mem.UnsafeData(c))}
			err := f.Call(i.env, &mem, stack)
			if i.gasG != nil {
				i.gasG.Set(c, wasmtime.ValI64(i.gasG.Get(c).I64()-hostGas(mem.n)))
			}
			if err != nil {
				i.hostErr = err
				return nil, wasmtime.NewTrap(err.Error())
			}
			out := make([]wasmtime.Val, len(f.Results))
			for k, t := range f.Results {
				if t == hostfns.I64 {
					out[k] = wasmtime.ValI64(int64(stack[k]))
				} else {
					out[k] = wasmtime.ValI32(int32(uint32(stack[k])))
				}
			}
			return out, nil
		})
		if err != nil {
			return fmt.Errorf("define %s.%s: %w", f.Module, f.Name, err)
		}
	}
	ty := wasmtime.NewFuncType(nil, []*wasmtime.ValType{wasmtime.NewValType(wasmtime.KindI32)})
	return e.linker.FuncNew(meter.YieldModule, meter.YieldName, ty, func(c *wasmtime.Caller, _ []wasmtime.Val) ([]wasmtime.Val, *wasmtime.Trap) {
		i := e.instanceOf(c)
		if i == nil || i.gasG == nil || i.markG == nil {
			return []wasmtime.Val{wasmtime.ValI32(1)}, nil
		}
		mark, trap := yieldMark(i.ctx, i.gasG.Get(c).I64())
		if trap {
			return []wasmtime.Val{wasmtime.ValI32(1)}, nil
		}
		if err := i.markG.Set(c, wasmtime.ValI64(mark)); err != nil {
			return nil, wasmtime.NewTrap(err.Error())
		}
		return []wasmtime.Val{wasmtime.ValI32(0)}, nil
	})
}

func (e *wasmtimeEngine) name() Engine    { return EngineWasmtime }
func (e *wasmtimeEngine) version() string { return e.ver }

// compile compiles wasm, or reads the code this engine serialized for the same bytes (or the
// same name) before. Only files this process family wrote are read: deserializing trusts its
// input.
func (e *wasmtimeEngine) compile(_ context.Context, wasm []byte, name string) (compiledModule, error) {
	var path string
	if e.cacheDir != "" {
		if name == "" {
			sum := sha256.Sum256(wasm)
			name = hex.EncodeToString(sum[:])
		}
		path = filepath.Join(e.cacheDir, name+".cwasm")
		if m, err := deserializeCached(e.eng, path); err == nil {
			return &wasmtimeCompiled{e: e, mod: m}, nil
		}
	}
	if wasm == nil {
		return nil, errNotCached
	}
	m, err := wasmtime.NewModule(e.eng, wasm)
	if err != nil {
		return nil, err
	}
	if path != "" {
		if b, err := m.Serialize(); err == nil {
			_ = writeFileAtomic(path, b)
		}
	}
	return &wasmtimeCompiled{e: e, mod: m}, nil
}

// deserializeRead deserializes the serialized code f holds from a copy in memory.
func deserializeRead(eng *wasmtime.Engine, f *os.File) (*wasmtime.Module, error) {
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, err
	}
	return wasmtime.NewModuleDeserialize(eng, b)
}

// writeFileAtomic writes b to path through a temporary file and a rename, so a reader never
// sees half a file.
func writeFileAtomic(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	return os.Rename(f.Name(), path)
}

func (e *wasmtimeEngine) close(context.Context) error {
	e.linker.Close()
	e.eng.Close()
	return nil
}

type wasmtimeCompiled struct {
	e   *wasmtimeEngine
	mod *wasmtime.Module
}

func (c *wasmtimeCompiled) instantiate(ctx context.Context, env *hostfns.Env) (instance, error) {
	e := c.e
	store := wasmtime.NewStore(e.eng)
	store.Limiter(int64(e.limits.MemoryPages)*65536, -1, -1, -1, -1)
	i := &wasmtimeInstance{e: e, store: store, env: env, ctx: ctx, key: storeKey(store), fns: map[string]*wasmtime.Func{}}
	e.mu.Lock()
	e.insts[i.key] = i
	e.mu.Unlock()
	inst, err := e.linker.Instantiate(store, c.mod)
	if err != nil {
		i.close(ctx)
		return nil, err
	}
	i.inst = inst
	if x := inst.GetExport(store, exportMemory); x != nil {
		i.mem = x.Memory()
	}
	if i.mem == nil {
		i.close(ctx)
		return nil, fmt.Errorf("export %q is not a memory", exportMemory)
	}
	if x := inst.GetExport(store, meter.GasExport); x != nil {
		i.gasG = x.Global()
	}
	if x := inst.GetExport(store, meter.MarkExport); x != nil {
		i.markG = x.Global()
	}
	if x := inst.GetExport(store, meter.DepthExport); x != nil {
		i.depthG = x.Global()
	}
	return i, nil
}

func (c *wasmtimeCompiled) close(context.Context) error {
	c.mod.Close()
	return nil
}

type wasmtimeInstance struct {
	e           *wasmtimeEngine
	store       *wasmtime.Store
	inst        *wasmtime.Instance
	mem         *wasmtime.Memory
	gasG, markG *wasmtime.Global
	depthG      *wasmtime.Global
	env         *hostfns.Env
	ctx         context.Context // the running call's, for the yield
	key         uintptr
	fns         map[string]*wasmtime.Func
	hostErr     error // what a host function stopped the guest with
	closeOnce   sync.Once
}

func (i *wasmtimeInstance) call(ctx context.Context, name string, params ...uint64) ([]uint64, error) {
	fn, ok := i.fns[name]
	if !ok {
		fn = i.inst.GetFunc(i.store, name)
		if fn == nil {
			return nil, fmt.Errorf("export %q not found", name)
		}
		i.fns[name] = fn
	}
	ty := fn.Type(i.store)
	kinds := ty.Params()
	if len(kinds) != len(params) {
		return nil, fmt.Errorf("export %q takes %d parameters, not %d", name, len(kinds), len(params))
	}
	args := make([]any, len(params))
	for k, p := range params {
		if kinds[k].Kind() == wasmtime.KindI64 {
			args[k] = int64(p)
		} else {
			args[k] = int32(uint32(p))
		}
	}
	i.ctx, i.hostErr = ctx, nil
	out, err := fn.Call(i.store, args...)
	if err != nil {
		if i.hostErr != nil {
			return nil, i.hostErr
		}
		var trap *wasmtime.Trap
		if errors.As(err, &trap) {
			return nil, errors.New(trapMessage(trap))
		}
		return nil, err
	}
	switch v := out.(type) {
	case nil:
		return nil, nil
	case int32:
		return []uint64{uint64(uint32(v))}, nil
	case int64:
		return []uint64{uint64(v)}, nil
	}
	return nil, fmt.Errorf("export %q returned %T", name, out)
}

// trapMessages word wasmtime's trap codes the way wazero words the same traps, so that errors
// read alike on both engines.
var trapMessages = map[wasmtime.TrapCode]string{
	wasmtime.StackOverflow:          "wasm error: stack overflow",
	wasmtime.MemoryOutOfBounds:      "wasm error: out of bounds memory access",
	wasmtime.TableOutOfBounds:       "wasm error: invalid table access",
	wasmtime.IndirectCallToNull:     "wasm error: invalid table access",
	wasmtime.BadSignature:           "wasm error: indirect call type mismatch",
	wasmtime.IntegerOverflow:        "wasm error: integer overflow",
	wasmtime.IntegerDivisionByZero:  "wasm error: integer divide by zero",
	wasmtime.BadConversionToInteger: "wasm error: invalid conversion to integer",
	wasmtime.UnreachableCodeReached: "wasm error: unreachable",
}

func trapMessage(t *wasmtime.Trap) string {
	if c := t.Code(); c != nil {
		if m, ok := trapMessages[*c]; ok {
			return m
		}
	}
	return "wasm error: " + firstLine(t.Message())
}

func (i *wasmtimeInstance) memory() hostfns.Memory { return byteMemory(i.mem.UnsafeData(i.store)) }

func (i *wasmtimeInstance) gas() (int64, error) {
	if i.gasG == nil {
		return 0, errNotMetered
	}
	return i.gasG.Get(i.store).I64(), nil
}

func (i *wasmtimeInstance) depth() (uint32, error) {
	if i.depthG == nil {
		return 0, errNotMetered
	}
	return uint32(i.depthG.Get(i.store).I32()), nil
}

func (i *wasmtimeInstance) setGas(v int64) error {
	if i.gasG == nil || i.markG == nil {
		return errNotMetered
	}
	if err := i.gasG.Set(i.store, wasmtime.ValI64(v)); err != nil {
		return err
	}
	return i.markG.Set(i.store, wasmtime.ValI64(firstMark(v)))
}

func (i *wasmtimeInstance) image(globals []string) ([]byte, []uint64, error) {
	vals := make([]uint64, len(globals))
	for k, name := range globals {
		x := i.inst.GetExport(i.store, name)
		if x == nil || x.Global() == nil {
			return nil, nil, fmt.Errorf("export %q is not a global", name)
		}
		v := x.Global().Get(i.store)
		switch v.Kind() {
		case wasmtime.KindI32:
			vals[k] = uint64(uint32(v.I32()))
		case wasmtime.KindI64:
			vals[k] = uint64(v.I64())
		case wasmtime.KindF32:
			vals[k] = uint64(math.Float32bits(v.F32()))
		case wasmtime.KindF64:
			vals[k] = math.Float64bits(v.F64())
		default:
			return nil, nil, fmt.Errorf("global %q has kind %v", name, v.Kind())
		}
	}
	return append([]byte(nil), i.mem.UnsafeData(i.store)...), vals, nil
}

func (i *wasmtimeInstance) close(context.Context) error {
	i.closeOnce.Do(func() {
		i.e.mu.Lock()
		delete(i.e.insts, i.key)
		i.e.mu.Unlock()
		i.store.Close()
	})
	return nil
}

// byteMemory is a view of linear memory as host functions see it. It is taken afresh for
// every host call and every copy, since memory.grow may move the memory.
type byteMemory []byte

func (m byteMemory) Read(offset, n uint32) ([]byte, bool) {
	end := uint64(offset) + uint64(n)
	if end > uint64(len(m)) {
		return nil, false
	}
	return m[offset:end:end], true
}

func (m byteMemory) Write(offset uint32, v []byte) bool {
	b, ok := m.Read(offset, uint32(len(v)))
	if !ok || uint64(len(v)) > 1<<32-1 {
		return false
	}
	copy(b, v)
	return true
}

func (m byteMemory) ReadUint32Le(offset uint32) (uint32, bool) {
	b, ok := m.Read(offset, 4)
	if !ok {
		return 0, false
	}
	return binary.LittleEndian.Uint32(b), true
}

func (m byteMemory) WriteUint32Le(offset, v uint32) bool {
	b, ok := m.Read(offset, 4)
	if !ok {
		return false
	}
	binary.LittleEndian.PutUint32(b, v)
	return true
}

func (m byteMemory) WriteUint64Le(offset uint32, v uint64) bool {
	b, ok := m.Read(offset, 8)
	if !ok {
		return false
	}
	binary.LittleEndian.PutUint64(b, v)
	return true
}
