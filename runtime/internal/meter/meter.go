package meter

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"github.com/subnetd/subnetd/runtime/internal/wasmbin"
)

// Names the instrumented module shares with the host.
const (
	// GasExport is the mutable i64 global holding the gas left. The host sets it before the
	// first call of an instance and reads it after every call; a negative value means the
	// budget ran out.
	GasExport = "subnetd_gas"
	// MarkExport is the mutable i64 global at which the guest next calls YieldName: every
	// checked point compares the counter with it. The host keeps it at or above zero, so a
	// negative counter always reaches the host.
	MarkExport = "subnetd_gas_mark"
	// DepthExport is the mutable i32 global counting the calls in progress. A call that
	// would make it exceed MaxDepth traps with the counter already past MaxDepth, which is
	// how the host tells a stack overflow from other traps.
	DepthExport = "subnetd_depth"
	// StartExport is the module's start function, when it had one. The start section is
	// removed so that the host can set the budget first and then run it under that budget.
	StartExport = "subnetd_start"
	// YieldModule and YieldName name the host function the meter imports, of type () -> i32.
	// The guest calls it when its counter falls below the mark, with the counter written to
	// GasExport. The host returns 1 to make the guest trap at once (out of gas, or the call
	// was stopped by its wall-clock backstop) or moves the mark and returns 0; it must not
	// change GasExport (the guest goes on with the counter it wrote). These calls
	// give the host control at least every YieldInterval gas, so a running call can be
	// stopped and (on wazero) the Go scheduler gets a safe point. They cost no gas.
	YieldModule = "subnetd"
	YieldName   = "meter_yield"
)

// MaxDepth is the deepest call nesting the meter allows: a call that would go deeper traps
// (unreachable) at the same call on every engine, before any engine's own stack runs out.
// Every call counts one, whatever its frame size.
const MaxDepth = 4096

// YieldInterval is the gas between two yields of a running guest.
const YieldInterval = 1 << 24

// Version names the cost model. Anything that changes how much gas a module is charged
// (weights, charge points, bulk rates) must change it: it goes into round records.
const Version = "meter-v1"

// Revision names the emitter's output for a Version: it changes when Instrument writes different
// code that charges exactly the same gas (so records need no new Version), as on 2026-12-06 (the
// check's slow path no longer reads the counter back). A cache of Instrument's output keyed by
// Version alone stays correct across revisions but keeps the older code: key it by Revision too.
// Revision 3 (2026-12-07) caps every table's maximum at MaxTableEntries (capTables); revision 4
// refuses functions beyond MaxFunctionBytes or MaxBlocks, which a cache of revision 3's output
// would let through.
const Revision = "4"

// BulkShift sets the dynamic charge of the bulk memory and table instructions (memory.copy,
// memory.fill, memory.init, table.copy, table.fill, table.init, table.grow): one gas per
// 1<<BulkShift bytes or elements, on top of the instruction's own gas. Host functions are
// charged at the same rate for the guest memory they read or write (the runtime does that).
const BulkShift = 6

// MaxTableEntries is the most entries a table may hold: Instrument gives every table a
// maximum of at most this many (capTables), so that table.grow past it fails (returns -1) on
// every engine alike, as memory.grow past the memory limit does. Tables live in the host's
// own memory, outside the guest's linear memory and its limit.
const MaxTableEntries = 1 << 20

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
var ErrMalformed = wasmbin.ErrMalformed

// Info describes an instrumented module.
type Info struct {
	// HasStart reports that the module had a start function, now exported as StartExport.
	HasStart bool
	// Functions is the number of function bodies instrumented.
	Functions int
	// ChargePoints is the number of static charges inserted.
	ChargePoints int
	// WritesTables reports an instruction that changes a table or drops an element segment
	// (table.set, table.init, table.copy, table.grow, table.fill, elem.drop) anywhere in the
	// code: such a module's tables may differ from their initial contents after start-up.
	WritesTables bool
}

// Instrument returns wasm with a gas counter: a new exported mutable i64 global (GasExport)
// that every function decrements by the static cost of each straight-line segment when it
// enters it (one gas per instruction), and that function entries and loop headers compare
// with a second global (MarkExport), calling the imported YieldName below it. The start
// function, if any, is exported as StartExport instead. Adding the import shifts every
// defined function's index by one; calls, ref.func, exports, element segments, global
// initialisers and the name section are renumbered. The output is a pure function of the
// input bytes.
func Instrument(wasm []byte) ([]byte, Info, error) { return instrument(wasm, instrumentBody) }

// bodyFunc meters one function body (instrumentBody, or instrumentBodyV1 for the reference).
type bodyFunc func(body []byte, params uint32, x ids) ([]byte, int, error)

// instrument is Instrument with the function body emitter as a parameter.
func instrument(wasm []byte, bodyFn bodyFunc) ([]byte, Info, error) {
	var info Info
	m, err := parseModule(wasm)
	if err != nil {
		return nil, info, err
	}
	for _, name := range []string{GasExport, MarkExport, DepthExport, StartExport} {
		if m.exportNames[name] {
			return nil, info, fmt.Errorf("%w: the module already exports %q, a name the meter reserves", ErrUnsupported, name)
		}
	}
	ids := ids{
		yieldType: uint32(len(m.typeParams)),
		yield:     m.importedFuncs,
		gas:       m.importedGlobals + m.definedGlobals,
		mark:      m.importedGlobals + m.definedGlobals + 1,
		depth:     m.importedGlobals + m.definedGlobals + 2,
		imported:  m.importedFuncs,
	}
	hasDataCount := false
	for _, sec := range m.sections {
		hasDataCount = hasDataCount || sec.id == secDataCount
	}
	out := append([]byte(nil), wasm[:8]...)
	wrote := map[byte]bool{}
	// emit writes the meter's version of section id (body is the original, nil if absent).
	emit := func(id byte, body []byte) error {
		wrote[id] = true
		var nb []byte
		var err error
		switch id {
		case secType:
			nb = appendU32(nil, uint32(len(m.typeParams))+1)
			nb = append(nb, m.typeBody...)
			nb = append(nb, 0x60, 0x00, 0x01, 0x7f) // () -> i32
		case secImport:
			nb = appendU32(nil, m.importCount+1)
			nb = append(nb, m.importBody...)
			nb = wasmbin.AppendName(nb, YieldModule)
			nb = wasmbin.AppendName(nb, YieldName)
			nb = append(nb, 0x00)
			nb = appendU32(nb, ids.yieldType)
		case secGlobal:
			nb, err = rewriteGlobals(body, ids)
			nb = append(nb, 0x7e, 0x01, 0x42, 0x00, 0x0b) // gas: (mut i64) (i64.const 0)
			nb = append(nb, 0x7e, 0x01, 0x42, 0x00, 0x0b) // mark: (mut i64) (i64.const 0)
			nb = append(nb, 0x7f, 0x01, 0x41, 0x00, 0x0b) // depth: (mut i32) (i32.const 0)
		case secExport:
			nb, err = rewriteExports(body, ids, m.hasStart)
			nb = wasmbin.AppendName(nb, GasExport)
			nb = append(nb, 0x03)
			nb = appendU32(nb, ids.gas)
			nb = wasmbin.AppendName(nb, MarkExport)
			nb = append(nb, 0x03)
			nb = appendU32(nb, ids.mark)
			nb = wasmbin.AppendName(nb, DepthExport)
			nb = append(nb, 0x03)
			nb = appendU32(nb, ids.depth)
			if m.hasStart {
				nb = wasmbin.AppendName(nb, StartExport)
				nb = append(nb, 0x00)
				nb = appendU32(nb, ids.fn(m.start))
			}
		case secStart:
			return nil // exported as StartExport instead
		case secTable:
			nb, err = capTables(body)
		case secElement:
			nb, err = rewriteElements(body, ids)
		case secData:
			if !hasDataCount {
				nb = coalesceData(body)
			} else {
				nb = body
			}
		case secCode:
			var n int
			nb, n, err = instrumentCode(m, body, ids, bodyFn)
			info.ChargePoints = n
			info.Functions = len(m.funcTypes) - int(m.importedFuncs)
			if err == nil {
				info.WritesTables, err = writesTables(body)
			}
		default:
			nb = body
		}
		if err != nil {
			return fmt.Errorf("section %d: %w", id, err)
		}
		out = wasmbin.AppendSection(out, id, nb)
		return nil
	}
	// Sections the meter adds when the module has none, in the required order.
	added := []byte{secType, secImport, secGlobal, secExport}
	flush := func(before int) error {
		for _, id := range added {
			if !wrote[id] && rank(id) < before {
				if err := emit(id, nil); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, s := range m.sections {
		if s.id != secCustom {
			if err := flush(rank(s.id)); err != nil {
				return nil, info, err
			}
			if err := emit(s.id, s.body); err != nil {
				return nil, info, err
			}
			continue
		}
		if n, ok := customName(s.body); ok && n == "name" {
			if nb, ok := rewriteNames(s.body, ids); ok {
				out = wasmbin.AppendSection(out, secCustom, nb)
			} // a name section the meter cannot read is dropped: it is only for debugging
			continue
		}
		out = wasmbin.AppendSection(out, secCustom, s.body)
	}
	if err := flush(1 << 10); err != nil {
		return nil, info, err
	}
	info.HasStart = m.hasStart
	return out, info, nil
}

// ids are the indices the meter allocates, and the renumbering of functions.
type ids struct {
	yieldType, yield, gas, mark, depth, imported uint32
}

// fn renumbers a function index: defined functions move up by one for the added import.
func (x ids) fn(f uint32) uint32 {
	if f >= x.imported {
		return f + 1
	}
	return f
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
	typeBody        []byte   // the type section after its count
	importCount     uint32
	importBody      []byte   // the import section after its count
	funcTypes       []uint32 // type of every function, imported first
	importedFuncs   uint32
	importedGlobals uint32
	definedGlobals  uint32
	exportNames     map[string]bool
	hasStart        bool
	start           uint32
}

func parseModule(wasm []byte) (*module, error) {
	if len(wasm) < 8 || string(wasm[:4]) != "\x00asm" || string(wasm[4:8]) != "\x01\x00\x00\x00" {
		return nil, fmt.Errorf("%w: no WebAssembly 1.0 header", ErrMalformed)
	}
	m := &module{exportNames: map[string]bool{}}
	r := reader{wasmbin.Reader{B: wasm, Off: 8}}
	last := 0
	for !r.Done() {
		id, body, err := r.Section()
		if err != nil {
			return nil, err
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
		sr := newReader(body)
		switch id {
		case secType:
			err = m.parseTypes(sr)
		case secImport:
			err = m.parseImports(sr)
		case secFunction:
			err = m.parseFunctions(sr)
		case secGlobal:
			m.definedGlobals, err = sr.U32()
		case secExport:
			err = m.parseExports(sr)
		case secStart:
			m.start, err = sr.U32()
			m.hasStart = true
		}
		if err != nil {
			return nil, fmt.Errorf("section %d: %w", id, err)
		}
	}
	return m, nil
}

func (m *module) parseTypes(r *reader) error {
	n, err := r.U32()
	if err != nil {
		return err
	}
	m.typeBody = r.B[r.Off:]
	for i := uint32(0); i < n; i++ {
		params, _, err := r.FuncType()
		if err != nil {
			return fmt.Errorf("type %d: %w", i, err)
		}
		m.typeParams = append(m.typeParams, uint32(len(params)))
	}
	return nil
}

func (m *module) parseImports(r *reader) error {
	n, err := r.U32()
	if err != nil {
		return err
	}
	m.importCount = n
	m.importBody = r.B[r.Off:]
	for i := uint32(0); i < n; i++ {
		im, err := r.Import()
		if err != nil {
			return err
		}
		switch im.Kind {
		case wasmbin.KindFunc:
			if int(im.Type) >= len(m.typeParams) {
				return fmt.Errorf("%w: import %d: type %d out of range", ErrMalformed, i, im.Type)
			}
			m.funcTypes = append(m.funcTypes, im.Type)
			m.importedFuncs++
		case wasmbin.KindGlobal:
			m.importedGlobals++
		}
	}
	return nil
}

func (m *module) parseFunctions(r *reader) error {
	n, err := r.U32()
	if err != nil {
		return err
	}
	for i := uint32(0); i < n; i++ {
		ti, err := r.U32()
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
	n, err := r.U32()
	if err != nil {
		return err
	}
	for i := uint32(0); i < n; i++ {
		e, err := r.Export()
		if err != nil {
			return err
		}
		m.exportNames[e.Name] = true
	}
	return nil
}

// rewriteGlobals renumbers ref.func in the global initialisers and returns the section body
// with the new count; the caller appends the meter's three globals.
func rewriteGlobals(body []byte, x ids) ([]byte, error) {
	r := newReader(body)
	var n uint32
	if body != nil {
		var err error
		if n, err = r.U32(); err != nil {
			return nil, err
		}
	}
	out := appendU32(nil, n+3)
	for i := uint32(0); i < n; i++ {
		t, err := r.Bytes(2) // valtype, mutability
		if err != nil {
			return nil, err
		}
		out = append(out, t...)
		if out, err = r.constExpr(out, x); err != nil {
			return nil, fmt.Errorf("global %d: %w", i, err)
		}
	}
	return out, nil
}

// rewriteExports renumbers function exports; the caller appends the meter's exports.
func rewriteExports(body []byte, x ids, hasStart bool) ([]byte, error) {
	r := newReader(body)
	var n uint32
	if body != nil {
		var err error
		if n, err = r.U32(); err != nil {
			return nil, err
		}
	}
	out := appendU32(nil, n+3+boolU32(hasStart))
	for i := uint32(0); i < n; i++ {
		name, err := r.Name()
		if err != nil {
			return nil, err
		}
		kind, err := r.Byte()
		if err != nil {
			return nil, err
		}
		idx, err := r.U32()
		if err != nil {
			return nil, err
		}
		if kind == 0x00 {
			idx = x.fn(idx)
		}
		out = wasmbin.AppendName(out, name)
		out = append(out, kind)
		out = appendU32(out, idx)
	}
	return out, nil
}

// rewriteElements renumbers the functions of every element segment (all eight encodings).
func rewriteElements(body []byte, x ids) ([]byte, error) {
	r := newReader(body)
	n, err := r.U32()
	if err != nil {
		return nil, err
	}
	out := appendU32(nil, n)
	for i := uint32(0); i < n; i++ {
		flags, err := r.U32()
		if err != nil {
			return nil, err
		}
		if flags > 7 {
			return nil, fmt.Errorf("%w: element segment %d flags %d", ErrUnsupported, i, flags)
		}
		out = appendU32(out, flags)
		if flags&0x02 != 0 && flags&0x01 == 0 { // explicit table index
			t, err := r.U32()
			if err != nil {
				return nil, err
			}
			out = appendU32(out, t)
		}
		if flags&0x01 == 0 { // active: offset expression
			if out, err = r.constExpr(out, x); err != nil {
				return nil, err
			}
		}
		if flags&0x03 != 0 { // elemkind or reftype
			k, err := r.Byte()
			if err != nil {
				return nil, err
			}
			out = append(out, k)
		}
		cnt, err := r.U32()
		if err != nil {
			return nil, err
		}
		out = appendU32(out, cnt)
		for j := uint32(0); j < cnt; j++ {
			if flags&0x04 != 0 {
				if out, err = r.constExpr(out, x); err != nil {
					return nil, err
				}
				continue
			}
			f, err := r.U32()
			if err != nil {
				return nil, err
			}
			out = appendU32(out, x.fn(f))
		}
	}
	if !r.Done() {
		return nil, fmt.Errorf("%w: trailing bytes in the element section", ErrMalformed)
	}
	return out, nil
}

// capTables rewrites a table section so that every table has a maximum of at most
// MaxTableEntries (the declared one when smaller). A table that starts larger is refused.
func capTables(body []byte) ([]byte, error) {
	tables, err := wasmbin.TableSection(body)
	if err != nil {
		return nil, err
	}
	out := appendU32(nil, uint32(len(tables)))
	for i, t := range tables {
		if t.Flags&^0x01 != 0 {
			return nil, fmt.Errorf("%w: table %d has limits flags 0x%02x", ErrUnsupported, i, t.Flags)
		}
		if t.Min > MaxTableEntries {
			return nil, fmt.Errorf("%w: table %d starts with %d entries, limit %d", ErrUnsupported, i, t.Min, MaxTableEntries)
		}
		max := t.Max
		if t.Flags&0x01 == 0 || max > MaxTableEntries {
			max = MaxTableEntries
		}
		out = append(out, t.Ref, 0x01)
		out = appendU32(out, uint32(t.Min))
		out = appendU32(out, uint32(max))
	}
	return out, nil
}

// constExpr copies a constant expression up to and including its end, renumbering ref.func.
func (r *reader) constExpr(out []byte, x ids) ([]byte, error) {
	for {
		op, err := r.Byte()
		if err != nil {
			return nil, err
		}
		out = append(out, op)
		start := r.Off
		switch op {
		case 0x0b:
			return out, nil
		case 0x41:
			_, err = r.SLEB(32)
		case 0x42:
			_, err = r.SLEB(64)
		case 0x43:
			_, err = r.Bytes(4)
		case 0x44:
			_, err = r.Bytes(8)
		case 0x23:
			_, err = r.U32()
		case 0xd0:
			_, err = r.Byte()
		case 0xd2:
			var f uint32
			if f, err = r.U32(); err == nil {
				out = appendU32(out, x.fn(f))
				continue
			}
		default:
			return nil, fmt.Errorf("%w: opcode 0x%02x in a constant expression", ErrUnsupported, op)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, r.B[start:r.Off]...)
	}
}

// customName returns a custom section's name.
func customName(body []byte) (string, bool) {
	r := newReader(body)
	n, err := r.Name()
	return n, err == nil
}

// rewriteNames renumbers the function and local name maps of a name section and drops the
// subsections that name things by function index in other ways (labels).
func rewriteNames(body []byte, x ids) ([]byte, bool) {
	r := newReader(body)
	if _, err := r.Name(); err != nil {
		return nil, false
	}
	out := append([]byte(nil), body[:r.Off]...)
	for !r.Done() {
		id, sub, err := r.Section()
		if err != nil {
			return nil, false
		}
		switch id {
		case 1, 2: // function names, local names: vec(funcidx, ...)
			sr := newReader(sub)
			n, err := sr.U32()
			if err != nil {
				return nil, false
			}
			nb := appendU32(nil, n)
			for i := uint32(0); i < n; i++ {
				f, err := sr.U32()
				if err != nil {
					return nil, false
				}
				nb = appendU32(nb, x.fn(f))
				start := sr.Off
				if id == 1 {
					_, err = sr.Name()
				} else {
					err = sr.skipNameMap()
				}
				if err != nil {
					return nil, false
				}
				nb = append(nb, sub[start:sr.Off]...)
			}
			out = append(out, id)
			out = appendU32(out, uint32(len(nb)))
			out = append(out, nb...)
		case 3: // label names: dropped
		default:
			out = append(out, id)
			out = appendU32(out, uint32(len(sub)))
			out = append(out, sub...)
		}
	}
	return out, true
}

func (r *reader) skipNameMap() error {
	n, err := r.U32()
	if err != nil {
		return err
	}
	for i := uint32(0); i < n; i++ {
		if _, err := r.U32(); err != nil {
			return err
		}
		if _, err := r.Name(); err != nil {
			return err
		}
	}
	return nil
}

func appendU32(out []byte, v uint32) []byte { return wasmbin.AppendULEB(out, uint64(v)) }

func boolU32(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

// maxDataGap is the largest run of zero bytes coalesceData writes to join two data segments.
const maxDataGap = 64

// coalesceData joins data segments that follow each other in memory with small gaps, filling
// the gaps with zeros. Go's linker emits one segment per non-zero run (tens of thousands for a
// small scorer), and engines evaluate each segment's offset on every instantiation; joined, a
// fresh instance starts several milliseconds sooner. The memory a module starts with is the
// same: memory is zero before the data is applied, and the segments are joined only when every
// one is active, in memory 0, at a constant offset, and no two overlap (so each byte is written
// by one segment at most, in any order, and no gap holds another segment's bytes), and only in
// a module without a data count section (the only kind in which no instruction can name a
// segment by index). A module whose segments do not fit in memory fails to instantiate either
// way. Anything else is left as is.
func coalesceData(body []byte) []byte {
	type segment struct {
		off  uint64
		data []byte
	}
	r := newReader(body)
	n, err := r.U32()
	if err != nil {
		return body
	}
	segs := make([]segment, 0, min(n, 1<<16))
	for i := uint32(0); i < n; i++ {
		flags, err := r.U32()
		if err != nil || flags != 0 {
			return body
		}
		if op, err := r.Byte(); err != nil || op != 0x41 { // i32.const
			return body
		}
		off, err := r.SLEB(32)
		if err != nil {
			return body
		}
		if end, err := r.Byte(); err != nil || end != 0x0b {
			return body
		}
		size, err := r.U32()
		if err != nil {
			return body
		}
		data, err := r.Bytes(int(size))
		if err != nil {
			return body
		}
		segs = append(segs, segment{off: uint64(uint32(int32(off))), data: data})
	}
	if !r.Done() {
		return body
	}
	// Non-overlapping segments write disjoint bytes, so their order does not matter and they
	// can be applied by ascending offset; overlapping ones are left alone (later writes win).
	slices.SortStableFunc(segs, func(a, b segment) int { return cmp.Compare(a.off, b.off) })
	for i := 1; i < len(segs); i++ {
		if segs[i].off < segs[i-1].off+uint64(len(segs[i-1].data)) {
			return body
		}
	}
	var joined []segment
	for _, s := range segs {
		if k := len(joined) - 1; k >= 0 {
			last := &joined[k]
			if end := last.off + uint64(len(last.data)); s.off-end <= maxDataGap {
				last.data = append(last.data, make([]byte, s.off-end)...)
				last.data = append(last.data, s.data...)
				continue
			}
		}
		joined = append(joined, segment{off: s.off, data: append([]byte(nil), s.data...)})
	}
	out := appendU32(nil, uint32(len(joined)))
	for _, s := range joined {
		out = append(out, 0x00, 0x41)
		out = wasmbin.AppendSLEB(out, int64(int32(uint32(s.off))))
		out = append(out, 0x0b)
		out = appendU32(out, uint32(len(s.data)))
		out = append(out, s.data...)
	}
	return out
}
