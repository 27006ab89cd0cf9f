package providers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrMalformed is wrapped when a provider's answer is not {"features":{"<uid>":<JSON>,…}} for
// uids of the request.
var ErrMalformed = errors.New("malformed features answer")

// Features are one provider's features for one round: each uid's JSON value, compacted. A uid
// the provider left out has no entry, and counts as null.
type Features map[uint16]json.RawMessage

// ParseAnswer validates a provider's answer against the uids it was given and returns the
// features: a JSON object whose "features" member maps decimal uids to any JSON value (null
// included). A uid that was not asked for, a uid given twice, or anything but that shape fails
// the whole answer: features the host cannot attribute are not used.
func ParseAnswer(answer []byte, uids []uint16) (Features, error) {
	var top struct {
		Features json.RawMessage `json:"features"`
	}
	if err := json.Unmarshal(answer, &top); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	raw := bytes.TrimSpace(top.Features)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, fmt.Errorf(`%w: no "features" object`, ErrMalformed)
	}
	if raw[0] != '{' {
		return nil, fmt.Errorf(`%w: "features" is not an object`, ErrMalformed)
	}
	asked := make(map[uint16]bool, len(uids))
	for _, u := range uids {
		asked[u] = true
	}
	out := make(Features, len(uids))
	// raw is valid JSON (Unmarshal checked it), so a plain scan finds each member.
	i := skipSpace(raw, 1)
	for i < len(raw) && raw[i] != '}' {
		if raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
		end := bytes.IndexByte(raw[i+1:], '"') + i + 1 // keys we accept hold no escapes
		key := string(raw[i+1 : end])
		n, err := strconv.ParseUint(key, 10, 16)
		if err != nil || strconv.FormatUint(n, 10) != key || strings.IndexByte(key, '\\') >= 0 {
			return nil, fmt.Errorf("%w: key %q is not a uid", ErrMalformed, truncate(key, 40))
		}
		uid := uint16(n)
		if !asked[uid] {
			return nil, fmt.Errorf("%w: features for uid %d, which was not in the round", ErrMalformed, uid)
		}
		if _, dup := out[uid]; dup {
			return nil, fmt.Errorf("%w: uid %d given twice", ErrMalformed, uid)
		}
		i = skipSpace(raw, end+1) + 1 // past ':'
		i = skipSpace(raw, i)
		j := valueEnd(raw, i)
		v := raw[i:j]
		if bytes.ContainsAny(v, " \t\r\n") {
			var buf bytes.Buffer
			if err := json.Compact(&buf, v); err != nil {
				return nil, fmt.Errorf("%w: uid %d: %v", ErrMalformed, uid, err)
			}
			v = buf.Bytes()
		} else {
			v = bytes.Clone(v)
		}
		out[uid] = v
		i = skipSpace(raw, j)
	}
	return out, nil
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// valueEnd returns the end of the JSON value starting at b[i], b being valid JSON.
func valueEnd(b []byte, i int) int {
	depth, inString := 0, false
	for j := i; j < len(b); j++ {
		c := b[j]
		if inString {
			switch c {
			case '\\':
				j++
			case '"':
				inString = false
				if depth == 0 {
					return j + 1
				}
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return j // the end of the enclosing object: a scalar ended here
			}
			depth--
			if depth == 0 {
				return j + 1
			}
		case ',', ' ', '\t', '\r', '\n':
			if depth == 0 {
				return j
			}
		}
	}
	return len(b)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
