package runtime

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	goruntime "runtime"
	"runtime/debug"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"

	"github.com/subnetd/subnetd/hostfns"
	"github.com/subnetd/subnetd/runtime/internal/linmem"
	"github.com/subnetd/subnetd/runtime/internal/meter"
)

// wasmPageSize is the size of a WebAssembly memory page.
const wasmPageSize = 1 << 16

// envKey carries the calling *wazeroInstance in the context wazero hands to host functions.
type envKey struct{}

// wazeroFeatures is ABI v1's feature set: the 2.0 core features without SIMD. (wazero ties bulk
// memory to reference types, so reference types stay on.)
var wazeroFeatures = api.CoreFeaturesV2.SetEnabled(api.CoreFeatureSIMD, false)

type wazeroEngine struct {
	rt    wazero.Runtime
	cache wazero.CompilationCache
	ver   string
	mem   *linmem.Pool // every instance's linear memory (docs/DECISIONS.md, 2026-12-06)
}

// newWazero builds the wazero runtime for limits, with the host modules instantiated once.
// cacheDir, when set, holds compiled code on disk under a directory keyed by wazero's version
// and the config, so a changed config never reads another config's code.
func newWazero(ctx context.Context, limits Limits, cacheDir string, o engineOptions) (*wazeroEngine, error) {
	e := &wazeroEngine{
		ver: moduleVersion("github.com/tetratelabs/wazero"),
		// Keep as many memories as calls can run at once (the daemon's scoring slots).
		mem: linmem.NewPool(uint64(limits.MemoryPages)*wasmPageSize, 2*goruntime.GOMAXPROCS(0)),
	}
	cfg := wazero.NewRuntimeConfigCompiler().
		WithCoreFeatures(wazeroFeatures).
		WithMemoryLimitPages(limits.MemoryPages).
		WithCloseOnContextDone(o.interrupt)
	if cacheDir != "" {
		key := sha256.Sum256(fmt.Appendf(nil, "features=%d pages=%d ensure-termination=%t", wazeroFeatures, limits.MemoryPages, o.interrupt))
		dir := filepath.Join(cacheDir, "wazero-"+e.ver, hex.EncodeToString(key[:8]))
		c, err := wazero.NewCompilationCacheWithDir(dir)
		if err != nil {
			return nil, fmt.Errorf("compilation cache %s: %w", dir, err)
		}
		e.cache = c
		cfg = cfg.WithCompilationCache(c)
	}
	e.rt = wazero.NewRuntimeWithConfig(ctx, cfg)
	if err := e.instantiateHost(ctx); err != nil {
		_ = e.close(ctx)
		return nil, err
	}
	return e, nil
}

// instantiateHost registers every hostfns function under its module name. Each function finds
// its instance's Env in the call context.
func (e *wazeroEngine) instantiateHost(ctx context.Context) error {
	builders := map[string]wazero.HostModuleBuilder{}
	var order []string
	for _, f := range hostfns.Funcs() {
		b, ok := builders[f.Module]
		if !ok {
			b = e.rt.NewHostModuleBuilder(f.Module)
			builders[f.Module] = b
			order = append(order, f.Module)
		}
		call := f.Call
		name := f.Module + "." + f.Name
		fn := api.GoModuleFunc(func(ctx context.Context, mod api.Module, stack []uint64) {
			inst, _ := ctx.Value(envKey{}).(*wazeroInstance)
			if inst == nil {
				panic(fmt.Errorf("host function %s called outside a scorer call", name))
			}
			mem := countingMemory{mem: mod.Memory()}
			err := call(inst.env, &mem, stack)
			if inst.gasG != nil {
				inst.gasG.Set(uint64(int64(inst.gasG.Get()) - hostGas(mem.n)))
			}
			if err != nil {
				panic(err) // wazero turns this into the guest call's error, unwrappable
			}
		})
		b.NewFunctionBuilder().WithGoModuleFunction(fn, apiTypes(f.Params), apiTypes(f.Results)).Export(f.Name)
	}
	// The meter's yield import, served beside the subnetd functions (screening keeps guests
	// from importing it themselves: it is not a hostfns function).
	yb, ok := builders[meter.YieldModule]
	if !ok {
		yb = e.rt.NewHostModuleBuilder(meter.YieldModule)
		builders[meter.YieldModule] = yb
		order = append(order, meter.YieldModule)
	}
	yield := api.GoModuleFunc(func(ctx context.Context, _ api.Module, stack []uint64) {
		inst, _ := ctx.Value(envKey{}).(*wazeroInstance)
		if inst == nil || inst.gasG == nil {
			stack[0] = 1
			return
		}
		mark, trap := yieldMark(ctx, int64(inst.gasG.Get()))
		if trap {
			stack[0] = 1
			return
		}
		inst.markG.Set(uint64(mark))
		stack[0] = 0
	})
	yb.NewFunctionBuilder().WithGoModuleFunction(yield, nil, []api.ValueType{api.ValueTypeI32}).Export(meter.YieldName)
	for _, m := range order {
		if _, err := builders[m].Instantiate(ctx); err != nil {
			return fmt.Errorf("instantiate host module %s: %w", m, err)
		}
	}
	return nil
}

func apiTypes(ts []hostfns.ValType) []api.ValueType {
	out := make([]api.ValueType, len(ts))
	for i, t := range ts {
		out[i] = api.ValueType(t)
	}
	return out
}

func (e *wazeroEngine) name() Engine    { return EngineWazero }
func (e *wazeroEngine) version() string { return e.ver }

// restoresImages marks wazero as an imageEngine: it compiles a pre-initialised module once.
func (e *wazeroEngine) restoresImages() {}

// wazero keys its own cache by the bytes (it hashes them anyway), so name is not used.
func (e *wazeroEngine) compile(ctx context.Context, wasm []byte, _ string) (compiledModule, error) {
	if wasm == nil {
		return nil, errNotCached
	}
	// One compiler per core: wazero's output does not depend on the order functions are
	// compiled in (it checks that itself under a test flag), and a Go scorer compiles in
	// about half the time on two cores.
	ctx = experimental.WithCompilationWorkers(ctx, goruntime.GOMAXPROCS(0))
	cm, err := e.rt.CompileModule(ctx, wasm)
	if err != nil {
		return nil, err
	}
	return &wazeroCompiled{rt: e.rt, cm: cm, mem: e.mem}, nil
}

func (e *wazeroEngine) close(ctx context.Context) error {
	err := e.rt.Close(ctx)
	e.mem.Close()
	if e.cache != nil {
		_ = e.cache.Close(ctx)
	}
	return err
}

type wazeroCompiled struct {
	rt  wazero.Runtime
	cm  wazero.CompiledModule
	mem *linmem.Pool
	lin *linmem.Image // the image every instance starts from (keepImage), nil if none
}

// keepImage has the memories of this module's instances released holding img, and handed out
// holding it when one is free, so that restore finds img's bytes written (linmem's doc).
func (c *wazeroCompiled) keepImage(img *memImage) { c.lin = img.linear() }

func (c *wazeroCompiled) instantiate(ctx context.Context, env *hostfns.Env) (instance, error) {
	ctx = context.WithValue(ctx, envKey{}, env)
	// The linear memory comes from the engine's pool and goes back to it only when this
	// instance is closed by its caller, after its last call returned (linmem's doc says why).
	var region *linmem.Region
	ctx = experimental.WithMemoryAllocator(ctx, experimental.MemoryAllocatorFunc(func(_, max uint64) experimental.LinearMemory {
		region = c.mem.Get(max, c.lin)
		return region
	}))
	// Anonymous instances (empty name) may coexist; no start functions: _initialize is run by
	// the caller under the same bound. The WASI view (clock, random, stdio) is hostfns', not
	// wazero's, so nothing here is configured.
	mod, err := c.rt.InstantiateModule(ctx, c.cm, wazero.NewModuleConfig().WithName("").WithStartFunctions())
	if err != nil {
		if region != nil {
			region.Release()
		}
		return nil, err
	}
	i := &wazeroInstance{mod: mod, env: env, fns: map[string]api.Function{}, region: region, lin: c.lin}
	i.imaged = region != nil && c.lin != nil && region.Imaged() == c.lin
	i.gasG, _ = mod.ExportedGlobal(meter.GasExport).(api.MutableGlobal)
	i.markG, _ = mod.ExportedGlobal(meter.MarkExport).(api.MutableGlobal)
	i.depthG = mod.ExportedGlobal(meter.DepthExport)
	return i, nil
}

func (c *wazeroCompiled) close(ctx context.Context) error { return c.cm.Close(ctx) }

type wazeroInstance struct {
	mod    api.Module
	env    *hostfns.Env
	fns    map[string]api.Function
	stack  [2]uint64
	gasG   api.MutableGlobal // nil when the module is not metered
	markG  api.MutableGlobal
	depthG api.Global
	region *linmem.Region // nil when the module has no memory
	lin    *linmem.Image  // the module's image: region is released holding it
	imaged bool           // region was handed out holding lin: restore need not write it
}

func (i *wazeroInstance) call(ctx context.Context, name string, params ...uint64) ([]uint64, error) {
	fn, ok := i.fns[name]
	if !ok {
		fn = i.mod.ExportedFunction(name)
		if fn == nil {
			return nil, fmt.Errorf("export %q not found", name)
		}
		i.fns[name] = fn
	}
	stack := i.stack[:max(len(params), len(fn.Definition().ResultTypes()))]
	copy(stack, params)
	if err := fn.CallWithStack(context.WithValue(ctx, envKey{}, i), stack); err != nil {
		return nil, err
	}
	return stack[:len(fn.Definition().ResultTypes())], nil
}

func (i *wazeroInstance) memory() hostfns.Memory { return i.mod.Memory() }

func (i *wazeroInstance) gas() (int64, error) {
	if i.gasG == nil {
		return 0, errNotMetered
	}
	return int64(i.gasG.Get()), nil
}

func (i *wazeroInstance) depth() (uint32, error) {
	if i.depthG == nil {
		return 0, errNotMetered
	}
	return uint32(i.depthG.Get()), nil
}

func (i *wazeroInstance) setGas(v int64) error {
	if i.gasG == nil || i.markG == nil {
		return errNotMetered
	}
	i.gasG.Set(uint64(v))
	i.markG.Set(uint64(firstMark(v)))
	return nil
}

func (i *wazeroInstance) image(globals []string) ([]byte, []uint64, error) {
	m := i.mod.Memory()
	if m == nil {
		return nil, nil, fmt.Errorf("export %q is not a memory", exportMemory)
	}
	b, _ := m.Read(0, m.Size())
	vals := make([]uint64, len(globals))
	for k, name := range globals {
		g := i.mod.ExportedGlobal(name)
		if g == nil {
			return nil, nil, fmt.Errorf("export %q is not a global", name)
		}
		vals[k] = g.Get()
	}
	return append([]byte(nil), b...), vals, nil
}

func (i *wazeroInstance) restore(img *memImage) error {
	m := i.mod.Memory()
	if m == nil {
		return fmt.Errorf("export %q is not a memory", exportMemory)
	}
	if cur := m.Size() / wasmPageSize; cur < img.pages {
		if _, ok := m.Grow(img.pages - cur); !ok {
			return fmt.Errorf("memory of %d pages: past the limit", img.pages)
		}
	}
	if !i.imaged { // else the memory holds the image already (linmem.Region.Imaged)
		for _, r := range img.runs {
			if !m.Write(r.Offset, r.Bytes) {
				return fmt.Errorf("image run [%d, +%d) is outside memory", r.Offset, len(r.Bytes))
			}
		}
	}
	for k, name := range img.globals {
		g, ok := i.mod.ExportedGlobal(name).(api.MutableGlobal)
		if !ok {
			return fmt.Errorf("export %q is not a mutable global", name)
		}
		g.Set(img.values[k])
	}
	return nil
}

func (i *wazeroInstance) close(ctx context.Context) error {
	err := i.mod.Close(ctx)
	if i.region != nil {
		i.region.ReleaseAs(i.lin)
		i.region = nil
	}
	return err
}

// moduleVersion returns the version of a dependency as built into this binary ("unknown" when
// the binary carries no build information).
func moduleVersion(path string) string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	for _, d := range bi.Deps {
		if d.Path == path {
			if d.Replace != nil {
				return d.Replace.Version
			}
			return d.Version
		}
	}
	return "unknown"
}
