package pdk

import (
	"encoding/json"
	"fmt"
	"reflect"
)

// Float64Field reads the member name of the JSON object raw (a miner's Response, say) as
// json.Unmarshal reads it into a struct field of type *float64 tagged `json:"name"`, without
// decoding the rest by reflection: ok reports that the member is there and is a number (not
// null); err is json.Unmarshal's error (raw is not valid JSON, not an object or null, or the
// member is not a number that fits a float64), and then v is 0 and ok false. As with
// json.Unmarshal, a key equal to name but for case also counts, and the last one wins.
//
// name must be a valid encoding/json tag name: ASCII letters, digits and the punctuation
// !#$%&()*+-./:;<=>?@[]^_{|}~ and space, and not "-".
//
//	answer, ok, err := pdk.Float64Field(m.Response, "answer")
func Float64Field(raw json.RawMessage, name string) (v float64, ok bool, err error) {
	if !validTagName(name) {
		return 0, false, fmt.Errorf("pdk: %q is not a JSON field name Float64Field can read", name)
	}
	if v, ok, done := float64Field(raw, name); done {
		return v, ok, nil
	}
	// Anything unusual (case-folded or repeated keys, escapes, errors): encoding/json decides.
	t := reflect.StructOf([]reflect.StructField{{Name: "F", Type: reflect.TypeOf((*float64)(nil)), Tag: reflect.StructTag(`json:"` + name + `"`)}})
	p := reflect.New(t)
	if err := json.Unmarshal(raw, p.Interface()); err != nil {
		return 0, false, err
	}
	f := p.Elem().Field(0)
	if f.IsNil() {
		return 0, false, nil
	}
	return f.Elem().Float(), true, nil
}

// float64Field is Float64Field's fast path; done is false when encoding/json must decide.
func float64Field(raw []byte, name string) (v float64, ok, done bool) {
	d := decoder{b: raw}
	if d.null() {
		return 0, false, d.end()
	}
	if !d.objectStart() {
		return 0, false, false
	}
	seen, started := false, false
	for {
		c := d.peek()
		if c == '}' {
			d.i++
			return v, ok, d.end()
		}
		if started {
			if c != ',' {
				return 0, false, false
			}
			d.i++
		}
		started = true
		start, end, plain, good := d.stringToken()
		if !good || !plain || d.peek() != ':' {
			return 0, false, false
		}
		d.i++
		key := raw[start:end]
		switch {
		case string(key) == name:
			if seen {
				return 0, false, false
			}
			seen = true
			if d.null() {
				v, ok = 0, false
				continue
			}
			if x, end, good := plainDecimal(raw, d.i); good {
				v, ok, d.i = x, true, end
				continue
			}
			n, good := d.numberToken()
			if !good {
				return 0, false, false
			}
			if v, good = d.float(n); !good {
				return 0, false, false
			}
			ok = true
		case equalFoldASCII(name, key):
			return 0, false, false
		default:
			end, good := scanValue(raw, d.i)
			if !good {
				return 0, false, false
			}
			d.i = end
		}
	}
}

// validTagName reports whether encoding/json takes name from a tag (its isValidTag rule,
// restricted to ASCII).
func validTagName(name string) bool {
	if name == "" || name == "-" { // "-" makes encoding/json skip the field
		return false
	}
	for i := range len(name) {
		c := name[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case ' ' <= c && c < 0x7f && c != '"' && c != '\'' && c != ',' && c != '\\' && c != '`':
		default:
			return false
		}
	}
	return true
}
