package runtime

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/subnetd/subnetd/hostfns"
	"github.com/subnetd/subnetd/runtime/internal/meter"
	"github.com/subnetd/subnetd/runtime/internal/wasmbin"
)

// The exports of ABI v1.
const (
	exportMemory     = "memory"
	exportAlloc      = "subnetd_alloc"
	exportScore      = "subnetd_score"
	exportChallenge  = "subnetd_challenge"
	exportInitialize = "_initialize"
	exportStart      = "_start"
	exportPreinit    = "subnetd_preinit"
)

// wantExports is the signature of each exported function the ABI knows; required ones first.
var wantExports = []struct {
	name     string
	required bool
	params   []hostfns.ValType
	results  []hostfns.ValType
}{
	{exportAlloc, true, []hostfns.ValType{hostfns.I32}, []hostfns.ValType{hostfns.I32}},
	{exportScore, true, []hostfns.ValType{hostfns.I32, hostfns.I32}, []hostfns.ValType{hostfns.I64}},
	{exportChallenge, false, []hostfns.ValType{hostfns.I32, hostfns.I32}, []hostfns.ValType{hostfns.I64}},
	{exportInitialize, false, nil, nil},
	{exportPreinit, false, nil, nil},
}

// ModuleInfo is what screening learned about a module.
type ModuleInfo struct {
	// SHA256 is the hex sha256 of the module bytes.
	SHA256 string `json:"sha256"`
	// Size is the module's size in bytes.
	Size int `json:"size"`
	// HasChallenge reports an exported subnetd_challenge.
	HasChallenge bool `json:"has_challenge"`
	// HasInitialize reports an exported _initialize (a WASI reactor).
	HasInitialize bool `json:"has_initialize"`
	// PreInit reports an exported subnetd_preinit: the module's start function and _initialize
	// run in the fixed start-up environment, not the round's, so the runtime may run them once
	// at load and start every call from a snapshot (docs/ABI.md, "Start-up").
	PreInit bool `json:"preinit,omitempty"`
	// Imports lists "module.name" of every import.
	Imports []string `json:"imports"`
	// Command reports a WASI command scorer: it exports _start and no subnetd_score, and runs
	// once per call with the message on stdin (docs/ABI.md, "The command form"). HasChallenge
	// is then its CommandSpec.Challenge.
	Command bool `json:"command,omitempty"`
}

// Screen checks a module against ABI v1 and limits without compiling it. It refuses, naming
// each cause: a module larger than MaxModuleBytes, malformed bytes, imports the host does not
// serve (or serves with another signature), missing or mistyped exports, shared memory
// (threads), v128 types or locals (SIMD), memory declared beyond MemoryPages, tables beyond
// MaxTables and MaxTableEntries, more than MaxFunctions functions, MaxGlobals globals,
// MaxLocals locals or MaxTypes, MaxImports or MaxExports entries, and counts or lengths that
// go past the module's bytes.
// Instruction-level checks (a SIMD or atomic opcode in a body) are the engine's, at compile time.
//
// A module that exports _start and no subnetd_score is a WASI command scorer: it needs the
// memory export and a valid SectionCommand (and SectionFiles, when present, must be a valid
// archive); subnetd_alloc is not required.
func Screen(wasm []byte, limits Limits) (ModuleInfo, error) {
	info, _, err := screen(wasm, limits)
	return info, err
}

// screen is Screen, also returning a command scorer's parsed sections.
func screen(wasm []byte, limits Limits) (ModuleInfo, *command, error) {
	limits = limits.WithDefaults()
	sum := sha256.Sum256(wasm)
	info := ModuleInfo{SHA256: hex.EncodeToString(sum[:]), Size: len(wasm)}
	if len(wasm) > limits.MaxModuleBytes {
		return info, nil, &ScreenError{Problems: []error{fmt.Errorf("%w: %d bytes, limit %d", ErrModuleTooLarge, len(wasm), limits.MaxModuleBytes)}}
	}
	s := screener{limits: limits, r: wasmbin.Reader{B: wasm}}
	if err := s.walk(); err != nil {
		if !errors.Is(err, ErrTooMany) { // a limit stops the walk too, and is named as such
			err = fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		return info, nil, &ScreenError{Problems: []error{err}}
	}
	var cmd *command
	if _, score := s.exports[exportScore]; !score && s.exports[exportStart].Name != "" {
		info.Command = true
		cmd = s.checkCommand(wasm, &info)
	} else {
		s.checkExports(&info)
	}
	info.Imports = s.importNames
	if len(s.problems) > 0 {
		return info, nil, &ScreenError{Problems: s.problems}
	}
	return info, cmd, nil
}

// checkCommand checks a WASI command scorer: memory, a () -> () _start, and its sections.
func (s *screener) checkCommand(wasm []byte, info *ModuleInfo) *command {
	s.checkMemoryExport()
	e := s.exports[exportStart]
	switch {
	case e.Kind != 0:
		s.fail(fmt.Errorf("%w: %q is not a function", ErrExportType, exportStart))
	case int(e.Index) >= len(s.funcTypes):
		s.fail(fmt.Errorf("%w: %q refers to function %d, which does not exist", ErrExportType, exportStart, e.Index))
	default:
		if t := s.types[s.funcTypes[e.Index]]; len(t.params) != 0 || len(t.results) != 0 {
			s.fail(fmt.Errorf("%w: %q is %s, want () -> ()", ErrExportType, exportStart, hostfns.FormatSignature(t.params, t.results)))
		}
	}
	cmd, err := parseCommand(wasm)
	if err != nil {
		s.fail(err)
		return nil
	}
	info.HasChallenge = cmd.spec.Challenge
	return cmd
}

func (s *screener) checkMemoryExport() {
	if e, ok := s.exports[exportMemory]; !ok {
		s.fail(fmt.Errorf("%w: %q (the guest's linear memory)", ErrMissingExport, exportMemory))
	} else if e.Kind != 2 {
		s.fail(fmt.Errorf("%w: %q is not a memory", ErrExportType, exportMemory))
	}
}

type funcType struct{ params, results []hostfns.ValType }

type screener struct {
	limits      Limits
	r           wasmbin.Reader
	types       []funcType
	funcTypes   []uint32 // type index of every function, imported ones first
	importNames []string
	exports     map[string]wasmbin.Export
	memories    int
	problems    []error
}

func (s *screener) fail(err error) { s.problems = append(s.problems, err) }

// walk reads the header and every section, recording what the checks need.
func (s *screener) walk() error {
	magic, err := s.r.Bytes(8)
	if err != nil || string(magic[:4]) != "\x00asm" {
		return errors.New("no WebAssembly magic number")
	}
	if string(magic[4:]) != "\x01\x00\x00\x00" {
		return fmt.Errorf("binary version %x, want 1", magic[4:])
	}
	s.exports = map[string]wasmbin.Export{}
	for !s.r.Done() {
		id, body, err := s.r.Section()
		if err != nil {
			return err
		}
		sec := wasmbin.Reader{B: body}
		switch id {
		case 1:
			err = s.typeSection(&sec)
		case 2:
			err = s.importSection(&sec)
		case 3:
			err = s.functionSection(&sec)
		case 4:
			err = s.tableSection(body)
		case 5:
			err = s.memorySection(&sec)
		case 6:
			err = s.globalSection(&sec)
		case 7:
			err = s.exportSection(&sec)
		case 10:
			err = s.codeSection(&sec)
		case 11:
			// Every segment read, so that no count or length goes past the bytes: an engine
			// may set memory aside for what a section declares before reading it (wazero
			// does, for every declared segment and each segment's bytes).
			err = wasmbin.DataSection(body)
		}
		if err != nil {
			return fmt.Errorf("section %d: %w", id, err)
		}
	}
	return nil
}

func (s *screener) typeSection(r *wasmbin.Reader) error {
	n, err := count(r, "types", MaxTypes)
	if err != nil {
		return err
	}
	for i := uint32(0); i < n; i++ {
		params, results, err := r.FuncType()
		if err != nil {
			return fmt.Errorf("type %d: %w", i, err)
		}
		where := fmt.Sprintf("type %d", i)
		s.types = append(s.types, funcType{s.valTypes(params, where), s.valTypes(results, where)})
	}
	return nil
}

// valTypes converts value types, noting any v128 (SIMD).
func (s *screener) valTypes(b []byte, where string) []hostfns.ValType {
	vs := make([]hostfns.ValType, len(b))
	for i, c := range b {
		vs[i] = hostfns.ValType(c)
		if c == 0x7b {
			s.fail(fmt.Errorf("%w: %s uses v128", ErrSIMD, where))
		}
	}
	return vs
}

func (s *screener) importSection(r *wasmbin.Reader) error {
	n, err := count(r, "imports", MaxImports)
	if err != nil {
		return err
	}
	for i := uint32(0); i < n; i++ {
		im, err := r.Import()
		if err != nil {
			return err
		}
		full := im.Module + "." + im.Name
		s.importNames = append(s.importNames, full)
		switch im.Kind {
		case wasmbin.KindFunc:
			if int(im.Type) >= len(s.types) {
				return fmt.Errorf("import %s: type index %d out of range", full, im.Type)
			}
			s.funcTypes = append(s.funcTypes, im.Type)
			s.checkImport(im.Module, im.Name, s.types[im.Type])
		case wasmbin.KindTable:
			s.fail(fmt.Errorf("%w: table %s (the host serves no tables)", ErrForbiddenImport, full))
		case wasmbin.KindMemory:
			s.fail(fmt.Errorf("%w: memory %s (a scorer defines and exports its own memory)", ErrForbiddenImport, full))
		case wasmbin.KindGlobal:
			s.fail(fmt.Errorf("%w: global %s (the host serves no globals)", ErrForbiddenImport, full))
		}
	}
	return nil
}

func (s *screener) checkImport(mod, name string, t funcType) {
	f, ok := hostfns.Lookup(mod, name)
	if !ok {
		s.fail(fmt.Errorf("%w: function %s.%s (allowed: module %q, and the deterministic WASI subset of %q)",
			ErrForbiddenImport, mod, name, hostfns.ModuleSubnetd, hostfns.ModuleWASI))
		return
	}
	if !sameTypes(f.Params, t.params) || !sameTypes(f.Results, t.results) {
		s.fail(fmt.Errorf("%w: function %s.%s imported as %s, the host serves %s",
			ErrForbiddenImport, mod, name, hostfns.FormatSignature(t.params, t.results), f.Signature()))
	}
}

// MaxFunctions is the most functions a module may define. An engine's memory for a module
// grows with its functions whatever their size (wazero: about 0.9 KiB each, so 16 MiB of empty
// functions would take 3.6 GiB to load); CPython for WASI defines 11,448, a Go scorer about
// 2,200.
const MaxFunctions = 100_000

// The most types, imports and exports a module may declare: an engine keeps a record of each
// (wazero took 1.3 GB and 11 s to load 3 million types). Toolchains declare a few hundred
// types and exports and a few dozen imports; the WebAssembly JS API allows 100,000 imports
// and exports.
const (
	// MaxTypes is the most function types a module may declare.
	MaxTypes = 100_000
	// MaxImports is the most imports a module may declare.
	MaxImports = 100_000
	// MaxExports is the most exports a module may declare.
	MaxExports = 100_000
)

// MaxGlobals is the most globals a module may define: an engine keeps every global of every
// instance (wazero: about 190 bytes each to load, and a fresh set per call). Toolchains define
// a handful.
const MaxGlobals = 100_000

// globalSection checks the number of globals (the meter reads each of them before any engine
// sees the module).
func (s *screener) globalSection(r *wasmbin.Reader) error {
	_, err := count(r, "globals", MaxGlobals)
	return err
}

// count reads a section's entry count and refuses one above limit (ErrTooMany, which stops
// the walk: an engine keeps a record of every entry).
func count(r *wasmbin.Reader, what string, limit uint32) (uint32, error) {
	n, err := r.U32()
	if err == nil && n > limit {
		err = fmt.Errorf("%w: %d %s, limit %d", ErrTooMany, n, what, limit)
	}
	return n, err
}

func (s *screener) functionSection(r *wasmbin.Reader) error {
	n, err := count(r, "functions", MaxFunctions)
	if err != nil {
		return err
	}
	for i := uint32(0); i < n; i++ {
		ti, err := r.U32()
		if err != nil {
			return err
		}
		if int(ti) >= len(s.types) {
			return fmt.Errorf("function %d: type index %d out of range", i, ti)
		}
		s.funcTypes = append(s.funcTypes, ti)
	}
	return nil
}

func (s *screener) memorySection(r *wasmbin.Reader) error {
	n, err := r.U32()
	if err != nil {
		return err
	}
	for i := uint32(0); i < n; i++ {
		flags, min, max, err := r.Limits()
		if err != nil {
			return err
		}
		s.memories++
		if flags&0x02 != 0 {
			s.fail(fmt.Errorf("%w: memory %d is shared", ErrThreads, i))
		}
		if flags&0x04 != 0 {
			s.fail(fmt.Errorf("%w: memory %d is 64-bit (memory64 is not allowed)", ErrInvalidModule, i))
		}
		if min > uint64(s.limits.MemoryPages) {
			s.fail(fmt.Errorf("%w: memory %d declares %d initial pages, limit %d", ErrMemoryTooLarge, i, min, s.limits.MemoryPages))
		}
		if flags&0x01 != 0 && max > uint64(s.limits.MemoryPages) {
			s.fail(fmt.Errorf("%w: memory %d declares a maximum of %d pages, limit %d (declare no maximum, or one within the limit)", ErrMemoryTooLarge, i, max, s.limits.MemoryPages))
		}
	}
	return nil
}

// The host's limits on tables, which unlike linear memory live in the host's own memory: a
// module defines at most MaxTables tables, none starting with more than MaxTableEntries
// entries, and the gas meter caps each table's maximum at MaxTableEntries, so that table.grow
// past it fails (returns -1) on every engine. At 8 bytes an entry that is at most 64 MiB of
// host memory per instance, as much as the default linear memory.
const (
	// MaxTables is the most tables a module may define.
	MaxTables = 8
	// MaxTableEntries is the most entries a table may start with or grow to.
	MaxTableEntries = meter.MaxTableEntries
)

// tableSection checks every table's initial size against the host's limits.
func (s *screener) tableSection(body []byte) error {
	tables, err := wasmbin.TableSection(body)
	if err != nil {
		return err
	}
	if len(tables) > MaxTables {
		s.fail(fmt.Errorf("%w: %d tables, limit %d", ErrTableTooLarge, len(tables), MaxTables))
	}
	for i, t := range tables {
		if t.Min > MaxTableEntries {
			s.fail(fmt.Errorf("%w: table %d declares %d initial entries, limit %d", ErrTableTooLarge, i, t.Min, MaxTableEntries))
		}
	}
	return nil
}

func (s *screener) exportSection(r *wasmbin.Reader) error {
	n, err := count(r, "exports", MaxExports)
	if err != nil {
		return err
	}
	for i := uint32(0); i < n; i++ {
		e, err := r.Export()
		if err != nil {
			return err
		}
		s.exports[e.Name] = e
	}
	return nil
}

// MaxLocals is the most locals all of a module's functions may declare together: an engine
// expands every declaration (wazero: about 8 bytes a local to load; 160 KB of declarations
// took 7.7 GB). CPython for WASI declares 17,020 in all, a Go scorer about 9,000.
const MaxLocals = 1_000_000

// codeSection looks only at each body's local declarations: v128 locals, and their number.
func (s *screener) codeSection(r *wasmbin.Reader) error {
	n, err := r.U32()
	if err != nil {
		return err
	}
	var locals uint64
	for i := uint32(0); i < n; i++ {
		size, err := r.U32()
		if err != nil {
			return err
		}
		b, err := r.Bytes(int(size))
		if err != nil {
			return err
		}
		body := wasmbin.Reader{B: b}
		groups, err := body.U32()
		if err != nil {
			return err
		}
		for g := uint32(0); g < groups; g++ {
			c, err := body.U32()
			if err != nil {
				return err
			}
			locals += uint64(c)
			t, err := body.Byte()
			if err != nil {
				return err
			}
			if t == 0x7b {
				s.fail(fmt.Errorf("%w: function body %d has v128 locals", ErrSIMD, i))
				return nil
			}
		}
	}
	if locals > MaxLocals {
		return fmt.Errorf("%w: %d locals in all, limit %d", ErrTooMany, locals, MaxLocals)
	}
	return nil
}

func (s *screener) checkExports(info *ModuleInfo) {
	s.checkMemoryExport()
	for _, w := range wantExports {
		e, ok := s.exports[w.name]
		if !ok {
			if w.required {
				s.fail(fmt.Errorf("%w: function %q %s", ErrMissingExport, w.name, hostfns.FormatSignature(w.params, w.results)))
			}
			continue
		}
		if e.Kind != 0 {
			s.fail(fmt.Errorf("%w: %q is not a function", ErrExportType, w.name))
			continue
		}
		if int(e.Index) >= len(s.funcTypes) {
			s.fail(fmt.Errorf("%w: %q refers to function %d, which does not exist", ErrExportType, w.name, e.Index))
			continue
		}
		t := s.types[s.funcTypes[e.Index]]
		if !sameTypes(t.params, w.params) || !sameTypes(t.results, w.results) {
			s.fail(fmt.Errorf("%w: %q is %s, want %s", ErrExportType, w.name,
				hostfns.FormatSignature(t.params, t.results), hostfns.FormatSignature(w.params, w.results)))
			continue
		}
		switch w.name {
		case exportChallenge:
			info.HasChallenge = true
		case exportInitialize:
			info.HasInitialize = true
		case exportPreinit:
			info.PreInit = true
		}
	}
}

func sameTypes(a, b []hostfns.ValType) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
