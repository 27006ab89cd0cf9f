package subtensor

import (
	"fmt"
	"strings"

	"github.com/centrifuge/go-substrate-rpc-client/v4/types"
	"github.com/centrifuge/go-substrate-rpc-client/v4/types/codec"
	"github.com/subnetd/subnetd/chain"
)

// runtimeMeta is what the client reads from one runtime version's metadata (V14): call and error
// indices, storage layouts, the signed-extension list and the type registry.
type runtimeMeta struct {
	specVersion uint32
	txVersion   uint32
	apis        map[string]uint32 // runtime API id (0x-hex blake2-64 of its name) → version

	lookup     map[int64]*types.Si1Type
	pallets    map[string]*palletMeta
	byIndex    map[uint8]*palletMeta
	extensions []types.SignedExtensionMetadataV14
	extVersion uint8
	eventsType int64 // System.Events value type

	// How the extrinsic's address and signature are encoded (from the UncheckedExtrinsic type params).
	addrPrefix []byte // {0x00} for MultiAddress::Id, empty for a bare AccountId32
	sigPrefix  []byte // {0x01} for MultiSignature::Sr25519, empty for a bare sr25519 signature
	formatErr  error  // set when the address or signature type is not one this client can fill

	api      *apiMeta // runtime APIs (from V15), nil when the runtime has none
	apiTried bool
}

type palletMeta struct {
	name    string
	index   uint8
	prefix  string
	calls   map[string]callMeta
	storage map[string]types.StorageEntryMetadataV14
	errors  map[uint8]string
	events  map[uint8]string
}

type callMeta struct {
	index  uint8
	fields []types.Si1Field
}

// parseMetadata builds a runtimeMeta from the hex the node returns for state_getMetadata.
func parseMetadata(hexMeta string, spec, tx uint32) (*runtimeMeta, error) {
	var md types.Metadata
	if err := codec.DecodeFromHex(hexMeta, &md); err != nil {
		return nil, fmt.Errorf("decode metadata: %w", err)
	}
	if md.Version != 14 {
		return nil, fmt.Errorf("metadata version %d: this client reads V14 (state_getMetadata's default)", md.Version)
	}
	m14 := &md.AsMetadataV14
	rm := &runtimeMeta{
		specVersion: spec, txVersion: tx,
		lookup:     m14.EfficientLookup,
		pallets:    map[string]*palletMeta{},
		byIndex:    map[uint8]*palletMeta{},
		extensions: m14.Extrinsic.SignedExtensions,
		extVersion: uint8(m14.Extrinsic.Version),
		eventsType: -1,
	}
	for _, p := range m14.Pallets {
		pm := &palletMeta{name: string(p.Name), index: uint8(p.Index), calls: map[string]callMeta{},
			storage: map[string]types.StorageEntryMetadataV14{}, errors: map[uint8]string{}, events: map[uint8]string{}}
		if p.HasCalls {
			for _, v := range rm.variants(p.Calls.Type.Int64()) {
				pm.calls[string(v.Name)] = callMeta{index: uint8(v.Index), fields: v.Fields}
			}
		}
		if p.HasErrors {
			for _, v := range rm.variants(p.Errors.Type.Int64()) {
				pm.errors[uint8(v.Index)] = string(v.Name)
			}
		}
		if p.HasEvents {
			for _, v := range rm.variants(p.Events.Type.Int64()) {
				pm.events[uint8(v.Index)] = string(v.Name)
			}
		}
		if p.HasStorage {
			pm.prefix = string(p.Storage.Prefix)
			for _, it := range p.Storage.Items {
				pm.storage[string(it.Name)] = it
			}
		}
		rm.pallets[pm.name] = pm
		rm.byIndex[pm.index] = pm
	}
	rm.formatErr = rm.readExtrinsicFormat(m14.Extrinsic.Type.Int64())
	if sys := rm.pallets["System"]; sys != nil {
		if it, ok := sys.storage["Events"]; ok && it.Type.IsPlainType {
			rm.eventsType = it.Type.AsPlainType.Int64()
		}
	}
	return rm, nil
}

func (rm *runtimeMeta) variants(id int64) []types.Si1Variant {
	t := rm.lookup[id]
	if t == nil || !t.Def.IsVariant {
		return nil
	}
	return t.Def.Variant.Variants
}

// call returns the pallet and call index of pallet.call, or an ErrNotAvailable-wrapped error.
func (rm *runtimeMeta) call(pallet, name string) (uint8, callMeta, error) {
	p := rm.pallets[pallet]
	if p == nil {
		return 0, callMeta{}, fmt.Errorf("runtime spec %d has no pallet %s: %w", rm.specVersion, pallet, chain.ErrNotAvailable)
	}
	c, ok := p.calls[name]
	if !ok {
		return 0, callMeta{}, fmt.Errorf("runtime spec %d has no call %s.%s: %w", rm.specVersion, pallet, name, chain.ErrNotAvailable)
	}
	return p.index, c, nil
}

func (rm *runtimeMeta) hasCall(pallet, name string) bool {
	_, _, err := rm.call(pallet, name)
	return err == nil
}

// storageEntry returns the metadata of pallet.item.
func (rm *runtimeMeta) storageEntry(pallet, item string) (*palletMeta, types.StorageEntryMetadataV14, bool) {
	p := rm.pallets[pallet]
	if p == nil {
		return nil, types.StorageEntryMetadataV14{}, false
	}
	e, ok := p.storage[item]
	return p, e, ok
}

// typeName renders a type for error messages: its path, or its kind.
func (rm *runtimeMeta) typeName(id int64) string {
	t := rm.lookup[id]
	if t == nil {
		return fmt.Sprintf("type#%d", id)
	}
	if len(t.Path) > 0 {
		parts := make([]string, len(t.Path))
		for i, p := range t.Path {
			parts[i] = string(p)
		}
		return strings.Join(parts, "::")
	}
	switch {
	case t.Def.IsPrimitive:
		return primitiveName(byte(t.Def.Primitive.Si0TypeDefPrimitive))
	case t.Def.IsCompact:
		return "Compact<" + rm.typeName(t.Def.Compact.Type.Int64()) + ">"
	case t.Def.IsSequence:
		return "Vec<" + rm.typeName(t.Def.Sequence.Type.Int64()) + ">"
	case t.Def.IsArray:
		return fmt.Sprintf("[%s; %d]", rm.typeName(t.Def.Array.Type.Int64()), t.Def.Array.Len)
	case t.Def.IsTuple:
		parts := make([]string, len(t.Def.Tuple))
		for i, e := range t.Def.Tuple {
			parts[i] = rm.typeName(e.Int64())
		}
		return "(" + strings.Join(parts, ",") + ")"
	}
	return fmt.Sprintf("type#%d", id)
}

func primitiveName(p byte) string {
	names := []string{"bool", "char", "str", "u8", "u16", "u32", "u64", "u128", "u256", "i8", "i16", "i32", "i64", "i128", "i256"}
	if int(p) < len(names) {
		return names[p]
	}
	return "primitive?"
}

// resolve follows single-field composites and one-element tuples down to the type that carries the
// data (e.g. NetUid(u16) → u16, CheckNonce(Compact<u32>) → Compact<u32>).
func (rm *runtimeMeta) resolve(id int64) (int64, *types.Si1Type) {
	for range 32 {
		t := rm.lookup[id]
		if t == nil {
			return id, nil
		}
		switch {
		case t.Def.IsComposite && len(t.Def.Composite.Fields) == 1:
			id = t.Def.Composite.Fields[0].Type.Int64()
		case t.Def.IsTuple && len(t.Def.Tuple) == 1:
			id = t.Def.Tuple[0].Int64()
		default:
			return id, t
		}
	}
	return id, rm.lookup[id]
}

// zeroSized reports whether values of the type encode to no bytes (unit, PhantomData, empty structs).
func (rm *runtimeMeta) zeroSized(id int64) bool {
	return rm.zeroSizedDepth(id, 0)
}

func (rm *runtimeMeta) zeroSizedDepth(id int64, depth int) bool {
	t := rm.lookup[id]
	if t == nil || depth > 32 {
		return false
	}
	switch {
	case t.Def.IsComposite:
		for _, f := range t.Def.Composite.Fields {
			if !rm.zeroSizedDepth(f.Type.Int64(), depth+1) {
				return false
			}
		}
		return true
	case t.Def.IsTuple:
		for _, e := range t.Def.Tuple {
			if !rm.zeroSizedDepth(e.Int64(), depth+1) {
				return false
			}
		}
		return true
	case t.Def.IsArray:
		return t.Def.Array.Len == 0 || rm.zeroSizedDepth(t.Def.Array.Type.Int64(), depth+1)
	}
	return false
}

// isPrimitive reports whether the type resolves to the given primitive.
func (rm *runtimeMeta) isPrimitive(id int64, p byte) bool {
	_, t := rm.resolve(id)
	return t != nil && t.Def.IsPrimitive && byte(t.Def.Primitive.Si0TypeDefPrimitive) == p
}

// isCompactOf reports whether the type resolves to Compact<primitive p>.
func (rm *runtimeMeta) isCompactOf(id int64, p byte) bool {
	_, t := rm.resolve(id)
	return t != nil && t.Def.IsCompact && rm.isPrimitive(t.Def.Compact.Type.Int64(), p)
}

// isBytes32 reports whether the type resolves to [u8; 32] (H256, AccountId32).
func (rm *runtimeMeta) isBytes32(id int64) bool {
	_, t := rm.resolve(id)
	return t != nil && t.Def.IsArray && t.Def.Array.Len == 32 && rm.isPrimitive(t.Def.Array.Type.Int64(), types.IsU8)
}

// readExtrinsicFormat reads the Address and Signature type parameters of the UncheckedExtrinsic type.
func (rm *runtimeMeta) readExtrinsicFormat(id int64) error {
	t := rm.lookup[id]
	if t == nil {
		return fmt.Errorf("extrinsic type #%d not in the metadata", id)
	}
	var addr, sig int64 = -1, -1
	for _, p := range t.Params {
		switch string(p.Name) {
		case "Address":
			if p.HasType {
				addr = p.Type.Int64()
			}
		case "Signature":
			if p.HasType {
				sig = p.Type.Int64()
			}
		}
	}
	switch {
	case addr < 0:
		return fmt.Errorf("extrinsic type %s has no Address parameter", rm.typeName(id))
	case rm.isBytes32(addr):
		rm.addrPrefix = nil
	default:
		idx, ok := rm.variantIndex(addr, "Id", rm.isBytes32)
		if !ok {
			return fmt.Errorf("address type %s has no Id(AccountId32) variant", rm.typeName(addr))
		}
		rm.addrPrefix = []byte{idx}
	}
	if sig < 0 {
		return fmt.Errorf("extrinsic type %s has no Signature parameter", rm.typeName(id))
	}
	is64 := func(id int64) bool {
		_, t := rm.resolve(id)
		return t != nil && t.Def.IsArray && t.Def.Array.Len == 64 && rm.isPrimitive(t.Def.Array.Type.Int64(), types.IsU8)
	}
	if is64(sig) {
		rm.sigPrefix = nil
		return nil
	}
	idx, ok := rm.variantIndex(sig, "Sr25519", is64)
	if !ok {
		return fmt.Errorf("signature type %s has no Sr25519 variant", rm.typeName(sig))
	}
	rm.sigPrefix = []byte{idx}
	return nil
}

// variantIndex finds the variant named name with one field whose type passes check.
func (rm *runtimeMeta) variantIndex(id int64, name string, check func(int64) bool) (byte, bool) {
	for _, v := range rm.variants(id) {
		if string(v.Name) == name && len(v.Fields) == 1 && check(v.Fields[0].Type.Int64()) {
			return byte(v.Index), true
		}
	}
	return 0, false
}

// isCompactUint reports whether the type resolves to Compact of any unsigned integer.
func (rm *runtimeMeta) isCompactUint(id int64) bool {
	for _, p := range []byte{types.IsU8, types.IsU16, types.IsU32, types.IsU64, types.IsU128} {
		if rm.isCompactOf(id, p) {
			return true
		}
	}
	return false
}

// typeByPath finds a type by its full path (e.g. "sp_runtime", "DispatchError"); -1 when absent.
func (rm *runtimeMeta) typeByPath(path ...string) int64 {
	best := int64(-1)
	for id, t := range rm.lookup {
		if len(t.Path) != len(path) {
			continue
		}
		match := true
		for i := range path {
			if string(t.Path[i]) != path[i] {
				match = false
				break
			}
		}
		if match && (best < 0 || id < best) {
			best = id
		}
	}
	return best
}
