package meter

import (
	"errors"
	"fmt"
)

// Names the instrumented module exports for the host.
const (
	// GasExport is the mutable i64 global holding the gas left. The host sets it before the
	// first call of an instance and reads it after every call; a negative value means the
	// budget ran out.
	GasExport = "subnetd_gas"
	// StopExport is a mutable i32 global that every checked point tests: the host sets it to
	// 1 (from any goroutine) to stop a running call at its wall-clock backstop. It is not part
	// of the gas model: a stopped call is a timeout, not a reproducible outcome.
	StopExport = "subnetd_stop"
	// StartExport is the module's start function, when it had one. The start section is
	// removed so that the host can set the budget first and then run it under that budget.
	StartExport = "subnetd_start"
)

// Version names the cost model. Anything that changes how much gas a module is charged
// (weights, charge points, bulk rates) must change it: it goes into round records and cache keys.
const Version = "meter-v1"

// BulkShift sets the dynamic charge of the bulk memory and table instructions (memory.copy,
// memory.fill, memory.init, table.copy, table.fill, table.init): one gas per 1<<BulkShift
// bytes or elements, on top of the instruction's own gas. Host functions are charged at the
// same rate for the guest memory they read or write (the runtime does that).
const BulkShift = 6

// HostCallGas is what a call to a host function costs on top of the call instruction and
// the bytes it moves (charged by the runtime, which runs the host functions).
const HostCallGas = 64

// GrowShift sets the dynamic charge of memory.grow: 1<<GrowShift gas per page asked for
// (a 64 KiB page at one gas per 64 bytes), whether or not the grow succeeds.
const GrowShift = 10

// ErrUnsupported is returned for a module using an instruction or section outside the
// supported set (MVP, sign extension, saturating float-to-int, bulk memory, reference types,
// multi-value).
var ErrUnsupported = errors.New("unsupported by the gas meter")

// ErrMalformed is returned for bytes the meter cannot decode.
var ErrMalformed = errors.New("malformed module")

// Info describes an instrumented module.
type Info struct {
	// HasStart reports that the module had a start function, now exported as StartExport.
	HasStart bool
	// Functions is the number of function bodies instrumented.
	Functions int
	// ChargePoints is the number of static charges inserted.
	ChargePoints int
}

// Instrument returns wasm with a gas counter: a new exported mutable i64 global (GasExport)
// that every function decrements by the static cost of each straight-line segment when it
// enters it (one gas per instruction), and that function entries and loop headers check:
// a negative counter there executes `unreachable`. Those checks also test a stop flag
// (StopExport). The start function, if any, is exported as StartExport instead. The output
// is a pure function of the input bytes.
func Instrument(wasm []byte) ([]byte, Info, error) {
	var info Info
	m, err := parseModule(wasm)
	if err != nil {
		return nil, info, err
	}
	for _, name := range []string{GasExport, StopExport, StartExport} {
		if m.exportNames[name] {
			return nil, info, fmt.Errorf("%w: the module already exports %q, a name the meter reserves", ErrUnsupported, name)
		}
	}
	gas := m.importedGlobals + m.definedGlobals
	stop := gas + 1
	out := append([]byte(nil), wasm[:8]...)
	wroteGlobals, wroteExports := false, false
	emitGlobals := func() {
		// The old definitions, then gas (mut i64) (i64.const 0) and stop (mut i32) (i32.const 0).
		body := appendU32(nil, m.definedGlobals+2)
		body = append(body, m.globalBody...)
		body = append(body, 0x7e, 0x01, 0x42, 0x00, 0x0b)
		body = append(body, 0x7f, 0x01, 0x41, 0x00, 0x0b)
		out = appendSection(out, secGlobal, body)
		wroteGlobals = true
	}
	emitExports := func() {
		body := appendU32(nil, m.exportCount+2+boolU32(m.hasStart))
		body = append(body, m.exportBody...)
		body = appendName(body, GasExport)
		body = append(body, 0x03)
		body = appendU32(body, gas)
		body = appendName(body, StopExport)
		body = append(body, 0x03)
		body = appendU32(body, stop)
		if m.hasStart {
			body = appendName(body, StartExport)
			body = append(body, 0x00)
			body = appendU32(body, m.start)
		}
		out = appendSection(out, secExport, body)
		wroteExports = true
	}
	for _, s := range m.sections {
		if s.id != secCustom {
			if !wroteGlobals && rank(s.id) > rank(secGlobal) {
				emitGlobals()
			}
			if !wroteExports && rank(s.id) > rank(secExport) {
				emitExports()
			}
		}
		switch s.id {
		case secGlobal:
			emitGlobals()
		case secExport:
			emitExports()
		case secStart:
			// dropped: exported as StartExport instead
		case secCode:
			body, n, err := instrumentCode(m, s.body, gas, stop)
			if err != nil {
				return nil, info, err
			}
			info.ChargePoints = n
			info.Functions = len(m.funcTypes) - int(m.importedFuncs)
			out = appendSection(out, secCode, body)
		default:
			out = appendSection(out, s.id, s.body)
		}
	}
	if !wroteGlobals {
		emitGlobals()
	}
	if !wroteExports {
		emitExports()
	}
	info.HasStart = m.hasStart
	return out, info, nil
}

func boolU32(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

// Section ids.
const (
	secCustom    = 0
	secType      = 1
	secImport    = 2
	secFunction  = 3
	secTable     = 4
	secMemory    = 5
	secGlobal    = 6
	secExport    = 7
	secStart     = 8
	secElement   = 9
	secCode      = 10
	secData      = 11
	secDataCount = 12
)

// rank is a section's place in the required order (data count sits between element and code).
func rank(id byte) int {
	switch id {
	case secDataCount:
		return 10
	case secCode:
		return 11
	case secData:
		return 12
	}
	return int(id)
}

type section struct {
	id   byte
	body []byte
}

// module is what instrumenting needs to know about a module.
type module struct {
	sections        []section
	typeParams      []uint32 // parameter count of each type
	funcTypes       []uint32 // type of every function, imported first
	importedFuncs   uint32
	importedGlobals uint32
	definedGlobals  uint32
	globalBody      []byte // the global section after its count
	exportCount     uint32
	exportBody      []byte // the export section after its count
	exportNames     map[string]bool
	hasStart        bool
	start           uint32
}

func parseModule(wasm []byte) (*module, error) {
	if len(wasm) < 8 || string(wasm[:4]) != "\x00asm" || string(wasm[4:8]) != "\x01\x00\x00\x00" {
		return nil, fmt.Errorf("%w: no WebAssembly 1.0 header", ErrMalformed)
	}
	m := &module{exportNames: map[string]bool{}}
	r := reader{b: wasm, off: 8}
	last := 0
	for !r.done() {
		id, err := r.byte()
		if err != nil {
			return nil, err
		}
		size, err := r.u32()
		if err != nil {
			return nil, err
		}
		body, err := r.bytes(int(size))
		if err != nil {
			return nil, fmt.Errorf("section %d: %w", id, err)
		}
		if id > secDataCount {
			return nil, fmt.Errorf("%w: section id %d", ErrUnsupported, id)
		}
		if id != secCustom {
			if rank(id) <= last {
				return nil, fmt.Errorf("%w: section %d out of order or repeated", ErrMalformed, id)
			}
			last = rank(id)
		}
		m.sections = append(m.sections, section{id: id, body: body})
		sr := &reader{b: body}
		switch id {
		case secType:
			err = m.parseTypes(sr)
		case secImport:
			err = m.parseImports(sr)
		case secFunction:
			err = m.parseFunctions(sr)
		case secGlobal:
			m.definedGlobals, err = sr.u32()
			m.globalBody = body[sr.off:]
		case secExport:
			err = m.parseExports(sr)
		case secStart:
			m.start, err = sr.u32()
			m.hasStart = true
		}
		if err != nil {
			return nil, fmt.Errorf("section %d: %w", id, err)
		}
	}
	return m, nil
}

func (m *module) parseTypes(r *reader) error {
	n, err := r.u32()
	if err != nil {
		return err
	}
	for i := uint32(0); i < n; i++ {
		form, err := r.byte()
		if err != nil {
			return err
		}
		if form != 0x60 {
			return fmt.Errorf("%w: type %d has form 0x%02x", ErrUnsupported, i, form)
		}
		np, err := r.u32()
		if err != nil {
			return err
		}
		if _, err := r.bytes(int(np)); err != nil {
			return err
		}
		nr, err := r.u32()
		if err != nil {
			return err
		}
		if _, err := r.bytes(int(nr)); err != nil {
			return err
		}
		m.typeParams = append(m.typeParams, np)
	}
	return nil
}

func (m *module) parseImports(r *reader) error {
	n, err := r.u32()
	if err != nil {
		return err
	}
	for i := uint32(0); i < n; i++ {
		if _, err := r.name(); err != nil {
			return err
		}
		if _, err := r.name(); err != nil {
			return err
		}
		kind, err := r.byte()
		if err != nil {
			return err
		}
		switch kind {
		case 0x00:
			ti, err := r.u32()
			if err != nil {
				return err
			}
			if int(ti) >= len(m.typeParams) {
				return fmt.Errorf("%w: import %d: type %d out of range", ErrMalformed, i, ti)
			}
			m.funcTypes = append(m.funcTypes, ti)
			m.importedFuncs++
		case 0x01:
			if _, err := r.byte(); err != nil {
				return err
			}
			if err := r.skipLimits(); err != nil {
				return err
			}
		case 0x02:
			if err := r.skipLimits(); err != nil {
				return err
			}
		case 0x03:
			if _, err := r.bytes(2); err != nil {
				return err
			}
			m.importedGlobals++
		default:
			return fmt.Errorf("%w: import %d has kind 0x%02x", ErrUnsupported, i, kind)
		}
	}
	return nil
}

func (m *module) parseFunctions(r *reader) error {
	n, err := r.u32()
	if err != nil {
		return err
	}
	for i := uint32(0); i < n; i++ {
		ti, err := r.u32()
		if err != nil {
			return err
		}
		if int(ti) >= len(m.typeParams) {
			return fmt.Errorf("%w: function %d: type %d out of range", ErrMalformed, i, ti)
		}
		m.funcTypes = append(m.funcTypes, ti)
	}
	return nil
}

func (m *module) parseExports(r *reader) error {
	n, err := r.u32()
	if err != nil {
		return err
	}
	m.exportCount = n
	m.exportBody = r.b[r.off:]
	for i := uint32(0); i < n; i++ {
		name, err := r.name()
		if err != nil {
			return err
		}
		if _, err := r.bytes(1); err != nil {
			return err
		}
		if _, err := r.u32(); err != nil {
			return err
		}
		m.exportNames[name] = true
	}
	return nil
}

func appendSection(out []byte, id byte, body []byte) []byte {
	out = append(out, id)
	out = appendU32(out, uint32(len(body)))
	return append(out, body...)
}

func appendName(out []byte, s string) []byte {
	out = appendU32(out, uint32(len(s)))
	return append(out, s...)
}

func appendU32(out []byte, v uint32) []byte { return appendU64(out, uint64(v)) }

func appendU64(out []byte, v uint64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			out = append(out, c|0x80)
			continue
		}
		return append(out, c)
	}
}

func appendS64(out []byte, v int64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(out, c)
		}
		out = append(out, c|0x80)
	}
}
