package subtensor

import (
	"encoding/binary"
	"fmt"

	"github.com/centrifuge/go-substrate-rpc-client/v4/types"

	"github.com/subnetd/subnetd/chain"

	"github.com/subnetd/subnetd/internal/scale"
)

// Conversions from decoded values (see decodeType) to Go types. Newtypes such as NetUid(u16) decode
// as one-field composites; unwrap sees through them.

func unwrap(v any) any {
	for {
		c, ok := v.(*composite)
		if !ok || len(c.values) != 1 {
			return v
		}
		v = c.values[0]
	}
}

func asU64(v any) (uint64, error) {
	switch x := unwrap(v).(type) {
	case uint64:
		return x, nil
	case []byte: // u128 little-endian
		if len(x) == 16 {
			for _, b := range x[8:] {
				if b != 0 {
					return 0, fmt.Errorf("u128 value does not fit 64 bits")
				}
			}
			return binary.LittleEndian.Uint64(x[:8]), nil
		}
	}
	return 0, fmt.Errorf("want an integer, got %T", v)
}

func asBool(v any) (bool, error) {
	if b, ok := unwrap(v).(bool); ok {
		return b, nil
	}
	return false, fmt.Errorf("want a bool, got %T", v)
}

func asBytes32(v any) ([32]byte, error) {
	var out [32]byte
	switch x := unwrap(v).(type) {
	case []byte:
		if len(x) == 32 {
			copy(out[:], x)
			return out, nil
		}
	}
	return out, fmt.Errorf("want 32 bytes, got %T", v)
}

func asSlice(v any) ([]any, error) {
	switch x := unwrap(v).(type) {
	case []any:
		return x, nil
	case []byte: // Vec<u8> decodes as bytes
		out := make([]any, len(x))
		for i, b := range x {
			out[i] = uint64(b)
		}
		return out, nil
	}
	return nil, fmt.Errorf("want a sequence, got %T", v)
}

func asU64s(v any) ([]uint64, error) {
	s, err := asSlice(v)
	if err != nil {
		return nil, err
	}
	out := make([]uint64, len(s))
	for i, e := range s {
		if out[i], err = asU64(e); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func asBools(v any) ([]bool, error) {
	s, err := asSlice(v)
	if err != nil {
		return nil, err
	}
	out := make([]bool, len(s))
	for i, e := range s {
		if out[i], err = asBool(e); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func asPairs(v any) ([]chain.UIDValue, error) {
	s, err := asSlice(v)
	if err != nil {
		return nil, err
	}
	out := make([]chain.UIDValue, len(s))
	for i, e := range s {
		t, ok := e.([]any)
		if !ok || len(t) != 2 {
			return nil, fmt.Errorf("want (u16, u16) pairs, got %T", e)
		}
		u, err1 := asU64(t[0])
		w, err2 := asU64(t[1])
		if err1 != nil || err2 != nil || u > 0xffff || w > 0xffff {
			return nil, fmt.Errorf("want (u16, u16) pairs")
		}
		out[i] = chain.UIDValue{UID: uint16(u), Value: uint16(w)}
	}
	return out, nil
}

// encodeArg appends v encoded as the metadata type id: integers (as the primitive or Compact the type
// asks for), bool, [32]byte (H256/AccountId32), []byte (Vec<u8>/BoundedVec<u8>), []uint16 (Vec<u16> or
// Vec<Compact<u16>>), [][]byte (Vec of raw-encoded calls or values: appended as is, with a length).
func (rm *runtimeMeta) encodeArg(b []byte, id int64, v any) ([]byte, error) {
	rid, t := rm.resolve(id)
	if t == nil {
		return nil, fmt.Errorf("type #%d not in the metadata", id)
	}
	switch x := v.(type) {
	case rawArg:
		return append(b, x...), nil
	case bool:
		if !rm.isPrimitive(rid, types.IsBool) {
			break
		}
		if x {
			return append(b, 1), nil
		}
		return append(b, 0), nil
	case uint64:
		if t.Def.IsCompact {
			return scale.AppendCompact(b, x), nil
		}
		if !t.Def.IsPrimitive {
			break
		}
		switch byte(t.Def.Primitive.Si0TypeDefPrimitive) {
		case types.IsU8:
			if x > 0xff {
				return nil, fmt.Errorf("%d does not fit u8", x)
			}
			return append(b, byte(x)), nil
		case types.IsU16:
			if x > 0xffff {
				return nil, fmt.Errorf("%d does not fit u16", x)
			}
			return binary.LittleEndian.AppendUint16(b, uint16(x)), nil
		case types.IsU32:
			if x > 0xffffffff {
				return nil, fmt.Errorf("%d does not fit u32", x)
			}
			return binary.LittleEndian.AppendUint32(b, uint32(x)), nil
		case types.IsU64:
			return binary.LittleEndian.AppendUint64(b, x), nil
		case types.IsU128:
			b = binary.LittleEndian.AppendUint64(b, x)
			return binary.LittleEndian.AppendUint64(b, 0), nil
		}
	case [32]byte:
		if rm.isBytes32(rid) {
			return append(b, x[:]...), nil
		}
	case []byte:
		if t.Def.IsSequence && rm.isPrimitive(t.Def.Sequence.Type.Int64(), types.IsU8) {
			b = scale.AppendCompact(b, uint64(len(x)))
			return append(b, x...), nil
		}
	case []uint16:
		if t.Def.IsSequence {
			el := t.Def.Sequence.Type.Int64()
			b = scale.AppendCompact(b, uint64(len(x)))
			var err error
			for _, e := range x {
				if b, err = rm.encodeArg(b, el, uint64(e)); err != nil {
					return nil, err
				}
			}
			return b, nil
		}
	}
	return nil, fmt.Errorf("cannot encode %T as %s", v, rm.typeName(id))
}

// rawArg is an argument already SCALE-encoded (e.g. an inner call for Sudo.sudo).
type rawArg []byte

// encodeCall encodes pallet.name(args...) with the call index and argument types from the metadata.
func (rm *runtimeMeta) encodeCall(pallet, name string, args ...any) ([]byte, error) {
	pi, cm, err := rm.call(pallet, name)
	if err != nil {
		return nil, err
	}
	if len(args) != len(cm.fields) {
		return nil, fmt.Errorf("call %s.%s takes %d arguments in runtime spec %d, this client has %d: %w",
			pallet, name, len(cm.fields), rm.specVersion, len(args), chain.ErrNotAvailable)
	}
	b := []byte{pi, cm.index}
	for i, f := range cm.fields {
		if b, err = rm.encodeArg(b, f.Type.Int64(), args[i]); err != nil {
			return nil, fmt.Errorf("call %s.%s argument %s: %w", pallet, name, f.Name, err)
		}
	}
	return b, nil
}
