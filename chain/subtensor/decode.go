package subtensor

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/centrifuge/go-substrate-rpc-client/v4/types"
)

// A small SCALE reader and a decoder driven by the metadata's type registry. It turns any value into
// plain Go values: uint64 for unsigned integers up to 64 bits, []byte for u8 arrays and sequences,
// []any for sequences, tuples and arrays, *composite for structs and *variant for enums.

var errShort = errors.New("input too short")

type reader struct {
	b   []byte
	off int
}

func (r *reader) take(n int) ([]byte, error) {
	if n < 0 || r.off+n > len(r.b) {
		return nil, fmt.Errorf("at byte %d need %d: %w", r.off, n, errShort)
	}
	s := r.b[r.off : r.off+n]
	r.off += n
	return s, nil
}

func (r *reader) u8() (uint8, error) {
	b, err := r.take(1)
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

func (r *reader) u16() (uint16, error) {
	b, err := r.take(2)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint16(b), nil
}

func (r *reader) u32() (uint32, error) {
	b, err := r.take(4)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(b), nil
}

func (r *reader) u64() (uint64, error) {
	b, err := r.take(8)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b), nil
}

func (r *reader) compact() (uint64, error) {
	b0, err := r.u8()
	if err != nil {
		return 0, err
	}
	switch b0 & 3 {
	case 0:
		return uint64(b0 >> 2), nil
	case 1:
		b1, err := r.u8()
		if err != nil {
			return 0, err
		}
		return uint64(b0)>>2 | uint64(b1)<<6, nil
	case 2:
		rest, err := r.take(3)
		if err != nil {
			return 0, err
		}
		return uint64(binary.LittleEndian.Uint32([]byte{b0, rest[0], rest[1], rest[2]}) >> 2), nil
	}
	n := int(b0>>2) + 4
	b, err := r.take(n)
	if err != nil {
		return 0, err
	}
	for _, x := range b[min(8, n):] {
		if x != 0 {
			return 0, fmt.Errorf("compact integer of %d bytes does not fit 64 bits", n)
		}
	}
	var v uint64
	for i := min(8, n) - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v, nil
}

// compactValue reads a compact integer as uint64, or as 16 little-endian bytes when it does not fit
// 64 bits (a Compact<u128> such as a subnet's volume).
func (r *reader) compactValue() (any, error) {
	if r.off < len(r.b) && r.b[r.off]&3 == 3 && int(r.b[r.off]>>2)+4 > 8 {
		n := int(r.b[r.off]>>2) + 4
		r.off++
		b, err := r.take(n)
		if err != nil {
			return nil, err
		}
		out := make([]byte, max(16, n))
		copy(out, b)
		return out, nil
	}
	return r.compact()
}

// length reads a compact length and checks it against what is left (each element takes ≥ minSize bytes).
func (r *reader) length(minSize int) (int, error) {
	n, err := r.compact()
	if err != nil {
		return 0, err
	}
	left := uint64(len(r.b) - r.off)
	if minSize > 0 && n > left/uint64(minSize) {
		return 0, fmt.Errorf("length %d exceeds the %d bytes left", n, left)
	}
	if n > 1<<24 {
		return 0, fmt.Errorf("length %d too large", n)
	}
	return int(n), nil
}

func (r *reader) done() error {
	if r.off != len(r.b) {
		return fmt.Errorf("%d bytes left over after decoding", len(r.b)-r.off)
	}
	return nil
}

type composite struct {
	names  []string
	values []any
}

func (c *composite) field(name string) (any, bool) {
	for i, n := range c.names {
		if n == name {
			return c.values[i], true
		}
	}
	return nil, false
}

type variant struct {
	name   string
	index  uint8
	fields *composite
}

// decodeType decodes one value of type id.
func (rm *runtimeMeta) decodeType(r *reader, id int64, depth int) (any, error) {
	if depth > 64 {
		return nil, errors.New("type nesting too deep")
	}
	t := rm.lookup[id]
	if t == nil {
		return nil, fmt.Errorf("type #%d not in the metadata", id)
	}
	d := t.Def
	switch {
	case d.IsPrimitive:
		return rm.decodePrimitive(r, byte(d.Primitive.Si0TypeDefPrimitive))
	case d.IsCompact:
		return r.compactValue()
	case d.IsComposite:
		return rm.decodeFields(r, d.Composite.Fields, depth)
	case d.IsVariant:
		idx, err := r.u8()
		if err != nil {
			return nil, err
		}
		for _, v := range d.Variant.Variants {
			if uint8(v.Index) == idx {
				f, err := rm.decodeFields(r, v.Fields, depth)
				if err != nil {
					return nil, fmt.Errorf("%s::%s: %w", rm.typeName(id), v.Name, err)
				}
				return &variant{name: string(v.Name), index: idx, fields: f}, nil
			}
		}
		return nil, fmt.Errorf("%s: no variant with index %d", rm.typeName(id), idx)
	case d.IsSequence:
		el := d.Sequence.Type.Int64()
		if rm.isPrimitive(el, types.IsU8) {
			n, err := r.length(1)
			if err != nil {
				return nil, err
			}
			return r.take(n)
		}
		n, err := r.length(0)
		if err != nil {
			return nil, err
		}
		out := make([]any, 0, min(n, 4096))
		for i := 0; i < n; i++ {
			v, err := rm.decodeType(r, el, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case d.IsArray:
		el := d.Array.Type.Int64()
		n := int(d.Array.Len)
		if rm.isPrimitive(el, types.IsU8) {
			return r.take(n)
		}
		out := make([]any, 0, n)
		for i := 0; i < n; i++ {
			v, err := rm.decodeType(r, el, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case d.IsTuple:
		out := make([]any, 0, len(d.Tuple))
		for _, e := range d.Tuple {
			v, err := rm.decodeType(r, e.Int64(), depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case d.IsBitSequence:
		bits, err := r.compact()
		if err != nil {
			return nil, err
		}
		store := 1
		if _, st := rm.resolve(d.BitSequence.BitStoreType.Int64()); st != nil && st.Def.IsPrimitive {
			switch byte(st.Def.Primitive.Si0TypeDefPrimitive) {
			case types.IsU16:
				store = 2
			case types.IsU32:
				store = 4
			case types.IsU64:
				store = 8
			}
		}
		words := (int(bits) + 8*store - 1) / (8 * store)
		return r.take(words * store)
	}
	return nil, fmt.Errorf("%s: unsupported type definition", rm.typeName(id))
}

func (rm *runtimeMeta) decodeFields(r *reader, fields []types.Si1Field, depth int) (*composite, error) {
	c := &composite{names: make([]string, len(fields)), values: make([]any, len(fields))}
	for i, f := range fields {
		if f.HasName {
			c.names[i] = string(f.Name)
		}
		v, err := rm.decodeType(r, f.Type.Int64(), depth+1)
		if err != nil {
			return nil, err
		}
		c.values[i] = v
	}
	return c, nil
}

func (rm *runtimeMeta) decodePrimitive(r *reader, p byte) (any, error) {
	switch p {
	case types.IsBool:
		b, err := r.u8()
		if err != nil {
			return nil, err
		}
		if b > 1 {
			return nil, fmt.Errorf("bool byte %d", b)
		}
		return b == 1, nil
	case types.IsU8, types.IsI8:
		b, err := r.u8()
		return uint64(b), err
	case types.IsU16, types.IsI16:
		v, err := r.u16()
		return uint64(v), err
	case types.IsU32, types.IsI32, types.IsChar:
		v, err := r.u32()
		return uint64(v), err
	case types.IsU64, types.IsI64:
		return r.u64()
	case types.IsU128, types.IsI128:
		return r.take(16)
	case types.IsU256, types.IsI256:
		return r.take(32)
	case types.IsStr:
		n, err := r.length(1)
		if err != nil {
			return nil, err
		}
		b, err := r.take(n)
		return string(b), err
	}
	return nil, fmt.Errorf("unknown primitive %d", p)
}
