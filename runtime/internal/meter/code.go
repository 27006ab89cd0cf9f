package meter

import (
	"fmt"
	"slices"

	"github.com/subnetd/subnetd/runtime/internal/wasmbin"
)

// Opcodes the meter emits or treats specially.
const (
	opUnreachable  = 0x00
	opBlock        = 0x02
	opLoop         = 0x03
	opIf           = 0x04
	opElse         = 0x05
	opEnd          = 0x0b
	opBr           = 0x0c
	opBrIf         = 0x0d
	opBrTable      = 0x0e
	opReturn       = 0x0f
	opCall         = 0x10
	opCallIndirect = 0x11
	opLocalGet     = 0x20
	opLocalSet     = 0x21
	opLocalTee     = 0x22
	opGlobalGet    = 0x23
	opGlobalSet    = 0x24
	opI64Const     = 0x42
	opI64LtS       = 0x53
	opI64Sub       = 0x7d
	opI64ShrU      = 0x88
	opI64Shl       = 0x86
	opMemoryGrow   = 0x40
	opI64ExtendU   = 0xad
	opPrefixFC     = 0xfc
	opRefFunc      = 0xd2
	opI32Const     = 0x41
	opI32Add       = 0x6a
	opI32Sub       = 0x6b
	opI32GtU       = 0x4b
)

// An insertion is code inserted before the byte at pos; at one pos they go in prio order.
type insertion struct {
	pos   int
	prio  int
	kind  int
	cost  int64
	check bool
	end   int    // insReplace: the replaced bytes are body[pos:end]
	repl  []byte // insReplace: what replaces them
}

// Insertion kinds, with their priority at a shared position.
const (
	insLoad    = iota // local $g = global (function entry)
	insReload         // after a call: local $g = global
	insCharge         // $g -= cost (and check at entries and loop headers)
	insBulk           // $g -= length >> BulkShift
	insGrow           // $g -= pages << GrowShift
	insSync           // before a call or an exit: global = $g
	insReplace        // a call or ref.func with its function renumbered
)

// instrumentCode rewrites every function body of a code section.
func instrumentCode(m *module, sec []byte, x ids, emit bodyFunc) ([]byte, int, error) {
	r := newReader(sec)
	n, err := r.U32()
	if err != nil {
		return nil, 0, err
	}
	if int(m.importedFuncs)+int(n) != len(m.funcTypes) {
		return nil, 0, fmt.Errorf("%w: %d bodies for %d functions", ErrMalformed, n, len(m.funcTypes)-int(m.importedFuncs))
	}
	out := appendU32(make([]byte, 0, len(sec)+len(sec)/2), n)
	points := 0
	for i := uint32(0); i < n; i++ {
		size, err := r.U32()
		if err != nil {
			return nil, 0, err
		}
		if size > MaxFunctionBytes {
			return nil, 0, fmt.Errorf("%w: function %d is %d bytes, limit %d", ErrUnsupported, int(m.importedFuncs)+int(i), size, MaxFunctionBytes)
		}
		body, err := r.Bytes(int(size))
		if err != nil {
			return nil, 0, err
		}
		params := m.typeParams[m.funcTypes[int(m.importedFuncs)+int(i)]]
		nb, np, err := emit(body, params, x)
		if err != nil {
			return nil, 0, fmt.Errorf("function %d: %w", int(m.importedFuncs)+int(i), err)
		}
		points += np
		out = appendU32(out, uint32(len(nb)))
		out = append(out, nb...)
	}
	if !r.Done() {
		return nil, 0, fmt.Errorf("%w: trailing bytes in the code section", ErrMalformed)
	}
	return out, points, nil
}

// Limits on one function, for the engines' sake: a compiler's time and memory can grow faster
// than a function's size (wazero's optimising compiler took 3.4 s and 150 MB for a 100 KB
// function of 14,000 blocks, and more than five minutes for 1 MB of them; three million nested
// blocks overflowed its stack and killed the process). The largest functions of real scorers:
// CPython for WASI 106 KB with 1,622 blocks, a Go scorer 29 KB with 799.
const (
	// MaxFunctionBytes is the largest function body the meter accepts.
	MaxFunctionBytes = 1 << 20
	// MaxBlocks is the most structured instructions (block, loop, if) one function may hold.
	MaxBlocks = 10_000
)

// instrumentBody meters one function body.
//
// Straight-line segments start at the function entry, after loop (the back-edge target), after
// if, else and every end but the last (the merge points), and after br, br_table, return and
// unreachable (whatever follows is only reached through a later merge point). Each segment is
// charged its instructions' cost when it is entered, so a br_if that leaves it early, or a trap
// inside it, still pays for all of it: gas is an upper bound of the instructions executed.
// Function entries and loop headers also check the counter, which bounds every loop and every
// recursion. Bulk instructions are charged their length before they run.
//
// A checked point whose counter is below the mark (MarkExport) writes the counter back and
// calls the yield import; a non-zero answer traps.
//
// The counter lives in a local of each function ($g, which engines keep in a register) and is
// written back to the global before every call and every exit (return, the final end, a branch
// to the function's label) and read back after every call. A failing check writes it back
// before trapping, so the host sees the negative figure.
//
// The call depth (DepthExport) counts the calls in progress: one more before each call, checked
// against MaxDepth there, one less after it.
func instrumentBody(body []byte, params uint32, x ids) ([]byte, int, error) {
	gas := x.gas
	r := newReader(body)
	groups, err := r.U32()
	if err != nil {
		return nil, 0, err
	}
	groupsEnd := r.Off
	locals := uint64(params)
	for g := uint32(0); g < groups; g++ {
		c, err := r.U32()
		if err != nil {
			return nil, 0, err
		}
		if _, err := r.Byte(); err != nil {
			return nil, 0, err
		}
		locals += uint64(c)
	}
	if locals >= 50000 {
		return nil, 0, fmt.Errorf("%w: %d locals", ErrUnsupported, locals)
	}
	codeStart := r.Off

	var (
		ins    = []insertion{{pos: codeStart, kind: insLoad}}
		cur    = insertion{pos: codeStart, kind: insCharge, check: true}
		depth  = uint32(0)
		blocks = 0
		ended  = false
		bulk   = false
	)
	next := func(check bool) {
		ins = append(ins, cur)
		cur = insertion{pos: r.Off, kind: insCharge, check: check}
	}
	for !r.Done() {
		if ended {
			return nil, 0, fmt.Errorf("%w: instructions after the final end", ErrMalformed)
		}
		at := r.Off
		in, err := r.instr()
		if err != nil {
			return nil, 0, fmt.Errorf("at offset %d: %w", at, err)
		}
		cur.cost += cost(in.op)
		if in.op == opBlock || in.op == opLoop || in.op == opIf {
			if blocks++; blocks > MaxBlocks {
				return nil, 0, fmt.Errorf("%w: more than %d blocks, loops and ifs", ErrUnsupported, MaxBlocks)
			}
		}
		switch in.op {
		case opBlock:
			depth++
		case opLoop:
			depth++
			next(true)
		case opIf:
			depth++
			next(false)
		case opElse:
			next(false)
		case opEnd:
			if depth == 0 {
				ins = append(ins, insertion{pos: at, kind: insSync})
				ended = true
				continue
			}
			depth--
			next(false)
		case opReturn:
			ins = append(ins, insertion{pos: at, kind: insSync})
			next(false)
		case opBr, opBrIf, opBrTable:
			if in.maxLabel >= depth { // may leave the function
				ins = append(ins, insertion{pos: at, kind: insSync})
			}
			if in.op != opBrIf {
				next(false)
			}
		case opUnreachable:
			next(false)
		case opCall, opCallIndirect:
			ins = append(ins, insertion{pos: at, kind: insSync, check: true}, insertion{pos: r.Off, kind: insReload, check: true})
			if in.op == opCall {
				ins = append(ins, insertion{pos: at, end: r.Off, kind: insReplace, repl: appendOp(nil, opCall, x.fn(in.index))})
			}
		case opRefFunc:
			ins = append(ins, insertion{pos: at, end: r.Off, kind: insReplace, repl: appendOp(nil, opRefFunc, x.fn(in.index))})
		case opPrefixFC:
			switch in.sub {
			case 8, 10, 11, 12, 14, 15, 17: // memory.init/copy/fill, table.init/copy/grow/fill
				ins = append(ins, insertion{pos: at, kind: insBulk})
				bulk = true
			}
		case opMemoryGrow:
			ins = append(ins, insertion{pos: at, kind: insGrow})
			bulk = true
		}
	}
	if !ended {
		return nil, 0, fmt.Errorf("%w: body does not end", ErrMalformed)
	}
	ins = append(ins, cur)
	for k := range ins {
		ins[k].prio = ins[k].kind
	}
	slices.SortStableFunc(ins, func(a, b insertion) int {
		if a.pos != b.pos {
			return a.pos - b.pos
		}
		return a.prio - b.prio
	})

	g := uint32(locals)      // $g, the i64 counter
	extra := []byte{1, 0x7e} // its declaration: one i64
	var scratch uint32
	if bulk {
		scratch = g + uint32(len(extra)/2) // an i32 for bulk lengths
		extra = append(extra, 1, 0x7f)
	}
	out := make([]byte, 0, len(body)+len(ins)*8+16)
	out = appendU32(out, groups+uint32(len(extra)/2))
	out = append(out, body[groupsEnd:codeStart]...)
	out = append(out, extra...)
	points := 0
	last := codeStart
	for _, in := range ins {
		if in.kind == insCharge && in.cost == 0 && !in.check {
			continue
		}
		out = append(out, body[last:in.pos]...)
		last = in.pos
		switch in.kind {
		case insLoad, insReload:
			if in.check { // after a call: one frame less
				out = appendOp(out, opGlobalGet, x.depth)
				out = append(out, opI32Const, 0x01, opI32Sub)
				out = appendOp(out, opGlobalSet, x.depth)
			}
			out = appendOp(out, opGlobalGet, gas)
			out = appendOp(out, opLocalSet, g)
		case insSync:
			out = appendOp(out, opLocalGet, g)
			out = appendOp(out, opGlobalSet, gas)
			if in.check { // before a call: one frame more, at most MaxDepth
				out = appendOp(out, opGlobalGet, x.depth)
				out = append(out, opI32Const, 0x01, opI32Add)
				out = appendOp(out, opGlobalSet, x.depth)
				out = appendOp(out, opGlobalGet, x.depth)
				out = appendDepthTrap(out, opI32GtU)
			}
		case insCharge:
			out = appendCharge(out, x, g, in)
			points++
		case insReplace:
			out = append(out, in.repl...)
			last = in.end
		case insBulk, insGrow:
			shift := []byte{opI64Const, BulkShift, opI64ShrU}
			if in.kind == insGrow {
				shift = []byte{opI64Const, GrowShift, opI64Shl}
			}
			out = appendOp(out, opLocalTee, scratch)
			out = appendOp(out, opLocalGet, g)
			out = appendOp(out, opLocalGet, scratch)
			out = append(out, opI64ExtendU)
			out = append(out, shift...)
			out = append(out, opI64Sub)
			out = appendOp(out, opLocalSet, g)
		}
	}
	out = append(out, body[last:]...)
	return out, points, nil
}

// appendDepthTrap compares the i32 on the stack with MaxDepth (by cmp, e.g. i32.gt_u) and
// traps when it holds.
func appendDepthTrap(out []byte, cmp byte) []byte {
	out = append(out, opI32Const)
	out = wasmbin.AppendSLEB(out, MaxDepth)
	return append(out, cmp, opIf, 0x40, opUnreachable, opEnd)
}

func appendOp(out []byte, op byte, idx uint32) []byte { return appendU32(append(out, op), idx) }

// appendCharge emits $g -= cost, and at checked points:
// if $g < mark { gas = $g; if yield() { unreachable } }.
// The yield never changes the counter (YieldName), so $g needs no reading back after it, and
// the slow path leaves $g as the fast path does.
func appendCharge(out []byte, x ids, g uint32, c insertion) []byte {
	if c.cost > 0 {
		out = appendOp(out, opLocalGet, g)
		out = append(out, opI64Const)
		out = wasmbin.AppendSLEB(out, c.cost)
		out = append(out, opI64Sub)
		if !c.check {
			return appendOp(out, opLocalSet, g)
		}
		out = appendOp(out, opLocalTee, g)
	} else {
		out = appendOp(out, opLocalGet, g)
	}
	out = appendOp(out, opGlobalGet, x.mark)
	out = append(out, opI64LtS, opIf, 0x40)
	out = appendOp(out, opLocalGet, g)
	out = appendOp(out, opGlobalSet, x.gas)
	out = appendOp(out, opCall, x.yield)
	out = append(out, opIf, 0x40, opUnreachable, opEnd)
	return append(out, opEnd) // the yield moves only the mark: $g is still the counter
}

// cost is an instruction's static gas: one, except for the structure markers that compile to
// no machine code (nop, block, loop, end). Every loop iteration still costs at least the
// branch that repeats it, and every call at least the call.
func cost(op byte) int64 {
	switch op {
	case 0x01, opBlock, opLoop, opEnd:
		return 0
	}
	return 1
}

// instruction is a decoded instruction: opcode, 0xFC sub-opcode, and the largest branch label.
type instruction struct {
	op       byte
	sub      uint32
	maxLabel uint32
	index    uint32 // call, ref.func: the function
}

// instr decodes one instruction and skips its immediates. sub is the 0xFC sub-opcode.
// Anything outside the supported proposals is refused.
func (r *reader) instr() (in instruction, err error) {
	op, err := r.Byte()
	if err != nil {
		return in, err
	}
	in.op = op
	var sub uint32
	switch {
	case op == 0x00 || op == 0x01 || op == opElse || op == opEnd || op == opReturn:
		// no immediates
	case op == opBlock || op == opLoop || op == opIf:
		err = r.blockType()
	case op == opBr || op == opBrIf:
		in.maxLabel, err = r.U32()
	case op == opBrTable:
		var n uint32
		if n, err = r.U32(); err != nil {
			return in, err
		}
		for i := uint64(0); i <= uint64(n) && err == nil; i++ {
			var l uint32
			l, err = r.U32()
			in.maxLabel = max(in.maxLabel, l)
		}
	case op == opCall:
		in.index, err = r.U32()
	case op == 0x11: // call_indirect type table
		if _, err = r.U32(); err == nil {
			_, err = r.U32()
		}
	case op == 0x1a || op == 0x1b: // drop, select
	case op == 0x1c: // select with types
		var n uint32
		if n, err = r.U32(); err == nil {
			_, err = r.Bytes(int(n))
		}
	case op >= 0x20 && op <= 0x26: // local.*, global.*, table.get/set
		_, err = r.U32()
	case op >= 0x28 && op <= 0x3e: // loads and stores: align, offset
		if _, err = r.U32(); err == nil {
			_, err = r.U32()
		}
	case op == 0x3f || op == 0x40: // memory.size, memory.grow
		err = r.zero()
	case op == 0x41:
		_, err = r.SLEB(32)
	case op == 0x42:
		_, err = r.SLEB(64)
	case op == 0x43:
		_, err = r.Bytes(4)
	case op == 0x44:
		_, err = r.Bytes(8)
	case op >= 0x45 && op <= 0xc4: // numeric, sign extension
	case op == 0xd0: // ref.null t
		_, err = r.Byte()
	case op == 0xd1: // ref.is_null
	case op == opRefFunc:
		in.index, err = r.U32()
	case op == opPrefixFC:
		if sub, err = r.U32(); err != nil {
			return in, err
		}
		in.sub = sub
		switch {
		case sub <= 7: // saturating truncations
		case sub == 8: // memory.init data mem
			if _, err = r.U32(); err == nil {
				err = r.zero()
			}
		case sub == 9: // data.drop
			_, err = r.U32()
		case sub == 10: // memory.copy mem mem
			if err = r.zero(); err == nil {
				err = r.zero()
			}
		case sub == 11: // memory.fill mem
			err = r.zero()
		case sub == 12 || sub == 14: // table.init elem table, table.copy table table
			if _, err = r.U32(); err == nil {
				_, err = r.U32()
			}
		case sub == 13 || (sub >= 15 && sub <= 17): // elem.drop, table.grow/size/fill
			_, err = r.U32()
		default:
			err = fmt.Errorf("%w: instruction 0xfc %d", ErrUnsupported, sub)
		}
	case op == 0xfd:
		err = fmt.Errorf("%w: SIMD instruction", ErrUnsupported)
	case op == 0xfe:
		err = fmt.Errorf("%w: atomic instruction", ErrUnsupported)
	default:
		err = fmt.Errorf("%w: opcode 0x%02x", ErrUnsupported, op)
	}
	return in, err
}

// blockType skips a block type: 0x40, a value type, or a non-negative s33 type index.
func (r *reader) blockType() error {
	if r.Done() {
		return fmt.Errorf("%w: unexpected end", ErrMalformed)
	}
	switch c := r.B[r.Off]; c {
	case 0x40, 0x7f, 0x7e, 0x7d, 0x7c, 0x70, 0x6f:
		r.Off++
		return nil
	case 0x7b:
		return fmt.Errorf("%w: v128 block type", ErrUnsupported)
	}
	v, err := r.SLEB(33)
	if err != nil {
		return err
	}
	if v < 0 {
		return fmt.Errorf("%w: block type %d", ErrUnsupported, v)
	}
	return nil
}

// reader is the binary reader with the meter's own decoders (instructions, block types,
// constant expressions) on top.
type reader struct{ wasmbin.Reader }

// newReader reads b from the start.
func newReader(b []byte) *reader { return &reader{wasmbin.Reader{B: b}} }

func (r *reader) zero() error {
	c, err := r.Byte()
	if err != nil {
		return err
	}
	if c != 0 {
		return fmt.Errorf("%w: memory index %d (multi-memory)", ErrUnsupported, c)
	}
	return nil
}

// writesTables reports whether any function body of a code section holds an instruction that
// changes a table or an element segment: table.set, table.init, elem.drop, table.copy,
// table.grow or table.fill.
func writesTables(sec []byte) (bool, error) {
	r := newReader(sec)
	n, err := r.U32()
	if err != nil {
		return false, err
	}
	for i := uint32(0); i < n; i++ {
		size, err := r.U32()
		if err != nil {
			return false, err
		}
		body, err := r.Bytes(int(size))
		if err != nil {
			return false, err
		}
		br := newReader(body)
		groups, err := br.U32()
		if err != nil {
			return false, err
		}
		for g := uint32(0); g < groups; g++ {
			if _, err := br.U32(); err != nil {
				return false, err
			}
			if _, err := br.Byte(); err != nil {
				return false, err
			}
		}
		for !br.Done() {
			in, err := br.instr()
			if err != nil {
				return false, err
			}
			if in.op == 0x26 || (in.op == opPrefixFC && (in.sub >= 12 && in.sub <= 17 && in.sub != 16)) {
				return true, nil
			}
		}
	}
	return false, nil
}
