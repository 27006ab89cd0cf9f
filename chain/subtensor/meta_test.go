package subtensor

import (
	"github.com/centrifuge/go-substrate-rpc-client/v4/types"
)

// A hand-built type registry and metadata with the shapes of subtensor's (spec 300 and newer), for
// unit tests that must not depend on a runtime blob.

type metaBuilder struct {
	rm *runtimeMeta
}

func newMetaBuilder() *metaBuilder {
	return &metaBuilder{rm: &runtimeMeta{
		specVersion: 300, txVersion: 1, extVersion: 4,
		lookup:     map[int64]*types.Si1Type{},
		pallets:    map[string]*palletMeta{},
		byIndex:    map[uint8]*palletMeta{},
		addrPrefix: []byte{0}, sigPrefix: []byte{1},
		eventsType: -1,
	}}
}

func tid(id int64) types.Si1LookupTypeID { return types.NewSi1LookupTypeIDFromUInt(uint64(id)) }

func (b *metaBuilder) add(id int64, path []string, def types.Si1TypeDef) int64 {
	var p types.Si1Path
	for _, s := range path {
		p = append(p, types.Text(s))
	}
	b.rm.lookup[id] = &types.Si1Type{Path: p, Def: def}
	return id
}

func prim(p byte) types.Si1TypeDef {
	return types.Si1TypeDef{IsPrimitive: true, Primitive: types.Si1TypeDefPrimitive{Si0TypeDefPrimitive: types.Si0TypeDefPrimitive(p)}}
}

func fields(names []string, ids ...int64) []types.Si1Field {
	out := make([]types.Si1Field, len(ids))
	for i, id := range ids {
		out[i] = types.Si1Field{Type: tid(id)}
		if i < len(names) && names[i] != "" {
			out[i].HasName, out[i].Name = true, types.Text(names[i])
		}
	}
	return out
}

func compositeDef(names []string, ids ...int64) types.Si1TypeDef {
	return types.Si1TypeDef{IsComposite: true, Composite: types.Si1TypeDefComposite{Fields: fields(names, ids...)}}
}

type vr struct {
	name   string
	index  uint8
	fields []int64
}

func variantDef(vs ...vr) types.Si1TypeDef {
	d := types.Si1TypeDef{IsVariant: true}
	for _, x := range vs {
		d.Variant.Variants = append(d.Variant.Variants, types.Si1Variant{Name: types.Text(x.name), Index: types.U8(x.index), Fields: fields(nil, x.fields...)})
	}
	return d
}

// Type ids of the test registry.
const (
	tU8 = iota
	tU16
	tU32
	tU64
	tH256
	tBytes32
	tVecU16
	tBool
	tCompactU32
	tCompactU64
	tUnit
	tVecU8
	tBoundedVec
	tCheckNonce
	tEra
	tChargeTx
	tMode
	tOptionHash
	tEmpty
	tNetUid
	tChargeTxWrapper
	tAssetTx
	tOptionU32
	tBytes4
	tModuleError
	tDispatchError
	tPhantom
	tVecPair
	tPair
)

func testMeta() *runtimeMeta {
	b := newMetaBuilder()
	b.add(tU8, nil, prim(types.IsU8))
	b.add(tU16, nil, prim(types.IsU16))
	b.add(tU32, nil, prim(types.IsU32))
	b.add(tU64, nil, prim(types.IsU64))
	b.add(tBytes32, nil, types.Si1TypeDef{IsArray: true, Array: types.Si1TypeDefArray{Len: 32, Type: tid(tU8)}})
	b.add(tH256, []string{"primitive_types", "H256"}, compositeDef(nil, tBytes32))
	b.add(tVecU16, nil, types.Si1TypeDef{IsSequence: true, Sequence: types.Si1TypeDefSequence{Type: tid(tU16)}})
	b.add(tBool, nil, prim(types.IsBool))
	b.add(tCompactU32, nil, types.Si1TypeDef{IsCompact: true, Compact: types.Si1TypeDefCompact{Type: tid(tU32)}})
	b.add(tCompactU64, nil, types.Si1TypeDef{IsCompact: true, Compact: types.Si1TypeDefCompact{Type: tid(tU64)}})
	b.add(tUnit, nil, types.Si1TypeDef{IsTuple: true})
	b.add(tVecU8, nil, types.Si1TypeDef{IsSequence: true, Sequence: types.Si1TypeDefSequence{Type: tid(tU8)}})
	b.add(tBoundedVec, []string{"bounded_collections", "bounded_vec", "BoundedVec"}, compositeDef(nil, tVecU8))
	b.add(tCheckNonce, []string{"node_subtensor_runtime", "check_nonce", "CheckNonce"}, compositeDef(nil, tCompactU32))
	b.add(tEra, []string{"sp_runtime", "generic", "era", "Era"}, variantDef(vr{"Immortal", 0, nil}, vr{"Mortal1", 1, []int64{tU8}}))
	b.add(tChargeTx, []string{"pallet_transaction_payment", "ChargeTransactionPayment"}, compositeDef(nil, tCompactU64))
	b.add(tMode, []string{"frame_metadata_hash_extension", "Mode"}, variantDef(vr{"Disabled", 0, nil}, vr{"Enabled", 1, nil}))
	b.add(tOptionHash, []string{"Option"}, variantDef(vr{"None", 0, nil}, vr{"Some", 1, []int64{tBytes32}}))
	b.add(tEmpty, []string{"pallet_subtensor", "SubtensorTransactionExtension"}, compositeDef(nil))
	b.add(tPhantom, nil, compositeDef(nil, tUnit))
	b.add(tNetUid, []string{"subtensor_runtime_common", "NetUid"}, compositeDef(nil, tU16))
	b.add(tChargeTxWrapper, []string{"subtensor_transaction_fee", "ChargeTransactionPaymentWrapper"}, compositeDef(nil, tChargeTx))
	b.add(tOptionU32, []string{"Option"}, variantDef(vr{"None", 0, nil}, vr{"Some", 1, []int64{tU32}}))
	b.add(tAssetTx, []string{"pallet_asset_tx_payment", "ChargeAssetTxPayment"}, compositeDef(nil, tCompactU64, tOptionU32))
	b.add(tBytes4, nil, types.Si1TypeDef{IsArray: true, Array: types.Si1TypeDefArray{Len: 4, Type: tid(tU8)}})
	b.add(tModuleError, []string{"sp_runtime", "ModuleError"}, compositeDef([]string{"index", "error"}, tU8, tBytes4))
	b.add(tDispatchError, []string{"sp_runtime", "DispatchError"}, variantDef(vr{"Other", 0, nil}, vr{"CannotLookup", 1, nil}, vr{"BadOrigin", 2, nil}, vr{"Module", 3, []int64{tModuleError}}))
	b.add(tPair, nil, types.Si1TypeDef{IsTuple: true, Tuple: types.Si1TypeDefTuple{tid(tU16), tid(tU16)}})
	b.add(tVecPair, nil, types.Si1TypeDef{IsSequence: true, Sequence: types.Si1TypeDefSequence{Type: tid(tPair)}})

	call := func(index uint8, names []string, ids ...int64) callMeta {
		return callMeta{index: index, fields: fields(names, ids...)}
	}
	st := &palletMeta{name: "SubtensorModule", index: 7, prefix: "SubtensorModule", calls: map[string]callMeta{
		"set_weights":               call(0, []string{"netuid", "dests", "weights", "version_key"}, tNetUid, tVecU16, tVecU16, tU64),
		"commit_weights":            call(96, []string{"netuid", "commit_hash"}, tNetUid, tH256),
		"reveal_weights":            call(97, []string{"netuid", "uids", "values", "salt", "version_key"}, tNetUid, tVecU16, tVecU16, tVecU16, tU64),
		"commit_crv3_weights":       call(99, []string{"netuid", "commit", "reveal_round"}, tNetUid, tBoundedVec, tU64),
		"commit_timelocked_weights": call(113, []string{"netuid", "commit", "reveal_round", "commit_reveal_version"}, tNetUid, tBoundedVec, tU64, tU16),
		"set_mechanism_weights":     call(119, []string{"netuid", "mecid", "dests", "weights", "version_key"}, tNetUid, tU8, tVecU16, tVecU16, tU64),
	}, errors: map[uint8]string{0x1d: "SettingWeightsTooFast", 0x36: "CommitRevealEnabled"},
		storage: map[string]types.StorageEntryMetadataV14{
			"Weights": {Name: "Weights", Type: types.StorageEntryTypeV14{IsMap: true, AsMap: types.MapTypeV14{
				Hashers: []types.StorageHasherV10{{IsIdentity: true}, {IsIdentity: true}}, Key: tid(tUnit), Value: tid(tVecPair)}}},
		}}
	sys := &palletMeta{name: "System", index: 0, prefix: "System", calls: map[string]callMeta{}, errors: map[uint8]string{},
		storage: map[string]types.StorageEntryMetadataV14{
			"Events": {Name: "Events", Type: types.StorageEntryTypeV14{IsPlainType: true, AsPlainType: tid(tUnit)}},
			"Account": {Name: "Account", Type: types.StorageEntryTypeV14{IsMap: true, AsMap: types.MapTypeV14{
				Hashers: []types.StorageHasherV10{{IsBlake2_128Concat: true}}, Key: tid(tBytes32), Value: tid(tUnit)}}},
		}}
	sudo := &palletMeta{name: "Sudo", index: 12, prefix: "Sudo", calls: map[string]callMeta{"sudo": call(0, []string{"call"}, tUnit)}}
	for _, p := range []*palletMeta{st, sys, sudo} {
		b.rm.pallets[p.name] = p
		b.rm.byIndex[p.index] = p
	}
	b.rm.extensions = spec300Extensions()
	return b.rm
}

func ext(name string, extra, additional int64) types.SignedExtensionMetadataV14 {
	return types.SignedExtensionMetadataV14{Identifier: types.Text(name), Type: tid(extra), AdditionalSigned: tid(additional)}
}

// spec300Extensions is the extension list of the harness runtime (spec 300), with its shapes.
func spec300Extensions() []types.SignedExtensionMetadataV14 {
	return []types.SignedExtensionMetadataV14{
		ext("CheckNonZeroSender", tEmpty, tUnit),
		ext("CheckSpecVersion", tEmpty, tU32),
		ext("CheckTxVersion", tEmpty, tU32),
		ext("CheckGenesis", tEmpty, tH256),
		ext("CheckMortality", tEra, tH256),
		ext("CheckNonce", tCheckNonce, tUnit),
		ext("CheckWeight", tEmpty, tUnit),
		ext("ChargeTransactionPayment", tChargeTx, tUnit),
		ext("SubtensorTransactionExtension", tEmpty, tUnit),
		ext("CheckMetadataHash", tMode, tOptionHash),
	}
}

// newerExtensions is the list of later runtimes (protocol.md §2): the payment wrapper and more
// data-less guards.
func newerExtensions() []types.SignedExtensionMetadataV14 {
	return []types.SignedExtensionMetadataV14{
		ext("CheckNonZeroSender", tEmpty, tUnit),
		ext("CheckSpecVersion", tEmpty, tU32),
		ext("CheckTxVersion", tEmpty, tU32),
		ext("CheckGenesis", tEmpty, tH256),
		ext("CheckMortality", tEra, tH256),
		ext("CheckNonce", tCheckNonce, tUnit),
		ext("CheckWeight", tEmpty, tUnit),
		ext("ChargeTransactionPaymentWrapper", tChargeTxWrapper, tUnit),
		ext("SudoTransactionExtension", tPhantom, tUnit),
		ext("CheckShieldedTxValidity", tEmpty, tUnit),
		ext("SubtensorTransactionExtension", tPhantom, tUnit),
		ext("DrandPriority", tPhantom, tUnit),
		ext("CheckMetadataHash", tMode, tOptionHash),
	}
}
