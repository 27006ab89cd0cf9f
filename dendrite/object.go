package dendrite

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// member is one key of a JSON object, kept with its raw value.
type member struct {
	Key string
	Val json.RawMessage
}

// object is a JSON object that keeps its keys in text order, so bodies are re-encoded in the
// order the sender wrote them (Python dicts keep insertion order too).
type object []member

func decodeObject(b []byte) (object, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("not a JSON object")
	}
	var obj object
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("invalid JSON: %w", err)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("invalid JSON at key %q: %w", kt, err)
		}
		obj = obj.set(kt.(string), raw)
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("invalid JSON: trailing data after the object")
	}
	return obj, nil
}

func (o object) get(key string) (json.RawMessage, bool) {
	for _, m := range o {
		if m.Key == key {
			return m.Val, true
		}
	}
	return nil, false
}

// set replaces key's value in place or appends it (a duplicate key keeps the last value, as Python).
func (o object) set(key string, val json.RawMessage) object {
	for i := range o {
		if o[i].Key == key {
			o[i].Val = val
			return o
		}
	}
	return append(o, member{key, val})
}

func (o object) without(keys map[string]bool) object {
	out := make(object, 0, len(o))
	for _, m := range o {
		if !keys[m.Key] {
			out = append(out, m)
		}
	}
	return out
}

func (o object) encode() []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(m.Key)
		b.Write(k)
		b.WriteByte(':')
		if len(m.Val) == 0 {
			b.WriteString("null")
		} else {
			b.Write(m.Val)
		}
	}
	b.WriteByte('}')
	return b.Bytes()
}
