package subtensor

import (
	"encoding/binary"
	"fmt"

	"github.com/centrifuge/go-substrate-rpc-client/v4/types"
	"github.com/centrifuge/go-substrate-rpc-client/v4/xxhash"
	"golang.org/x/crypto/blake2b"
)

// storageKey builds the key of pallet.item for the given SCALE-encoded map keys, hashing each with the
// hasher the metadata names. With fewer keys than the map has, it returns a prefix for iteration.
func (rm *runtimeMeta) storageKey(pallet, item string, keys ...[]byte) ([]byte, types.StorageEntryMetadataV14, error) {
	p, e, ok := rm.storageEntry(pallet, item)
	if !ok {
		return nil, e, fmt.Errorf("runtime spec %d has no storage item %s.%s", rm.specVersion, pallet, item)
	}
	k := make([]byte, 0, 32+len(keys)*48)
	k = append(k, xxhash.New128([]byte(p.prefix)).Sum(nil)...)
	k = append(k, xxhash.New128([]byte(item)).Sum(nil)...)
	if e.Type.IsPlainType {
		if len(keys) > 0 {
			return nil, e, fmt.Errorf("storage item %s.%s is a plain value, not a map", pallet, item)
		}
		return k, e, nil
	}
	hashers := e.Type.AsMap.Hashers
	if len(keys) > len(hashers) {
		return nil, e, fmt.Errorf("storage map %s.%s takes %d keys, got %d", pallet, item, len(hashers), len(keys))
	}
	for i, key := range keys {
		k = appendHashed(k, hashers[i], key)
	}
	return k, e, nil
}

func appendHashed(k []byte, h types.StorageHasherV10, key []byte) []byte {
	switch {
	case h.IsIdentity:
		return append(k, key...)
	case h.IsTwox64Concat:
		return append(append(k, xxhash.New64(key).Sum(nil)...), key...)
	case h.IsBlake2_128Concat:
		s := blake2b128(key)
		return append(append(k, s...), key...)
	case h.IsBlake2_128:
		return append(k, blake2b128(key)...)
	case h.IsBlake2_256:
		s := blake2b.Sum256(key)
		return append(k, s[:]...)
	case h.IsTwox128:
		return append(k, xxhash.New128(key).Sum(nil)...)
	case h.IsTwox256:
		return append(k, xxhash.New256(key).Sum(nil)...)
	}
	return k
}

func blake2b128(b []byte) []byte {
	h, _ := blake2b.New(16, nil)
	h.Write(b)
	return h.Sum(nil)
}

// valueType returns the type id of a storage item's value.
func valueType(e types.StorageEntryMetadataV14) int64 {
	if e.Type.IsPlainType {
		return e.Type.AsPlainType.Int64()
	}
	return e.Type.AsMap.Value.Int64()
}

func u16Key(v uint16) []byte { return binary.LittleEndian.AppendUint16(nil, v) }
