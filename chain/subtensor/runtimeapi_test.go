package subtensor

import (
	"bytes"
	"math/big"
	"testing"

	"github.com/centrifuge/go-substrate-rpc-client/v4/scale"
	"github.com/centrifuge/go-substrate-rpc-client/v4/types"
)

// TestParseV15 encodes a small V15 metadata (two types, one pallet, one runtime API) with the
// library's SCALE encoder and reads it back.
func TestParseV15(t *testing.T) {
	var buf bytes.Buffer
	e := scale.NewEncoder(&buf)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(e.Encode(types.U32(types.MagicNumber)))
	must(e.Encode(types.U8(15)))
	reg := types.PortableRegistryV14{Types: []types.PortableTypeV14{
		{ID: tid(0), Type: types.Si1Type{Def: prim(types.IsU16)}},
		{ID: tid(1), Type: types.Si1Type{Def: types.Si1TypeDef{IsSequence: true, Sequence: types.Si1TypeDefSequence{Type: tid(0)}}}},
	}}
	must(e.Encode(reg))
	must(e.EncodeUintCompact(*bigOne()))
	must(e.Encode(types.PalletMetadataV14{Name: "System", Index: 0}))
	must(e.Encode([]types.Text{"docs"}))
	must(e.Encode(struct {
		Version                     types.U8
		Address, Call, Sig, ExtraTy types.Si1LookupTypeID
		SignedExtensions            []types.SignedExtensionMetadataV14
	}{Version: 4, Address: tid(0), Call: tid(0), Sig: tid(0), ExtraTy: tid(0)}))
	must(e.Encode(tid(0)))
	must(e.Encode([]v15Api{{Name: "SubnetInfoRuntimeApi", Methods: []v15Method{
		{Name: "get_metagraph", Inputs: []v15Param{{Name: "netuid", Type: tid(0)}}, Output: tid(1)},
	}}}))

	am, err := parseV15(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	m, ok := am.methods["SubnetInfoRuntimeApi_get_metagraph"]
	if !ok || len(m.inputs) != 1 || m.inputs[0] != 0 || m.output != 1 {
		t.Fatalf("methods = %+v", am.methods)
	}
	if v, err := am.types.decodeType(&reader{b: []byte{8, 1, 0, 2, 0}}, m.output, 0); err != nil || len(v.([]any)) != 2 {
		t.Fatalf("decode with the V15 registry: %v, %v", v, err)
	}
	if _, err := parseV15(buf.Bytes()[:40]); err == nil {
		t.Fatal("truncated metadata parsed")
	}
	bad := append([]byte{}, buf.Bytes()...)
	bad[4] = 14
	if _, err := parseV15(bad); err == nil {
		t.Fatal("version 14 accepted as 15")
	}
}

func bigOne() *big.Int { return big.NewInt(1) }
