package subtensor

import (
	"encoding/binary"
	"fmt"
	"math/bits"

	"github.com/centrifuge/go-substrate-rpc-client/v4/types"
	"golang.org/x/crypto/blake2b"

	"github.com/subnetd/subnetd/chain"

	"github.com/subnetd/subnetd/internal/scale"
)

// MortalEra encodes a mortal era of the given period (rounded up to a power of two in [4, 65536])
// starting at block current, as sp_runtime's Era::mortal does. It returns the two encoded bytes and the
// era's birth block (whose hash goes into the signed payload).
func MortalEra(period, current uint64) (enc [2]byte, birth uint64) {
	p := uint64(4)
	for p < period && p < 1<<16 {
		p <<= 1
	}
	phase := current % p
	quantize := max(p>>12, 1)
	qphase := phase / quantize * quantize
	tz := uint64(bits.TrailingZeros64(p))
	low := min(15, max(1, tz-1))
	v := uint16(low | (qphase/quantize)<<4)
	binary.LittleEndian.PutUint16(enc[:], v)
	birth = (max(current, qphase)-qphase)/p*p + qphase
	return enc, birth
}

// txParams is everything the signed extensions need besides the call.
type txParams struct {
	specVersion uint32
	txVersion   uint32
	genesis     [32]byte
	era         [2]byte
	eraBirth    [32]byte // hash of the era's birth block
	nonce       uint64
	tip         uint64
}

// encodeExtensions builds the "extra" bytes (carried in the extrinsic) and the "additional signed"
// bytes (signed, not carried) from the metadata's signed-extension list. Extensions whose types hold no
// data are skipped; an extension that needs data this client cannot supply is refused by name.
func (rm *runtimeMeta) encodeExtensions(p txParams) (extra, additional []byte, err error) {
	for _, ext := range rm.extensions {
		id := string(ext.Identifier)
		et, at := ext.Type.Int64(), ext.AdditionalSigned.Int64()
		eZero, aZero := rm.zeroSized(et), rm.zeroSized(at)
		bad := func(what string) error {
			return fmt.Errorf("signed extension %s: its %s type %s is not what this client knows how to fill: %w",
				id, what, rm.typeName(et), chain.ErrNotAvailable)
		}
		switch id {
		case "CheckSpecVersion", "CheckTxVersion":
			if !eZero || !rm.isPrimitive(at, types.IsU32) {
				return nil, nil, bad("additional")
			}
			v := p.specVersion
			if id == "CheckTxVersion" {
				v = p.txVersion
			}
			additional = binary.LittleEndian.AppendUint32(additional, v)
		case "CheckGenesis":
			if !eZero || !rm.isBytes32(at) {
				return nil, nil, bad("additional")
			}
			additional = append(additional, p.genesis[:]...)
		case "CheckMortality", "CheckEra":
			_, t := rm.resolve(et)
			if t == nil || !t.Def.IsVariant || !rm.isBytes32(at) {
				return nil, nil, bad("extra")
			}
			extra = append(extra, p.era[:]...)
			additional = append(additional, p.eraBirth[:]...)
		case "CheckNonce":
			if !aZero || !rm.isCompactUint(et) {
				return nil, nil, bad("extra")
			}
			extra = scale.AppendCompact(extra, p.nonce)
		case "CheckMetadataHash":
			// Mode::Disabled, and no hash in the signed data.
			_, t := rm.resolve(et)
			disabled := -1
			if t != nil && t.Def.IsVariant {
				for _, v := range t.Def.Variant.Variants {
					if string(v.Name) == "Disabled" && len(v.Fields) == 0 {
						disabled = int(v.Index)
					}
				}
			}
			_, ot := rm.resolve(at)
			if disabled < 0 || ot == nil || !ot.Def.IsVariant {
				return nil, nil, bad("extra")
			}
			extra = append(extra, byte(disabled))
			additional = append(additional, 0) // Option::None
		default:
			switch {
			case eZero && aZero:
				// PhantomData-only extensions (CheckNonZeroSender, CheckWeight, subtensor's own guards).
			case aZero && rm.isCompactUint(et) && isPaymentExtension(id):
				// ChargeTransactionPayment and wrappers around it: Compact<tip>.
				extra = scale.AppendCompact(extra, p.tip)
			default:
				return nil, nil, fmt.Errorf("signed extension %s needs data (%s / %s) this client cannot supply: %w",
					id, rm.typeName(et), rm.typeName(at), chain.ErrNotAvailable)
			}
		}
	}
	return extra, additional, nil
}

func isPaymentExtension(id string) bool {
	return id == "ChargeTransactionPayment" || id == "ChargeTransactionPaymentWrapper"
}

// signedExtrinsic assembles a signed v4 extrinsic: the signing payload is call ‖ extra ‖ additional
// (blake2-256 of it when longer than 256 bytes). It returns the encoded extrinsic (with its length
// prefix) and its hash.
func (rm *runtimeMeta) signedExtrinsic(call []byte, p txParams, s chain.Signer) ([]byte, [32]byte, error) {
	if rm.extVersion != 4 {
		return nil, [32]byte{}, fmt.Errorf("extrinsic version %d: this client builds version 4: %w", rm.extVersion, chain.ErrNotAvailable)
	}
	if rm.formatErr != nil {
		return nil, [32]byte{}, fmt.Errorf("runtime spec %d: %w: %w", rm.specVersion, rm.formatErr, chain.ErrNotAvailable)
	}
	extra, additional, err := rm.encodeExtensions(p)
	if err != nil {
		return nil, [32]byte{}, err
	}
	payload := make([]byte, 0, len(call)+len(extra)+len(additional))
	payload = append(append(append(payload, call...), extra...), additional...)
	if len(payload) > 256 {
		h := blake2b.Sum256(payload)
		payload = h[:]
	}
	sig, err := s.Sign(payload)
	if err != nil {
		return nil, [32]byte{}, fmt.Errorf("sign extrinsic: %w", err)
	}
	if len(sig) != 64 {
		return nil, [32]byte{}, fmt.Errorf("sign extrinsic: signer returned %d bytes, want 64", len(sig))
	}
	pub := s.PublicKey()
	body := make([]byte, 0, 1+33+65+len(extra)+len(call))
	body = append(body, 0x84)             // signed, version 4
	body = append(body, rm.addrPrefix...) // MultiAddress::Id
	body = append(body, pub[:]...)
	body = append(body, rm.sigPrefix...) // MultiSignature::Sr25519
	body = append(body, sig...)          //
	body = append(body, extra...)        //
	body = append(body, call...)         //
	xt := scale.AppendCompact(make([]byte, 0, len(body)+5), uint64(len(body)))
	xt = append(xt, body...)
	return xt, blake2b.Sum256(xt), nil
}
