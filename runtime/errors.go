package runtime

import (
	"errors"
	"fmt"
	"strings"
)

// Errors callers branch on with errors.Is. Every error the runtime returns names the scorer and
// says what was wrong in one line.
var (
	// ErrInvalidModule: the module was refused before compiling (see ScreenError for each cause).
	ErrInvalidModule = errors.New("invalid scorer module")
	// ErrModuleTooLarge: the module is bigger than Limits.MaxModuleBytes.
	ErrModuleTooLarge = errors.New("module too large")
	// ErrMalformed: the bytes are not a well-formed WebAssembly module.
	ErrMalformed = errors.New("malformed module")
	// ErrForbiddenImport: the module imports something the host does not serve.
	ErrForbiddenImport = errors.New("forbidden import")
	// ErrMissingExport: a required export is absent.
	ErrMissingExport = errors.New("missing export")
	// ErrExportType: an export has the wrong kind or signature.
	ErrExportType = errors.New("export has the wrong type")
	// ErrThreads: the module uses shared memory (threads), not allowed in ABI v1.
	ErrThreads = errors.New("threads not allowed")
	// ErrSIMD: the module uses SIMD (v128), not allowed in ABI v1.
	ErrSIMD = errors.New("SIMD not allowed")
	// ErrMemoryTooLarge: the module declares more memory than Limits.MemoryPages.
	ErrMemoryTooLarge = errors.New("declared memory too large")
	// ErrTableTooLarge: the module declares more tables than MaxTables, or a table whose initial
	// size is above MaxTableEntries.
	ErrTableTooLarge = errors.New("declared table too large")
	// ErrTooMany: the module defines more functions than MaxFunctions, more globals than
	// MaxGlobals, more locals in all than MaxLocals, or more types, imports or exports than
	// MaxTypes, MaxImports or MaxExports.
	ErrTooMany = errors.New("too many definitions")
	// ErrMissingCommand: a WASI command scorer (exports _start, no subnetd_score) has no
	// SectionCommand custom section.
	ErrMissingCommand = errors.New("missing command spec")
	// ErrBadCommand: a command scorer's SectionCommand or SectionFiles is invalid.
	ErrBadCommand = errors.New("invalid command spec")

	// ErrTimeout: a call ran past its execution bound and was stopped.
	ErrTimeout = errors.New("execution bound exceeded")
	// ErrOutOfGas: a call used up its gas budget (Limits.Gas). Unlike ErrTimeout this is a
	// reproducible outcome: every engine on every machine stops at the same instruction. The
	// error is a *GasError carrying the figures.
	ErrOutOfGas = errors.New("gas budget exhausted")
	// ErrTrap: the guest trapped (unreachable, out-of-bounds access, stack overflow, out of memory...).
	ErrTrap = errors.New("scorer trapped")
	// ErrInputTooLarge: the message for the scorer is bigger than Limits.MaxInputBytes.
	ErrInputTooLarge = errors.New("input message too large")
	// ErrBadOutput: the scorer's output is out of bounds, too large, or not a valid message.
	ErrBadOutput = errors.New("invalid scorer output")
	// ErrNoChallenge: the scorer does not export subnetd_challenge.
	ErrNoChallenge = errors.New("scorer has no challenge function")
	// ErrClosed: the Runtime or Scorer was closed.
	ErrClosed = errors.New("closed")
)

// ScreenError lists every reason a module was refused before compiling. errors.Is matches
// ErrInvalidModule and each cause's sentinel (ErrForbiddenImport, ErrSIMD, ...).
type ScreenError struct {
	// Problems holds one error per cause, each wrapping its sentinel.
	Problems []error
}

// Error implements error: the causes on one line.
func (e *ScreenError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.Error()
	}
	return ErrInvalidModule.Error() + ": " + strings.Join(parts, "; ")
}

// Unwrap returns ErrInvalidModule and every cause.
func (e *ScreenError) Unwrap() []error { return append([]error{ErrInvalidModule}, e.Problems...) }

// GasError reports a call that ran out of gas. errors.Is(err, ErrOutOfGas) matches it.
type GasError struct {
	// Used is the gas charged when the meter stopped the call. It can exceed Limit by at most
	// the cost of the straight-line code between two checks (docs/METERING.md), and it is the
	// same on every engine and machine.
	Used uint64
	// Limit is the budget the call ran with.
	Limit uint64
}

// Error implements error.
func (e *GasError) Error() string {
	return fmt.Sprintf("%v: used %d gas, budget %d", ErrOutOfGas, e.Used, e.Limit)
}

// Unwrap makes errors.Is(err, ErrOutOfGas) true.
func (e *GasError) Unwrap() error { return ErrOutOfGas }
