package dendrite

import (
	"bytes"
	"crypto/sha3"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// EmptyBodyHash is the body hash of a synapse without required hash fields: sha3-256 of "".
const EmptyBodyHash = "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a"

// ErrBodyHash is wrapped when a body hash cannot be computed from a body.
var ErrBodyHash = errors.New("body hash")

// sha3Hex is the SDK's get_hash: the hex sha3-256 of a UTF-8 string.
func sha3Hex(s string) string {
	sum := sha3.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// BodyHash computes the SDK's Synapse.body_hash for a JSON object body:
//
//	sha3_256( "".join( sha3_256(str(body[f])) for f in requiredHashFields ) )
//
// where str is Python's str() of the value as pydantic's model_dump returns it (see PyStr). A field
// missing from the body hashes as None, the value an optional pydantic field defaults to. With no
// required hash fields the result is EmptyBodyHash.
func BodyHash(body []byte, requiredHashFields []string) (string, error) {
	if len(requiredHashFields) == 0 {
		return EmptyBodyHash, nil
	}
	obj, err := decodeObject(body)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrBodyHash, err)
	}
	var cat strings.Builder
	for _, f := range requiredHashFields {
		raw, ok := obj.get(f)
		s := "None"
		if ok {
			if s, err = PyStr(raw); err != nil {
				return "", fmt.Errorf("%w: field %q: %w", ErrBodyHash, f, err)
			}
		}
		cat.WriteString(sha3Hex(s))
	}
	return sha3Hex(cat.String()), nil
}

// PyStr renders a JSON value as Python's str() prints the value json.loads (and pydantic) would give:
// a top-level string prints bare; strings inside containers print as repr ('a', or "it's"); true,
// false and null print as True, False and None; a number with a fraction or exponent is a float and
// prints as Python's float repr (0.1, 1e-05, 1e+16, 3.0); any other number is an int; lists print
// as [a, b] and objects as {'k': v} in the order of the JSON text.
//
// The JSON text decides int versus float: a pydantic float field sent as 3 prints as 3.0 in Python
// but as 3 here, so send floats with a fraction (3.0) when they are hashed.
func PyStr(value []byte) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(value))
	dec.UseNumber()
	var sb strings.Builder
	if err := pyWrite(&sb, dec, true, 0); err != nil {
		return "", err
	}
	if _, err := dec.Token(); err != io.EOF {
		return "", errors.New("trailing data after JSON value")
	}
	return sb.String(), nil
}

// maxDepth bounds nesting as encoding/json does, so hostile input cannot exhaust the stack.
const maxDepth = 10000

func pyWrite(sb *strings.Builder, dec *json.Decoder, top bool, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("invalid JSON: nested deeper than %d", maxDepth)
	}
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("invalid JSON: %w", err)
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '[':
			sb.WriteByte('[')
			for i := 0; dec.More(); i++ {
				if i > 0 {
					sb.WriteString(", ")
				}
				if err := pyWrite(sb, dec, false, depth+1); err != nil {
					return err
				}
			}
			sb.WriteByte(']')
		case '{':
			// A repeated key keeps its first position and its last value, as a Python dict does.
			var keys, vals []string
			pos := map[string]int{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return fmt.Errorf("invalid JSON: %w", err)
				}
				var vb strings.Builder
				if err := pyWrite(&vb, dec, false, depth+1); err != nil {
					return err
				}
				k := kt.(string)
				if i, ok := pos[k]; ok {
					vals[i] = vb.String()
					continue
				}
				pos[k] = len(keys)
				keys = append(keys, k)
				vals = append(vals, vb.String())
			}
			sb.WriteByte('{')
			for i, k := range keys {
				if i > 0 {
					sb.WriteString(", ")
				}
				sb.WriteString(pyRepr(k))
				sb.WriteString(": ")
				sb.WriteString(vals[i])
			}
			sb.WriteByte('}')
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return fmt.Errorf("invalid JSON: %w", err)
		}
	case string:
		if top {
			sb.WriteString(t)
		} else {
			sb.WriteString(pyRepr(t))
		}
	case bool:
		if t {
			sb.WriteString("True")
		} else {
			sb.WriteString("False")
		}
	case nil:
		sb.WriteString("None")
	case json.Number:
		s, err := pyNumber(string(t))
		if err != nil {
			return err
		}
		sb.WriteString(s)
	}
	return nil
}

// pyNumber prints a JSON number literal as Python prints the int or float json.loads makes of it.
func pyNumber(lit string) (string, error) {
	if !strings.ContainsAny(lit, ".eE") {
		// An int: JSON forbids leading zeros, so the literal is already canonical except "-0".
		if lit == "-0" {
			return "0", nil
		}
		return lit, nil
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return "", fmt.Errorf("number %s: %w", lit, err)
	}
	return PyFloatRepr(f), nil
}

// PyFloatRepr formats f as Python 3's repr(float): the shortest digits that round-trip, in fixed
// notation with at least one fractional digit when the decimal exponent is in [-4, 16), else in
// scientific notation with a signed exponent of at least two digits (1e-05, 1.5e+16).
func PyFloatRepr(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	// Shortest round-trip digits in the form [-]d[.ddd]e±XX.
	e := strconv.FormatFloat(f, 'e', -1, 64)
	sign := ""
	if e[0] == '-' {
		sign, e = "-", e[1:]
	}
	mant, expStr, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(expStr)
	digits := strings.Replace(mant, ".", "", 1)
	decpt := exp + 1 // value = 0.DIGITS × 10^decpt
	if decpt > -4 && decpt <= 16 {
		switch {
		case decpt <= 0:
			return sign + "0." + strings.Repeat("0", -decpt) + digits
		case decpt >= len(digits):
			return sign + digits + strings.Repeat("0", decpt-len(digits)) + ".0"
		default:
			return sign + digits[:decpt] + "." + digits[decpt:]
		}
	}
	out := sign + digits[:1]
	if len(digits) > 1 {
		out += "." + digits[1:]
	}
	es := "+"
	if exp < 0 {
		es, exp = "-", -exp
	}
	if exp < 10 {
		return out + "e" + es + "0" + strconv.Itoa(exp)
	}
	return out + "e" + es + strconv.Itoa(exp)
}

// pyRepr is Python 3's repr(str).
func pyRepr(s string) string {
	quote := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		quote = '"'
	}
	var sb strings.Builder
	sb.WriteByte(quote)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == rune(quote) || r == '\\':
			sb.WriteByte('\\')
			sb.WriteRune(r)
		case r == '\t':
			sb.WriteString(`\t`)
		case r == '\n':
			sb.WriteString(`\n`)
		case r == '\r':
			sb.WriteString(`\r`)
		case r < ' ' || r == 0x7f:
			fmt.Fprintf(&sb, `\x%02x`, r)
		case r < 0x7f:
			sb.WriteRune(r)
		case unicode.IsPrint(r):
			sb.WriteRune(r)
		case r <= 0xff:
			fmt.Fprintf(&sb, `\x%02x`, r)
		case r <= 0xffff:
			fmt.Fprintf(&sb, `\u%04x`, r)
		default:
			fmt.Fprintf(&sb, `\U%08x`, r)
		}
	}
	sb.WriteByte(quote)
	return sb.String()
}
