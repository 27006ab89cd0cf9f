package timelock

import (
	"bytes"
	"encoding/binary"
	"fmt"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
)

// Wire-format constants of tle's TLECiphertext with the AES-GCM provider.
const (
	// CipherSuiteAESGCM is the cipher-suite tag tle writes for AES-256-GCM.
	CipherSuiteAESGCM = "AES_GCM_"
	// NonceSize is the AES-GCM nonce length.
	NonceSize = 12
	// TagSize is the AES-GCM authentication tag length.
	TagSize = 16
	// KeySize is the length of the AES key carried by the IBE header (esk) and of
	// V and W.
	KeySize = 32
	// Overhead is how many bytes a ciphertext adds to its plaintext:
	// U (96) + vec(V) (40) + vec(W) (40) + body length (8) + vec(ct‖tag)
	// framing and tag (8+16) + vec(nonce) (20) + vec(suite) (16).
	Overhead = PublicKeySize + 2*(8+KeySize) + 8 + 8 + TagSize + 8 + NonceSize + 8 + len(CipherSuiteAESGCM)
)

// Ciphertext is a decoded timelock ciphertext (tle's TLECiphertext with an
// AES-GCM body). Its fields are raw bytes exactly as on the wire; U is kept as
// the 96-byte compressed point.
type Ciphertext struct {
	// U is r·G2, the IBE header's group element, compressed.
	U [PublicKeySize]byte
	// V is sigma XOR H2(e(Q_id, r·P_pub)).
	V [KeySize]byte
	// W is the AES key XOR H4(sigma).
	W [KeySize]byte
	// Sealed is the AES-GCM ciphertext followed by its 16-byte tag.
	Sealed []byte
	// Nonce is the 12-byte AES-GCM nonce.
	Nonce [NonceSize]byte
}

// ParseCiphertext decodes the compressed ark-serialize encoding of a timelock
// ciphertext. It is strict: every length must be the one tle writes, U must be a
// valid compressed G2 point of the prime-order subgroup, the cipher suite must
// be "AES_GCM_", and no byte may follow the encoding. Errors wrap
// ErrMalformedCiphertext. It never panics, whatever the input.
func ParseCiphertext(b []byte) (*Ciphertext, error) {
	ct, _, err := parseCiphertext(b)
	return ct, err
}

func parseCiphertext(b []byte) (*Ciphertext, bls12381.G2Affine, error) {
	var u bls12381.G2Affine
	bad := func(format string, args ...any) (*Ciphertext, bls12381.G2Affine, error) {
		return nil, u, fmt.Errorf("%w: %s", ErrMalformedCiphertext, fmt.Sprintf(format, args...))
	}
	r := reader{buf: b}
	ct := &Ciphertext{}

	uBytes, ok := r.take(PublicKeySize)
	if !ok {
		return bad("header U: need %d bytes, have %d", PublicKeySize, len(b))
	}
	p, err := parseG2(uBytes)
	if err != nil {
		return bad("header U: %v", err)
	}
	u = p
	copy(ct.U[:], uBytes)

	v, err := r.vec("header V")
	if err != nil {
		return bad("%v", err)
	}
	if len(v) != KeySize {
		return bad("header V: want %d bytes, got %d", KeySize, len(v))
	}
	copy(ct.V[:], v)

	w, err := r.vec("header W")
	if err != nil {
		return bad("%v", err)
	}
	if len(w) != KeySize {
		return bad("header W: want %d bytes, got %d", KeySize, len(w))
	}
	copy(ct.W[:], w)

	body, err := r.vec("body")
	if err != nil {
		return bad("%v", err)
	}
	suite, err := r.vec("cipher suite")
	if err != nil {
		return bad("%v", err)
	}
	if string(suite) != CipherSuiteAESGCM {
		return bad("cipher suite %q, want %q", suite, CipherSuiteAESGCM)
	}
	if r.remaining() != 0 {
		return bad("%d trailing bytes after the cipher suite", r.remaining())
	}

	br := reader{buf: body}
	sealed, err := br.vec("body ciphertext")
	if err != nil {
		return bad("%v", err)
	}
	if len(sealed) < TagSize {
		return bad("body ciphertext: %d bytes is shorter than the %d-byte tag", len(sealed), TagSize)
	}
	nonce, err := br.vec("body nonce")
	if err != nil {
		return bad("%v", err)
	}
	if len(nonce) != NonceSize {
		return bad("body nonce: want %d bytes, got %d", NonceSize, len(nonce))
	}
	if br.remaining() != 0 {
		return bad("%d trailing bytes inside the body", br.remaining())
	}
	ct.Sealed = bytes.Clone(sealed)
	copy(ct.Nonce[:], nonce)
	return ct, u, nil
}

// Bytes returns the compressed ark-serialize encoding, the bytes a commit carries.
func (c *Ciphertext) Bytes() []byte {
	bodyLen := 8 + len(c.Sealed) + 8 + NonceSize
	out := make([]byte, 0, Overhead-TagSize+len(c.Sealed))
	out = append(out, c.U[:]...)
	out = appendVec(out, c.V[:])
	out = appendVec(out, c.W[:])
	out = binary.LittleEndian.AppendUint64(out, uint64(bodyLen))
	out = appendVec(out, c.Sealed)
	out = appendVec(out, c.Nonce[:])
	out = appendVec(out, []byte(CipherSuiteAESGCM))
	return out
}

// appendVec appends an ark-serialize Vec<u8>: u64 little-endian length, then the bytes.
func appendVec(dst, v []byte) []byte {
	dst = binary.LittleEndian.AppendUint64(dst, uint64(len(v)))
	return append(dst, v...)
}

// reader walks a byte slice without ever indexing past its end.
type reader struct {
	buf []byte
	off int
}

func (r *reader) remaining() int { return len(r.buf) - r.off }

func (r *reader) take(n int) ([]byte, bool) {
	if n < 0 || n > r.remaining() {
		return nil, false
	}
	b := r.buf[r.off : r.off+n]
	r.off += n
	return b, true
}

// vec reads an ark-serialize Vec<u8>, checking the declared length against the
// bytes actually present before slicing.
func (r *reader) vec(what string) ([]byte, error) {
	lb, ok := r.take(8)
	if !ok {
		return nil, fmt.Errorf("%s: truncated length prefix (%d bytes left)", what, r.remaining())
	}
	n := binary.LittleEndian.Uint64(lb)
	if n > uint64(r.remaining()) {
		return nil, fmt.Errorf("%s: length %d exceeds the %d bytes left", what, n, r.remaining())
	}
	b, _ := r.take(int(n))
	return b, nil
}
