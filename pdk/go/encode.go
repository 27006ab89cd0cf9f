package pdk

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"strconv"
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
			b = strconv.AppendUint(b, uint64(sc.UID), 10)
			b = append(b, `,"score":`...)
			b = appendFloat(b, sc.Score)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if len(s.State) > 0 {
		b = append(b, `,"state":"`...)
		b = base64.StdEncoding.AppendEncode(b, s.State)
		b = append(b, '"')
	}
	return append(b, '}'), nil
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
