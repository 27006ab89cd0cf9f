package timelock

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"io"
	"math/big"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fp"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
)

// Encrypt timelock-encrypts plaintext to round under the beacon's key. The
// result is the compressed wire encoding (len(plaintext)+Overhead bytes) and
// can be opened only with the beacon's signature for round.
//
// rand supplies, in this order, the 32-byte AES key, 64 bytes reduced to the IBE
// scalar t, and the 12-byte AES-GCM nonce. Pass crypto/rand.Reader outside tests.
func (b *Beacon) Encrypt(rand io.Reader, round uint64, plaintext []byte) ([]byte, error) {
	ct, err := b.encrypt(rand, round, plaintext)
	if err != nil {
		return nil, err
	}
	return ct.Bytes(), nil
}

func (b *Beacon) encrypt(rand io.Reader, round uint64, plaintext []byte) (*Ciphertext, error) {
	if round == 0 {
		return nil, fmt.Errorf("%w: round 0 is never signed (drand rounds start at 1)", ErrInvalidRound)
	}
	var esk [KeySize]byte
	if _, err := io.ReadFull(rand, esk[:]); err != nil {
		return nil, fmt.Errorf("read AES key randomness: %w", err)
	}
	var wide [64]byte
	if _, err := io.ReadFull(rand, wide[:]); err != nil {
		return nil, fmt.Errorf("read IBE scalar randomness: %w", err)
	}
	var nonce [NonceSize]byte
	if _, err := io.ReadFull(rand, nonce[:]); err != nil {
		return nil, fmt.Errorf("read nonce randomness: %w", err)
	}

	// t is a uniform scalar (64 bytes reduced mod r: bias below 2^-250);
	// sigma = H4(ark_ser(t)) where ark_ser of a scalar is 32 bytes little-endian.
	var t fr.Element
	t.SetBytes(wide[:])
	var tBytes [fr.Bytes]byte
	fr.LittleEndian.PutElement(&tBytes, t)
	sigma := sha256.Sum256(tBytes[:])

	qID, err := roundPoint(round)
	if err != nil {
		return nil, err
	}
	r := h3(sigma[:], esk[:])

	var u, rPub bls12381.G2Affine
	u.ScalarMultiplicationBase(r)
	rPub.ScalarMultiplication(&b.pub, r)
	gID, err := bls12381.Pair([]bls12381.G1Affine{qID}, []bls12381.G2Affine{rPub})
	if err != nil {
		return nil, fmt.Errorf("pairing for round %d: %w", round, err)
	}
	mask := h2(&gID)
	wMask := sha256.Sum256(sigma[:])

	ct := &Ciphertext{U: u.Bytes(), Nonce: nonce}
	subtle.XORBytes(ct.V[:], sigma[:], mask[:])
	subtle.XORBytes(ct.W[:], esk[:], wMask[:])

	aead, err := newGCM(esk[:])
	if err != nil {
		return nil, err
	}
	ct.Sealed = aead.Seal(nil, nonce[:], plaintext, nil)
	return ct, nil
}

// Decrypt verifies that sig is the beacon's signature for round, then opens
// ciphertext with it. A signature that does not verify gives an error wrapping
// ErrInvalidSignature; bytes that are not a ciphertext, ErrMalformedCiphertext;
// a ciphertext that does not open (another round, tampered), ErrDecryptionFailed.
// It never panics, whatever the input.
func (b *Beacon) Decrypt(round uint64, sig, ciphertext []byte) ([]byte, error) {
	s, err := parseSignature(sig)
	if err != nil {
		return nil, err
	}
	if err := b.verifyPoint(round, s); err != nil {
		return nil, err
	}
	return decryptPoint(s, ciphertext)
}

// DecryptWithSignature opens ciphertext with a round signature without checking
// the signature against any beacon key or round, which is what the chain does
// (its drand pallet verified the pulse when storing it). A wrong signature
// still fails, through the IBE consistency check U == H3(sigma, key)·G2.
func DecryptWithSignature(sig, ciphertext []byte) ([]byte, error) {
	s, err := parseSignature(sig)
	if err != nil {
		return nil, err
	}
	return decryptPoint(s, ciphertext)
}

func decryptPoint(sig bls12381.G1Affine, ciphertext []byte) ([]byte, error) {
	ct, u, err := parseCiphertext(ciphertext)
	if err != nil {
		return nil, err
	}
	// sigma = V XOR H2(e(sig, U)); key = W XOR H4(sigma).
	g, err := bls12381.Pair([]bls12381.G1Affine{sig}, []bls12381.G2Affine{u})
	if err != nil {
		return nil, fmt.Errorf("%w: pairing: %w", ErrDecryptionFailed, err)
	}
	mask := h2(&g)
	var sigma, key [KeySize]byte
	subtle.XORBytes(sigma[:], ct.V[:], mask[:])
	wMask := sha256.Sum256(sigma[:])
	subtle.XORBytes(key[:], ct.W[:], wMask[:])

	// The Fujisaki–Okamoto check: U must be H3(sigma, key)·G2. It fails for a
	// signature of another round or key, and for any change to U, V or W.
	var check bls12381.G2Affine
	check.ScalarMultiplicationBase(h3(sigma[:], key[:]))
	if !check.Equal(&u) {
		return nil, fmt.Errorf("%w: header check failed (wrong round signature or tampered header)", ErrDecryptionFailed)
	}

	aead, err := newGCM(key[:])
	if err != nil {
		return nil, err
	}
	pt, err := aead.Open(nil, ct.Nonce[:], ct.Sealed, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: AES-GCM authentication failed (tampered body)", ErrDecryptionFailed)
	}
	return pt, nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("AES-256 key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("AES-GCM: %w", err)
	}
	return aead, nil
}

// h2 is tle's H2: sha256 of the ark-serialize encoding of a GT element.
func h2(g *bls12381.GT) [32]byte {
	enc := arkSerializeGT(g)
	return sha256.Sum256(enc[:])
}

// h3 is tle's H3: sha256(a ‖ b) read as a big-endian integer and reduced mod r
// (arkworks' from_be_bytes_mod_order).
func h3(a, b []byte) *big.Int {
	h := sha256.New()
	h.Write(a)
	h.Write(b)
	var e fr.Element
	e.SetBytes(h.Sum(nil))
	return e.BigInt(new(big.Int))
}

// gtSize is the ark-serialize length of a GT (Fp12) element: 12 Fp of 48 bytes.
const gtSize = 12 * fp.Bytes

// arkSerializeGT encodes an Fp12 element the way arkworks does: coefficients in
// tower order c0.c0.c0, c0.c0.c1, c0.c1.c0, …, c1.c2.c1, each 48 bytes
// little-endian. gnark's own E12.Bytes() uses another order and big-endian
// limbs, so it cannot be used here.
func arkSerializeGT(g *bls12381.GT) [gtSize]byte {
	coeffs := [12]*fp.Element{
		&g.C0.B0.A0, &g.C0.B0.A1, &g.C0.B1.A0, &g.C0.B1.A1, &g.C0.B2.A0, &g.C0.B2.A1,
		&g.C1.B0.A0, &g.C1.B0.A1, &g.C1.B1.A0, &g.C1.B1.A1, &g.C1.B2.A0, &g.C1.B2.A1,
	}
	var out [gtSize]byte
	for i, c := range coeffs {
		fp.LittleEndian.PutElement((*[fp.Bytes]byte)(out[i*fp.Bytes:(i+1)*fp.Bytes]), *c)
	}
	return out
}
