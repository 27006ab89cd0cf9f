package runtime

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero/sys"

	"github.com/subnetd/subnetd/hostfns"
	"github.com/subnetd/subnetd/runtime/internal/meter"
	"github.com/subnetd/subnetd/runtime/internal/snapshot"
)

// Config configures a Runtime.
type Config struct {
	// Engine selects the engine; empty means EngineWazero.
	Engine Engine
	// Limits bound every scorer this Runtime loads; zero fields take DefaultLimits.
	Limits Limits
	// CacheDir, when set, keeps compiled code on disk so a restart or a second process skips
	// the cold compile. Empty means in-memory caching only.
	CacheDir string
}

// Runtime loads and runs scorers under one Config. It is safe for concurrent use; each call
// gets its own instance. Close it to release compiled code.
type Runtime struct {
	limits   Limits
	eng      engine
	opts     engineOptions
	cacheDir string // also keeps the meter's output (metercache.go)

	mu       sync.Mutex
	compiled map[string]*cacheEntry // by the sha256 of the module without custom sections
	keys     map[string]string      // moduleKey's: the key of each module (by its sha256) loaded
	closed   bool

	compiles    atomic.Int64 // modules metered and compiled (not taken from the cache), for tests
	instruments atomic.Int64 // modules run through the meter (not taken from the disk cache), for tests
	snapshots   atomic.Int64 // start-ups run at load to pre-initialise a module (not taken from the disk cache)
	engCompiles atomic.Int64 // modules handed to the engine's compiler (cached or not), for tests
}

// cacheEntry is one compiled module, shared by every Scorer loaded from the same bytes. The
// first Load compiles it outside the Runtime's lock (other Loads, of other modules, go on);
// concurrent Loads of the same bytes wait on ready.
type cacheEntry struct {
	ready    chan struct{} // closed when cm or err is set
	cm       compiledModule
	hasStart bool // the metered module exports its start function as meter.StartExport
	// pre, when set, says that cm starts where the start function and _initialize left the
	// instance (preinit.go): a call does not run them and is charged their gas.
	pre    *preinit
	preWhy string // why pre is nil, when a start-up was tried
	// image, when set, is written into every fresh instance before anything runs in it: cm was
	// compiled without its data (engines that restore images, preinit.go), and image is either
	// that data or, with pre, the pre-initialised state.
	image *memImage
	err   error
	refs  int // guarded by Runtime.mu
}

// New returns a Runtime for cfg.
func New(ctx context.Context, cfg Config) (*Runtime, error) {
	return newRuntime(ctx, cfg, defaultEngineOptions)
}

// defaultEngineOptions leave wazero's context interruption off: the meter bounds every call
// and its yields serve the wall-clock backstop (docs/METERING.md has the measurements).
var defaultEngineOptions = engineOptions{}

func newRuntime(ctx context.Context, cfg Config, o engineOptions) (*Runtime, error) {
	limits := cfg.Limits.WithDefaults()
	if err := limits.validate(); err != nil {
		return nil, err
	}
	var (
		eng engine
		err error
	)
	switch cfg.Engine {
	case "", EngineWazero:
		eng, err = newWazero(ctx, limits, cfg.CacheDir, o)
	case EngineWasmtime:
		eng, err = newWasmtime(ctx, limits, cfg.CacheDir, o)
	default:
		return nil, fmt.Errorf("unknown engine %q (known: %s, %s)", cfg.Engine, EngineWazero, EngineWasmtime)
	}
	if err != nil {
		return nil, fmt.Errorf("start engine %s: %w", cfg.Engine, err)
	}
	return &Runtime{limits: limits, eng: eng, opts: o, cacheDir: cfg.CacheDir, compiled: map[string]*cacheEntry{}, keys: map[string]string{}}, nil
}

// Limits returns the limits (defaults filled in) every scorer of this Runtime runs with.
func (r *Runtime) Limits() Limits { return r.limits }

// Engine returns the engine's name.
func (r *Runtime) Engine() Engine { return r.eng.name() }

// EngineVersion returns the engine's version, as recorded with every round.
func (r *Runtime) EngineVersion() string { return r.eng.version() }

// MeterVersion names the gas cost model (docs/METERING.md), as recorded with every round: the
// same module, input, limits and meter version give the same gas on every engine.
func (r *Runtime) MeterVersion() string { return meter.Version }

// Close releases the engine and all compiled scorers; Scorers loaded from r stop working.
func (r *Runtime) Close(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	r.closed = true
	r.compiled = nil
	return r.eng.close(ctx)
}

// Load screens wasm, instruments it with the gas meter, compiles it (or takes it from the
// cache) and returns a Scorer. name is only used in errors and logs.
//
// Custom sections do not change code, so the module is metered and compiled without them and
// the compiled code is cached by the sha256 of those stripped bytes: command scorers that share
// an interpreter and differ only in their files compile once. ModuleInfo.SHA256, the identity
// recorded everywhere, stays the sha256 of the full module.
func (r *Runtime) Load(ctx context.Context, name string, wasm []byte) (*Scorer, error) {
	info, cmd, err := screen(wasm, r.limits)
	if err != nil {
		return nil, fmt.Errorf("load scorer %s: %w", name, err)
	}
	key, code, computed, err := r.moduleKey(info.SHA256, wasm)
	if err != nil {
		return nil, fmt.Errorf("load scorer %s: %w", name, err)
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil, fmt.Errorf("load scorer %s: runtime %w", name, ErrClosed)
	}
	e, cached := r.compiled[key]
	if !cached {
		e = &cacheEntry{ready: make(chan struct{})}
		r.compiled[key] = e
	}
	e.refs++
	r.mu.Unlock()

	if !cached {
		r.compiles.Add(1)
		e.err = r.compile(ctx, key, code, info, cmd, e)
		if e.err == nil && computed {
			r.rememberKey(info.SHA256, key)
			if k, ok := e.cm.(imageKeeper); ok && e.image != nil {
				k.keepImage(e.image)
			}
		}
		close(e.ready)
	} else {
		select {
		case <-e.ready:
		case <-ctx.Done():
			r.release(ctx, key, e)
			return nil, fmt.Errorf("load scorer %s: %w", name, ctx.Err())
		}
	}
	if e.err != nil {
		r.release(ctx, key, e)
		return nil, fmt.Errorf("load scorer %s: %w", name, e.err)
	}
	return &Scorer{name: name, info: info, cmd: cmd, key: key, rt: r, entry: e}, nil
}

// moduleKey returns the key wasm's code is cached by: the hex sha256 of wasm without its custom
// sections (sha is the sha256 of wasm, hex). Computing it strips and hashes the whole module
// again (about 4 ms for a 3.5 MB Go scorer), so the key of every module loaded without error is
// remembered, in memory and in the cache directory (keys/<sha>), and code is then only stripped
// when compile needs it (a miss in the meter's cache). computed reports that the key was not
// remembered (rememberKey is then the caller's, once the module has loaded).
func (r *Runtime) moduleKey(sha string, wasm []byte) (key string, code func() ([]byte, error), computed bool, err error) {
	strip := func() ([]byte, error) {
		code, err := StripCustomSections(wasm)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidModule, err)
		}
		return code, nil
	}
	r.mu.Lock()
	key, ok := r.keys[sha]
	r.mu.Unlock()
	if !ok && r.cacheDir != "" {
		if b, err := os.ReadFile(r.keyPath(sha)); err == nil && validKey(string(b)) {
			key, ok = string(b), true
			r.mu.Lock()
			r.keys[sha] = key
			r.mu.Unlock()
		}
	}
	if ok {
		var stripped []byte
		return key, func() ([]byte, error) {
			var err error
			if stripped == nil {
				stripped, err = strip()
			}
			return stripped, err
		}, false, nil
	}
	stripped, err := strip()
	if err != nil {
		return "", nil, false, err
	}
	sum := sha256.Sum256(stripped)
	return hex.EncodeToString(sum[:]), func() ([]byte, error) { return stripped, nil }, true, nil
}

// rememberKey records that the module with sha256 sha has code key (moduleKey), in memory and in
// the cache directory.
func (r *Runtime) rememberKey(sha, key string) {
	r.mu.Lock()
	r.keys[sha] = key
	r.mu.Unlock()
	if r.cacheDir != "" {
		writeCacheFile(r.keyPath(sha), []byte(key))
	}
}

func (r *Runtime) keyPath(sha string) string { return filepath.Join(r.cacheDir, "keys", sha) }

// validKey reports whether s looks like a key: 64 lower-case hex digits.
func validKey(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// compile meters and compiles a screened module's code (key is its moduleKey; code strips the
// module's custom sections when called) into e, pre-initialised where that is sound
// (preinit.go). A pre-initialised module found in the disk cache needs neither the meter's
// output nor the plain module, unless the engine restores images.
func (r *Runtime) compile(ctx context.Context, key string, code func() ([]byte, error), info ModuleInfo, cmd *command, e *cacheEntry) (err error) {
	if r.opts.noMeter {
		wasm, err := code()
		if err != nil {
			return err
		}
		e.cm, err = r.compilePlain(ctx, wasm, "")
		return err
	}
	tryPre := cmd == nil && !r.opts.noPreinit
	_, images := r.eng.(imageEngine)
	var v verdict
	if tryPre && !images {
		// A snapshot whose code the engine cached by name needs only the verdict's head.
		if pre, ok := loadPreinitHead(r.preinitCachePath(key)); ok && pre.gas <= r.limits.Gas {
			if cm, err := r.engCompile(ctx, nil, r.codeName(key, "snapshot")); err == nil {
				e.cm, e.pre = cm, pre
				return nil
			}
		}
	}
	if tryPre {
		v = loadPreinit(r.preinitCachePath(key))
		if images && v.pre != nil && v.img != nil && v.pre.gas <= r.limits.Gas {
			if cm, err := r.compilePlain(ctx, v.code, ""); err == nil {
				e.cm, e.image, e.pre = cm, v.img, v.pre
				return nil
			}
			v = verdict{} // run the start-up again
		}
		if !images && v.pre != nil && v.snap != nil && v.pre.gas <= r.limits.Gas {
			if cm, err := r.engCompile(ctx, v.snap, r.codeName(key, "snapshot")); err == nil {
				e.cm, e.pre = cm, v.pre
				return nil
			}
			v = verdict{} // run the start-up again
		}
	}
	metered, flags, ok := loadMetered(r.cacheDir, key)
	if instrument := r.opts.instrument; instrument != nil { // tests only
		wasm, err := code()
		if err != nil {
			return err
		}
		m, minfo, err := instrument(wasm)
		if err != nil {
			return fmt.Errorf("meter: %w", classifyMeter(err))
		}
		metered, flags, ok = m, meteredFlags{hasStart: minfo.HasStart, writesTables: minfo.WritesTables}, true
	}
	if !ok {
		wasm, err := code()
		if err != nil {
			return err
		}
		r.instruments.Add(1)
		m, minfo, err := meter.Instrument(wasm)
		if err != nil {
			return fmt.Errorf("meter: %w", classifyMeter(err))
		}
		metered, flags = m, meteredFlags{hasStart: minfo.HasStart, writesTables: minfo.WritesTables}
		storeMetered(r.cacheDir, key, metered, flags)
	}
	e.hasStart = flags.hasStart
	if tryPre && images {
		if handled, err := r.preinitImage(ctx, key, metered, flags, info, v, e); handled || err != nil {
			return err
		}
	}
	if tryPre {
		cm, pre, why, err := r.preinitialize(ctx, key, metered, flags, info, v)
		if cm != nil || err != nil {
			e.cm, e.pre, e.preWhy = cm, pre, why
			return err
		}
	}
	if cmd == nil && r.opts.noPreinit {
		// The baseline runs the bytes a refused module runs (the prepared module), so that
		// comparing the two compares only where the start-up runs.
		if prepared, _, err := snapshot.Prepare(metered); err == nil {
			metered = prepared
		}
	}
	e.cm, err = r.compilePlain(ctx, metered, r.codeName(key, "metered"))
	return err
}

// release drops one reference to e; the last one frees the compiled code, and a failed entry
// leaves the cache at once so a later Load tries again.
func (r *Runtime) release(ctx context.Context, sha string, e *cacheEntry) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	e.refs--
	if r.compiled[sha] == e && (e.refs == 0 || e.err != nil) {
		delete(r.compiled, sha)
	}
	if e.refs == 0 && !r.closed && e.cm != nil {
		return e.cm.close(ctx)
	}
	return nil
}

// classifyMeter maps the meter's refusals to the ABI's sentinels.
func classifyMeter(err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "SIMD") || strings.Contains(msg, "v128"):
		return fmt.Errorf("%w: %s", ErrSIMD, msg)
	case strings.Contains(msg, "atomic"):
		return fmt.Errorf("%w: %s", ErrThreads, msg)
	case errors.Is(err, meter.ErrMalformed):
		return fmt.Errorf("%w: %w: %s", ErrInvalidModule, ErrMalformed, msg)
	}
	return fmt.Errorf("%w: %s", ErrInvalidModule, msg)
}

// classifyCompile maps engine validation errors on SIMD or atomics to the ABI's sentinels.
func classifyCompile(err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "simd") || strings.Contains(msg, "SIMD") || strings.Contains(msg, "v128"):
		return fmt.Errorf("%w: %s", ErrSIMD, firstLine(msg))
	case strings.Contains(msg, "threads") || strings.Contains(msg, "atomic"):
		return fmt.Errorf("%w: %s", ErrThreads, firstLine(msg))
	}
	return fmt.Errorf("%w: %s", ErrInvalidModule, firstLine(msg))
}

// Scorer is a loaded scorer module. Every call runs in a fresh instance, so calls are
// independent and may run concurrently.
type Scorer struct {
	name  string
	info  ModuleInfo
	cmd   *command // nil for a reactor
	key   string   // the compiled-code cache key
	rt    *Runtime
	entry *cacheEntry

	closeOnce sync.Once
}

// Name returns the name the scorer was loaded under.
func (s *Scorer) Name() string { return s.name }

// Info returns what screening learned (sha256, size, optional exports, imports).
func (s *Scorer) Info() ModuleInfo { return s.info }

// PreInitialised reports whether s's calls start from a snapshot of its start-up (start function
// and _initialize) taken when it was loaded (docs/METERING.md §6), and if not, why not: "" when
// the module has no start-up, else the reason, e.g. that its start-up read the round's randomness.
// Either way a call's output and gas are the same.
func (s *Scorer) PreInitialised() (bool, string) { return s.entry.pre != nil, s.entry.preWhy }

// Close releases this Scorer's hold on the compiled module; the last one frees it.
func (s *Scorer) Close(ctx context.Context) error {
	var err error
	s.closeOnce.Do(func() { err = s.rt.release(ctx, s.key, s.entry) })
	return err
}

// Result is the outcome of one call.
type Result struct {
	// Output is the exact message the scorer returned.
	Output []byte
	// Scores is the validated Scores (Score calls only).
	Scores Scores
	// Logs are the lines the scorer logged (capped by Limits.Log).
	Logs []hostfns.LogLine
	// LogsDropped counts lines past the cap.
	LogsDropped int
	// Instantiate is the time spent creating the instance (start function and _initialize
	// included, unless the module is pre-initialised: then they ran once, at load).
	Instantiate time.Duration
	// Call is the time spent in the export, copying in and out included.
	Call time.Duration
	// GasUsed is the gas the call consumed (start function, _initialize, subnetd_alloc and the
	// export), the same on every engine and machine; a pre-initialised module's start-up ran at
	// load and its gas, measured then, is counted here all the same. On ErrOutOfGas it is the figure the meter
	// stopped at; after a trap, the gas up to the trap; 0 when the call never ran.
	GasUsed uint64
}

// Score runs subnetd_score on the Round message round, whose meta (uids, seed, block time)
// the caller knows from Round.Encode or ParseRoundMeta, and validates the Scores.
// On error the Result still carries the scorer's logs when there are any.
func (s *Scorer) Score(ctx context.Context, round []byte, meta RoundMeta) (*Result, error) {
	res, err := s.run(ctx, exportScore, callScore, round, meta)
	if err != nil {
		return res, fmt.Errorf("scorer %s: score: %w", s.name, err)
	}
	sc, err := ValidateScores(res.Output, meta.UIDs, s.rt.limits.MaxStateBytes)
	if err != nil {
		return res, fmt.Errorf("scorer %s: %w", s.name, err)
	}
	res.Scores = sc
	return res, nil
}

// Challenge runs subnetd_challenge on a ChallengeRequest message and returns the Challenge
// message it produced (checked to be a JSON object with a synapse name).
func (s *Scorer) Challenge(ctx context.Context, req []byte, meta RoundMeta) (*Result, error) {
	if !s.info.HasChallenge {
		return nil, fmt.Errorf("scorer %s: %w", s.name, ErrNoChallenge)
	}
	res, err := s.run(ctx, exportChallenge, callChallenge, req, meta)
	if err != nil {
		return res, fmt.Errorf("scorer %s: challenge: %w", s.name, err)
	}
	if len(res.Output) == 0 {
		return res, fmt.Errorf("scorer %s: %w (its challenge call declined)", s.name, ErrNoChallenge)
	}
	if err := validateChallenge(res.Output); err != nil {
		return res, fmt.Errorf("scorer %s: %w", s.name, err)
	}
	return res, nil
}

// The call names a command scorer gets as its last argument and in SUBNETD_CALL.
const (
	callScore     = "score"
	callChallenge = "challenge"
)

// run is the ABI: instantiate, set the gas budget, start function, _initialize, alloc, copy
// in, call, copy out, all under one gas budget and one wall-clock backstop. A command scorer
// instead runs _start with the message on stdin and its stdout as the output.
func (s *Scorer) run(ctx context.Context, export, call string, msg []byte, meta RoundMeta) (res *Result, err error) {
	lim := s.rt.limits
	if len(msg) > lim.MaxInputBytes {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrInputTooLarge, len(msg), lim.MaxInputBytes)
	}
	env := hostfns.NewEnv(meta.BlockTimeMs*int64(time.Millisecond), meta.Seed, hostfns.NewLogBuffer(lim.Log))
	if s.cmd != nil {
		env.SetCommand(&hostfns.Command{
			Args: s.cmd.argv(call), Environ: s.cmd.environ(call), Stdin: msg,
			MaxStdout: lim.MaxOutputBytes, Files: s.cmd.files, FilesDir: s.cmd.spec.filesDir(),
		})
	}
	res = &Result{}
	ctx, cancel := context.WithTimeout(ctx, lim.Timeout)
	defer cancel()
	var inst, live instance
	defer func() {
		res.Logs, res.LogsDropped = env.Log.Lines(), env.Log.Dropped()
		if live != nil {
			defer live.close(context.WithoutCancel(ctx))
		}
		if inst != nil {
			// The counter decides first: a call whose counter went negative ran out of gas,
			// whatever else happened after the last check (docs/METERING.md).
			if left, gerr := inst.gas(); gerr == nil {
				used := uint64(int64(lim.Gas) - left)
				res.GasUsed = used
				if left < 0 {
					err = &GasError{Used: used, Limit: lim.Gas}
				}
			}
			if d, derr := inst.depth(); err != nil && derr == nil && d > meter.MaxDepth && !errors.Is(err, ErrOutOfGas) {
				err = fmt.Errorf("%w: wasm error: stack overflow (more than %d nested calls)", ErrTrap, meter.MaxDepth)
			}
		}
		if err != nil && ctx.Err() != nil && !errors.Is(err, ErrOutOfGas) {
			err = stopError(ctx, lim)
		}
		if err != nil {
			err = describe(err, lim, res.Logs, env.Log.LastStderr())
		}
	}()
	if ctx.Err() != nil {
		return res, stopError(ctx, lim)
	}

	t0 := time.Now()
	i, err := s.entry.cm.instantiate(ctx, env)
	if err != nil {
		return res, fmt.Errorf("instantiate: %w", err)
	}
	live = i // closed by the deferred function above, after the gas is read
	if s.entry.image != nil {
		if err := i.(imageRestorer).restore(s.entry.image); err != nil {
			return res, fmt.Errorf("instantiate: %w", err)
		}
	}
	// The wall-clock backstop: past the deadline (or once the caller cancels) the meter's next
	// yield, at most meter.YieldInterval gas later, makes the guest trap.
	// A pre-initialised module starts where its start-up left off (preinit.go): the call is
	// charged the start-up's gas and the monotonic clock reads on from where it stopped.
	budget := int64(lim.Gas)
	if pre := s.entry.pre; pre != nil {
		budget -= int64(pre.gas)
		env.ResumeMonotonic(pre.mono)
	}
	if !s.rt.opts.noMeter {
		if err := i.setGas(budget); err != nil {
			return res, fmt.Errorf("set gas: %w", err)
		}
		inst = i
	}
	if s.entry.pre == nil {
		if s.info.PreInit && s.cmd == nil {
			env.BeginStartup()
		}
		if s.entry.hasStart {
			if _, err := i.call(ctx, meter.StartExport); err != nil {
				return res, fmt.Errorf("start function: %w", err)
			}
		}
		if s.info.HasInitialize {
			if _, err := i.call(ctx, exportInitialize); err != nil {
				return res, fmt.Errorf("_initialize: %w", err)
			}
		}
		env.EndStartup()
	}
	t1 := time.Now()
	res.Instantiate = t1.Sub(t0)

	if s.cmd != nil {
		_, err := i.call(ctx, exportStart)
		var exit *hostfns.ExitError
		if errors.As(err, &exit) && exit.Code == 0 {
			err = nil // proc_exit(0) is success, as is returning from _start
		}
		if errors.Is(err, hostfns.ErrStdoutTooLarge) {
			return res, fmt.Errorf("%w: %v", ErrBadOutput, hostfns.ErrStdoutTooLarge)
		}
		if err != nil {
			return res, err
		}
		res.Output = append([]byte(nil), env.Stdout()...)
		res.Call = time.Since(t1)
		return res, nil
	}

	r, err := i.call(ctx, exportAlloc, uint64(len(msg)))
	if err != nil {
		return res, fmt.Errorf("%s: %w", exportAlloc, err)
	}
	ptr := uint32(r[0])
	if !i.memory().Write(ptr, msg) {
		return res, fmt.Errorf("%w: %s returned %d, and %d bytes there are outside guest memory", ErrBadOutput, exportAlloc, ptr, len(msg))
	}
	r, err = i.call(ctx, export, uint64(ptr), uint64(len(msg)))
	if err != nil {
		return res, err
	}
	outPtr, outLen := uint32(r[0]>>32), uint32(r[0])
	if int64(outLen) > int64(lim.MaxOutputBytes) {
		return res, fmt.Errorf("%w: output is %d bytes, limit %d", ErrBadOutput, outLen, lim.MaxOutputBytes)
	}
	out, ok := i.memory().Read(outPtr, outLen)
	if !ok {
		return res, fmt.Errorf("%w: output [%d, +%d) is outside guest memory", ErrBadOutput, outPtr, outLen)
	}
	res.Output = append([]byte(nil), out...)
	res.Call = time.Since(t1)
	return res, nil
}

// stopError is the error of a call stopped by its wall-clock backstop or its caller.
func stopError(ctx context.Context, lim Limits) error {
	if errors.Is(context.Cause(ctx), context.Canceled) {
		return fmt.Errorf("%w: call canceled", ErrTimeout)
	}
	return fmt.Errorf("%w: stopped after %s", ErrTimeout, lim.Timeout)
}

// describe turns an engine error into the runtime's one-line errors: timeouts, aborts, exits and
// traps get their sentinel, a trap gets the scorer's own last words when it printed any.
func describe(err error, lim Limits, logs []hostfns.LogLine, lastStderr string) error {
	var exit *sys.ExitError
	var abort *hostfns.AbortError
	var pexit *hostfns.ExitError
	var gas *GasError
	switch {
	case errors.As(err, &gas):
		return gas
	case errors.As(err, &abort):
		return abort
	case errors.As(err, &pexit):
		if words := lastWords(logs, lastStderr); words != "" {
			return fmt.Errorf("%w (scorer said: %s)", pexit, words)
		}
		return pexit
	case errors.As(err, &exit) && (exit.ExitCode() == sys.ExitCodeDeadlineExceeded || exit.ExitCode() == sys.ExitCodeContextCanceled):
		if exit.ExitCode() == sys.ExitCodeContextCanceled {
			return fmt.Errorf("%w: call canceled", ErrTimeout)
		}
		return fmt.Errorf("%w: stopped after %s", ErrTimeout, lim.Timeout)
	case errors.Is(err, ErrBadOutput), errors.Is(err, ErrInputTooLarge), errors.Is(err, ErrTimeout), errors.Is(err, ErrTrap):
		return err
	}
	msg := firstLine(err.Error())
	if words := lastWords(logs, lastStderr); words != "" {
		msg += " (scorer said: " + words + ")"
	}
	return fmt.Errorf("%w: %s", ErrTrap, msg)
}

// lastWords picks the line a crashing guest runtime prints about why (Go prints "fatal error:"
// or "panic:"), else the last stderr line (lastStderr: kept even when the log cap dropped it).
func lastWords(logs []hostfns.LogLine, lastStderr string) string {
	last := lastStderr
	for _, l := range logs {
		if l.Source != "stderr" {
			continue
		}
		if strings.HasPrefix(l.Text, "fatal error:") || strings.HasPrefix(l.Text, "panic:") || strings.HasPrefix(l.Text, "runtime:") {
			return truncate(l.Text, 200)
		}
	}
	return truncate(last, 200)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
