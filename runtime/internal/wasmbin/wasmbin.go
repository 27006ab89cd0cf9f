// Package wasmbin decodes the primitives of the WebAssembly binary format (bytes, LEB128
// integers, names, limits) with bounds checks. Screening and metering both read modules
// through it; it never panics, whatever the input.
package wasmbin

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrMalformed wraps every decoding error.
var ErrMalformed = errors.New("malformed module")

// errEnd is the error for input that stops too early.
var errEnd = fmt.Errorf("%w: unexpected end", ErrMalformed)

// Reader reads B from Off onwards.
type Reader struct {
	// B is the input.
	B []byte
	// Off is the next byte to read.
	Off int
}

// Done reports whether all of B was read.
func (r *Reader) Done() bool { return r.Off >= len(r.B) }

// Left is how many bytes remain.
func (r *Reader) Left() int { return len(r.B) - r.Off }

// Byte reads one byte.
func (r *Reader) Byte() (byte, error) {
	if r.Off >= len(r.B) {
		return 0, errEnd
	}
	c := r.B[r.Off]
	r.Off++
	return c, nil
}

// Bytes reads n bytes (a view into B, not a copy).
func (r *Reader) Bytes(n int) ([]byte, error) {
	if n < 0 || n > r.Left() {
		return nil, fmt.Errorf("%w: %d bytes wanted, %d left", ErrMalformed, n, r.Left())
	}
	b := r.B[r.Off : r.Off+n]
	r.Off += n
	return b, nil
}

// U32 reads an unsigned LEB128 of at most 32 bits.
func (r *Reader) U32() (uint32, error) {
	v, err := r.ULEB(32)
	return uint32(v), err
}

// ULEB reads an unsigned LEB128 of at most bits bits (32 or 64).
func (r *Reader) ULEB(bits uint) (uint64, error) {
	var v uint64
	maxShift := (bits + 6) / 7 * 7 // at most ceil(bits/7) bytes
	for shift := uint(0); ; shift += 7 {
		if shift >= maxShift {
			return 0, fmt.Errorf("%w: integer too long", ErrMalformed)
		}
		c, err := r.Byte()
		if err != nil {
			return 0, err
		}
		if shift < 64 {
			v |= uint64(c&0x7f) << shift
		}
		if c&0x80 == 0 {
			if bits < 64 && v>>bits != 0 {
				return 0, fmt.Errorf("%w: integer too large", ErrMalformed)
			}
			return v, nil
		}
	}
}

// SLEB reads a signed LEB128 of at most bits bits (32 or 64).
func (r *Reader) SLEB(bits uint) (int64, error) {
	var v int64
	var shift uint
	for {
		c, err := r.Byte()
		if err != nil {
			return 0, err
		}
		if shift >= bits {
			return 0, fmt.Errorf("%w: integer too long", ErrMalformed)
		}
		if shift < 64 {
			v |= int64(c&0x7f) << shift
		}
		shift += 7
		if c&0x80 == 0 {
			if shift < 64 && c&0x40 != 0 {
				v |= -1 << shift
			}
			return v, nil
		}
	}
}

// Section reads one section (or subsection): its id byte, its size and that many bytes of body.
func (r *Reader) Section() (id byte, body []byte, err error) {
	if id, err = r.Byte(); err != nil {
		return 0, nil, err
	}
	size, err := r.U32()
	if err != nil {
		return id, nil, fmt.Errorf("section %d size: %w", id, err)
	}
	if body, err = r.Bytes(int(size)); err != nil {
		return id, nil, fmt.Errorf("section %d is cut short: %w", id, err)
	}
	return id, body, nil
}

// Name reads a length-prefixed name.
func (r *Reader) Name() (string, error) {
	n, err := r.U32()
	if err != nil {
		return "", err
	}
	b, err := r.Bytes(int(n))
	return string(b), err
}

// Limits reads memory or table limits: the flags byte, the minimum, and the maximum when
// flags&1 (64-bit values when flags&4, memory64).
func (r *Reader) Limits() (flags byte, min, max uint64, err error) {
	if flags, err = r.Byte(); err != nil {
		return
	}
	if flags > 0x07 {
		return 0, 0, 0, fmt.Errorf("%w: unknown limits flags 0x%02x", ErrMalformed, flags)
	}
	bits := uint(32)
	if flags&0x04 != 0 {
		bits = 64
	}
	if min, err = r.ULEB(bits); err != nil {
		return
	}
	if flags&0x01 != 0 {
		max, err = r.ULEB(bits)
	}
	return
}

// ConstExpr reads a constant expression up to and including its end opcode and returns its
// bytes. It knows the instructions a constant expression may hold in the features the host
// accepts (i32/i64/f32/f64.const, global.get, ref.null, ref.func); any other opcode is an error.
func (r *Reader) ConstExpr() ([]byte, error) {
	start := r.Off
	for {
		op, err := r.Byte()
		if err != nil {
			return nil, err
		}
		switch op {
		case 0x0b: // end
			return r.B[start:r.Off], nil
		case 0x41:
			_, err = r.SLEB(32)
		case 0x42:
			_, err = r.SLEB(64)
		case 0x43:
			_, err = r.Bytes(4)
		case 0x44:
			_, err = r.Bytes(8)
		case 0x23, 0xd2: // global.get, ref.func
			_, err = r.U32()
		case 0xd0: // ref.null
			_, err = r.Byte()
		default:
			return nil, fmt.Errorf("%w: opcode 0x%02x in a constant expression", ErrMalformed, op)
		}
		if err != nil {
			return nil, err
		}
	}
}

// Table is one entry of the table section: its reference type and limits.
type Table struct {
	Ref, Flags byte
	Min, Max   uint64
}

// TableSection reads a table section's body to its end. It allocates nothing for a count
// the body does not hold: it fails at the first table that is not there.
func TableSection(body []byte) ([]Table, error) {
	r := Reader{B: body}
	n, err := r.U32()
	if err != nil {
		return nil, err
	}
	var tables []Table
	for i := uint32(0); i < n; i++ {
		var t Table
		if t.Ref, err = r.Byte(); err == nil {
			t.Flags, t.Min, t.Max, err = r.Limits()
		}
		if err != nil {
			return nil, fmt.Errorf("table %d: %w", i, err)
		}
		tables = append(tables, t)
	}
	if !r.Done() {
		return nil, fmt.Errorf("%w: trailing bytes after the tables", ErrMalformed)
	}
	return tables, nil
}

// MaxDataSegments is the WebAssembly JS API's limit on data segments (every browser engine's).
const MaxDataSegments = 100_000

// DataSection reads a data section's body to its end: every segment's flags, offset
// expression and bytes, so that no count or length it declares goes past the body (an engine
// may set memory aside for what a section declares before reading it). It fails on more than
// MaxDataSegments segments.
func DataSection(body []byte) error {
	r := Reader{B: body}
	n, err := r.U32()
	if err != nil {
		return err
	}
	if n > MaxDataSegments {
		return fmt.Errorf("%w: %d data segments, limit %d", ErrMalformed, n, MaxDataSegments)
	}
	for i := uint32(0); i < n; i++ {
		flags, err := r.U32()
		if err != nil {
			return fmt.Errorf("data segment %d: %w", i, err)
		}
		switch flags {
		case 0: // active, memory 0
			_, err = r.ConstExpr()
		case 1: // passive
		case 2: // active, explicit memory
			if _, err = r.U32(); err == nil {
				_, err = r.ConstExpr()
			}
		default:
			err = fmt.Errorf("%w: unknown flags %d", ErrMalformed, flags)
		}
		if err == nil {
			var size uint32
			if size, err = r.U32(); err == nil {
				_, err = r.Bytes(int(size))
			}
		}
		if err != nil {
			return fmt.Errorf("data segment %d: %w", i, err)
		}
	}
	if !r.Done() {
		return fmt.Errorf("%w: trailing bytes after the data segments", ErrMalformed)
	}
	return nil
}

// FuncType reads a function type: the 0x60 form, then the parameter and result value types.
func (r *Reader) FuncType() (params, results []byte, err error) {
	form, err := r.Byte()
	if err != nil {
		return nil, nil, err
	}
	if form != 0x60 {
		return nil, nil, fmt.Errorf("%w: form 0x%02x is not a function type", ErrMalformed, form)
	}
	if params, err = r.vec(); err != nil {
		return nil, nil, err
	}
	results, err = r.vec()
	return params, results, err
}

// vec reads a length-prefixed vector of single-byte entries.
func (r *Reader) vec() ([]byte, error) {
	n, err := r.U32()
	if err != nil {
		return nil, err
	}
	return r.Bytes(int(n))
}

// Import kinds, as the binary format numbers them (exports use the same numbers).
const (
	KindFunc   byte = 0x00
	KindTable  byte = 0x01
	KindMemory byte = 0x02
	KindGlobal byte = 0x03
)

// Import is one entry of the import section.
type Import struct {
	// Module and Name are the two-level import name.
	Module, Name string
	// Kind is KindFunc, KindTable, KindMemory or KindGlobal.
	Kind byte
	// Type is the function's type index (KindFunc only).
	Type uint32
}

// Import reads one import entry; the descriptors of tables, memories and globals are checked
// for well-formedness and skipped.
func (r *Reader) Import() (Import, error) {
	var im Import
	var err error
	if im.Module, err = r.Name(); err != nil {
		return im, err
	}
	if im.Name, err = r.Name(); err != nil {
		return im, err
	}
	if im.Kind, err = r.Byte(); err != nil {
		return im, err
	}
	switch im.Kind {
	case KindFunc:
		im.Type, err = r.U32()
	case KindTable:
		if _, err = r.Byte(); err == nil {
			_, _, _, err = r.Limits()
		}
	case KindMemory:
		_, _, _, err = r.Limits()
	case KindGlobal:
		_, err = r.Bytes(2)
	default:
		err = fmt.Errorf("%w: import %s.%s has unknown kind 0x%02x", ErrMalformed, im.Module, im.Name, im.Kind)
	}
	return im, err
}

// Export is one entry of the export section.
type Export struct {
	// Name is the export name.
	Name string
	// Kind is what is exported (KindFunc, ...); Index its index in that space.
	Kind  byte
	Index uint32
}

// Export reads one export entry.
func (r *Reader) Export() (Export, error) {
	var e Export
	var err error
	if e.Name, err = r.Name(); err != nil {
		return e, err
	}
	if e.Kind, err = r.Byte(); err != nil {
		return e, err
	}
	e.Index, err = r.U32()
	return e, err
}

// AppendULEB appends v as an unsigned LEB128 (the same bytes as binary.AppendUvarint).
func AppendULEB(out []byte, v uint64) []byte { return binary.AppendUvarint(out, v) }

// AppendSLEB appends v as a signed LEB128 (binary.AppendVarint is zigzag, not this).
func AppendSLEB(out []byte, v int64) []byte {
	for {
		b := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && b&0x40 == 0) || (v == -1 && b&0x40 != 0) {
			return append(out, b)
		}
		out = append(out, b|0x80)
	}
}

// AppendName appends a length-prefixed name.
func AppendName(out []byte, s string) []byte {
	return append(AppendULEB(out, uint64(len(s))), s...)
}

// AppendSection appends a section (or subsection): its id, its size and its body.
func AppendSection(out []byte, id byte, body []byte) []byte {
	out = AppendULEB(append(out, id), uint64(len(body)))
	return append(out, body...)
}
