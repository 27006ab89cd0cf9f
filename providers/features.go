package providers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
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
	var top map[string]json.RawMessage
	if err := json.Unmarshal(answer, &top); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	raw, ok := top["features"]
	if !ok {
		return nil, fmt.Errorf(`%w: no "features" object`, ErrMalformed)
	}
	asked := make(map[uint16]bool, len(uids))
	for _, u := range uids {
		asked[u] = true
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf(`%w: "features" is not an object`, ErrMalformed)
	}
	out := make(Features)
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		key := t.(string) // object keys are strings once Token succeeded
		n, err := strconv.ParseUint(key, 10, 16)
		if err != nil || strconv.FormatUint(n, 10) != key {
			return nil, fmt.Errorf("%w: key %q is not a uid", ErrMalformed, truncate(key, 40))
		}
		uid := uint16(n)
		if !asked[uid] {
			return nil, fmt.Errorf("%w: features for uid %d, which was not in the round", ErrMalformed, uid)
		}
		if _, dup := out[uid]; dup {
			return nil, fmt.Errorf("%w: uid %d given twice", ErrMalformed, uid)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("%w: uid %d: %v", ErrMalformed, uid, err)
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, v); err != nil {
			return nil, fmt.Errorf("%w: uid %d: %v", ErrMalformed, uid, err)
		}
		out[uid] = buf.Bytes()
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf(`%w: data after the "features" object`, ErrMalformed)
	}
	return out, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
