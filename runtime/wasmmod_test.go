package runtime_test

// A tiny WebAssembly binary writer for tests: enough to hand-craft modules that no compiler
// would produce (loops in start functions, wrong exports, shared memory, v128...).

type wmod struct {
	types   [][]byte // encoded function types
	imports [][]byte
	funcs   []uint32 // type index of each defined function
	table   []byte   // encoded table type, nil for none
	tables  []byte   // the table section's whole body, when not nil (instead of table)
	memory  []byte   // encoded limits, nil for none
	globals [][]byte // encoded globals (type, mutability, initialiser)
	exports [][]byte
	start   *uint32
	codes   [][]byte // bodies (locals + instructions + end)
	data    [][]byte
	extra   []byte // appended raw
}

func uleb(v uint64) []byte {
	var out []byte
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

func sleb(v int64) []byte {
	var out []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(out, c)
		}
		out = append(out, c|0x80)
	}
}

func str(s string) []byte { return append(uleb(uint64(len(s))), s...) }

func vec(items [][]byte) []byte {
	out := uleb(uint64(len(items)))
	for _, it := range items {
		out = append(out, it...)
	}
	return out
}

func section(id byte, body []byte) []byte {
	return append(append([]byte{id}, uleb(uint64(len(body)))...), body...)
}

const (
	i32  = 0x7f
	i64  = 0x7e
	v128 = 0x7b
)

func functype(params, results []byte) []byte {
	out := append([]byte{0x60}, uleb(uint64(len(params)))...)
	out = append(out, params...)
	out = append(out, uleb(uint64(len(results)))...)
	return append(out, results...)
}

func (m *wmod) typ(params, results []byte) uint32 {
	m.types = append(m.types, functype(params, results))
	return uint32(len(m.types) - 1)
}

func (m *wmod) importFunc(mod, name string, typ uint32) {
	m.imports = append(m.imports, append(append(append(str(mod), str(name)...), 0), uleb(uint64(typ))...))
}

// fn adds a function with a body of instructions (no locals) and returns its index.
func (m *wmod) fn(typ uint32, instrs ...byte) uint32 {
	m.funcs = append(m.funcs, typ)
	body := append([]byte{0}, instrs...)
	body = append(body, 0x0b)
	m.codes = append(m.codes, append(uleb(uint64(len(body))), body...))
	return uint32(len(m.imports) + len(m.funcs) - 1)
}

func (m *wmod) export(name string, kind byte, idx uint32) {
	m.exports = append(m.exports, append(append(str(name), kind), uleb(uint64(idx))...))
}

func (m *wmod) bytes() []byte {
	out := []byte("\x00asm\x01\x00\x00\x00")
	if len(m.types) > 0 {
		out = append(out, section(1, vec(m.types))...)
	}
	if len(m.imports) > 0 {
		out = append(out, section(2, vec(m.imports))...)
	}
	if len(m.funcs) > 0 {
		var fs [][]byte
		for _, f := range m.funcs {
			fs = append(fs, uleb(uint64(f)))
		}
		out = append(out, section(3, vec(fs))...)
	}
	switch {
	case m.tables != nil:
		out = append(out, section(4, m.tables)...)
	case m.table != nil:
		out = append(out, section(4, vec([][]byte{m.table}))...)
	}
	if m.memory != nil {
		out = append(out, section(5, vec([][]byte{m.memory}))...)
	}
	if len(m.globals) > 0 {
		out = append(out, section(6, vec(m.globals))...)
	}
	if len(m.exports) > 0 {
		out = append(out, section(7, vec(m.exports))...)
	}
	if m.start != nil {
		out = append(out, section(8, uleb(uint64(*m.start)))...)
	}
	if len(m.codes) > 0 {
		out = append(out, section(10, vec(m.codes))...)
	}
	if len(m.data) > 0 {
		out = append(out, section(11, vec(m.data))...)
	}
	return append(out, m.extra...)
}

// Instructions used by the tests.
var (
	loopForever = []byte{0x03, 0x40, 0x0c, 0x00, 0x0b} // loop br 0 end
)

func i32const(v int32) []byte { return append([]byte{0x41}, sleb(int64(v))...) }
func i64const(v int64) []byte { return append([]byte{0x42}, sleb(v)...) }

// rawScorer is a valid ABI v1 scorer written by hand: alloc returns 1024; score returns the
// message stored at 2048 by a data segment. mutate lets a test break one part.
func rawScorer(output string, mutate func(m *wmod)) []byte {
	m := &wmod{memory: []byte{0x00, 0x01}}
	tAlloc := m.typ([]byte{i32}, []byte{i32})
	tScore := m.typ([]byte{i32, i32}, []byte{i64})
	alloc := m.fn(tAlloc, i32const(1024)...)
	score := m.fn(tScore, i64const(2048<<32|int64(len(output)))...)
	m.export("memory", 2, 0)
	m.export("subnetd_alloc", 0, alloc)
	m.export("subnetd_score", 0, score)
	seg := append([]byte{0x00}, i32const(2048)...)
	seg = append(seg, 0x0b)
	seg = append(seg, str(output)...)
	m.data = append(m.data, seg)
	if mutate != nil {
		mutate(m)
	}
	return m.bytes()
}
