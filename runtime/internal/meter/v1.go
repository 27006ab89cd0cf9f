package meter

import (
	"fmt"
	"slices"

	"github.com/subnetd/subnetd/runtime/internal/wasmbin"
)

// InstrumentV1 is Instrument with the function bodies written by the first meter-v1 emitter
// (instrumentBodyV1), unchanged since the records of meter-v1 were made. It charges the same gas
// as Instrument at every instruction, which the tests check on many modules and budgets: it is
// kept only as that reference, and nothing but tests calls it.
func InstrumentV1(wasm []byte) ([]byte, Info, error) { return instrument(wasm, instrumentBodyV1) }

// instrumentBodyV1 is instrumentBody as meter-v1 was first written (2026-12): kept unchanged as
// the reference the current emitter is proved equal to in gas (InstrumentV1).
//
// It meters one function body.
//
// Straight-line segments start at the function entry, after loop (the back-edge target), after
// if, else and every end but the last (the merge points), and after br, br_table, return and
// unreachable (whatever follows is only reached through a later merge point). Each segment is
// charged its instructions' cost when it is entered, so a br_if that leaves it early, or a trap
// inside it, still pays for all of it: gas is an upper bound of the instructions executed. Function entries and loop headers also check the
// counter, which bounds every loop and every recursion. Bulk instructions are charged their
// length before they run.
//
// A checked point whose counter is below the mark (MarkExport) writes the counter back and
// calls the yield import; a non-zero answer traps.
//
// The counter lives in a local of each function ($g, which engines keep in a register) and is
// written back to the global before every call and every exit (return, the final end, a branch
// to the function's label) and read back after every call. A failing check writes it back
// before trapping, so the host sees the negative figure.
func instrumentBodyV1(body []byte, params uint32, x ids) ([]byte, int, error) {
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
	g := uint32(locals)           // the i64 counter
	scratch := uint32(locals) + 1 // an i32 for bulk lengths

	var (
		ins   = []insertion{{pos: codeStart, kind: insLoad}}
		cur   = insertion{pos: codeStart, kind: insCharge, check: true}
		depth = uint32(0)
		ended = false
		bulk  = false
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

	out := make([]byte, 0, len(body)+len(ins)*8+16)
	extra := []byte{0x01, 0x7e} // $g: one i64
	if bulk {
		extra = append(extra, 0x01, 0x7f) // $scratch: one i32
	}
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
				out = append(out, opI32Const)
				out = wasmbin.AppendSLEB(out, MaxDepth)
				out = append(out, opI32GtU, opIf, 0x40, opUnreachable, opEnd)
			}
		case insCharge:
			out = appendChargeV1(out, x, g, in)
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

// appendChargeV1 emits $g -= cost, and at checked points:
// if $g < mark { gas = $g; if yield() { unreachable }; $g = gas }.
func appendChargeV1(out []byte, x ids, g uint32, c insertion) []byte {
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
	out = appendOp(out, opGlobalGet, x.gas)
	out = appendOp(out, opLocalSet, g)
	return append(out, opEnd)
}
