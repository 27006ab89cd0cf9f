package runtime

import (
	"fmt"
	"math"
	"time"

	"github.com/subnetd/subnetd/hostfns"
)

// Limits bound what one scorer may use. They are per subnet (a config sets them), and every
// round record carries the ones its round ran with.
type Limits struct {
	// MaxModuleBytes refuses larger modules before parsing them.
	MaxModuleBytes int `json:"max_module_bytes" yaml:"max_module_bytes"`
	// MemoryPages caps linear memory, in 64 KiB pages; memory.grow past it fails.
	MemoryPages uint32 `json:"memory_pages" yaml:"memory_pages"`
	// MaxInputBytes caps the Round (or ChallengeRequest) message.
	MaxInputBytes int `json:"max_input_bytes" yaml:"max_input_bytes"`
	// MaxOutputBytes caps the Scores (or Challenge) message.
	MaxOutputBytes int `json:"max_output_bytes" yaml:"max_output_bytes"`
	// MaxStateBytes caps the decoded state a scorer carries between rounds.
	MaxStateBytes int `json:"max_state_bytes" yaml:"max_state_bytes"`
	// Gas is the deterministic execution bound of one call, in gas (about one per WebAssembly
	// instruction executed; docs/METERING.md): the start function, _initialize, subnetd_alloc
	// and the export together. Past it the call fails with ErrOutOfGas, at the same instruction
	// and with the same figure on every machine and engine. At most math.MaxInt64.
	Gas uint64 `json:"gas" yaml:"gas"`
	// Timeout is the wall-clock backstop of one call, for what gas does not bound (a
	// pathologically slow machine or engine). Past it the instance is stopped and its CPU freed,
	// and the call fails with ErrTimeout: an operational event, not a reproducible outcome, so it
	// should be several times what the Gas budget takes to run.
	Timeout time.Duration `json:"timeout" yaml:"timeout"`
	// Log caps what a call may log.
	Log hostfns.LogLimits `json:"log" yaml:"log"`
}

// DefaultGas is the default gas budget of one call (see Limits.Gas).
const DefaultGas = 10_000_000_000

// DefaultLimits returns the limits used where a config gives none: 16 MiB modules, 64 MiB
// memory, 16 MiB input, 4 MiB output, 1 MiB state, DefaultGas gas and a 60 s backstop per
// call, 64 log lines of 1 KiB.
func DefaultLimits() Limits {
	return Limits{
		MaxModuleBytes: 16 << 20,
		MemoryPages:    1024,
		MaxInputBytes:  16 << 20,
		MaxOutputBytes: 4 << 20,
		MaxStateBytes:  1 << 20,
		Gas:            DefaultGas,
		Timeout:        60 * time.Second,
		Log:            hostfns.DefaultLogLimits(),
	}
}

// WithDefaults returns l with its zero fields filled from DefaultLimits: the limits a runtime
// created with l enforces.
func (l Limits) WithDefaults() Limits {
	d := DefaultLimits()
	if l.MaxModuleBytes <= 0 {
		l.MaxModuleBytes = d.MaxModuleBytes
	}
	if l.MemoryPages == 0 {
		l.MemoryPages = d.MemoryPages
	}
	if l.MaxInputBytes <= 0 {
		l.MaxInputBytes = d.MaxInputBytes
	}
	if l.MaxOutputBytes <= 0 {
		l.MaxOutputBytes = d.MaxOutputBytes
	}
	if l.MaxStateBytes <= 0 {
		l.MaxStateBytes = d.MaxStateBytes
	}
	if l.Gas == 0 {
		l.Gas = d.Gas
	}
	if l.Timeout <= 0 {
		l.Timeout = d.Timeout
	}
	if l.Log.MaxLines <= 0 {
		l.Log.MaxLines = d.Log.MaxLines
	}
	if l.Log.MaxLineBytes <= 0 {
		l.Log.MaxLineBytes = d.Log.MaxLineBytes
	}
	return l
}

// validate rejects limits no engine can honour.
func (l Limits) validate() error {
	if l.MemoryPages > 65536 {
		return fmt.Errorf("limits: memory_pages %d exceeds the 32-bit maximum of 65536", l.MemoryPages)
	}
	if l.Gas > math.MaxInt64 {
		return fmt.Errorf("limits: gas %d exceeds the maximum of %d", l.Gas, int64(math.MaxInt64))
	}
	return nil
}
