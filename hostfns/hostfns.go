package hostfns

import (
	"errors"
	"fmt"
	"math/rand/v2"
)

// Module names a scorer may import from.
const (
	// ModuleSubnetd is the subnetd host module.
	ModuleSubnetd = "subnetd"
	// ModuleWASI is the WASI preview 1 module, served by the deterministic subset here.
	ModuleWASI = "wasi_snapshot_preview1"
)

// ValType is a WebAssembly value type, with the binary format's encoding.
type ValType byte

// The value types host functions use.
const (
	I32 ValType = 0x7f
	I64 ValType = 0x7e
)

// String returns the text-format name of t.
func (t ValType) String() string {
	switch t {
	case I32:
		return "i32"
	case I64:
		return "i64"
	case 0x7d:
		return "f32"
	case 0x7c:
		return "f64"
	case 0x7b:
		return "v128"
	case 0x70:
		return "funcref"
	case 0x6f:
		return "externref"
	}
	return fmt.Sprintf("valtype(0x%02x)", byte(t))
}

// Memory is the guest's linear memory as host functions see it. wazero's api.Memory satisfies it.
type Memory interface {
	// Read returns a view of byteCount bytes at offset, or false when out of range.
	Read(offset, byteCount uint32) ([]byte, bool)
	// Write copies v to offset, or returns false when out of range.
	Write(offset uint32, v []byte) bool
	// ReadUint32Le reads a little-endian uint32 at offset.
	ReadUint32Le(offset uint32) (uint32, bool)
	// WriteUint32Le writes a little-endian uint32 at offset.
	WriteUint32Le(offset, v uint32) bool
	// WriteUint64Le writes a little-endian uint64 at offset.
	WriteUint64Le(offset uint32, v uint64) bool
}

// Func is one host function: its import name, its signature, and its Go body. Call reads its
// parameters from stack and writes its results back to stack[:len(Results)]. A non-nil error
// stops the guest: the engine turns it into a trap and the call returns that error.
type Func struct {
	// Module is the import module name.
	Module string
	// Name is the import field name.
	Name string
	// Params are the parameter types.
	Params []ValType
	// Results are the result types.
	Results []ValType
	// Call runs the function for one instance.
	Call func(env *Env, mem Memory, stack []uint64) error
}

// Signature formats f's type the way errors show it, e.g. "(i32, i32) -> i32".
func (f Func) Signature() string { return FormatSignature(f.Params, f.Results) }

// FormatSignature formats a function type as "(i32, i64) -> i32".
func FormatSignature(params, results []ValType) string {
	s := "("
	for i, p := range params {
		if i > 0 {
			s += ", "
		}
		s += p.String()
	}
	s += ") -> ("
	for i, r := range results {
		if i > 0 {
			s += ", "
		}
		s += r.String()
	}
	return s + ")"
}

// Errors a host function stops the guest with. Callers branch on them with errors.Is.
var (
	// ErrAbort is returned when the scorer called subnetd.abort.
	ErrAbort = errors.New("scorer aborted")
	// ErrExit is returned when the scorer called proc_exit.
	ErrExit = errors.New("scorer called proc_exit")
)

// ExitError carries the status a scorer passed to proc_exit.
type ExitError struct {
	// Code is the exit status.
	Code uint32
}

// Error implements error.
func (e *ExitError) Error() string { return fmt.Sprintf("%v with status %d", ErrExit, e.Code) }

// Unwrap makes errors.Is(err, ErrExit) true.
func (e *ExitError) Unwrap() error { return ErrExit }

// AbortError carries the message a scorer passed to subnetd.abort.
type AbortError struct {
	// Message is the scorer's message, truncated to the log line cap.
	Message string
}

// Error implements error.
func (e *AbortError) Error() string { return fmt.Sprintf("%v: %s", ErrAbort, e.Message) }

// Unwrap makes errors.Is(err, ErrAbort) true.
func (e *AbortError) Unwrap() error { return ErrAbort }

// Env is the per-instance state of the host functions: one Env serves one instance of a scorer
// (one round). It is not safe for concurrent use; an instance runs on one goroutine.
type Env struct {
	// BlockTimeNs is the round's block time in Unix nanoseconds: the realtime clock reads it.
	BlockTimeNs int64
	// Log receives the captured log lines.
	Log *LogBuffer

	mono uint64
	cmd  *cmdState // nil for a reactor
	rng  *rand.ChaCha8
	use  Use

	// During a start-up (BeginStartup), the round's clock and randomness wait here.
	roundTimeNs int64
	roundRng    *rand.ChaCha8
}

// Use is what an instance did with its Env so far. Apart from a command's (SetCommand), the
// state an Env keeps is exactly this: the seed's stream (Random), the block time (Realtime), the
// log (Output) and the monotonic clock. Every other function answers from its arguments alone.
// The runtime's pre-initialisation reads it to prove that a start-up did not depend on the round.
type Use struct {
	// Random: random_get was called.
	Random bool
	// Realtime: the realtime clock was read.
	Realtime bool
	// Output: the guest wrote to stdout or stderr, logged, aborted or called proc_exit.
	Output bool
	// Monotonic is the monotonic clock's reading (0 until the first read or sleep).
	Monotonic uint64
}

// Use reports what the instance did with env so far.
func (e *Env) Use() Use {
	u := e.use
	u.Monotonic = e.mono
	return u
}

// ResumeMonotonic sets the monotonic clock to mono, the reading a start-up left it at, so an
// instance restored from a snapshot of that start-up reads the clock as if it had run it.
func (e *Env) ResumeMonotonic(mono uint64) { e.mono = mono }

// StartupSeed is the seed random_get draws from during a start-up (BeginStartup): all zero.
var StartupSeed [32]byte

// BeginStartup makes env serve the fixed start-up environment until EndStartup: the realtime
// clock reads 0 and random_get draws from a fresh stream of StartupSeed. A module that exports
// subnetd_preinit runs its start function and _initialize in it (docs/ABI.md), so that what
// they compute does not depend on the round and can be computed once, at load.
func (e *Env) BeginStartup() {
	if e.roundRng != nil {
		return
	}
	e.roundTimeNs, e.roundRng = e.BlockTimeNs, e.rng
	e.BlockTimeNs, e.rng = 0, rand.NewChaCha8(StartupSeed)
}

// EndStartup gives the round's clock and randomness back: random_get continues from the start
// of the round seed's stream, untouched by the start-up. The monotonic clock continues.
func (e *Env) EndStartup() {
	if e.roundRng == nil {
		return
	}
	e.BlockTimeNs, e.rng = e.roundTimeNs, e.roundRng
	e.roundRng = nil
}

// monoStep is how far the monotonic clock advances on every read: time moves, deterministically.
const monoStep = 1000

// NewEnv returns the Env for one instance: clock pinned at blockTimeNs, randomness from seed,
// log lines kept in log (nil means a LogBuffer with DefaultLogLimits).
func NewEnv(blockTimeNs int64, seed [32]byte, log *LogBuffer) *Env {
	if log == nil {
		log = NewLogBuffer(DefaultLogLimits())
	}
	return &Env{BlockTimeNs: blockTimeNs, Log: log, rng: rand.NewChaCha8(seed)}
}

// Funcs returns every host function a scorer may import: the subnetd module and the WASI subset.
func Funcs() []Func {
	return append(subnetdFuncs(), wasiFuncs()...)
}

// Lookup finds the host function for an import, or returns false.
func Lookup(module, name string) (Func, bool) {
	for _, f := range Funcs() {
		if f.Module == module && f.Name == name {
			return f, true
		}
	}
	return Func{}, false
}

func subnetdFuncs() []Func {
	return []Func{
		{Module: ModuleSubnetd, Name: "log", Params: []ValType{I32, I32, I32}, Call: subnetdLog},
		{Module: ModuleSubnetd, Name: "abort", Params: []ValType{I32, I32}, Call: subnetdAbort},
	}
}

// subnetdLog is log(level i32, ptr i32, len i32): one log line from the scorer.
func subnetdLog(env *Env, mem Memory, stack []uint64) error {
	env.use.Output = true
	level, ptr, n := int32(stack[0]), uint32(stack[1]), uint32(stack[2])
	b, ok := readCapped(mem, ptr, n, env.Log.limits.MaxLineBytes)
	if !ok {
		return fmt.Errorf("subnetd.log: message [%d, +%d) is outside guest memory", ptr, n)
	}
	env.Log.add(Level(level), "log", b, int64(n) > int64(len(b)))
	return nil
}

// subnetdAbort is abort(ptr i32, len i32): the scorer gives up the call with a reason.
func subnetdAbort(env *Env, mem Memory, stack []uint64) error {
	env.use.Output = true
	ptr, n := uint32(stack[0]), uint32(stack[1])
	b, ok := readCapped(mem, ptr, n, env.Log.limits.MaxLineBytes)
	if !ok {
		return &AbortError{Message: fmt.Sprintf("(message [%d, +%d) is outside guest memory)", ptr, n)}
	}
	return &AbortError{Message: sanitize(b)}
}

// readCapped reads at most limit bytes of [ptr, ptr+n), checking that the whole range is valid.
func readCapped(mem Memory, ptr, n uint32, limit int) ([]byte, bool) {
	if _, ok := mem.Read(ptr, n); !ok {
		return nil, false
	}
	if int64(n) > int64(limit) {
		n = uint32(limit)
	}
	return mem.Read(ptr, n)
}
