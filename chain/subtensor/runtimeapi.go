package subtensor

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/centrifuge/go-substrate-rpc-client/v4/scale"
	"github.com/centrifuge/go-substrate-rpc-client/v4/types"

	"github.com/subnetd/subnetd/chain"
)

// Runtime APIs are described only in metadata V15. The client reads the parts of V15 it needs (the
// type registry and the API list) with go-substrate-rpc-client's V14 building blocks, and decodes API
// results with its metadata-driven decoder, picking struct fields by name.

type apiMethod struct {
	inputs []int64
	output int64
}

// apiMeta is the runtime-API part of a runtime's V15 metadata.
type apiMeta struct {
	types   *runtimeMeta // a runtimeMeta holding only V15's type registry
	methods map[string]apiMethod
}

type v15Param struct {
	Name types.Text
	Type types.Si1LookupTypeID
}

type v15Method struct {
	Name   types.Text
	Inputs []v15Param
	Output types.Si1LookupTypeID
	Docs   []types.Text
}

type v15Api struct {
	Name    types.Text
	Methods []v15Method
	Docs    []types.Text
}

// parseV15 reads the registry and the runtime APIs from V15 metadata bytes (magic, version, …).
func parseV15(b []byte) (*apiMeta, error) {
	d := scale.NewDecoder(bytes.NewReader(b))
	var magic types.U32
	var version types.U8
	if err := d.Decode(&magic); err != nil || uint32(magic) != types.MagicNumber {
		return nil, fmt.Errorf("metadata V15: bad magic")
	}
	if err := d.Decode(&version); err != nil || version != 15 {
		return nil, fmt.Errorf("metadata V15: version %d", version)
	}
	var reg types.PortableRegistryV14
	if err := d.Decode(&reg); err != nil {
		return nil, fmt.Errorf("metadata V15 types: %w", err)
	}
	n, err := d.DecodeUintCompact()
	if err != nil {
		return nil, err
	}
	for i := uint64(0); i < n.Uint64(); i++ {
		var p types.PalletMetadataV14
		var docs []types.Text
		if err := d.Decode(&p); err != nil {
			return nil, fmt.Errorf("metadata V15 pallet %d: %w", i, err)
		}
		if err := d.Decode(&docs); err != nil {
			return nil, fmt.Errorf("metadata V15 pallet %s docs: %w", p.Name, err)
		}
	}
	var ext struct {
		Version                     types.U8
		Address, Call, Sig, ExtraTy types.Si1LookupTypeID
		SignedExtensions            []types.SignedExtensionMetadataV14
	}
	var outer types.Si1LookupTypeID
	var apis []v15Api
	if err := d.Decode(&ext); err != nil {
		return nil, fmt.Errorf("metadata V15 extrinsic: %w", err)
	}
	if err := d.Decode(&outer); err != nil {
		return nil, err
	}
	if err := d.Decode(&apis); err != nil {
		return nil, fmt.Errorf("metadata V15 runtime APIs: %w", err)
	}
	am := &apiMeta{types: &runtimeMeta{lookup: map[int64]*types.Si1Type{}}, methods: map[string]apiMethod{}}
	for i := range reg.Types {
		t := reg.Types[i]
		am.types.lookup[t.ID.Int64()] = &t.Type
	}
	for _, a := range apis {
		for _, m := range a.Methods {
			am.methods[string(a.Name)+"_"+string(m.Name)] = apiMethod{inputs: typeIDs(m.Inputs), output: m.Output.Int64()}
		}
	}
	return am, nil
}

func typeIDs(ps []v15Param) []int64 {
	out := make([]int64, len(ps))
	for i, p := range ps {
		out[i] = p.Type.Int64()
	}
	return out
}

// apis returns the runtime-API metadata of the runtime at block at, or nil when the runtime offers no
// V15 metadata. It is fetched once per runtime version.
func (c *Client) apis(ctx context.Context, rm *runtimeMeta, at [32]byte) *apiMeta {
	c.mu.Lock()
	am, tried := rm.api, rm.apiTried
	c.mu.Unlock()
	if tried {
		return am
	}
	var out string
	err := c.call(ctx, &out, "state_call", "Metadata_metadata_at_version", "0x0f000000", hexOf(at[:]))
	if err == nil {
		// Option<OpaqueMetadata>: 1, then the metadata as Vec<u8>.
		b, herr := hex.DecodeString(strings.TrimPrefix(out, "0x"))
		r := &reader{b: b}
		if herr == nil && len(b) > 1 && b[0] == 1 {
			r.off = 1
			if n, lerr := r.length(1); lerr == nil {
				if raw, terr := r.take(n); terr == nil {
					am, err = parseV15(raw)
				}
			}
		}
		if err != nil {
			c.logf("chain: runtime spec %d: V15 metadata unreadable (%v); reading storage instead", rm.specVersion, err)
			am = nil
		}
	} else if ctx.Err() != nil {
		return nil // not known yet; try again next time
	}
	c.mu.Lock()
	rm.api, rm.apiTried = am, true
	c.mu.Unlock()
	return am
}

// callAPI runs a runtime API method with already SCALE-encoded arguments and decodes its output.
func (c *Client) callAPI(ctx context.Context, am *apiMeta, at [32]byte, method string, args ...any) (any, error) {
	m, ok := am.methods[method]
	if !ok {
		return nil, fmt.Errorf("runtime has no API %s: %w", method, chain.ErrNotAvailable)
	}
	if len(args) != len(m.inputs) {
		return nil, fmt.Errorf("%s takes %d arguments: %w", method, len(m.inputs), chain.ErrNotAvailable)
	}
	var in []byte
	for i, a := range args {
		var err error
		if in, err = am.types.encodeArg(in, m.inputs[i], a); err != nil {
			return nil, fmt.Errorf("%s argument %d: %w", method, i, err)
		}
	}
	var out string
	if err := c.call(ctx, &out, "state_call", method, hexOf(in), hexOf(at[:])); err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	b, err := hex.DecodeString(strings.TrimPrefix(out, "0x"))
	if err != nil {
		return nil, fmt.Errorf("%s: result is not hex", method)
	}
	r := &reader{b: b}
	v, err := am.types.decodeType(r, m.output, 0)
	if err == nil {
		err = r.done()
	}
	if err != nil {
		return nil, fmt.Errorf("%s: decode %s: %w", method, am.types.typeName(m.output), err)
	}
	return v, nil
}

// metagraphFromAPI fills mg's neurons from SubnetInfoRuntimeApi_get_metagraph. It returns false when
// the runtime has no such API (the caller reads storage instead).
func (c *Client) metagraphFromAPI(ctx context.Context, rm *runtimeMeta, at [32]byte, mg *chain.Metagraph) (bool, error) {
	am := c.apis(ctx, rm, at)
	if am == nil {
		return false, nil
	}
	const method = "SubnetInfoRuntimeApi_get_metagraph"
	if _, ok := am.methods[method]; !ok {
		return false, nil
	}
	v, err := c.callAPI(ctx, am, at, method, uint64(mg.Netuid))
	if err != nil {
		return false, err
	}
	opt, ok := v.(*variant)
	if !ok {
		return false, fmt.Errorf("%s: want an Option, got %T", method, v)
	}
	if opt.name == "None" {
		return false, fmt.Errorf("subnet %d: %w", mg.Netuid, chain.NewDispatchError(pallet, "SubNetworkDoesNotExist"))
	}
	s, ok := first(opt.fields)
	g, ok2 := s.(*composite)
	if !ok || !ok2 {
		return false, fmt.Errorf("%s: want Some(struct)", method)
	}
	f := fieldReader{c: g, method: method}
	hotkeys := f.list("hotkeys")
	n := len(hotkeys)
	coldkeys, axons := f.listN("coldkeys", n), f.listN("axons", n)
	active, permits := f.listN("active", n), f.listN("validator_permit", n)
	lastUpdate, regBlock, stake := f.listN("last_update", n), f.listN("block_at_registration", n), f.listN("alpha_stake", n)
	taoStake := f.listN("tao_stake", n)
	if f.err != nil {
		return false, f.err
	}
	mg.Neurons = make([]chain.Neuron, n)
	for uid := range mg.Neurons {
		nr := &mg.Neurons[uid]
		nr.UID = uint16(uid)
		var errs [9]error
		nr.Hotkey, errs[0] = asBytes32(hotkeys[uid])
		nr.Coldkey, errs[1] = asBytes32(coldkeys[uid])
		errs[2] = setAxon(&nr.Axon, axons[uid])
		nr.Active, errs[3] = asBool(active[uid])
		nr.ValidatorPermit, errs[4] = asBool(permits[uid])
		nr.LastUpdate, errs[5] = asU64(lastUpdate[uid])
		nr.BlockAtRegistration, errs[6] = asU64(regBlock[uid])
		nr.Stake, errs[7] = asU64(stake[uid])
		nr.TaoStake, errs[8] = asU64(taoStake[uid])
		for _, err := range errs {
			if err != nil {
				return false, fmt.Errorf("%s: uid %d: %w", method, uid, err)
			}
		}
	}
	if blk, ok := g.field("block"); ok {
		if b, err := asU64(blk); err == nil && b != mg.Block {
			return false, fmt.Errorf("%s: answered for block %d, asked at %d", method, b, mg.Block)
		}
	}
	return true, nil
}

// fieldReader takes named vector fields out of a decoded struct, remembering the first problem.
type fieldReader struct {
	c      *composite
	method string
	err    error
}

func (f *fieldReader) list(name string) []any {
	if f.err != nil {
		return nil
	}
	v, ok := f.c.field(name)
	if !ok {
		f.err = fmt.Errorf("%s: the result has no field %q", f.method, name)
		return nil
	}
	s, err := asSlice(v)
	if err != nil {
		f.err = fmt.Errorf("%s.%s: %w", f.method, name, err)
	}
	return s
}

func (f *fieldReader) listN(name string, n int) []any {
	s := f.list(name)
	if f.err == nil && len(s) != n {
		f.err = fmt.Errorf("%s: %s has %d entries, hotkeys %d", f.method, name, len(s), n)
	}
	return s
}
