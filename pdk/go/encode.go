package pdk

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"strconv"
	"unsafe"
)

// encodeScores writes s as json.Marshal does, without reflection; a score json.Marshal
// refuses (NaN, ±Inf) goes to json.Marshal for its error.
func encodeScores(s Scores) ([]byte, error) {
	b := make([]byte, 0, 16+len(s.Scores)*40+base64.StdEncoding.EncodedLen(len(s.State)))
	b = append(b, `{"scores":`...)
	if s.Scores == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, sc := range s.Scores {
			if math.IsNaN(sc.Score) || math.IsInf(sc.Score, 0) {
				return json.Marshal(s)
			}
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"uid":`...)
			b = appendUint16(b, sc.UID)
			b = append(b, `,"score":`...)
			b = appendFloat(b, sc.Score)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if len(s.State) > 0 {
		b = append(b, `,"state":"`...)
		b = appendBase64(b, s.State)
		b = append(b, '"')
	}
	return append(b, '}'), nil
}

// appendUint16 appends u in decimal as strconv.AppendUint does, with the digits computed in
// place (strconv's loop is a call and a table walk per pair of digits).
func appendUint16(b []byte, u uint16) []byte {
	switch {
	case u < 10:
		return append(b, byte('0'+u))
	case u < 100:
		return append(b, byte('0'+u/10), byte('0'+u%10))
	case u < 1000:
		return append(b, byte('0'+u/100), byte('0'+u/10%10), byte('0'+u%10))
	case u < 10000:
		return append(b, byte('0'+u/1000), byte('0'+u/100%10), byte('0'+u/10%10), byte('0'+u%10))
	}
	return append(b, byte('0'+u/10000), byte('0'+u/1000%10), byte('0'+u/100%10), byte('0'+u/10%10), byte('0'+u%10))
}

// AppendJSONFloat appends f as json.Marshal writes a float64, or fails as it does on NaN
// and ±Inf: for scorers that write their own JSON (state, say) without reflection.
func AppendJSONFloat(b []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		_, err := json.Marshal(f)
		return b, err
	}
	return appendFloat(b, f), nil
}

// AppendJSONString appends s as json.Marshal writes a string (quoted, with its escapes,
// including those of <, > and &).
func AppendJSONString(b []byte, s string) []byte {
	i := 0
	if len(s) >= 8 {
		p := unsafe.Slice(unsafe.StringData(s), len(s)) // read only
		for i+8 <= len(p) && htmlSpecial8(le64(p[i:i+8])) == 0 {
			i += 8
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always encodes
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// htmlSpecial8 is non-zero when one of the eight bytes of x is one special8 marks or one
// json.Marshal escapes as HTML (<, >, &), or DEL.
func htmlSpecial8(x uint64) uint64 {
	lt, gt, amp, del := x^(ones*'<'), x^(ones*'>'), x^(ones*'&'), x^(ones*0x7f)
	return special8(x) | ((lt-ones)&^lt|(gt-ones)&^gt|(amp-ones)&^amp|(del-ones)&^del)&highs
}

// appendFloat formats a finite f as encoding/json does (the shortest representation that
// reads back as f; exponent form below 1e-6 and from 1e21, with a one-digit negative
// exponent written without a leading zero).
func appendFloat(b []byte, f float64) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

const base64Std = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// appendBase64 appends src in standard base64 with padding, as base64.StdEncoding does,
// with a loop whose only branch is its own test (the standard library's checks the bounds
// of every byte, and Go's Wasm code pays dearly for each branch).
func appendBase64(b, src []byte) []byte {
	n := len(b)
	b = append(b, make([]byte, base64.StdEncoding.EncodedLen(len(src)))...)
	dst := b[n:]
	// Six bytes in, eight characters out as one word: half the loop's tests and one store.
	for len(src) >= 6 && len(dst) >= 8 {
		v := uint64(src[0])<<40 | uint64(src[1])<<32 | uint64(src[2])<<24 | uint64(src[3])<<16 | uint64(src[4])<<8 | uint64(src[5])
		putLE64(dst, uint64(base64Std[v>>42&63])|uint64(base64Std[v>>36&63])<<8|uint64(base64Std[v>>30&63])<<16|
			uint64(base64Std[v>>24&63])<<24|uint64(base64Std[v>>18&63])<<32|uint64(base64Std[v>>12&63])<<40|
			uint64(base64Std[v>>6&63])<<48|uint64(base64Std[v&63])<<56)
		src, dst = src[6:], dst[8:]
	}
	if len(src) >= 3 && len(dst) >= 4 {
		v := uint(src[0])<<16 | uint(src[1])<<8 | uint(src[2])
		dst[0] = base64Std[v>>18&63]
		dst[1] = base64Std[v>>12&63]
		dst[2] = base64Std[v>>6&63]
		dst[3] = base64Std[v&63]
		src, dst = src[3:], dst[4:]
	}
	switch {
	case len(src) == 2 && len(dst) >= 4:
		v := uint(src[0])<<16 | uint(src[1])<<8
		dst[0], dst[1], dst[2], dst[3] = base64Std[v>>18&63], base64Std[v>>12&63], base64Std[v>>6&63], '='
	case len(src) == 1 && len(dst) >= 4:
		v := uint(src[0]) << 16
		dst[0], dst[1], dst[2], dst[3] = base64Std[v>>18&63], base64Std[v>>12&63], '=', '='
	}
	return b
}
