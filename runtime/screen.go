package runtime

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/subnetd/subnetd/hostfns"
)

// The exports of ABI v1.
const (
	exportMemory     = "memory"
	exportAlloc      = "subnetd_alloc"
	exportScore      = "subnetd_score"
	exportChallenge  = "subnetd_challenge"
	exportInitialize = "_initialize"
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
	// Imports lists "module.name" of every import.
	Imports []string `json:"imports"`
}

// Screen checks a module against ABI v1 and limits without compiling it. It refuses, naming
// each cause: a module larger than MaxModuleBytes, malformed bytes, imports the host does not
// serve (or serves with another signature), missing or mistyped exports, shared memory
// (threads), v128 types or locals (SIMD), and memory declared beyond MemoryPages.
// Instruction-level checks (a SIMD or atomic opcode in a body) are the engine's, at compile time.
func Screen(wasm []byte, limits Limits) (ModuleInfo, error) {
	limits = limits.withDefaults()
	sum := sha256.Sum256(wasm)
	info := ModuleInfo{SHA256: hex.EncodeToString(sum[:]), Size: len(wasm)}
	if len(wasm) > limits.MaxModuleBytes {
		return info, &ScreenError{Problems: []error{fmt.Errorf("%w: %d bytes, limit %d", ErrModuleTooLarge, len(wasm), limits.MaxModuleBytes)}}
	}
	s := screener{limits: limits, r: reader{b: wasm}}
	if err := s.walk(); err != nil {
		return info, &ScreenError{Problems: []error{fmt.Errorf("%w: %v", ErrMalformed, err)}}
	}
	s.checkExports(&info)
	info.Imports = s.importNames
	if len(s.problems) > 0 {
		return info, &ScreenError{Problems: s.problems}
	}
	return info, nil
}

type funcType struct{ params, results []hostfns.ValType }

type export struct {
	kind  byte
	index uint32
}

type screener struct {
	limits      Limits
	r           reader
	types       []funcType
	funcTypes   []uint32 // type index of every function, imported ones first
	importNames []string
	exports     map[string]export
	memories    int
	problems    []error
}

func (s *screener) fail(err error) { s.problems = append(s.problems, err) }

// walk reads the header and every section, recording what the checks need.
func (s *screener) walk() error {
	magic, err := s.r.bytes(8)
	if err != nil || string(magic[:4]) != "\x00asm" {
		return errors.New("no WebAssembly magic number")
	}
	if string(magic[4:]) != "\x01\x00\x00\x00" {
		return fmt.Errorf("binary version %x, want 1", magic[4:])
	}
	s.exports = map[string]export{}
	for !s.r.done() {
		id, err := s.r.byte()
		if err != nil {
			return err
		}
		size, err := s.r.u32()
		if err != nil {
			return fmt.Errorf("section %d size: %w", id, err)
		}
		body, err := s.r.bytes(int(size))
		if err != nil {
			return fmt.Errorf("section %d is cut short: %w", id, err)
		}
		sec := reader{b: body}
		switch id {
		case 1:
			err = s.typeSection(&sec)
		case 2:
			err = s.importSection(&sec)
		case 3:
			err = s.functionSection(&sec)
		case 5:
			err = s.memorySection(&sec)
		case 7:
			err = s.exportSection(&sec)
		case 10:
			err = s.codeSection(&sec)
		}
		if err != nil {
			return fmt.Errorf("section %d: %w", id, err)
		}
	}
	return nil
}

func (s *screener) typeSection(r *reader) error {
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
			return fmt.Errorf("type %d: form 0x%02x is not a function type", i, form)
		}
		params, err := s.valTypes(r, fmt.Sprintf("type %d", i))
		if err != nil {
			return err
		}
		results, err := s.valTypes(r, fmt.Sprintf("type %d", i))
		if err != nil {
			return err
		}
		s.types = append(s.types, funcType{params, results})
	}
	return nil
}

func (s *screener) valTypes(r *reader, where string) ([]hostfns.ValType, error) {
	n, err := r.u32()
	if err != nil {
		return nil, err
	}
	if int(n) > r.left() {
		return nil, fmt.Errorf("%s: %d value types do not fit", where, n)
	}
	vs := make([]hostfns.ValType, n)
	for i := range vs {
		b, err := r.byte()
		if err != nil {
			return nil, err
		}
		vs[i] = hostfns.ValType(b)
		if b == 0x7b {
			s.fail(fmt.Errorf("%w: %s uses v128", ErrSIMD, where))
		}
	}
	return vs, nil
}

func (s *screener) importSection(r *reader) error {
	n, err := r.u32()
	if err != nil {
		return err
	}
	for i := uint32(0); i < n; i++ {
		mod, err := r.name()
		if err != nil {
			return err
		}
		name, err := r.name()
		if err != nil {
			return err
		}
		kind, err := r.byte()
		if err != nil {
			return err
		}
		full := mod + "." + name
		s.importNames = append(s.importNames, full)
		switch kind {
		case 0:
			ti, err := r.u32()
			if err != nil {
				return err
			}
			if int(ti) >= len(s.types) {
				return fmt.Errorf("import %s: type index %d out of range", full, ti)
			}
			s.funcTypes = append(s.funcTypes, ti)
			s.checkImport(mod, name, s.types[ti])
		case 1:
			if _, err := r.byte(); err != nil {
				return err
			}
			if _, _, _, err := r.limits(); err != nil {
				return err
			}
			s.fail(fmt.Errorf("%w: table %s (the host serves no tables)", ErrForbiddenImport, full))
		case 2:
			if _, _, _, err := r.limits(); err != nil {
				return err
			}
			s.fail(fmt.Errorf("%w: memory %s (a scorer defines and exports its own memory)", ErrForbiddenImport, full))
		case 3:
			if _, err := r.bytes(2); err != nil {
				return err
			}
			s.fail(fmt.Errorf("%w: global %s (the host serves no globals)", ErrForbiddenImport, full))
		default:
			return fmt.Errorf("import %s: unknown kind 0x%02x", full, kind)
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

func (s *screener) functionSection(r *reader) error {
	n, err := r.u32()
	if err != nil {
		return err
	}
	for i := uint32(0); i < n; i++ {
		ti, err := r.u32()
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

func (s *screener) memorySection(r *reader) error {
	n, err := r.u32()
	if err != nil {
		return err
	}
	for i := uint32(0); i < n; i++ {
		flags, min, max, err := r.limits()
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

func (s *screener) exportSection(r *reader) error {
	n, err := r.u32()
	if err != nil {
		return err
	}
	for i := uint32(0); i < n; i++ {
		name, err := r.name()
		if err != nil {
			return err
		}
		kind, err := r.byte()
		if err != nil {
			return err
		}
		idx, err := r.u32()
		if err != nil {
			return err
		}
		s.exports[name] = export{kind: kind, index: idx}
	}
	return nil
}

// codeSection looks only at each body's local declarations, for v128 locals.
func (s *screener) codeSection(r *reader) error {
	n, err := r.u32()
	if err != nil {
		return err
	}
	for i := uint32(0); i < n; i++ {
		size, err := r.u32()
		if err != nil {
			return err
		}
		b, err := r.bytes(int(size))
		if err != nil {
			return err
		}
		body := reader{b: b}
		groups, err := body.u32()
		if err != nil {
			return err
		}
		for g := uint32(0); g < groups; g++ {
			if _, err := body.u32(); err != nil {
				return err
			}
			t, err := body.byte()
			if err != nil {
				return err
			}
			if t == 0x7b {
				s.fail(fmt.Errorf("%w: function body %d has v128 locals", ErrSIMD, i))
				return nil
			}
		}
	}
	return nil
}

func (s *screener) checkExports(info *ModuleInfo) {
	if e, ok := s.exports[exportMemory]; !ok {
		s.fail(fmt.Errorf("%w: %q (the guest's linear memory)", ErrMissingExport, exportMemory))
	} else if e.kind != 2 {
		s.fail(fmt.Errorf("%w: %q is not a memory", ErrExportType, exportMemory))
	}
	for _, w := range wantExports {
		e, ok := s.exports[w.name]
		if !ok {
			if w.required {
				s.fail(fmt.Errorf("%w: function %q %s", ErrMissingExport, w.name, hostfns.FormatSignature(w.params, w.results)))
			}
			continue
		}
		if e.kind != 0 {
			s.fail(fmt.Errorf("%w: %q is not a function", ErrExportType, w.name))
			continue
		}
		if int(e.index) >= len(s.funcTypes) {
			s.fail(fmt.Errorf("%w: %q refers to function %d, which does not exist", ErrExportType, w.name, e.index))
			continue
		}
		t := s.types[s.funcTypes[e.index]]
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

// reader decodes the binary format's primitives with bounds checks; it never panics.
type reader struct {
	b   []byte
	off int
}

func (r *reader) done() bool { return r.off >= len(r.b) }
func (r *reader) left() int  { return len(r.b) - r.off }

func (r *reader) byte() (byte, error) {
	if r.off >= len(r.b) {
		return 0, errors.New("unexpected end")
	}
	c := r.b[r.off]
	r.off++
	return c, nil
}

func (r *reader) bytes(n int) ([]byte, error) {
	if n < 0 || n > r.left() {
		return nil, fmt.Errorf("%d bytes wanted, %d left", n, r.left())
	}
	b := r.b[r.off : r.off+n]
	r.off += n
	return b, nil
}

// u32 reads an unsigned LEB128 of at most 5 bytes.
func (r *reader) u32() (uint32, error) {
	v, err := r.uleb(32)
	return uint32(v), err
}

func (r *reader) uleb(bits uint) (uint64, error) {
	var v uint64
	for shift := uint(0); ; shift += 7 {
		if shift >= bits+7 {
			return 0, errors.New("integer too long")
		}
		c, err := r.byte()
		if err != nil {
			return 0, err
		}
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			if bits < 64 && v>>bits != 0 {
				return 0, errors.New("integer too large")
			}
			return v, nil
		}
	}
}

func (r *reader) name() (string, error) {
	n, err := r.u32()
	if err != nil {
		return "", err
	}
	b, err := r.bytes(int(n))
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// limits reads memory/table limits: flags, min and (when flags&1) max.
func (r *reader) limits() (flags byte, min, max uint64, err error) {
	if flags, err = r.byte(); err != nil {
		return
	}
	if flags > 0x07 {
		return 0, 0, 0, fmt.Errorf("unknown limits flags 0x%02x", flags)
	}
	bits := uint(32)
	if flags&0x04 != 0 {
		bits = 64
	}
	if min, err = r.uleb(bits); err != nil {
		return
	}
	if flags&0x01 != 0 {
		max, err = r.uleb(bits)
	}
	return
}
